package caddymodule_test

import (
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake/anthropicfake"
)

// TestRoutingClientErrorBeforeRestingKey: a request the target refuses (n: 2 for
// Anthropic) gets its 400 even while the target's only key rests after a 429, not the
// 429 "try again" it would be refused after anyway; the resting key is not touched.
func TestRoutingClientErrorBeforeRestingKey(t *testing.T) {
	u := rtNew(t, rtAnthropic, "alpha")
	f := start(t, strings.ReplaceAll(`
providers:
  - name: p
    type: anthropic
    base_url: {{URL}}
    keys: `+rtKeys("alpha")+`
models:
  - name: m
    targets: [{provider: p, model: `+pvClaudeModel+`}]
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
`, "{{URL}}", u.URL))
	u.on("alpha", rtFixed(rtWithHeader(anthropicfake.ErrorReply(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"), "Retry-After", "7")))
	if status, h, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", rtChat("m")); status != 429 || h.Get("Retry-After") != "7" {
		t.Fatalf("rate-limited: %d %q %s", status, h.Get("Retry-After"), body)
	}
	before := rtAPIStatus(t, f).key(t, "p", "alpha")
	if before.State != "cooling" {
		t.Fatalf("alpha after the 429: %+v", before)
	}

	want := `{"error":{"message":"parameter \"n\" is not supported by provider type anthropic","type":"invalid_request_error","param":"n","code":"unsupported_parameter"}}`
	for _, req := range []string{
		`{"model":"m","n":2,"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","n":2,"stream":true,"messages":[{"role":"user","content":"hi"}]}`,
	} {
		status, h, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", req)
		if status != 400 || body != want || h.Get("Retry-After") != "" || h.Get("Content-Type") != "application/json" {
			t.Fatalf("n: 2 while the key rests: %d %q %s", status, h.Get("Retry-After"), body)
		}
	}
	// A request the target accepts still waits for the key.
	if status, _, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", rtChat("m")); status != 429 ||
		!strings.Contains(body, `every upstream key for model \"m\" is resting`) {
		t.Fatalf("valid request while the key rests: %d %s", status, body)
	}
	rtWant(t, "upstream calls", u, "alpha=1")
	after := rtAPIStatus(t, f).key(t, "p", "alpha")
	if after.State != "cooling" || after.Recent != before.Recent || after.InFlight != 0 || *after.Until != *before.Until {
		t.Fatalf("alpha was touched: %+v, was %+v", after, before)
	}
}
