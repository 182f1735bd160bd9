package anthropic

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

// FuzzRequest translates arbitrary chat requests: it must not panic, and it must either
// write a JSON body or refuse with a 400.
func FuzzRequest(f *testing.F) {
	for _, s := range []string{
		`{"model":"m","messages":[{"role":"user","content":"Hi"}]}`,
		`{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAA"}}]},{"role":"assistant","content":null,"tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},{"role":"tool","tool_call_id":"t","content":"r"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"required","parallel_tool_calls":false}`,
		`{"model":"m","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}},"stop":["a"],"temperature":0.5}`,
		`{"model":"m","messages":[{"role":"user","content":"Hi"}],"reasoning_effort":"high","max_tokens":2000,"stream":true}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req schema.ChatRequest
		if json.Unmarshal(body, &req) != nil {
			return
		}
		out, err := New().Request(&req, body, target())
		if err != nil {
			// An unsupported parameter is named even when its name is empty ({"":1}).
			if e, ok := err.(*translate.Error); !ok || e.Status != 400 || (e.Param == "" && e.Code != "unsupported_parameter") {
				t.Fatalf("error %#v", err)
			}
			return
		}
		if !json.Valid(out.Body) {
			t.Fatalf("invalid body %s", out.Body)
		}
	})
}

// FuzzStream transcodes arbitrary streams cut at an arbitrary place: it must not panic,
// must write the same whatever the cut, and must write only data events holding JSON
// (or [DONE]).
func FuzzStream(f *testing.F) {
	for _, s := range []string{anthropicfake.TextStream, anthropicfake.ToolUseStream, anthropicfake.ThinkingStream,
		anthropicfake.ErrorStream, anthropicfake.JSONStream} {
		f.Add([]byte(s), uint16(len(s)/2), true)
	}
	reqs := [2]*schema.ChatRequest{}
	f.Fuzz(func(t *testing.T, in []byte, cut uint16, jsonMode bool) {
		if reqs[0] == nil {
			reqs[0] = parseRequest(t, usageReq)
			reqs[1] = parseRequest(t, withUsage(weatherReq))
		}
		req := reqs[0]
		if jsonMode {
			req = reqs[1]
		}
		whole, err1 := run(New().Stream(req, target()), in)
		i := int(cut) % (len(in) + 1)
		split, err2 := run(New().Stream(req, target()), in[:i], in[i:])
		if !bytes.Equal(whole, split) || (err1 == nil) != (err2 == nil) {
			t.Fatalf("cut at %d changes the output:\n%s\n%v\nvs\n%s\n%v", i, whole, err1, split, err2)
		}
		for _, ev := range bytes.Split(whole, []byte("\n\n")) {
			if len(ev) == 0 {
				continue
			}
			data, ok := bytes.CutPrefix(ev, []byte("data: "))
			if !ok || (!json.Valid(data) && string(data) != "[DONE]") {
				t.Fatalf("bad event %q in\n%s", ev, whole)
			}
		}
	})
}

func run(s translate.Stream, pieces ...[]byte) ([]byte, error) {
	var out []byte
	var err error
	for _, p := range pieces {
		if out, err = s.Feed(out, p); err != nil {
			return out, err
		}
	}
	return s.End(out)
}
