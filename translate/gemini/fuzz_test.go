package gemini

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/franca-gw/franca/internal/fake/geminifake"
	"github.com/franca-gw/franca/translate/schema"
)

// FuzzRequest translates arbitrary chat requests: it must never panic, and what it
// builds must be JSON.
func FuzzRequest(f *testing.F) {
	f.Add(benchRequestBody)
	f.Add(`{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}}}`)
	f.Add(`{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"a~ts~b","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"a~ts~b","content":"{}"}],"reasoning_effort":"low"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var req schema.ChatRequest
		if json.Unmarshal([]byte(body), &req) != nil {
			return
		}
		r, err := New().Request(&req, []byte(body), target())
		if err != nil {
			return
		}
		if !json.Valid(r.Body) {
			t.Fatalf("invalid body for %s:\n%s", body, r.Body)
		}
	})
}

// FuzzRequestFields builds valid requests around fuzzed values, so that every input reaches
// the translator: texts, an image URL, tool call arguments and id, a tool result, a schema.
func FuzzRequestFields(f *testing.F) {
	f.Add("hello", "data:image/png;base64,AA==", `{"a":1}`, "call_0_0~ts~c2ln", `{"ok":true}`, `{"type":"object"}`, "low")
	f.Add("\x00\xff\u2028", "https://x/y.GIF?q", "", "", "plain", `{}`, "")
	f.Fuzz(func(t *testing.T, text, url, args, id, result, schemaJSON, effort string) {
		js := func(s string) string { b, _ := json.Marshal(s); return string(b) }
		body := `{"model":"m","reasoning_effort":` + js(effort) + `,"messages":[
			{"role":"system","content":` + js(text) + `},
			{"role":"user","content":[{"type":"text","text":` + js(text) + `},{"type":"image_url","image_url":{"url":` + js(url) + `}}]},
			{"role":"assistant","content":` + js(text) + `,"tool_calls":[{"id":` + js(id) + `,"type":"function","function":{"name":"f","arguments":` + js(args) + `}}]},
			{"role":"tool","tool_call_id":` + js(id) + `,"content":` + js(result) + `}],
			"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}`
		var req schema.ChatRequest
		if err := json.Unmarshal([]byte(body), &req); err != nil {
			t.Fatalf("test request does not decode: %v", err)
		}
		if json.Valid([]byte(schemaJSON)) {
			req.ResponseFormat = &schema.ResponseFormat{Type: "json_schema", JSONSchema: &schema.JSONSchema{Name: "s", Schema: json.RawMessage(schemaJSON)}}
		}
		r, err := New().Request(&req, []byte(body), target())
		if err != nil {
			return
		}
		if !json.Valid(r.Body) {
			t.Fatalf("invalid body:\n%s", r.Body)
		}
	})
}

// FuzzStream feeds arbitrary bytes, cut in two at a fuzzed offset: the transcoder must never
// panic, and every event it writes must be JSON.
func FuzzStream(f *testing.F) {
	for _, s := range []string{geminifake.StreamText, geminifake.StreamThinking, geminifake.StreamFunctionCall,
		geminifake.StreamSafety, geminifake.StreamPromptBlocked, geminifake.StreamError} {
		f.Add([]byte(s), uint16(len(s)/2))
	}
	req := &schema.ChatRequest{Stream: true, StreamOptions: &schema.StreamOptions{IncludeUsage: true}}
	f.Fuzz(func(t *testing.T, in []byte, cut uint16) {
		s := New().Stream(req, target())
		k := int(cut) % (len(in) + 1)
		out, err := s.Feed(nil, in[:k])
		if err == nil {
			out, err = s.Feed(out, in[k:])
		}
		if err == nil {
			out, _ = s.End(out)
		}
		s.Usage()
		for _, ev := range bytes.Split(out, []byte("\n\n")) {
			data, ok := bytes.CutPrefix(ev, []byte("data: "))
			if ok && string(data) != "[DONE]" && !json.Valid(data) {
				t.Fatalf("invalid event %q", data)
			}
		}
	})
}

// FuzzResponse converts arbitrary bodies: never a panic, always JSON on success.
func FuzzResponse(f *testing.F) {
	for _, s := range []string{geminifake.ResponseText, geminifake.ResponseFunctionCalls, geminifake.ResponseThinking,
		geminifake.ResponseSafety, geminifake.ResponsePromptBlocked, geminifake.ResponseTwoCandidates} {
		f.Add([]byte(s))
	}
	req := &schema.ChatRequest{}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, _, err := New().Response(body, req, target())
		if err == nil && !json.Valid(out) {
			t.Fatalf("invalid output %s", out)
		}
		New().Error(400, nil, body)
	})
}
