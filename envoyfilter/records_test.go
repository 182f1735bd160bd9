//go:build !wasip1

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake/anthropicfake"
)

// TestRequestRecordInTheLog: the downstream filter logs one record per request, built
// by the core from the attempts the upstream filter made, whatever way the stream ended:
// through to its end, a stream Franca cannot read (a failure of the key, not a client
// leaving), and a client that leaves mid-stream (its usage so far is kept).
func TestRequestRecordInTheLog(t *testing.T) {
	head := anthropicfake.TextStream[:strings.Index(anthropicfake.TextStream, "event: content_block_delta")]
	malformed := "event: content_block_delta\ndata: {\"type\": \"content_block_delta\", \"index\": 0, \"delta\": \n\n"
	const attempt = `{"provider":"anthropic","upstream_model":"` + anthropicfake.Model + `","upstream_key":"ant-1","status":200,`
	const head25 = `"usage":{"prompt_tokens":25,"completion_tokens":1,"total_tokens":26,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}`
	const whole = `"usage":{"prompt_tokens":25,"completion_tokens":15,"total_tokens":40,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}`
	const request = `{"endpoint":"chat","virtual_key":"team","model":"claude","stream":true,"status":200,`
	for _, c := range []struct {
		name    string
		chunks  []string
		end     bool   // the provider's answer ends
		details string // Envoy's response code details when the downstream stream is done
		want    string
	}{
		{"whole stream", []string{anthropicfake.TextStream}, true, "via_upstream",
			request + `"outcome":"ok",` + whole + `,"attempts":[` + attempt + `"outcome":"ok",` + whole + `}]}`},
		{"malformed stream", []string{head, malformed}, true, "via_upstream",
			request + `"outcome":"malformed",` + head25 + `,"attempts":[` + attempt + `"outcome":"malformed","error":"anthropic sent a malformed content_block_delta event",` + head25 + `}]}`},
		{"client gone", []string{head}, false, "downstream_remote_disconnect",
			request + `"outcome":"client_gone",` + head25 + `,"attempts":[` + attempt + `"outcome":"client_gone","error":"the client went away before the answer was complete",` + head25 + `}]}`},
	} {
		forEachWorkerRunner(t, func(t *testing.T, r workerRunner) {
			w := startWorkers(t, r, 1, testConfig(), oneWorker...)
			id, fwd, local := w.open(t, 0, chatRequest(`{"model":"claude","stream":true,"max_tokens":20,"messages":[{"role":"user","content":"hi"}]}`))
			if local != nil {
				t.Fatalf("%s: %+v", c.name, local)
			}
			w.at(t, 1, fwd, "anthropic")
			up, _, local := w.send(t, fwd)
			if local != nil {
				t.Fatalf("%s: %+v", c.name, local)
			}
			sse := [][2]string{{":status", "200"}, {"content-type", "text/event-stream"}}
			w.host.CallOnResponseHeaders(up, sse, false)
			for i, chunk := range c.chunks {
				w.host.CallOnResponseBody(up, []byte(chunk), c.end && i == len(c.chunks)-1)
			}
			w.m.active = 0
			w.host.CallOnResponseHeaders(id, sse, false)
			if err := w.host.SetProperty([]string{"response", "code_details"}, []byte(c.details)); err != nil {
				t.Fatal(err)
			}
			w.host.CompleteHttpContext(id)
			got := lastRecord(t, w.host.GetInfoLogs())
			if got != normalizeJSON(t, c.want) {
				t.Errorf("%s: record\n%s\nwant\n%s", c.name, got, normalizeJSON(t, c.want))
			}
		})
	}
}

// lastRecord returns the last request record in logs, as normalized JSON without the
// attempts' times to first byte (the runners' clocks differ).
func lastRecord(t *testing.T, logs []string) string {
	t.Helper()
	const prefix = "franca: request "
	for i := len(logs) - 1; i >= 0; i-- {
		if rest, ok := strings.CutPrefix(logs[i], prefix); ok {
			var v map[string]any
			if err := json.Unmarshal([]byte(rest), &v); err != nil {
				t.Fatalf("%v: %s", err, rest)
			}
			if as, ok := v["attempts"].([]any); ok {
				for _, a := range as {
					delete(a.(map[string]any), "ttfb_ns")
				}
			}
			b, _ := json.Marshal(v)
			return string(b)
		}
	}
	t.Fatalf("no request record in the log: %q", logs)
	return ""
}

func normalizeJSON(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
