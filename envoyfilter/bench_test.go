//go:build !wasip1

package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/internal/fake/anthropicfake"
)

// The benchmarks measure, per translated chat request and per stream chunk, three ways:
//
//   - core: the gateway core called directly, what the Caddy module pays;
//   - go: the filter compiled into the test binary, behind the host emulator;
//   - wasm: bin/franca.wasm behind the host emulator, as Envoy runs it.
//
// For wasm, B/op and allocs/op are the host's (wazero, emulator); the guest's own
// allocations are reported as guest-B/op and guest-allocs/op, read from the plugin's
// allocation counters. Emulator and wazero costs are part of the go and wasm times.

// benchBody is a chat request of about 2 KB with a system prompt, a conversation and a tool.
var benchBody = func() string {
	turn := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 8)
	return `{"model":"claude","max_tokens":256,"temperature":0.2,` +
		`"messages":[{"role":"system","content":"You are a concise assistant. ` + turn + `"},` +
		`{"role":"user","content":"` + turn + `"},{"role":"assistant","content":"` + turn + `"},` +
		`{"role":"user","content":"` + turn + `"}],` + weatherTool + `}`
}()

var (
	benchAnswer = []byte(anthropicfake.TextMessage)
	benchHeader = http.Header{"Content-Type": {"application/json"}}
	// benchChunk is one text delta event, the common chunk of a stream.
	benchChunk = []byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello there, how are\"}}\n\n")
	benchStart = []byte(strings.SplitAfter(anthropicfake.TextStream, "\n\n")[0] + strings.SplitAfter(anthropicfake.TextStream, "\n\n")[1])
)

func benchGateway(b *testing.B) *gateway.Gateway {
	cfg, err := config.Load(testConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	g, err := gateway.New(cfg, gateway.WithPolicies(builtinPolicies(b)))
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// BenchmarkChatRequest: one attempt of a translated chat request: the request to
// Anthropic's format and its JSON answer back to OpenAI's.
func BenchmarkChatRequest(b *testing.B) {
	b.Run("core", func(b *testing.B) {
		g := benchGateway(b)
		h := pairs{{"content-type", "application/json"}}
		b.ReportAllocs()
		for b.Loop() {
			x := g.HandleAs("team", &gateway.Request{Method: "POST", Path: "/v1/chat/completions", Header: h, Body: []byte(benchBody), Now: now})
			a := x.AttemptFor("anthropic")
			if a == nil {
				b.Fatal(string(x.Reply.Body))
			}
			if r, _ := a.Response(200, benchHeader, benchAnswer); r.Status != 200 {
				b.Fatal(string(r.Body))
			}
		}
	})
	for _, r := range runners {
		b.Run(r.name, func(b *testing.B) {
			fwd := forward(b, r, chatRequest(benchBody))
			up := start(b, r, rootUpstream, testConfig(), map[string]string{"cluster_name": "anthropic"})
			defer up.stop()
			guest := guestAllocs(b, up.host)
			b.ReportAllocs()
			for b.Loop() {
				id, _, local := up.send(b, fwd)
				if local != nil {
					b.Fatal(string(local.body))
				}
				if got := up.respond(b, id, 200, benchHeader, [][]byte{benchAnswer}); got.status != 200 {
					b.Fatal(string(got.body))
				}
				up.host.CompleteHttpContext(id)
			}
			guest(r.name == "wasm")
		})
	}
}

// BenchmarkStreamChunk: one chunk of an Anthropic stream (a text delta event) through
// the transcoder.
func BenchmarkStreamChunk(b *testing.B) {
	body := `{"model":"claude","messages":[{"role":"user","content":"hi"}],"max_tokens":50,"stream":true}`
	b.Run("core", func(b *testing.B) {
		g := benchGateway(b)
		x := g.HandleAs("team", &gateway.Request{Method: "POST", Path: "/v1/chat/completions", Body: []byte(body), Now: now})
		s := x.AttemptFor("anthropic").Stream()
		out, err := s.Feed(nil, benchStart)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if out, err = s.Feed(out[:0], benchChunk); err != nil || len(out) == 0 {
				b.Fatal(err)
			}
		}
	})
	for _, r := range runners {
		b.Run(r.name, func(b *testing.B) {
			fwd := forward(b, r, chatRequest(body))
			up := start(b, r, rootUpstream, testConfig(), map[string]string{"cluster_name": "anthropic"})
			defer up.stop()
			id, _, local := up.send(b, fwd)
			if local != nil {
				b.Fatal(string(local.body))
			}
			up.host.CallOnResponseHeaders(id, [][2]string{{":status", "200"}, {"content-type", "text/event-stream"}}, false)
			up.host.CallOnResponseBody(id, benchStart, false)
			guest := guestAllocs(b, up.host)
			b.ReportAllocs()
			for b.Loop() {
				up.host.CallOnResponseBody(id, benchChunk, false)
			}
			guest(r.name == "wasm")
			if out := up.host.GetCurrentResponseBody(id); !strings.HasPrefix(string(out), "data: {") {
				b.Fatalf("chunk out: %q", out)
			}
			up.host.CompleteHttpContext(id)
		})
	}
}

// BenchmarkDownstream: the downstream filter's work per request: authentication, the
// model check, routing, the credential removed.
func BenchmarkDownstream(b *testing.B) {
	for _, r := range runners {
		b.Run(r.name, func(b *testing.B) {
			s := start(b, r, rootDownstream, testConfig(), nil)
			defer s.stop()
			q := chatRequest(benchBody)
			guest := guestAllocs(b, s.host)
			b.ReportAllocs()
			for b.Loop() {
				if local, _ := s.downstreamRun(b, q); local != nil {
					b.Fatal(string(local.body))
				}
			}
			guest(r.name == "wasm")
		})
	}
}

// guestAllocs reads the plugin's allocation counters now; the function it returns
// reports what was allocated since per iteration, when report is set.
func guestAllocs(b *testing.B, host proxytest.HostEmulator) func(report bool) {
	host.Tick()
	bytes0, _ := host.GetCounterMetric(metricAllocBytes)
	objs0, _ := host.GetCounterMetric(metricAllocs)
	return func(report bool) {
		b.StopTimer()
		host.Tick()
		if !report || b.N == 0 {
			return
		}
		bytes1, _ := host.GetCounterMetric(metricAllocBytes)
		objs1, _ := host.GetCounterMetric(metricAllocs)
		b.ReportMetric(float64(bytes1-bytes0)/float64(b.N), "guest-B/op")
		b.ReportMetric(float64(objs1-objs0)/float64(b.N), "guest-allocs/op")
	}
}
