package gateway

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

// decodeErrorCases are malformed bodies and the exact error each gets. The errors name
// the parameter as OpenAI does and say what it must be in JSON terms, never a Go type.
var decodeErrorCases = []struct {
	name, body, want string
}{
	{"content number", `{"model":"m","messages":[{"role":"user","content":5}]}`,
		`{"error":{"message":"Invalid type for 'messages[0].content': expected a string or an array of content parts, but got an integer instead.","type":"invalid_request_error","param":"messages[0].content","code":"invalid_type"}}`},
	{"content object", `{"model":"m","messages":[{"role":"system","content":"a"},{"role":"user","content":{"text":"x"}}]}`,
		`{"error":{"message":"Invalid type for 'messages[1].content': expected a string or an array of content parts, but got an object instead.","type":"invalid_request_error","param":"messages[1].content","code":"invalid_type"}}`},
	{"content part text", `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":true}]}]}`,
		`{"error":{"message":"Invalid type for 'messages[0].content[1].text': expected a string, but got a boolean instead.","type":"invalid_request_error","param":"messages[0].content[1].text","code":"invalid_type"}}`},
	{"content part string", `{"model":"m","messages":[{"role":"user","content":["hi"]}]}`,
		`{"error":{"message":"Invalid type for 'messages[0].content[0]': expected a content part (an object), but got a string instead.","type":"invalid_request_error","param":"messages[0].content[0]","code":"invalid_type"}}`},
	{"image url", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":"http://x"}]}]}`,
		`{"error":{"message":"Invalid type for 'messages[0].content[0].image_url': expected an object, but got a string instead.","type":"invalid_request_error","param":"messages[0].content[0].image_url","code":"invalid_type"}}`},
	{"input audio", `{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":"AA=="}]}]}`,
		`{"error":{"message":"Invalid type for 'messages[0].content[0].input_audio': expected an object, but got a string instead.","type":"invalid_request_error","param":"messages[0].content[0].input_audio","code":"invalid_type"}}`},
	{"messages string", `{"model":"m","messages":"hi"}`,
		`{"error":{"message":"Invalid type for 'messages': expected an array of messages, but got a string instead.","type":"invalid_request_error","param":"messages","code":"invalid_type"}}`},
	{"message number", `{"model":"m","messages":[7]}`,
		`{"error":{"message":"Invalid type for 'messages[0]': expected a message (an object), but got an integer instead.","type":"invalid_request_error","param":"messages[0]","code":"invalid_type"}}`},
	{"role number", `{"model":"m","messages":[{"role":1,"content":"x"}]}`,
		`{"error":{"message":"Invalid type for 'messages[0].role': expected a string, but got an integer instead.","type":"invalid_request_error","param":"messages[0].role","code":"invalid_type"}}`},
	{"tool calls object", `{"model":"m","messages":[{"role":"assistant","tool_calls":{}}]}`,
		`{"error":{"message":"Invalid type for 'messages[0].tool_calls': expected an array of tool calls, but got an object instead.","type":"invalid_request_error","param":"messages[0].tool_calls","code":"invalid_type"}}`},
	{"tool call arguments", `{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":{"a":1}}}]}]}`,
		`{"error":{"message":"Invalid type for 'messages[0].tool_calls[0].function.arguments': expected a string, but got an object instead.","type":"invalid_request_error","param":"messages[0].tool_calls[0].function.arguments","code":"invalid_type"}}`},
	{"tool call index", `{"model":"m","messages":[{"role":"assistant","tool_calls":[{"index":0.5}]}]}`,
		`{"error":{"message":"Invalid type for 'messages[0].tool_calls[0].index': expected an integer, but got a decimal instead.","type":"invalid_request_error","param":"messages[0].tool_calls[0].index","code":"invalid_type"}}`},
	{"model number", `{"model":5,"messages":[]}`,
		`{"error":{"message":"Invalid type for 'model': expected a string, but got an integer instead.","type":"invalid_request_error","param":"model","code":"invalid_type"}}`},
	{"model folded", `{"MODEL":["m"]}`,
		`{"error":{"message":"Unrecognized request argument supplied: MODEL (parameter names are case-sensitive)","type":"invalid_request_error","param":"MODEL","code":"unknown_parameter"}}`},
	{"stream string", `{"model":"m","stream":"true"}`,
		`{"error":{"message":"Invalid type for 'stream': expected a boolean, but got a string instead.","type":"invalid_request_error","param":"stream","code":"invalid_type"}}`},
	{"stream options", `{"stream_options":true}`,
		`{"error":{"message":"Invalid type for 'stream_options': expected an object, but got a boolean instead.","type":"invalid_request_error","param":"stream_options","code":"invalid_type"}}`},
	{"include usage", `{"stream_options":{"include_usage":1}}`,
		`{"error":{"message":"Invalid type for 'stream_options.include_usage': expected a boolean, but got an integer instead.","type":"invalid_request_error","param":"stream_options.include_usage","code":"invalid_type"}}`},
	{"temperature string", `{"temperature":"hot"}`,
		`{"error":{"message":"Invalid type for 'temperature': expected a number, but got a string instead.","type":"invalid_request_error","param":"temperature","code":"invalid_type"}}`},
	{"temperature too big", `{"temperature":1e999}`,
		`{"error":{"message":"Invalid value for 'temperature': expected a number within the range of a 64-bit float, but got 1e999 instead.","type":"invalid_request_error","param":"temperature","code":"invalid_value"}}`},
	{"top_p", `{"top_p":[1]}`,
		`{"error":{"message":"Invalid type for 'top_p': expected a number, but got an array instead.","type":"invalid_request_error","param":"top_p","code":"invalid_type"}}`},
	{"n decimal", `{"n":1.5}`,
		`{"error":{"message":"Invalid type for 'n': expected an integer, but got a decimal instead.","type":"invalid_request_error","param":"n","code":"invalid_type"}}`},
	{"n exponent", `{"n":1e3}`,
		`{"error":{"message":"Invalid type for 'n': expected an integer, but got a decimal instead.","type":"invalid_request_error","param":"n","code":"invalid_type"}}`},
	{"seed string", `{"seed":"1"}`,
		`{"error":{"message":"Invalid type for 'seed': expected an integer, but got a string instead.","type":"invalid_request_error","param":"seed","code":"invalid_type"}}`},
	{"seed huge", `{"seed":12345678901234567890}`,
		`{"error":{"message":"Invalid value for 'seed': expected an integer within the range of a 64-bit integer, but got 12345678901234567890 instead.","type":"invalid_request_error","param":"seed","code":"invalid_value"}}`},
	{"stop number", `{"stop":5}`,
		`{"error":{"message":"Invalid type for 'stop': expected a string or an array of strings, but got an integer instead.","type":"invalid_request_error","param":"stop","code":"invalid_type"}}`},
	{"stop element", `{"stop":["a",1]}`,
		`{"error":{"message":"Invalid type for 'stop[1]': expected a string, but got an integer instead.","type":"invalid_request_error","param":"stop[1]","code":"invalid_type"}}`},
	{"max_tokens string", `{"max_tokens":"10"}`,
		`{"error":{"message":"Invalid type for 'max_tokens': expected an integer, but got a string instead.","type":"invalid_request_error","param":"max_tokens","code":"invalid_type"}}`},
	{"max_completion_tokens", `{"max_completion_tokens":true}`,
		`{"error":{"message":"Invalid type for 'max_completion_tokens': expected an integer, but got a boolean instead.","type":"invalid_request_error","param":"max_completion_tokens","code":"invalid_type"}}`},
	{"presence_penalty", `{"presence_penalty":{}}`,
		`{"error":{"message":"Invalid type for 'presence_penalty': expected a number, but got an object instead.","type":"invalid_request_error","param":"presence_penalty","code":"invalid_type"}}`},
	{"frequency_penalty", `{"frequency_penalty":"0"}`,
		`{"error":{"message":"Invalid type for 'frequency_penalty': expected a number, but got a string instead.","type":"invalid_request_error","param":"frequency_penalty","code":"invalid_type"}}`},
	{"logit_bias", `{"logit_bias":[1]}`,
		`{"error":{"message":"Invalid type for 'logit_bias': expected an object, but got an array instead.","type":"invalid_request_error","param":"logit_bias","code":"invalid_type"}}`},
	{"logprobs", `{"logprobs":"yes"}`,
		`{"error":{"message":"Invalid type for 'logprobs': expected a boolean, but got a string instead.","type":"invalid_request_error","param":"logprobs","code":"invalid_type"}}`},
	{"top_logprobs", `{"top_logprobs":"3"}`,
		`{"error":{"message":"Invalid type for 'top_logprobs': expected an integer, but got a string instead.","type":"invalid_request_error","param":"top_logprobs","code":"invalid_type"}}`},
	{"user", `{"user":42}`,
		`{"error":{"message":"Invalid type for 'user': expected a string, but got an integer instead.","type":"invalid_request_error","param":"user","code":"invalid_type"}}`},
	{"tools object", `{"tools":{"type":"function"}}`,
		`{"error":{"message":"Invalid type for 'tools': expected an array of tools, but got an object instead.","type":"invalid_request_error","param":"tools","code":"invalid_type"}}`},
	{"tool string", `{"tools":["f"]}`,
		`{"error":{"message":"Invalid type for 'tools[0]': expected a tool (an object), but got a string instead.","type":"invalid_request_error","param":"tools[0]","code":"invalid_type"}}`},
	{"tool function name", `{"tools":[{"type":"function","function":{"name":7}}]}`,
		`{"error":{"message":"Invalid type for 'tools[0].function.name': expected a string, but got an integer instead.","type":"invalid_request_error","param":"tools[0].function.name","code":"invalid_type"}}`},
	{"tool parameters", `{"tools":[{"type":"function","function":{"name":"f","parameters":{}}},{"type":"function","function":{"name":"g","parameters":"{}"}}]}`,
		`{"error":{"message":"Invalid type for 'tools[1].function.parameters': expected an object, but got a string instead.","type":"invalid_request_error","param":"tools[1].function.parameters","code":"invalid_type"}}`},
	{"tool strict", `{"tools":[{"type":"function","function":{"name":"f","strict":"yes"}}]}`,
		`{"error":{"message":"Invalid type for 'tools[0].function.strict': expected a boolean, but got a string instead.","type":"invalid_request_error","param":"tools[0].function.strict","code":"invalid_type"}}`},
	{"tool choice mode", `{"tool_choice":"sometimes"}`,
		`{"error":{"message":"Invalid value for 'tool_choice': expected \"auto\", \"none\", \"required\" or an object naming a function, but got \"sometimes\" instead.","type":"invalid_request_error","param":"tool_choice","code":"invalid_value"}}`},
	{"tool choice number", `{"tool_choice":1}`,
		`{"error":{"message":"Invalid type for 'tool_choice': expected \"auto\", \"none\", \"required\" or an object naming a function, but got an integer instead.","type":"invalid_request_error","param":"tool_choice","code":"invalid_type"}}`},
	{"tool choice without name", `{"tool_choice":{"type":"function","function":{}}}`,
		`{"error":{"message":"Missing required parameter: 'tool_choice.function.name'.","type":"invalid_request_error","param":"tool_choice.function.name","code":"missing_required_parameter"}}`},
	{"tool choice name number", `{"tool_choice":{"type":"function","function":{"name":1}}}`,
		`{"error":{"message":"Invalid type for 'tool_choice.function.name': expected a string, but got an integer instead.","type":"invalid_request_error","param":"tool_choice.function.name","code":"invalid_type"}}`},
	{"parallel_tool_calls", `{"parallel_tool_calls":0}`,
		`{"error":{"message":"Invalid type for 'parallel_tool_calls': expected a boolean, but got an integer instead.","type":"invalid_request_error","param":"parallel_tool_calls","code":"invalid_type"}}`},
	{"response_format string", `{"response_format":"json_object"}`,
		`{"error":{"message":"Invalid type for 'response_format': expected an object, but got a string instead.","type":"invalid_request_error","param":"response_format","code":"invalid_type"}}`},
	{"json schema schema", `{"response_format":{"type":"json_schema","json_schema":{"name":"s","schema":[]}}}`,
		`{"error":{"message":"Invalid type for 'response_format.json_schema.schema': expected an object, but got an array instead.","type":"invalid_request_error","param":"response_format.json_schema.schema","code":"invalid_type"}}`},
	{"reasoning_effort", `{"reasoning_effort":1}`,
		`{"error":{"message":"Invalid type for 'reasoning_effort': expected a string, but got an integer instead.","type":"invalid_request_error","param":"reasoning_effort","code":"invalid_type"}}`},
	{"metadata", `{"metadata":"x"}`,
		`{"error":{"message":"Invalid type for 'metadata': expected an object, but got a string instead.","type":"invalid_request_error","param":"metadata","code":"invalid_type"}}`},
	{"store", `{"store":"no"}`,
		`{"error":{"message":"Invalid type for 'store': expected a boolean, but got a string instead.","type":"invalid_request_error","param":"store","code":"invalid_type"}}`},
	{"service_tier", `{"service_tier":false}`,
		`{"error":{"message":"Invalid type for 'service_tier': expected a string, but got a boolean instead.","type":"invalid_request_error","param":"service_tier","code":"invalid_type"}}`},
	{"modalities", `{"modalities":"text"}`,
		`{"error":{"message":"Invalid type for 'modalities': expected an array of strings, but got a string instead.","type":"invalid_request_error","param":"modalities","code":"invalid_type"}}`},
	{"audio", `{"audio":"alloy"}`,
		`{"error":{"message":"Invalid type for 'audio': expected an object, but got a string instead.","type":"invalid_request_error","param":"audio","code":"invalid_type"}}`},
	{"prediction", `{"prediction":"x"}`,
		`{"error":{"message":"Invalid type for 'prediction': expected an object, but got a string instead.","type":"invalid_request_error","param":"prediction","code":"invalid_type"}}`},
	{"web_search_options", `{"web_search_options":true}`,
		`{"error":{"message":"Invalid type for 'web_search_options': expected an object, but got a boolean instead.","type":"invalid_request_error","param":"web_search_options","code":"invalid_type"}}`},
	{"functions", `{"functions":{}}`,
		`{"error":{"message":"Invalid type for 'functions': expected an array, but got an object instead.","type":"invalid_request_error","param":"functions","code":"invalid_type"}}`},
	{"function_call", `{"function_call":1}`,
		`{"error":{"message":"Invalid type for 'function_call': expected a string or an object, but got an integer instead.","type":"invalid_request_error","param":"function_call","code":"invalid_type"}}`},
	{"safety_identifier", `{"safety_identifier":1}`,
		`{"error":{"message":"Invalid type for 'safety_identifier': expected a string, but got an integer instead.","type":"invalid_request_error","param":"safety_identifier","code":"invalid_type"}}`},
	{"prompt_cache_key", `{"prompt_cache_key":[]}`,
		`{"error":{"message":"Invalid type for 'prompt_cache_key': expected a string, but got an array instead.","type":"invalid_request_error","param":"prompt_cache_key","code":"invalid_type"}}`},
	{"verbosity", `{"verbosity":{}}`,
		`{"error":{"message":"Invalid type for 'verbosity': expected a string, but got an object instead.","type":"invalid_request_error","param":"verbosity","code":"invalid_type"}}`},
	{"first in document order", `{"n":"2","model":1}`,
		`{"error":{"message":"Invalid type for 'n': expected an integer, but got a string instead.","type":"invalid_request_error","param":"n","code":"invalid_type"}}`},
	{"duplicate member", `{"model":1,"model":"m"}`,
		`{"error":{"message":"Invalid type for 'model': expected a string, but got an integer instead.","type":"invalid_request_error","param":"model","code":"invalid_type"}}`},
	{"body array", `[{"model":"m"}]`,
		`{"error":{"message":"The request body must be a JSON object, but got an array instead.","type":"invalid_request_error","param":null,"code":"invalid_type"}}`},
	{"body string", `"hi"`,
		`{"error":{"message":"The request body must be a JSON object, but got a string instead.","type":"invalid_request_error","param":null,"code":"invalid_type"}}`},
	{"syntax", `{"model":"m",}`,
		`{"error":{"message":"We could not parse the JSON body of your request: invalid character '}' looking for beginning of object key string (at byte 14)","type":"invalid_request_error","param":null,"code":"invalid_json"}}`},
	{"empty", "  ",
		`{"error":{"message":"the request body is empty; expected a JSON object","type":"invalid_request_error","param":null,"code":"invalid_json"}}`},
}

