package gateway

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/franca-gw/franca/translate/schema"
)

// TestDecodeChatFields checks that decodeChat knows every member of the types it
// decodes: a field added to the schema must be added there too, or it would be dropped.
func TestDecodeChatFields(t *testing.T) {
	cases := []struct {
		typ   any
		names []string
	}{
		{schema.ChatRequest{}, chatNames[:]},
		{schema.Message{}, messageNames[:]},
		{schema.ContentPart{}, partNames[:]},
		{schema.ImageURL{}, imageURLNames[:]},
		{schema.Tool{}, toolNames[:]},
		{schema.Function{}, functionNames[:]},
		{schema.ToolCall{}, toolCallNames[:]},
		{schema.FunctionCall{}, functionCallNames[:]},
		{schema.StreamOptions{}, streamOptNames[:]},
		{schema.ResponseFormat{}, respFormatNames[:]},
		{schema.JSONSchema{}, jsonSchemaNames[:]},
	}
	for _, c := range cases {
		rt := reflect.TypeOf(c.typ)
		var tags []string
		for i := 0; i < rt.NumField(); i++ {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			tags = append(tags, name)
		}
		if !slices.Equal(tags, c.names) {
			t.Errorf("%s: json names %q, decodeChat knows %q", rt.Name(), tags, c.names)
		}
		if len(c.names) > 64 {
			t.Errorf("%s: more than 64 members; object's duplicate check uses a uint64", rt.Name())
		}
	}
}

// decodeCases are bodies decodeChat must decode itself (fast) or leave to encoding/json.
var decodeCases = []struct {
	name string
	body string
	fast bool
}{
	{"bench body", benchBody, true},
	{"minimal", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, true},
	{"white space", " {\n\t\"model\" : \"m\" , \"messages\" : [ ] }\r\n", true},
	{"escapes", `{"model":"m\u00e9\"x\\","messages":[{"role":"user","content":"a\nb\ud83d\ude00\ud800z\/"}]}`, true},
	{"escaped key", `{"mod\u0065l":"m"}`, true},
	{"every member", `{"model":"m","messages":[{"role":"assistant","content":null,"name":"n","tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}},null],"tool_call_id":"t","refusal":null,"reasoning_content":"r"},` +
		`{"role":"user","content":[{"type":"text","text":"x"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}},{"type":"input_audio","input_audio":{"data":"AA==","format":"wav"}},{"type":"file","file":{"file_id":"f"}},{"type":"refusal","refusal":"no"},null]},null,{"role":"tool","content":[]}],` +
		`"stream":false,"stream_options":{"include_usage":true},"temperature":0,"top_p":1e-2,"n":2,"stop":["a","b"],"max_tokens":-0,"max_completion_tokens":100,` +
		`"presence_penalty":-1.5,"frequency_penalty":2,"logit_bias":{"50256":-100},"logprobs":true,"top_logprobs":3,"seed":123456789012,"user":"u",` +
		`"tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object"},"strict":true}},null,{"type":"function","function":null}],` +
		`"tool_choice":"required","parallel_tool_calls":false,"response_format":{"type":"json_schema","json_schema":{"name":"s","description":"d","schema":{"type":"object"},"strict":false}},` +
		`"reasoning_effort":"low","metadata":{"k":"v"},"store":true,"service_tier":"auto","modalities":["text","audio"],"audio":{"voice":"alloy"},"prediction":null,` +
		`"web_search_options":{},"functions":[],"function_call":"auto","safety_identifier":"s","prompt_cache_key":"p","verbosity":"high","unknown":{"deep":[1,2,{"x":null}]}}`, true},
	{"nulls", `{"model":null,"messages":null,"stream":null,"stream_options":null,"temperature":null,"n":null,"stop":null,"tools":null,"tool_choice":null,"response_format":null,"logit_bias":null,"modalities":null,"logprobs":null}`, true},
	{"stop string", `{"stop":"END"}`, true},
	{"empty arrays", `{"messages":[],"tools":[],"stop":[],"modalities":[]}`, true},
	{"response format without schema", `{"response_format":{"type":"json_object","json_schema":null}}`, true},

	{"named tool choice", `{"tool_choice":{"type":"function","function":{"name":"f"}}}`, false},
	{"bad tool choice", `{"tool_choice":"sometimes"}`, false},
	{"duplicate member", `{"model":"a","model":"b"}`, false},
	{"nested duplicate", `{"messages":[{"role":"user","role":"system"}]}`, false},
	{"case-folded member", `{"Model":"a"}`, false},
	{"non-ASCII member", `{"ſtream":true}`, false},
	{"invalid UTF-8", "{\"model\":\"\xff\"}", false},
	{"trailing data", `{"model":"m"} x`, false},
	{"two documents", `{} {}`, false},
	{"not an object", `["model"]`, false},
	{"null document", `null`, false},
	{"empty", ``, false},
	{"type error", `{"model":5}`, false},
	{"float for int", `{"max_tokens":1.5}`, false},
	{"exponent int", `{"max_tokens":1e3}`, false},
	{"huge int", `{"seed":12345678901234567890}`, false},
	{"float out of range", `{"temperature":1e999}`, false},
	{"string for bool", `{"stream":"true"}`, false},
	{"content number", `{"messages":[{"content":5}]}`, false},
	{"stop number", `{"stop":[1]}`, false},
	{"cut short", `{"model":"m","messages":[{"role":"user"`, false},
	{"bad literal", `{"stream":tru}`, false},
	{"leading zero", `{"n":01}`, false},
}

