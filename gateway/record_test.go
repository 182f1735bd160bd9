package gateway

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/internal/fake/anthropicfake"
)

const recordConfig = `
providers:
  - name: ant
    type: anthropic
    keys: [{id: a1, secret: sk-ant-1}, {id: a2, secret: sk-ant-2}]
models:
  - name: claude
    targets: [{provider: ant, model: claude-x}]
virtual_keys:
  - name: app
    hash: HASH
routing:
  max_attempts: 2
`

// TestRecords drives exchanges through every way an attempt ends and compares the
// request's record, as JSON, exactly.
func TestRecords(t *testing.T) {
	const chat = `{"model":"claude","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}`
	const stream = `{"model":"claude","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]}`
	head := strings.Join(strings.SplitAfter(anthropicfake.TextStream, "\n\n")[:4], "") // message_start … ping
	okBody := `{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":3}}`
	limited := `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`
	sse := http.Header{"Content-Type": {"text/event-stream"}}
	for _, tc := range []struct {
		name, body string
		// run drives the exchange as an adapter would and returns the status it sent.
		run  func(t *testing.T, x *Exchange) int
		want string
	}{
		{"refused", `{"model":"nope","messages":[{"role":"user","content":"hi"}]}`, func(t *testing.T, x *Exchange) int {
			return x.Reply.Status
		}, `{"endpoint":"chat","virtual_key":"app","stream":false,"status":404,"outcome":"refused","code":"model_not_found"}`},
		{"ok after a rate limit", chat, func(t *testing.T, x *Exchange) int {
			a := x.Next()
			if _, retry := a.Response(429, http.Header{"Retry-After": {"5"}}, []byte(limited)); !retry {
				t.Fatal("429 not retried")
			}
			a = x.Next()
			r, _ := a.Response(200, http.Header{}, []byte(okBody))
			return r.Status
		}, `{"endpoint":"chat","virtual_key":"app","model":"claude","stream":false,"status":200,"outcome":"ok",
			"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},
			"attempts":[
				{"provider":"ant","upstream_model":"claude-x","upstream_key":"a1","status":429,"outcome":"upstream_error","code":"rate_limit_exceeded","error":"slow down"},
				{"provider":"ant","upstream_model":"claude-x","upstream_key":"a2","status":200,"outcome":"ok","usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}]}`},
		{"unreachable then timeout", chat, func(t *testing.T, x *Exchange) int {
			x.Next().Failed(errors.New("connection refused"))
			x.Next().TimedOut(errors.New("no answer within 10s"))
			if x.Next() != nil {
				t.Fatal("a third attempt")
			}
			return x.Reply.Status
		}, `{"endpoint":"chat","virtual_key":"app","model":"claude","stream":false,"status":504,"outcome":"timeout","code":"upstream_timeout",
			"attempts":[
				{"provider":"ant","upstream_model":"claude-x","upstream_key":"a1","status":0,"outcome":"unreachable","code":"upstream_unreachable","error":"connection refused"},
				{"provider":"ant","upstream_model":"claude-x","upstream_key":"a2","status":0,"outcome":"timeout","code":"upstream_timeout","error":"no answer within 10s"}]}`},
		{"stream ok", stream, func(t *testing.T, x *Exchange) int {
			a := x.Next()
			a.ResponseHeader(sse)
			s := a.Stream()
			s.Feed(nil, []byte(anthropicfake.TextStream))
			s.End(nil)
			return 200
		}, `{"endpoint":"chat","virtual_key":"app","model":"claude","stream":true,"status":200,"outcome":"ok",
			"usage":{"prompt_tokens":25,"completion_tokens":15,"total_tokens":40,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},
			"attempts":[{"provider":"ant","upstream_model":"claude-x","upstream_key":"a1","status":200,"outcome":"ok","usage":{"prompt_tokens":25,"completion_tokens":15,"total_tokens":40,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}]}`},
		{"client gone mid-stream", stream, func(t *testing.T, x *Exchange) int {
			a := x.Next()
			a.ResponseHeader(sse)
			a.Stream().Feed(nil, []byte(head))
			a.ClientGone(errors.New("write: broken pipe"))
			a.Close()
			return 200
		}, `{"endpoint":"chat","virtual_key":"app","model":"claude","stream":true,"status":200,"outcome":"client_gone",
			"usage":{"prompt_tokens":25,"completion_tokens":1,"total_tokens":26,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},
			"attempts":[{"provider":"ant","upstream_model":"claude-x","upstream_key":"a1","status":200,"outcome":"client_gone","error":"write: broken pipe","usage":{"prompt_tokens":25,"completion_tokens":1,"total_tokens":26,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}]}`},
		{"upstream cut mid-stream", stream, func(t *testing.T, x *Exchange) int {
			a := x.Next()
			a.ResponseHeader(sse)
			a.Stream().Feed(nil, []byte(head))
			a.StreamCut(errors.New("unexpected EOF"))
			return 200
		}, `{"endpoint":"chat","virtual_key":"app","model":"claude","stream":true,"status":200,"outcome":"stream_cut",
			"usage":{"prompt_tokens":25,"completion_tokens":1,"total_tokens":26,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},
			"attempts":[{"provider":"ant","upstream_model":"claude-x","upstream_key":"a1","status":200,"outcome":"stream_cut","error":"unexpected EOF","usage":{"prompt_tokens":25,"completion_tokens":1,"total_tokens":26,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}]}`},
		{"malformed stream", stream, func(t *testing.T, x *Exchange) int {
			a := x.Next()
			a.ResponseHeader(sse)
			_, err := a.Stream().Feed(nil, []byte("event: message_start\ndata: {not json\n\n"))
			if err == nil {
				t.Fatal("no error for a malformed event")
			}
			return 200
		}, `{"endpoint":"chat","virtual_key":"app","model":"claude","stream":true,"status":200,"outcome":"malformed",
			"attempts":[{"provider":"ant","upstream_model":"claude-x","upstream_key":"a1","status":200,"outcome":"malformed","error":"anthropic sent a malformed message_start event"}]}`},
		{"client gone before the answer", chat, func(t *testing.T, x *Exchange) int {
			x.Next().ClientGone(errors.New("context canceled"))
			return 499
		}, `{"endpoint":"chat","virtual_key":"app","model":"claude","stream":false,"status":499,"outcome":"client_gone",
			"attempts":[{"provider":"ant","upstream_model":"claude-x","upstream_key":"a1","status":0,"outcome":"client_gone","error":"context canceled"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Load([]byte(strings.Replace(recordConfig, "HASH", config.HashKey(testKey), 1)), nil)
			if err != nil {
				t.Fatal(err)
			}
			c := &clock{now}
			g, err := New(cfg, WithClock(c.now))
			if err != nil {
				t.Fatal(err)
			}
			x := g.Handle(post("/v1/chat/completions", tc.body))
			status := tc.run(t, x)
			got, err := json.Marshal(x.Record(status))
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(t, got, []byte(tc.want)) {
				t.Errorf("record\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// jsonEqual compares two JSON texts as values, after checking neither has a member
// twice.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("%v: %s", err, a)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	ca, _ := json.Marshal(va)
	cb, _ := json.Marshal(vb)
	return string(ca) == string(cb)
}
