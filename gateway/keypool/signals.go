package keypool

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// maxDelay bounds every delay read from a provider: a larger value, or one too large for
// a time.Duration, is read as this much. The pool caps it further (Options.MaxCooldown).
const maxDelay = 100 * 365 * 24 * time.Hour

// scaled returns v units as a duration, at most maxDelay; ok is false for a negative
// value or NaN.
func scaled(v float64, unit time.Duration) (time.Duration, bool) {
	if math.IsNaN(v) || v < 0 {
		return 0, false
	}
	if v >= float64(maxDelay/unit) {
		return maxDelay, true
	}
	return time.Duration(v * float64(unit)), true
}

// until returns the delay from now to t, 0 when t is past and at most maxDelay.
func until(t, now time.Time) time.Duration {
	return min(nonNegative(t.Sub(now)), maxDelay)
}

// HeaderGetter reads a response header field case-insensitively (net/http's Header and
// translate.Headers both satisfy it).
type HeaderGetter interface {
	Get(name string) string
}

// RetryDelay reads how long a provider asked to wait before the next request, from a
// rate-limited or overloaded reply's headers. It understands, in order of precedence:
//
//   - retry-after-ms and x-ms-retry-after-ms (milliseconds; OpenAI, Azure);
//   - Retry-After (seconds, or an HTTP date);
//   - OpenAI's x-ratelimit-reset-requests / x-ratelimit-reset-tokens durations ("6m0s",
//     "20ms"), taking the limit that is exhausted, or the later of the two;
//   - Anthropic's anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-reset
//     RFC 3339 timestamps, the same way.
//
// Every form is read safely: a value too large for a time.Duration (or beyond a century)
// reads as a century, and the pool caps what it applies (Options.MaxCooldown).
//
// bodyRetryAfter is a Retry-After value a translator read from the error body (Gemini's
// RetryInfo), used when no header says anything. ok is false when nothing says how long.
func RetryDelay(h HeaderGetter, bodyRetryAfter string, now time.Time) (d time.Duration, ok bool) {
	if h != nil {
		for _, name := range [...]string{"retry-after-ms", "x-ms-retry-after-ms"} {
			if v := h.Get(name); v != "" {
				if ms, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					if d, ok := scaled(ms, time.Millisecond); ok {
						return d, true
					}
				}
			}
		}
		if d, ok := retryAfter(h.Get("retry-after"), now); ok {
			return d, true
		}
		if d, ok := resetOf(h, openAILimits[:], parseDuration(now)); ok {
			return d, true
		}
		if d, ok := resetOf(h, anthropicLimits[:], parseTimestamp(now)); ok {
			return d, true
		}
	}
	return retryAfter(bodyRetryAfter, now)
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil || isRange(err) {
		return scaled(s, time.Second)
	}
	for _, layout := range [...]string{time.RFC1123, time.RFC850, time.ANSIC} {
		if t, err := time.Parse(layout, v); err == nil {
			return until(t, now), true
		}
	}
	return 0, false
}

// limitHeader names the remaining and reset header fields of one limit.
type limitHeader struct{ remaining, reset string }

var (
	openAILimits = [...]limitHeader{
		{"x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"},
		{"x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"},
	}
	anthropicLimits = [...]limitHeader{
		{"anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset"},
		{"anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-tokens-reset"},
		{"anthropic-ratelimit-input-tokens-remaining", "anthropic-ratelimit-input-tokens-reset"},
		{"anthropic-ratelimit-output-tokens-remaining", "anthropic-ratelimit-output-tokens-reset"},
	}
)

