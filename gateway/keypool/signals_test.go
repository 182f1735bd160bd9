package keypool

import (
	"net/http"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestRetryDelay(t *testing.T) {
	cases := []struct {
		name string
		h    http.Header
		body string
		want time.Duration
		ok   bool
	}{
		{"seconds", hdr("Retry-After", "20"), "", 20 * time.Second, true},
		{"fractional seconds", hdr("Retry-After", "1.5"), "", 1500 * time.Millisecond, true},
		{"http date", hdr("Retry-After", "Sun, 22 Nov 2026 12:00:42 GMT"), "", 42 * time.Second, true},
		{"http date in the past", hdr("Retry-After", "Sun, 22 Nov 2026 11:59:00 GMT"), "", 0, true},
		{"retry-after-ms wins", hdr("Retry-After", "20", "retry-after-ms", "350"), "", 350 * time.Millisecond, true},
		{"azure ms", hdr("x-ms-retry-after-ms", "1200"), "", 1200 * time.Millisecond, true},
		{"openai requests exhausted", hdr("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "6m0s",
			"x-ratelimit-remaining-tokens", "1000", "x-ratelimit-reset-tokens", "20ms"), "", 6 * time.Minute, true},
		{"openai tokens exhausted", hdr("x-ratelimit-remaining-requests", "10", "x-ratelimit-reset-requests", "6m0s",
			"x-ratelimit-remaining-tokens", "0", "x-ratelimit-reset-tokens", "20ms"), "", 20 * time.Millisecond, true},
		{"openai none exhausted: the later", hdr("x-ratelimit-reset-requests", "1s", "x-ratelimit-reset-tokens", "1m30.5s"), "", 90500 * time.Millisecond, true},
		{"anthropic output tokens exhausted", hdr(
			"anthropic-ratelimit-requests-remaining", "40", "anthropic-ratelimit-requests-reset", "2026-11-22T12:00:01Z",
			"anthropic-ratelimit-output-tokens-remaining", "0", "anthropic-ratelimit-output-tokens-reset", "2026-11-22T12:00:30Z"), "", 30 * time.Second, true},
		{"anthropic limits not exhausted say nothing", hdr(
			"anthropic-ratelimit-requests-remaining", "3999", "anthropic-ratelimit-requests-reset", "2026-11-22T12:00:40Z",
			"anthropic-ratelimit-tokens-remaining", "479000", "anthropic-ratelimit-tokens-reset", "2026-11-22T12:00:50Z"), "", 0, false},
		{"openai limits not exhausted say nothing", hdr("x-ratelimit-remaining-requests", "9", "x-ratelimit-reset-requests", "6m0s"), "", 0, false},
		{"anthropic retry-after wins", hdr("retry-after", "3", "anthropic-ratelimit-requests-remaining", "0",
			"anthropic-ratelimit-requests-reset", "2026-11-22T12:00:30Z"), "", 3 * time.Second, true},
		{"body retry info", hdr(), "31", 31 * time.Second, true},
		{"garbage", hdr("Retry-After", "soon", "x-ratelimit-reset-requests", "later"), "", 0, false},
		{"negative", hdr("Retry-After", "-5"), "", 0, false},
		{"nothing", nil, "", 0, false},
	}
	for _, c := range cases {
		var h HeaderGetter
		if c.h != nil {
			h = c.h
		}
		got, ok := RetryDelay(h, c.body, t0)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: got %v %v, want %v %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestRemaining(t *testing.T) {
	req, tok, reset := Remaining(hdr("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "2s",
		"x-ratelimit-remaining-tokens", "500", "x-ratelimit-reset-tokens", "10s"), t0)
	if req != 0 || tok != 500 || reset != 2*time.Second {
		t.Fatalf("openai: %d %d %v", req, tok, reset)
	}
	req, tok, reset = Remaining(hdr("anthropic-ratelimit-requests-remaining", "5", "anthropic-ratelimit-requests-reset", "2026-11-22T12:00:05Z",
		"anthropic-ratelimit-tokens-remaining", "0", "anthropic-ratelimit-tokens-reset", "2026-11-22T12:00:09Z"), t0)
	if req != 5 || tok != 0 || reset != 9*time.Second {
		t.Fatalf("anthropic: %d %d %v", req, tok, reset)
	}
	if req, tok, _ := Remaining(hdr(), t0); req != -1 || tok != -1 {
		t.Fatalf("absent: %d %d", req, tok)
	}
}

// Huge and overflowing delays, in every form a provider may write one, read as a century
// (never a negative or wrapped duration); the pool caps what it applies.
func TestRetryDelayHugeValues(t *testing.T) {
	cases := []struct {
		name string
		h    http.Header
		body string
	}{
		{"seconds, a year", hdr("Retry-After", "31536000000"), ""},
		{"seconds beyond int64", hdr("Retry-After", "99999999999999999999999"), ""},
		{"seconds beyond float64", hdr("Retry-After", "1e999"), ""},
		{"seconds, infinity", hdr("Retry-After", "Inf"), ""},
		{"http date, far future", hdr("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT"), ""},
		{"retry-after-ms beyond int64", hdr("retry-after-ms", "9223372036854775807000"), ""},
		{"x-ms-retry-after-ms, infinity", hdr("x-ms-retry-after-ms", "+Inf"), ""},
		{"x-ratelimit-reset-requests overflowing", hdr("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "9999999999999h"), ""},
		{"x-ratelimit-reset-tokens overflowing", hdr("x-ratelimit-reset-tokens", "2562048h1m"), ""},
		{"anthropic reset, far future", hdr("anthropic-ratelimit-tokens-remaining", "0", "anthropic-ratelimit-tokens-reset", "9999-12-31T23:59:59Z"), ""},
		{"gemini RetryInfo (as the translator passes it)", nil, "1e300"},
	}
	for _, c := range cases {
		d, ok := RetryDelay(c.h, c.body, t0)
		if !ok || d != maxDelay {
			t.Errorf("%s: %v %v, want %v", c.name, d, ok, maxDelay)
		}
	}
	for _, v := range []string{"NaN", "-1e999", "-5"} {
		if d, ok := RetryDelay(hdr("Retry-After", v), "", t0); ok {
			t.Errorf("Retry-After %q read as %v", v, d)
		}
	}
	for _, v := range []string{"soon", "5x", "1.2.3s", "h"} {
		if d, ok := RetryDelay(hdr("x-ratelimit-reset-requests", v), "", t0); ok {
			t.Errorf("x-ratelimit-reset-requests %q read as %v", v, d)
		}
	}
}