func TestDecodeChat(t *testing.T) {
	for _, c := range decodeCases {
		t.Run(c.name, func(t *testing.T) {
			var fast schema.ChatRequest
			ok := decodeChat([]byte(c.body), &fast)
			if ok != c.fast {
				t.Fatalf("decodeChat ok = %v, want %v", ok, c.fast)
			}
			checkSameAsJSON(t, []byte(c.body), ok, &fast)
			// decodeChatBody gives encoding/json's result or error either way.
			var viaBody schema.ChatRequest
			err := decodeChatBody([]byte(c.body), &viaBody)
			var want schema.ChatRequest
			werr := decodeBody([]byte(c.body), &want, chatShape)
			if !reflect.DeepEqual(err, werr) {
				t.Errorf("decodeChatBody error = %v, decodeBody error = %v", err, werr)
			}
			if err == nil && !reflect.DeepEqual(viaBody, want) {
				t.Errorf("decodeChatBody = %+v\nencoding/json = %+v", viaBody, want)
			}
		})
	}
}

// checkSameAsJSON fails when decodeChat succeeded where encoding/json fails, or decoded
// something else.
func checkSameAsJSON(t *testing.T, body []byte, ok bool, fast *schema.ChatRequest) {
	t.Helper()
	var want schema.ChatRequest
	err := json.Unmarshal(body, &want)
	if !ok {
		if !reflect.DeepEqual(*fast, schema.ChatRequest{}) {
			t.Errorf("decodeChat failed but left %+v", *fast)
		}
		return
	}
	if err != nil {
		t.Fatalf("decodeChat accepted what encoding/json refuses (%v): %q", err, body)
	}
	if !reflect.DeepEqual(*fast, want) {
		g, _ := json.Marshal(fast)
		w, _ := json.Marshal(&want)
		t.Fatalf("decodeChat differs from encoding/json for %q\n got %s\nwant %s\n got %#v\nwant %#v", body, g, w, *fast, want)
	}
}

func TestDecodeChatAllocs(t *testing.T) {
	body := []byte(benchBody)
	n := testing.AllocsPerRun(100, func() {
		var req schema.ChatRequest
		if !decodeChat(body, &req) {
			t.Fatal("not decoded")
		}
	})
	// The body's string copy, the messages, parts and tools slices, two numbers, the
	// stream options: about ten. encoding/json takes about forty.
	if n > 12 {
		t.Errorf("%v allocations per decoding, want at most 12", n)
	}
}

// FuzzDecodeChat checks that whenever decodeChat decodes a body, encoding/json decodes
// it too, to the very same request.
func FuzzDecodeChat(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast schema.ChatRequest
		ok := decodeChat(body, &fast)
		checkSameAsJSON(t, body, ok, &fast)
	})
}
