package mock

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/franca-gw/franca/translate/schema"
)

// FuzzChat answers any request the gateway could decode: no panic, and the body is
// one JSON value or an event stream of JSON values ending in [DONE].
func FuzzChat(f *testing.F) {
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"n":2}`))
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"required":["a","b"],"properties":{"a":{"enum":[{"x":1}]},"b":{"type":["null"]}}}}}]}`))
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"mock:error 429"}]}`))
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"j"}],"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{"required":["k"]}}}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var req schema.ChatRequest
		if json.Unmarshal(raw, &req) != nil {
			return
		}
		if req.N != nil && *req.N > 8 {
			return // large n only makes the body bigger
		}
		status, _, body, _ := New().Chat(&req, nil, "m", 1)
		if !req.Stream || status != 200 {
			if !json.Valid(body) {
				t.Fatalf("invalid body %q", body)
			}
			return
		}
		if !bytes.HasSuffix(body, []byte("data: [DONE]\n\n")) {
			t.Fatalf("stream does not end in [DONE]: %q", body)
		}
		for _, ev := range bytes.Split(bytes.TrimSuffix(body, []byte("data: [DONE]\n\n")), []byte("\n\n")) {
			if len(ev) == 0 {
				continue
			}
			d, ok := bytes.CutPrefix(ev, []byte("data: "))
			if !ok || !json.Valid(d) || bytes.IndexByte(d, '\n') >= 0 {
				t.Fatalf("bad event %q", ev)
			}
		}
	})
}
