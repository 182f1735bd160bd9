package caddymodule_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake/anthropicfake"
)

// TestAttemptOutcomesInTheLog: every way a streamed attempt ends is classified by the
// core and shows in Caddy's access log line as such, with the usage the provider
// reported up to there: a stream the translator cannot read is a malformed answer (a
// failure of the key), not a client that left; a stream the provider cuts is cut; a
// client that leaves mid-stream keeps its usage; a passthrough stream that goes through
// whole is a success.
func TestAttemptOutcomesInTheLog(t *testing.T) {
	head := anthropicfake.TextStream[:strings.Index(anthropicfake.TextStream, "event: content_block_delta")]
	gone := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		switch {
		case strings.Contains(string(body), "malformed"):
			io.WriteString(w, head+"event: content_block_delta\ndata: {\"type\": \"content_block_delta\", \"index\": 0, \"delta\": \n\n")
		case strings.Contains(string(body), "cut"):
			io.WriteString(w, head)
			w.(http.Flusher).Flush()
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close() // the connection breaks mid-chunk: no terminating chunk
			}
		case strings.Contains(string(body), "hang up"):
			io.WriteString(w, head)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			close(gone)
		case r.URL.Path == "/v1/responses":
			io.WriteString(w, "event: response.completed\ndata: {\"type\":\"response.completed\"}\n\n")
		default:
			io.WriteString(w, anthropicfake.TextStream)
		}
	}))
	defer up.Close()
	f, logLines := oaStartLogged(t, `
providers:
  - name: anthropic
    type: anthropic
    base_url: `+up.URL+`
    keys: [{id: ant-1, secret: sk-ant-test}]
  - name: openai
    type: openai
    base_url: `+up.URL+`/v1
    keys: [{id: oa-1, secret: sk-oa-test}]
models:
  - name: claude
    targets: [{provider: anthropic, model: claude-sonnet-4-5}]
  - name: gpt
    targets: [{provider: openai, model: gpt-4o}]
virtual_keys:
  - {name: test, hash: "{{KEY_HASH}}"}
routing: {breaker_failures: 100}
`)
	stream := func(word string) string {
		_, _, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json",
			`{"model":"claude","stream":true,"messages":[{"role":"user","content":"`+word+`"}]}`)
		return body
	}
	if body := stream("malformed"); !strings.Contains(body, `"code":"stream_interrupted"`) && !strings.Contains(body, `"error"`) {
		t.Errorf("malformed stream: the client got no error event: %s", body)
	}
	if body := stream("cut"); !strings.Contains(body, `"error"`) {
		t.Errorf("cut stream: the client got no error event: %s", body)
	}

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", f.URL+"/v1/chat/completions", strings.NewReader(
		`{"model":"claude","stream":true,"messages":[{"role":"user","content":"hang up"}]}`))
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil || !strings.HasPrefix(line, "data: ") {
		t.Fatalf("hang up: %q %v", line, err)
	}
	cancel()
	resp.Body.Close()
	<-gone

	status, _, body := f.do(t, "POST", "/v1/responses", testKey, "application/json", `{"model":"gpt","input":"hi","stream":true}`)
	if status != 200 || body != "event: response.completed\ndata: {\"type\":\"response.completed\"}\n\n" {
		t.Errorf("passthrough stream: %d %q", status, body)
	}

	lines := logLines(4)
	byOutcome := map[string]map[string]any{}
	for _, l := range lines {
		byOutcome[l["outcome"].(string)] = l
	}
	for outcome, want := range map[string]map[string]any{
		"malformed":   {"status": 200.0, "upstream_key": "ant-1", "prompt_tokens": 25.0, "completion_tokens": 1.0},
		"stream_cut":  {"status": 200.0, "upstream_key": "ant-1", "prompt_tokens": 25.0, "completion_tokens": 1.0},
		"client_gone": {"status": 200.0, "upstream_key": "ant-1", "prompt_tokens": 25.0, "completion_tokens": 1.0},
		"ok":          {"status": 200.0, "upstream_key": "oa-1", "endpoint": "passthrough"},
	} {
		line, ok := byOutcome[outcome]
		if !ok {
			t.Errorf("no log line with outcome %s; lines: %v", outcome, lines)
			continue
		}
		oaLogFields(t, line, want)
	}
}