func TestDecodeChatErrors(t *testing.T) {
	for _, c := range decodeErrorCases {
		t.Run(c.name, func(t *testing.T) {
			var req schema.ChatRequest
			e := decodeChatBody([]byte(c.body), &req)
			if e == nil {
				t.Fatalf("decoded %q without error", c.body)
			}
			if e.Status != 400 {
				t.Errorf("status %d", e.Status)
			}
			if got := string(e.JSON()); got != c.want {
				t.Errorf("error\n got %s\nwant %s", got, c.want)
			}
			checkWording(t, []byte(c.body), e)
		})
	}
}

// TestDecodeEveryParamType gives every top-level parameter of both request shapes a
// value of each JSON kind it may not take, and checks that the error names it.
func TestDecodeEveryParamType(t *testing.T) {
	values := []struct {
		k kind
		v string
	}{{kString, `"s"`}, {kInteger, `7`}, {kNumber, `0.5`}, {kBool, `true`}, {kObject, `{}`}, {kArray, `[]`}}
	for _, c := range []struct {
		shape *shape
		names []string
		v     any
	}{{chatShape, chatNames[:], new(schema.ChatRequest)}, {embeddingsShape, []string{"model", "input", "encoding_format", "dimensions", "user"}, new(schema.EmbeddingsRequest)}} {
		if len(c.shape.members) != len(c.names) {
			t.Fatalf("the shape has %d members, the request %d", len(c.shape.members), len(c.names))
		}
		for i, m := range c.shape.members {
			if m.name != c.names[i] {
				t.Fatalf("shape member %d is %q, the request's %q", i, m.name, c.names[i])
			}
			for _, v := range values {
				allowed := m.shape.kinds&v.k != 0 || (v.k == kInteger && m.shape.kinds&kNumber != 0)
				body := `{"` + m.name + `":` + v.v + `}`
				e := decodeBody([]byte(body), c.v, c.shape)
				if allowed {
					if e != nil && e.Code == "invalid_type" && e.Param == m.name {
						t.Errorf("%s: refused: %s", body, e.Message)
					}
					continue
				}
				if e == nil || e.Code != "invalid_type" || e.Param != m.name || !strings.Contains(e.Message, "expected "+m.shape.what+",") {
					t.Errorf("%s: got %+v", body, e)
				}
			}
		}
	}
}

