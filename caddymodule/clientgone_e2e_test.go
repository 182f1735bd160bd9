package caddymodule_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/franca-gw/franca/internal/fake/anthropicfake"
)

// TestStreamClientLeavesIsNoKeyFailure: a client that hangs up in the middle of a stream
// says nothing about the provider. With breaker_failures 1, counting it as a failure of
// the upstream key would open the key's circuit and refuse the next request.
func TestStreamClientLeavesIsNoKeyFailure(t *testing.T) {
	var abandoned atomic.Int32
	first := anthropicfake.TextStream[:strings.Index(anthropicfake.TextStream, "event: content_block_delta")]
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		if !strings.Contains(string(body), "hang up") {
			io.WriteString(w, anthropicfake.TextStream)
			return
		}
		io.WriteString(w, first)
		w.(http.Flusher).Flush()
		select { // until Franca gives the upstream call up
		case <-r.Context().Done():
			abandoned.Add(1)
		case <-time.After(10 * time.Second):
		}
	}))
	defer up.Close()
	f := start(t, `
providers:
  - name: anthropic
    type: anthropic
    base_url: `+up.URL+`
    keys: [{secret: sk-ant-test}]
models:
  - name: claude
    targets: [{provider: anthropic, model: claude-sonnet-4-5}]
virtual_keys:
  - {name: test, hash: "{{KEY_HASH}}"}
routing: {breaker_failures: 1, breaker_open: 1m}
`)
	for i := 0; i < 2; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "POST", f.URL+"/v1/chat/completions", strings.NewReader(
			`{"model":"claude","stream":true,"messages":[{"role":"user","content":"hang up"}]}`))
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(resp.Body).ReadString('\n')
		if resp.StatusCode != 200 || !strings.HasPrefix(line, "data: ") {
			t.Fatalf("stream %d: %d %q %v", i, resp.StatusCode, line, err)
		}
		cancel()
		resp.Body.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for abandoned.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if abandoned.Load() < 2 {
		t.Fatalf("Franca did not give up the upstream calls of clients that left (%d of 2)", abandoned.Load())
	}
	time.Sleep(100 * time.Millisecond) // the handler ends the attempt right after
	status, _, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json",
		`{"model":"claude","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	if status != 200 || !strings.HasSuffix(body, "data: [DONE]\n\n") {
		t.Fatalf("after two clients left mid-stream: %d %s", status, body)
	}
}