// resetOf reads the reset times of several limits. When a limit reports 0 remaining,
// its reset is the answer (the longest of those at 0); otherwise the longest reset of the
// limits that do not say how much is left. A limit that reports some left did not stop
// the request, and its reset says nothing about when the key may be used again (Anthropic
// sends its limits with every reply, a 529 overloaded one too).
func resetOf(h HeaderGetter, limits []limitHeader, parse func(string) (time.Duration, bool)) (time.Duration, bool) {
	var exhausted, longest time.Duration
	var haveExhausted, haveAny bool
	for _, l := range limits {
		d, ok := parse(h.Get(l.reset))
		if !ok {
			continue
		}
		if left := strings.TrimSpace(h.Get(l.remaining)); left != "" && left != "0" {
			continue
		}
		if !haveAny || d > longest {
			longest, haveAny = d, true
		}
		if strings.TrimSpace(h.Get(l.remaining)) == "0" && (!haveExhausted || d > exhausted) {
			exhausted, haveExhausted = d, true
		}
	}
	if haveExhausted {
		return exhausted, true
	}
	return longest, haveAny
}

// parseDuration reads OpenAI's reset durations ("1s", "6m0s", "20ms", "1h2m3.5s").
func parseDuration(time.Time) func(string) (time.Duration, bool) {
	return func(v string) (time.Duration, bool) {
		if v == "" {
			return 0, false
		}
		v = strings.TrimSpace(v)
		d, err := time.ParseDuration(v)
		if err != nil {
			// ParseDuration refuses values too large for a Duration, as it does garbage.
			if tooLong(v) {
				return maxDelay, true
			}
			return 0, false
		}
		if d < 0 {
			return 0, false
		}
		return min(d, maxDelay), true
	}
}

// parseTimestamp reads Anthropic's RFC 3339 reset timestamps as a delay from now.
func parseTimestamp(now time.Time) func(string) (time.Duration, bool) {
	return func(v string) (time.Duration, bool) {
		if v == "" {
			return 0, false
		}
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
		if err != nil {
			return 0, false
		}
		return until(t, now), true
	}
}

// isRange reports whether err is strconv's error for a number out of float64's range
// (ParseFloat then returns ±Inf).
func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// tooLong reports whether v, which time.ParseDuration refused, is written as a positive
// duration ("99999999999h", "1e3s" is not) and so was refused for its size.
func tooLong(v string) bool {
	if v == "" || v[0] < '0' || v[0] > '9' {
		return false
	}
	for _, unit := range [...]string{"ns", "us", "µs", "ms", "s", "m", "h"} {
		v = strings.ReplaceAll(v, unit, "|")
	}
	for _, part := range strings.Split(strings.TrimSuffix(v, "|"), "|") {
		if part == "" || strings.Trim(part, "0123456789.") != "" || strings.Count(part, ".") > 1 {
			return false
		}
	}
	return strings.HasSuffix(v, "|")
}

func nonNegative(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d
}

// Remaining reads the x-ratelimit-remaining-requests / -tokens (OpenAI, Azure, Groq …)
// and anthropic-ratelimit-requests-remaining / -tokens-remaining headers of a successful
// reply: how many requests and tokens the key has left before its limit resets, and
// when that is. A field the provider did not send is -1.
func Remaining(h HeaderGetter, now time.Time) (requests, tokens int, reset time.Duration) {
	requests, tokens = -1, -1
	if h == nil {
		return
	}
	if v := h.Get("x-ratelimit-remaining-requests"); v != "" {
		requests = atoi(v)
		reset, _ = parseDuration(now)(h.Get("x-ratelimit-reset-requests"))
	} else if v := h.Get("anthropic-ratelimit-requests-remaining"); v != "" {
		requests = atoi(v)
		reset, _ = parseTimestamp(now)(h.Get("anthropic-ratelimit-requests-reset"))
	}
	if v := h.Get("x-ratelimit-remaining-tokens"); v != "" {
		tokens = atoi(v)
		if d, ok := parseDuration(now)(h.Get("x-ratelimit-reset-tokens")); ok && tokens == 0 && d > reset {
			reset = d
		}
	} else if v := h.Get("anthropic-ratelimit-tokens-remaining"); v != "" {
		tokens = atoi(v)
		if d, ok := parseTimestamp(now)(h.Get("anthropic-ratelimit-tokens-reset")); ok && tokens == 0 && d > reset {
			reset = d
		}
	}
	return
}

func atoi(v string) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return -1
	}
	return n
}