func TestDecodeEmbeddingsErrors(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"input number", `{"model":"e","input":5}`,
			`{"error":{"message":"Invalid type for 'input': expected a string, an array of strings or an array of token ids, but got an integer instead.","type":"invalid_request_error","param":"input","code":"invalid_type"}}`},
		{"input mixed", `{"model":"e","input":["a",1]}`,
			`{"error":{"message":"Invalid type for 'input[1]': expected a string, but got an integer instead.","type":"invalid_request_error","param":"input[1]","code":"invalid_type"}}`},
		{"input tokens", `{"model":"e","input":[1,2.5]}`,
			`{"error":{"message":"Invalid type for 'input[1]': expected a token id (an integer), but got a decimal instead.","type":"invalid_request_error","param":"input[1]","code":"invalid_type"}}`},
		{"input token arrays", `{"model":"e","input":[[1],[2,"x"]]}`,
			`{"error":{"message":"Invalid type for 'input[1][1]': expected a token id (an integer), but got a string instead.","type":"invalid_request_error","param":"input[1][1]","code":"invalid_type"}}`},
		{"input booleans", `{"model":"e","input":[true]}`,
			`{"error":{"message":"Invalid type for 'input[0]': expected a string, a token id (an integer) or an array of token ids, but got a boolean instead.","type":"invalid_request_error","param":"input[0]","code":"invalid_type"}}`},
		{"dimensions", `{"model":"e","input":"a","dimensions":"8"}`,
			`{"error":{"message":"Invalid type for 'dimensions': expected an integer, but got a string instead.","type":"invalid_request_error","param":"dimensions","code":"invalid_type"}}`},
		{"encoding_format", `{"model":"e","input":"a","encoding_format":1}`,
			`{"error":{"message":"Invalid type for 'encoding_format': expected a string, but got an integer instead.","type":"invalid_request_error","param":"encoding_format","code":"invalid_type"}}`},
		{"model", `{"model":{},"input":"a"}`,
			`{"error":{"message":"Invalid type for 'model': expected a string, but got an object instead.","type":"invalid_request_error","param":"model","code":"invalid_type"}}`},
		{"body", `[]`,
			`{"error":{"message":"The request body must be a JSON object, but got an array instead.","type":"invalid_request_error","param":null,"code":"invalid_type"}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var req schema.EmbeddingsRequest
			e := decodeBody([]byte(c.body), &req, embeddingsShape)
			if e == nil {
				t.Fatalf("decoded %q without error", c.body)
			}
			if got := string(e.JSON()); got != c.want {
				t.Errorf("error\n got %s\nwant %s", got, c.want)
			}
			checkWording(t, []byte(c.body), e)
		})
	}
	// Every form the input may take still decodes.
	for _, body := range []string{`{"input":"a"}`, `{"input":["a",null]}`, `{"input":[1,2]}`, `{"input":[[1],[2,3],null]}`, `{"input":[]}`, `{"input":null}`} {
		var req schema.EmbeddingsRequest
		if e := decodeBody([]byte(body), &req, embeddingsShape); e != nil {
			t.Errorf("%s: %v", body, e)
		}
	}
}

// checkWording fails when an error speaks of Go rather than JSON, or leaves a type error
// without the parameter it is about.
func checkWording(t *testing.T, body []byte, e *translate.Error) {
	t.Helper()
	msg := e.Message
	if e.Param != "" {
		msg = strings.ReplaceAll(msg, "'"+e.Param+"'", "") // json_schema.schema is a parameter
	}
	for _, bad := range []string{"schema.", "Go value", "Go struct", "json: ", "float64", "int64", "[]string", "unmarshal"} {
		if strings.Contains(msg, bad) {
			t.Errorf("error for %q speaks Go (%q): %s", body, bad, e.Message)
		}
	}
	if e.Code == "invalid_json" {
		var se *json.SyntaxError
		var v any
		if err := json.Unmarshal(body, &v); err != nil && !errors.As(err, &se) {
			t.Errorf("%q: invalid_json for a body that is JSON: %s", body, e.Message)
		}
		if len(strings.TrimSpace(string(body))) > 0 && json.Valid(body) {
			t.Errorf("%q: invalid_json for valid JSON: %s", body, e.Message)
		}
	}
	if e.Code == "invalid_type" && e.Param == "" && !strings.HasPrefix(e.Message, "The request body must be") {
		t.Errorf("%q: a type error without param: %s", body, e.Message)
	}
}

// FuzzDecodeErrors checks, for any body, that a decoding error is worded in JSON terms,
// that every body encoding/json refuses for a type gets an error naming the parameter,
// and that the fast decoder accepts nothing the shape refuses.
func FuzzDecodeErrors(f *testing.F) {
	for _, c := range decodeErrorCases {
		f.Add([]byte(c.body))
	}
	for _, c := range decodeCases {
		f.Add([]byte(c.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req schema.ChatRequest
		fast := decodeChat(body, &req)
		if fast {
			if e := chatShape.walk(body, ""); e != nil {
				t.Fatalf("decodeChat accepted %q, which the shape refuses: %v", body, e)
			}
		}
		e := decodeChatBody(body, &req)
		if e != nil {
			checkWording(t, body, e)
		}
		var want schema.ChatRequest
		if err := json.Unmarshal(body, &want); err != nil {
			var se *json.SyntaxError
			if e == nil {
				t.Fatalf("%q: no error where encoding/json fails: %v", body, err)
			}
			if !errors.As(err, &se) && e.Code == "invalid_json" {
				t.Fatalf("%q: not explained (%v): %s", body, err, e.Message)
			}
		}
		var emb schema.EmbeddingsRequest
		if e := decodeBody(body, &emb, embeddingsShape); e != nil {
			checkWording(t, body, e)
		}
	})
}

// TestCaseVariantParameters: a parameter named in another case is refused, not read as
// the parameter: the provider gets the body as written and would read the other member.
func TestCaseVariantParameters(t *testing.T) {
	g := newGateway(t)
	for _, tc := range []struct{ path, body, want string }{
		{"/v1/chat/completions", `{"MODEL":"o1-pro","model":"mock-chat","messages":[{"role":"user","content":"hi"}]}`,
			`{"error":{"message":"Unrecognized request argument supplied: MODEL (parameter names are case-sensitive)","type":"invalid_request_error","param":"MODEL","code":"unknown_parameter"}}`},
		{"/v1/chat/completions", `{"model":"mock-chat","Messages":[{"role":"user","content":"hi"}]}`,
			`{"error":{"message":"Unrecognized request argument supplied: Messages (parameter names are case-sensitive)","type":"invalid_request_error","param":"Messages","code":"unknown_parameter"}}`},
		{"/v1/embeddings", `{"model":"gpt","Model":"x","input":"a"}`,
			`{"error":{"message":"Unrecognized request argument supplied: Model (parameter names are case-sensitive)","type":"invalid_request_error","param":"Model","code":"unknown_parameter"}}`},
	} {
		x := g.Handle(post(tc.path, tc.body))
		if x.Reply == nil || x.Reply.Status != 400 || string(x.Reply.Body) != tc.want {
			t.Errorf("%s: %+v\nwant 400 %s", tc.body, x.Reply, tc.want)
		}
	}
}
