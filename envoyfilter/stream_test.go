//go:build !wasip1

package main

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/internal/fake/geminifake"
	"github.com/franca-gw/franca/internal/fake/openaifake"
)

// recordedStreams are providers' recorded event streams, with the model whose request
// they answer.
var recordedStreams = []struct {
	name, model, stream string
}{
	{"anthropic text", "claude", anthropicfake.TextStream},
	{"anthropic tools", "claude", anthropicfake.ToolUseStream},
	{"anthropic thinking", "claude", anthropicfake.ThinkingStream},
	{"anthropic error event", "claude", anthropicfake.ErrorStream},
	{"gemini text", "gemini", geminifake.StreamText},
	{"gemini function calls", "gemini", geminifake.StreamFunctionCall},
	{"gemini error", "gemini", geminifake.StreamError},
	{"gemini truncated", "gemini", geminifake.StreamTruncated},
	{"openai usage", "gpt", openaifake.StreamTextUsage},
	{"openai tools", "gpt", openaifake.StreamToolCalls},
}

// TestStreamsAtEveryOffset delivers each recorded stream to the upstream filter in two
// chunks cut at every byte offset, and then one byte per chunk: the client must get
// exactly what the core makes of the whole stream, whatever the cut (events kept across
// chunks, UTF-8 sequences and field names cut in the middle included).
func TestStreamsAtEveryOffset(t *testing.T) {
	header := http.Header{"Content-Type": {"text/event-stream"}}
	forEachRunner(t, func(t *testing.T, r runner) {
		for _, rs := range recordedStreams {
			t.Run(rs.name, func(t *testing.T) {
				provider := map[string]string{"gpt": "openai", "claude": "anthropic", "gemini": "gemini"}[rs.model]
				body := `{"model":"` + rs.model + `","messages":[{"role":"user","content":"hi"}],"max_tokens":50,"stream":true,"stream_options":{"include_usage":true}}`
				fwd := forward(t, r, chatRequest(body))
				want := normalize(oracle(t, body, provider, 200, header, []byte(rs.stream)).Body)
				up := start(t, r, rootUpstream, testConfig(), map[string]string{"cluster_name": provider})
				defer up.stop()
				in := []byte(rs.stream)
				run := func(chunks [][]byte) string {
					id, sent, local := up.send(t, fwd)
					defer up.host.CompleteHttpContext(id)
					if local != nil || sent == nil {
						t.Fatalf("answered locally: %+v", local)
					}
					got := up.respond(t, id, 200, header, chunks)
					if got.status != 200 || got.get("content-type") != "text/event-stream" {
						t.Fatalf("header %q", got.header)
					}
					return normalize(got.body)
				}
				for i := 0; i <= len(in); i++ {
					// Copies, so that a filter keeping the host's buffer shows.
					a, b := bytes.Clone(in[:i]), bytes.Clone(in[i:])
					if got := run([][]byte{a, b}); got != want {
						t.Fatalf("cut at %d of %d:\ngot  %q\nwant %q", i, len(in), got, want)
					}
				}
				pieces := make([][]byte, len(in))
				for i := range in {
					pieces[i] = in[i : i+1]
				}
				if got := run(pieces); got != want {
					t.Fatalf("byte by byte:\ngot  %q\nwant %q", got, want)
				}
			})
		}
	})
}
