package mock

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/franca-gw/franca/translate/schema"
)

// TestChatParams keeps the parameters the mock knows in step with schema.ChatRequest.
func TestChatParams(t *testing.T) {
	for typ, names := range map[reflect.Type][]string{
		reflect.TypeOf(schema.ChatRequest{}):       chatParams[:],
		reflect.TypeOf(schema.EmbeddingsRequest{}): embeddingsParams[:],
	} {
		var tags []string
		for i := 0; i < typ.NumField(); i++ {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			tags = append(tags, name)
		}
		if !slices.Equal(tags, names) {
			t.Errorf("%s: json names %q, the mock knows %q", typ.Name(), tags, names)
		}
	}
}

// TestChatValidation checks that the mock refuses what OpenAI refuses, with OpenAI's
// error, and accepts the edges of every range.
func TestChatValidation(t *testing.T) {
	const user = `"messages":[{"role":"user","content":"hi"}]`
	cases := []struct{ body, want string }{
		{`{"model":"m",` + user + `,"temperature":5}`,
			`{"error":{"message":"Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 5 instead.","type":"invalid_request_error","param":"temperature","code":"decimal_above_max_value"}}`},
		{`{"model":"m",` + user + `,"temperature":-0.5}`,
			`{"error":{"message":"Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got -0.5 instead.","type":"invalid_request_error","param":"temperature","code":"decimal_below_min_value"}}`},
		{`{"model":"m",` + user + `,"top_p":1.5}`,
			`{"error":{"message":"Invalid 'top_p': decimal above maximum value. Expected a value <= 1, but got 1.5 instead.","type":"invalid_request_error","param":"top_p","code":"decimal_above_max_value"}}`},
		{`{"model":"m",` + user + `,"top_p":-1}`,
			`{"error":{"message":"Invalid 'top_p': decimal below minimum value. Expected a value >= 0, but got -1 instead.","type":"invalid_request_error","param":"top_p","code":"decimal_below_min_value"}}`},
		{`{"model":"m",` + user + `,"presence_penalty":-2.5}`,
			`{"error":{"message":"Invalid 'presence_penalty': decimal below minimum value. Expected a value >= -2, but got -2.5 instead.","type":"invalid_request_error","param":"presence_penalty","code":"decimal_below_min_value"}}`},
		{`{"model":"m",` + user + `,"frequency_penalty":3}`,
			`{"error":{"message":"Invalid 'frequency_penalty': decimal above maximum value. Expected a value <= 2, but got 3 instead.","type":"invalid_request_error","param":"frequency_penalty","code":"decimal_above_max_value"}}`},
		{`{"model":"m",` + user + `,"max_tokens":-1}`,
			`{"error":{"message":"Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got -1 instead.","type":"invalid_request_error","param":"max_tokens","code":"integer_below_min_value"}}`},
		{`{"model":"m",` + user + `,"max_completion_tokens":0}`,
			`{"error":{"message":"Invalid 'max_completion_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead.","type":"invalid_request_error","param":"max_completion_tokens","code":"integer_below_min_value"}}`},
		{`{"model":"m",` + user + `,"n":0}`,
			`{"error":{"message":"Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.","type":"invalid_request_error","param":"n","code":"integer_below_min_value"}}`},
		{`{"model":"m",` + user + `,"n":129}`,
			`{"error":{"message":"Invalid 'n': integer above maximum value. Expected a value <= 128, but got 129 instead.","type":"invalid_request_error","param":"n","code":"integer_above_max_value"}}`},
		{`{"model":"m",` + user + `,"top_logprobs":21}`,
			`{"error":{"message":"Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, but got 21 instead.","type":"invalid_request_error","param":"top_logprobs","code":"integer_above_max_value"}}`},
		{`{"model":"m",` + user + `,"frobnicate":true}`,
			`{"error":{"message":"Unrecognized request argument supplied: frobnicate","type":"invalid_request_error","param":null,"code":null}}`},
		{`{"model":"m",` + user + `,"top_k":5,"Temperature":1,"top_k":6}`,
			`{"error":{"message":"Unrecognized request arguments supplied: Temperature, top_k","type":"invalid_request_error","param":null,"code":null}}`},
		{`{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user"}]}`,
			`{"error":{"message":"Missing required parameter: 'messages[1].content'.","type":"invalid_request_error","param":"messages[1].content","code":"missing_required_parameter"}}`},
		{`{"model":"m","messages":[{"role":"user","content":null}]}`,
			`{"error":{"message":"Missing required parameter: 'messages[0].content'.","type":"invalid_request_error","param":"messages[0].content","code":"missing_required_parameter"}}`},
		{`{"model":"m","messages":[{"role":"user","content":"q"},{"role":"assistant","content":null}]}`,
			`{"error":{"message":"Missing required parameter: 'messages[1].content'.","type":"invalid_request_error","param":"messages[1].content","code":"missing_required_parameter"}}`},
		{`{"model":"m","messages":[{"role":"user","content":"q"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","content":"r"}]}`,
			`{"error":{"message":"Missing required parameter: 'messages[2].tool_call_id'.","type":"invalid_request_error","param":"messages[2].tool_call_id","code":"missing_required_parameter"}}`},
		// Unknown members come first, as at OpenAI.
		{`{"model":"m","messages":[{"role":"user"}],"temperature":9,"x":1}`,
			`{"error":{"message":"Unrecognized request argument supplied: x","type":"invalid_request_error","param":null,"code":null}}`},
	}
	for _, c := range cases {
		for _, stream := range []string{"false", "true"} {
			body := strings.Replace(c.body, `{"model":"m",`, `{"model":"m","stream":`+stream+`,`, 1)
			req := chatReq(t, body)
			status, h, got, usage := New().Chat(req, []byte(body), "m", created)
			if status != 400 || h.Get("Content-Type") != "application/json" || usage != nil {
				t.Errorf("%s: %d %v %v", body, status, h, usage)
			}
			if string(got) != c.want {
				t.Errorf("%s:\n got %s\nwant %s", body, got, c.want)
			}
		}
	}
	ok := []string{
		`{"model":"m",` + user + `,"temperature":0,"top_p":0,"presence_penalty":-2,"frequency_penalty":2,"max_tokens":1,"max_completion_tokens":1,"n":1,"top_logprobs":0}`,
		`{"model":"m",` + user + `,"temperature":2,"top_p":1,"presence_penalty":2,"frequency_penalty":-2,"n":128,"top_logprobs":20,"temperature":null}`,
		`{"model":"m","messages":[{"role":"developer","content":""},{"role":"user","content":[]},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"r"}]}`,
	}
	for _, body := range ok {
		status, _, got, _ := New().Chat(chatReq(t, body), []byte(body), "m", created)
		if status != 200 || !json.Valid(got) {
			t.Errorf("%s: %d %s", body, status, got)
		}
	}
}

func TestEmbeddingsUnknownParams(t *testing.T) {
	body := `{"model":"e","input":"x","truncate":true}`
	var r schema.EmbeddingsRequest
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	status, _, got, _ := New().Embeddings(&r, []byte(body), "e")
	want := `{"error":{"message":"Unrecognized request argument supplied: truncate","type":"invalid_request_error","param":null,"code":null}}`
	if status != 400 || string(got) != want {
		t.Errorf("%d %s", status, got)
	}
}
