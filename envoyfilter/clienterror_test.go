//go:build !wasip1

package main

import (
	"testing"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/anthropicfake"
)

// TestRestingKeyClientError: while the provider's only key rests after a 429, a request
// the provider cannot take (n: 2 for Anthropic) gets its 400 from the upstream filter,
// not the 429 it would be refused after anyway, and nothing reaches the provider.
func TestRestingKeyClientError(t *testing.T) {
	forEachRunner(t, func(t *testing.T, r runner) {
		ok := forward(t, r, chatRequest(`{"model":"claude","messages":[{"role":"user","content":"hi"}],"max_tokens":5}`))
		bad := forward(t, r, chatRequest(`{"model":"claude","messages":[{"role":"user","content":"hi"}],"max_tokens":5,"n":2}`))
		up := start(t, r, rootUpstream, testConfig(), map[string]string{"cluster_name": "anthropic"})
		defer up.stop()
		if first, _, _ := up.upstreamRun(t, ok, func(*fake.Recorded) fake.Reply { return anthropicfake.RateLimitReply() }); first.status != 429 {
			t.Fatalf("first: %d %s", first.status, first.body)
		}
		called := false
		got, sent, _ := up.upstreamRun(t, bad, func(*fake.Recorded) fake.Reply { called = true; return fake.Reply{} })
		want := `{"error":{"message":"parameter \"n\" is not supported by provider type anthropic","type":"invalid_request_error","param":"n","code":"unsupported_parameter"}}`
		if called || sent != nil || got.status != 400 || string(got.body) != want || got.get("retry-after") != "" {
			t.Fatalf("n: 2 while the key rests: %d %q %s", got.status, got.header, got.body)
		}
	})
}
