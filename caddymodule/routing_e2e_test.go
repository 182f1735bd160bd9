package caddymodule_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/internal/fake/geminifake"
	"github.com/franca-gw/franca/internal/fake/openaifake"
)

// This file holds the end-to-end tests of key pools, load balancing and failover (issue
// 4): rate-limit signals, rejected keys, the circuit breaker, timeouts and broken
// connections, the all-resting 429, weights, priorities and strategies. Every key has
// its own secret, and the fakes count the requests each secret brought, so that a test
// can prove which key was (and was not) called. All helpers are named rt….

// rtSecret is the upstream secret of key id: distinct per key, so that a fake can tell
// which key a request came with.
func rtSecret(id string) string { return "sk-rt-" + id + rtSecretTail }

// rtSecretTail ends every secret of these tests; status output must never show it.
const rtSecretTail = "-9f8e7d6c5b4a"

// rtKeys writes a provider's keys in YAML flow style. "alpha:3" gives key alpha weight 3.
func rtKeys(ids ...string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		name, weight, _ := strings.Cut(id, ":")
		parts[i] = "{id: " + name + ", secret: " + rtSecret(name)
		if weight != "" {
			parts[i] += ", weight: " + weight
		}
		parts[i] += "}"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// rtFamily says how a provider family carries its key and how its fake answers a key
// it accepts.
type rtFamily struct {
	typ       string // the provider type in Franca's configuration
	path      string // appended to the fake's URL to make the base_url
	model     string // the upstream model the tests ask for
	keyHeader string // the header that carries the key
	prefix    string // before the key in that header
	answer    func(secret string) fake.Responder
}

var (
	rtOpenAI = rtFamily{"openai", "/v1", "gpt-4o-mini", "Authorization", "Bearer ",
		func(s string) fake.Responder { return openaifake.Responder("/v1", s) }}
	rtAzure     = rtFamily{"azure", "", "my-gpt4o", "Api-Key", "", openaifake.AzureResponder}
	rtAnthropic = rtFamily{"anthropic", "", pvClaudeModel, "X-Api-Key", "", anthropicfake.Responder}
	rtGemini    = rtFamily{"gemini", "", pvGeminiModel, "X-Goog-Api-Key", "", geminifake.Responder}
)

// rtReply makes one scripted answer; normal is what the family's fake would answer.
type rtReply func(normal fake.Reply) fake.Reply

// rtFixed answers with r whatever the request.
func rtFixed(r fake.Reply) rtReply { return func(fake.Reply) fake.Reply { return r } }

// rtUpstream is a fake provider of one family that serves several keys. Each key has
// its own script of replies, then gets the family fake's normal answer (after its delay,
// when one is set). A key the fake does not know is rejected the family's way.
type rtUpstream struct {
	*fake.Server
	fam    rtFamily
	mu     sync.Mutex
	known  map[string]bool
	script map[string][]rtReply
	delay  map[string]time.Duration
}

// rtNew starts a fake of family fam that accepts the keys ids.
func rtNew(t *testing.T, fam rtFamily, ids ...string) *rtUpstream {
	u := &rtUpstream{fam: fam, known: map[string]bool{}, script: map[string][]rtReply{}, delay: map[string]time.Duration{}}
	for _, id := range ids {
		u.known[id] = true
	}
	u.Server = fake.New(t, u.respond)
	return u
}

// on scripts the next answers to key id.
func (u *rtUpstream) on(id string, replies ...rtReply) {
	u.mu.Lock()
	u.script[id] = append(u.script[id], replies...)
	u.mu.Unlock()
}

// slow makes every normal answer to key id wait d before its status line.
func (u *rtUpstream) slow(id string, d time.Duration) {
	u.mu.Lock()
	u.delay[id] = d
	u.mu.Unlock()
}

func (u *rtUpstream) respond(r *fake.Recorded) fake.Reply {
	id := u.idOf(*r)
	u.mu.Lock()
	defer u.mu.Unlock()
	secret := rtSecret(id)
	if !u.known[id] {
		secret = rtSecret("the-right-key") // rejects the key the request carried
	}
	normal := u.fam.answer(secret)(r)
	normal.Delay = u.delay[id]
	if q := u.script[id]; len(q) > 0 {
		u.script[id] = q[1:]
		return q[0](normal)
	}
	return normal
}

// idOf returns the id of the key request r carried ("?" when it carried none of ours).
func (u *rtUpstream) idOf(r fake.Recorded) string {
	v, ok := strings.CutPrefix(r.Header.Get(u.fam.keyHeader), u.fam.prefix+"sk-rt-")
	if id, ok2 := strings.CutSuffix(v, rtSecretTail); ok && ok2 {
		return id
	}
	return "?"
}

// order returns the key ids of the requests received, in order.
func (u *rtUpstream) order() string {
	var ids []string
	for _, r := range u.Requests() {
		ids = append(ids, u.idOf(r))
	}
	return strings.Join(ids, " ")
}

// counts returns how many requests each key brought, as "alpha=1 bravo=4" in id order.
func (u *rtUpstream) counts() string {
	n := map[string]int{}
	for _, r := range u.Requests() {
		n[u.idOf(r)]++
	}
	ids := make([]string, 0, len(n))
	for id := range n {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = fmt.Sprintf("%s=%d", id, n[id])
	}
	return strings.Join(out, " ")
}

// rtWant fails the test unless the fake's request counts are want.
func rtWant(t *testing.T, what string, u *rtUpstream, want string) {
	t.Helper()
	if got := u.counts(); got != want {
		t.Fatalf("%s: upstream calls %q, want %q", what, got, want)
	}
}

// rtChat is a plain chat request for model.
func rtChat(model string) string {
	return `{"model":"` + model + `","messages":[{"role":"user","content":"hi"}]}`
}

// rtOK sends n chat requests for model and fails the test unless each succeeds.
func rtOK(t *testing.T, f *franca, model string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if status, _, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", rtChat(model)); status != 200 {
			t.Fatalf("request %d for %s: %d %s", i, model, status, body)
		}
	}
}

// rtKeyStatus is one key of the status output. Decoding refuses unknown fields, so that
// a changed shape fails the tests.
type rtKeyStatus struct {
	ID        string     `json:"id"`
	State     string     `json:"state"`
	Until     *time.Time `json:"until"`
	Reason    string     `json:"reason"`
	InFlight  int        `json:"in_flight"`
	Recent    int        `json:"recent_requests"`
	ErrorRate float64    `json:"error_rate"`
	TTFBMs    float64    `json:"ttfb_ms"`
	Models    []struct {
		Model  string    `json:"model"`
		State  string    `json:"state"`
		Until  time.Time `json:"until"`
		Reason string    `json:"reason"`
	} `json:"models"`
}

// rtStatus is the status output: GET /v1/status, or one source of /franca/status.
type rtStatus struct {
	Object    string `json:"object"`
	Providers []struct {
		Name        string        `json:"name"`
		Type        string        `json:"type"`
		Unavailable string        `json:"unavailable"`
		Keys        []rtKeyStatus `json:"keys"`
	} `json:"providers"`
}

// key returns the status of provider's key id; it fails the test when there is none.
func (s rtStatus) key(t *testing.T, provider, id string) rtKeyStatus {
	t.Helper()
	for _, p := range s.Providers {
		for _, k := range p.Keys {
			if p.Name == provider && k.ID == id {
				return k
			}
		}
	}
	t.Fatalf("no key %s/%s in the status %+v", provider, id, s)
	return rtKeyStatus{}
}

// rtNoSecrets fails the test when body shows an upstream secret, the virtual key or its
// hash.
func rtNoSecrets(t *testing.T, what string, body []byte) {
	t.Helper()
	for _, secret := range []string{"sk-rt-", rtSecretTail, testKey, strings.TrimPrefix(testHash(), "sha256:")[:16]} {
		if strings.Contains(string(body), secret) {
			t.Fatalf("%s shows %q: %s", what, secret, body)
		}
	}
}

func rtDecode(t *testing.T, what string, body []byte, v any) {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		t.Fatalf("%s: %v: %s", what, err, body)
	}
}

// rtAPIStatus reads GET /v1/status with the virtual key.
func rtAPIStatus(t *testing.T, f *franca) rtStatus {
	t.Helper()
	status, h, body := f.do(t, "GET", "/v1/status", testKey, "", "")
	if status != 200 || h.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /v1/status: %d %q %s", status, h.Get("Content-Type"), body)
	}
	rtNoSecrets(t, "GET /v1/status", []byte(body))
	var s rtStatus
	rtDecode(t, "GET /v1/status", []byte(body), &s)
	if s.Object != "franca.status" {
		t.Fatalf("status object %q", s.Object)
	}
	return s
}

// rtAdminStatus reads GET /franca/status on Caddy's admin API, which must list exactly
// the one configuration loaded.
func rtAdminStatus(t *testing.T, f *franca) rtStatus {
	t.Helper()
	resp, err := http.Get(f.Admin + "/franca/status")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /franca/status: %d %s", resp.StatusCode, body)
	}
	rtNoSecrets(t, "GET /franca/status", body)
	var all []struct {
		Source string   `json:"source"`
		Status rtStatus `json:"status"`
	}
	rtDecode(t, "GET /franca/status", body, &all)
	if len(all) != 1 || !strings.HasSuffix(strings.Fields(all[0].Source)[0], "franca.yaml") {
		t.Fatalf("GET /franca/status: want one source: %s", body)
	}
	return all[0].Status
}

// rtUntil fails the test unless the key rests until a moment within [lo, hi].
func rtUntil(t *testing.T, k rtKeyStatus, state string, lo, hi time.Time) {
	t.Helper()
	if k.State != state || k.Until == nil || k.Until.Before(lo) || k.Until.After(hi) {
		t.Fatalf("key %s: %s until %v (%s), want %s until a moment in [%v, %v]", k.ID, k.State, k.Until, k.Reason, state, lo.UTC(), hi.UTC())
	}
}

// rtModelUntil fails the test unless the key rests for model alone, until a moment
// within [lo, hi].
func rtModelUntil(t *testing.T, k rtKeyStatus, model string, lo, hi time.Time) {
	t.Helper()
	if len(k.Models) != 1 || k.Models[0].Model != model || k.Models[0].State != "cooling" || k.Models[0].Until.Before(lo) || k.Models[0].Until.After(hi) {
		t.Fatalf("key %s rests for %+v, want %s cooling until a moment in [%v, %v]", k.ID, k.Models, model, lo.UTC(), hi.UTC())
	}
}

// rtTwoKeys is a configuration with one provider of family fam (named "p", keys alpha
// and bravo, in that order) serving model "m", plus extra YAML.
func rtTwoKeys(fam rtFamily, url string, extra string) string {
	return `
providers:
  - name: p
    type: ` + fam.typ + `
    base_url: ` + url + fam.path + `
    keys: ` + rtKeys("alpha", "bravo") + `
models:
  - name: m
    targets: [{provider: p, model: ` + fam.model + `}]
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
    permissions: [status]
` + extra
}

// rtWithHeader returns r with header fields set (name, value, name, value …).
func rtWithHeader(r fake.Reply, kv ...string) fake.Reply {
	h := http.Header{}
	for k, v := range r.Header {
		h[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	r.Header = h
	return r
}

// TestRoutingRateLimitSignals answers the first request's key with a 429 in each of the
// forms providers use (and Anthropic's 529): the app gets the other key's answer, the
// rate-limited key rests exactly as long as the provider said (status shows until when),
// and no later request reaches it while it rests.
func TestRoutingRateLimitSignals(t *testing.T) {
	oa429 := openaifake.JSONReply(429, openaifake.ErrRateLimit)
	// Anthropic's 429 without retry-after: its limits' reset timestamps say how long.
	ant429 := anthropicfake.ErrorReply(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit")
	cases := []struct {
		name string
		fam  rtFamily
		// reply makes the 429 at now; at, when not zero, is the exact moment it names.
		reply  func(now time.Time) (r fake.Reply, at time.Time)
		lo, hi time.Duration // otherwise the cooldown is within [lo, hi]
		reason string
	}{
		{"Retry-After seconds", rtOpenAI, func(time.Time) (fake.Reply, time.Time) {
			return rtWithHeader(oa429, "Retry-After", "30"), time.Time{}
		}, 30 * time.Second, 30 * time.Second, "rate limited (HTTP 429)"},
		{"Retry-After HTTP date", rtOpenAI, func(now time.Time) (fake.Reply, time.Time) {
			at := now.Add(45 * time.Second).Truncate(time.Second)
			return rtWithHeader(oa429, "Retry-After", at.UTC().Format(http.TimeFormat)), at
		}, 0, 0, "rate limited (HTTP 429)"},
		{"retry-after-ms", rtOpenAI, func(time.Time) (fake.Reply, time.Time) {
			return rtWithHeader(oa429, "retry-after-ms", "40250"), time.Time{}
		}, 40250 * time.Millisecond, 40250 * time.Millisecond, "rate limited (HTTP 429)"},
		{"x-ms-retry-after-ms (Azure)", rtAzure, func(time.Time) (fake.Reply, time.Time) {
			return rtWithHeader(openaifake.JSONReply(429, openaifake.ErrAzureRateLimit), "x-ms-retry-after-ms", "50000"), time.Time{}
		}, 50 * time.Second, 50 * time.Second, "rate limited (HTTP 429)"},
		{"x-ratelimit-reset-requests, none remaining", rtOpenAI, func(time.Time) (fake.Reply, time.Time) {
			return rtWithHeader(oa429, "x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "6m0s",
				"x-ratelimit-remaining-tokens", "1000", "x-ratelimit-reset-tokens", "20ms"), time.Time{}
		}, 6 * time.Minute, 6 * time.Minute, "rate limited (HTTP 429)"},
		{"x-ratelimit-reset-tokens, none remaining", rtOpenAI, func(time.Time) (fake.Reply, time.Time) {
			return rtWithHeader(oa429, "x-ratelimit-remaining-requests", "10", "x-ratelimit-reset-requests", "20ms",
				"x-ratelimit-remaining-tokens", "0", "x-ratelimit-reset-tokens", "1m30s"), time.Time{}
		}, 90 * time.Second, 90 * time.Second, "rate limited (HTTP 429)"},
		{"anthropic-ratelimit-tokens-reset timestamp", rtAnthropic, func(now time.Time) (fake.Reply, time.Time) {
			at := now.Add(70 * time.Second).Truncate(time.Second)
			return rtWithHeader(ant429,
				"anthropic-ratelimit-requests-remaining", "3999", "anthropic-ratelimit-requests-reset", now.Add(time.Second).UTC().Format(time.RFC3339),
				"anthropic-ratelimit-tokens-remaining", "0", "anthropic-ratelimit-tokens-reset", at.UTC().Format(time.RFC3339)), at
		}, 0, 0, "rate limited (HTTP 429)"},
		{"Gemini RESOURCE_EXHAUSTED with RetryInfo", rtGemini, func(time.Time) (fake.Reply, time.Time) {
			// retryDelay 28.5s, which Franca rounds up to whole seconds as Retry-After does.
			return geminifake.JSONReply(429, geminifake.ErrorRateLimited), time.Time{}
		}, 29 * time.Second, 29 * time.Second, "rate limited (HTTP 429)"},
		{"Anthropic 529 overloaded", rtAnthropic, func(time.Time) (fake.Reply, time.Time) {
			// Its rate-limit fields all have some left: they say nothing about the
			// overload, so the key rests routing.cooldown (40s) ± 20%.
			return anthropicfake.OverloadedReply(), time.Time{}
		}, 32 * time.Second, 48 * time.Second, "overloaded (HTTP 529)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := rtNew(t, c.fam, "alpha", "bravo")
			f := start(t, rtTwoKeys(c.fam, u.URL, "routing: {cooldown: 40s}\n"))
			before := time.Now()
			reply, at := c.reply(before)
			u.on("alpha", rtFixed(reply))
			// Round robin sends the first request to alpha; bravo answers the app.
			client := f.client()
			res, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
				Model: "m", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
			after := time.Now()
			if err != nil {
				t.Fatalf("the app saw %v", err)
			}
			if len(res.Choices) != 1 || res.Choices[0].Message.Content == "" {
				t.Fatalf("answer %s", res.RawJSON())
			}
			if got := u.order(); got != "alpha bravo" {
				t.Fatalf("upstream calls %q, want alpha then bravo", got)
			}
			lo, hi := before.Add(c.lo), after.Add(c.hi)
			if !at.IsZero() {
				lo, hi = at, at
			}
			st := rtAPIStatus(t, f)
			alpha := st.key(t, "p", "alpha")
			// The key rests for the upstream model the 429 was about.
			rtModelUntil(t, alpha, c.fam.model, lo, hi)
			if alpha.State != "ok" || alpha.Until != nil || alpha.Models[0].Reason != c.reason || alpha.Recent != 1 || alpha.ErrorRate != 1 {
				t.Fatalf("alpha: %+v", alpha)
			}
			if bravo := st.key(t, "p", "bravo"); bravo.State != "ok" || bravo.Until != nil || bravo.Recent != 1 || bravo.ErrorRate != 0 {
				t.Fatalf("bravo: %+v", bravo)
			}
			// Within the cooldown, no request reaches alpha.
			rtOK(t, f, "m", 3)
			rtWant(t, "after the cooldown started", u, "alpha=1 bravo=4")
		})
	}
}

// TestRoutingSteersAwayFromExhaustedKey: a successful answer that says the key has no
// requests left keeps traffic on the other key until the limit resets.
func TestRoutingSteersAwayFromExhaustedKey(t *testing.T) {
	u := rtNew(t, rtOpenAI, "alpha", "bravo")
	f := start(t, rtTwoKeys(rtOpenAI, u.URL, ""))
	u.on("alpha", func(normal fake.Reply) fake.Reply {
		return rtWithHeader(normal, "x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "30s")
	})
	rtOK(t, f, "m", 4)
	if got := u.order(); got != "alpha bravo bravo bravo" {
		t.Fatalf("upstream calls %q", got)
	}
	if a := rtAPIStatus(t, f).key(t, "p", "alpha"); a.State != "ok" || a.ErrorRate != 0 {
		t.Fatalf("a key with no requests left is not failing: %+v", a)
	}
}

// TestRoutingRejectedKey: a key the provider rejects (each family's way) is marked
// invalid in both status outputs and never tried again; the app gets the other key's
// answer.
func TestRoutingRejectedKey(t *testing.T) {
	for _, fam := range []rtFamily{rtOpenAI, rtAzure, rtAnthropic, rtGemini} {
		t.Run(fam.typ, func(t *testing.T) {
			// The fake does not know alpha: it rejects it (Gemini with 400 API_KEY_INVALID).
			u := rtNew(t, fam, "bravo")
			f := start(t, rtTwoKeys(fam, u.URL, ""))
			before := time.Now()
			rtOK(t, f, "m", 1)
			after := time.Now()
			rtWant(t, "first request", u, "alpha=1 bravo=1")
			for _, st := range []rtStatus{rtAPIStatus(t, f), rtAdminStatus(t, f)} {
				alpha := st.key(t, "p", "alpha")
				rtUntil(t, alpha, "invalid", before.Add(time.Hour), after.Add(time.Hour))
				if alpha.Reason != "the provider rejected the key (HTTP 401)" {
					t.Fatalf("alpha: %+v", alpha)
				}
				if bravo := st.key(t, "p", "bravo"); bravo.State != "ok" {
					t.Fatalf("bravo: %+v", bravo)
				}
			}
			rtOK(t, f, "m", 3)
			rtWant(t, "later requests", u, "alpha=1 bravo=4")
		})
	}
}

// rtPriorities is a configuration where model "m" is served by provider "first" (key
// alpha) at priority 0 and by provider "second" (key bravo) at priority 1, both on the
// fake at {{URL}}; first's provider fields are added from {{FIRST}}.
const rtPriorities = `
providers:
  - name: first
    type: openai
    base_url: {{URL}}/v1
    keys: [{id: alpha, secret: sk-rt-alpha` + rtSecretTail + `}]{{FIRST}}
  - name: second
    type: openai
    base_url: {{URL}}/v1
    keys: [{id: bravo, secret: sk-rt-bravo` + rtSecretTail + `}]
models:
  - name: m
    targets:
      - {provider: first, model: gpt-4o-mini}
      - {provider: second, model: gpt-4o-mini}
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
    permissions: [status]
`

// TestRoutingCircuitBreaker: 500s open the failing key's circuit after
// routing.breaker_failures (2); while it is open the key gets no request; after
// breaker_open (200ms) one probe goes through: failing, it opens the circuit again; succeeding,
// it closes it.
func TestRoutingCircuitBreaker(t *testing.T) {
	u := rtNew(t, rtOpenAI, "alpha", "bravo")
	f := start(t, strings.NewReplacer("{{URL}}", u.URL, "{{FIRST}}", "").Replace(rtPriorities)+
		"routing: {breaker_failures: 2, breaker_open: 200ms, backoff: 1ms, max_backoff: 1ms}\n")
	e500 := rtFixed(openaifake.JSONReply(500, openaifake.ErrServer))
	u.on("alpha", e500, e500, e500)
	rtOK(t, f, "m", 1)
	before := time.Now()
	rtOK(t, f, "m", 1)
	after := time.Now()
	rtWant(t, "two failures", u, "alpha=2 bravo=2")
	alpha := rtAPIStatus(t, f).key(t, "first", "alpha")
	rtUntil(t, alpha, "open", before.Add(200*time.Millisecond), after.Add(200*time.Millisecond))
	if alpha.Reason != "2 consecutive failures" || alpha.ErrorRate != 1 || alpha.Recent != 2 {
		t.Fatalf("alpha: %+v", alpha)
	}
	// Open: alpha is skipped.
	rtOK(t, f, "m", 2)
	rtWant(t, "while open", u, "alpha=2 bravo=4")

	// Half-open: one probe; it fails, so the circuit opens again at once.
	time.Sleep(time.Until(*alpha.Until) + 5*time.Millisecond)
	if s := rtAPIStatus(t, f).key(t, "first", "alpha"); s.State != "half-open" {
		t.Fatalf("after breaker_open: %+v", s)
	}
	rtOK(t, f, "m", 1)
	rtWant(t, "failed probe", u, "alpha=3 bravo=5")
	alpha = rtAPIStatus(t, f).key(t, "first", "alpha")
	if alpha.State != "open" || alpha.Reason != "3 consecutive failures" {
		t.Fatalf("after a failed probe: %+v", alpha)
	}
	rtOK(t, f, "m", 1)
	rtWant(t, "open again", u, "alpha=3 bravo=6")

	// The next probe succeeds: the circuit closes and alpha serves again.
	time.Sleep(time.Until(*alpha.Until) + 5*time.Millisecond)
	rtOK(t, f, "m", 2)
	rtWant(t, "closed", u, "alpha=5 bravo=6")
	if s := rtAPIStatus(t, f).key(t, "first", "alpha"); s.State != "ok" || s.Until != nil {
		t.Fatalf("after a good probe: %+v", s)
	}
}

// TestRoutingSlowFirstByte: a provider that does not answer within its timeout is given
// up, and the next target answers.
func TestRoutingSlowFirstByte(t *testing.T) {
	u := rtNew(t, rtOpenAI, "alpha", "bravo")
	u.slow("alpha", 200*time.Millisecond)
	f := start(t, strings.NewReplacer("{{URL}}", u.URL, "{{FIRST}}", "\n    timeout: 40ms").Replace(rtPriorities))
	began := time.Now()
	rtOK(t, f, "m", 1)
	if d := time.Since(began); d >= 200*time.Millisecond {
		t.Fatalf("the answer took %v: the timeout did not cut the slow provider off", d)
	}
	rtWant(t, "timeout", u, "alpha=1 bravo=1")
	if a := rtAPIStatus(t, f).key(t, "first", "alpha"); a.State != "ok" || a.Recent != 1 || a.ErrorRate != 1 {
		t.Fatalf("a timeout counts as a failure: %+v", a)
	}
}

// TestRoutingConnectionResetBeforeAnyByte: a connection closed before any answer is a
// failure of that key; the other key answers, whole or streamed.
func TestRoutingConnectionResetBeforeAnyByte(t *testing.T) {
	for _, stream := range []bool{false, true} {
		u := rtNew(t, rtOpenAI, "alpha", "bravo")
		f := start(t, rtTwoKeys(rtOpenAI, u.URL, ""))
		u.on("alpha", rtFixed(fake.Reply{Hijack: true}))
		params := openai.ChatCompletionNewParams{Model: "m", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}
		var content string
		c := f.client()
		if stream {
			acc, _ := oaAccumulate(t, c.Chat.Completions.NewStreaming(context.Background(), params))
			content = acc.Choices[0].Message.Content
		} else {
			res, err := c.Chat.Completions.New(context.Background(), params)
			if err != nil {
				t.Fatalf("the app saw %v", err)
			}
			content = res.Choices[0].Message.Content
		}
		if content != openaifake.FakeText {
			t.Fatalf("stream %v: content %q", stream, content)
		}
		rtWant(t, fmt.Sprintf("stream %v", stream), u, "alpha=1 bravo=1")
		if a := rtAPIStatus(t, f).key(t, "p", "alpha"); a.State != "ok" || a.ErrorRate != 1 {
			t.Fatalf("a reset counts as a failure: %+v", a)
		}
	}
}

// TestRoutingConnectionResetMidStream: once a stream has started nothing can be retried:
// the client gets the events so far, then one error event in OpenAI's shape, and no
// [DONE]; the break counts against the key.
func TestRoutingConnectionResetMidStream(t *testing.T) {
	u := rtNew(t, rtOpenAI, "alpha", "bravo")
	f := start(t, rtTwoKeys(rtOpenAI, u.URL, ""))
	full := openaifake.StreamTextUsage
	cut := strings.Index(full, `"! How can I help?`)
	cut = strings.LastIndex(full[:cut], "data: ")
	broken := openaifake.StreamReply(full[:cut], 50)
	broken.Hijack = true
	u.on("alpha", rtFixed(broken), rtFixed(broken))
	const req = `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	status, body := pvRawStream(t, f, req)
	wantEnd := "\n\ndata: " + `{"error":{"message":"the stream from provider \"p\" broke off: unexpected EOF","type":"server_error","param":null,"code":"stream_interrupted"}}` + "\n\n"
	if status != 200 || !strings.HasSuffix(body, wantEnd) || strings.Contains(body, "[DONE]") || strings.Count(body, `"error"`) != 1 {
		t.Fatalf("raw stream %d:\n%s", status, body)
	}
	if !strings.Contains(body, `"content":"Hello"`) {
		t.Fatalf("the events before the break are missing:\n%s", body)
	}
	rtWant(t, "no retry after the first byte", u, "alpha=1")
	if a := rtAPIStatus(t, f).key(t, "p", "alpha"); a.State != "ok" || a.Recent != 1 || a.ErrorRate != 1 {
		t.Fatalf("a broken stream counts as a failure: %+v", a)
	}

	// The SDK raises it as an error after the content it got. Round robin sends this
	// request to bravo, so the broken stream is scripted for bravo too.
	u.on("bravo", rtFixed(broken))
	c := f.client()
	s := c.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model: "m", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
	var got string
	for s.Next() {
		for _, c := range s.Current().Choices {
			got += c.Delta.Content
		}
	}
	if s.Err() == nil || !strings.Contains(s.Err().Error(), "broke off") || got != "Hello" {
		t.Fatalf("SDK: content %q, error %v", got, s.Err())
	}
	s.Close()
	rtWant(t, "SDK stream", u, "alpha=1 bravo=1")
}

// TestRoutingAllResting: when every key of every target rests, Franca answers 429 at
// once, with Retry-After the moment the first comes back, and calls no upstream.
func TestRoutingAllResting(t *testing.T) {
	u := rtNew(t, rtOpenAI, "alpha", "bravo")
	f := start(t, strings.NewReplacer("{{URL}}", u.URL, "{{FIRST}}", "").Replace(rtPriorities))
	oa429 := openaifake.JSONReply(429, openaifake.ErrRateLimit)
	u.on("alpha", rtFixed(rtWithHeader(oa429, "Retry-After", "30")))
	u.on("bravo", rtFixed(rtWithHeader(oa429, "Retry-After", "20")))

	// Both rate-limited in turn: the client gets the last answer, with the earliest
	// comeback (bravo's 20s).
	status, h, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", rtChat("m"))
	if status != 429 || h.Get("Retry-After") != "20" || !strings.Contains(body, "Rate limit reached for gpt-4o-mini") {
		t.Fatalf("both rate-limited: %d %q %s", status, h.Get("Retry-After"), body)
	}
	rtWant(t, "both rate-limited", u, "alpha=1 bravo=1")

	// Now every key rests: Franca's own 429, without an upstream call, whole or streamed.
	want := `{"error":{"message":"every upstream key for model \"m\" is rate-limited; try again in 20s","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}`
	for _, req := range []string{rtChat("m"), `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`} {
		status, h, body = f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", req)
		if status != 429 || h.Get("Retry-After") != "20" || body != want || h.Get("Content-Type") != "application/json" {
			t.Fatalf("all resting: %d %q %q %s", status, h.Get("Retry-After"), h.Get("Content-Type"), body)
		}
	}
	c := f.client()
	_, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "m", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Type != "rate_limit_error" || apiErr.Code != "rate_limit_exceeded" ||
		apiErr.Response.Header.Get("Retry-After") != "20" {
		t.Fatalf("SDK: %v", err)
	}
	rtWant(t, "all resting", u, "alpha=1 bravo=1")
}

// TestRoutingWeights: smooth weighted round robin splits 8 requests 6:2 for weights 3:1,
// interleaved the same way each time, for key weights within a provider and for target
// weights within a priority.
func TestRoutingWeights(t *testing.T) {
	u := rtNew(t, rtOpenAI, "alpha", "bravo", "left", "right")
	f := start(t, strings.ReplaceAll(`
providers:
  - name: keys
    type: openai
    base_url: {{URL}}/v1
    keys: `+rtKeys("alpha:3", "bravo")+`
  - name: l
    type: openai
    base_url: {{URL}}/v1
    keys: `+rtKeys("left")+`
  - name: r
    type: openai
    base_url: {{URL}}/v1
    keys: `+rtKeys("right")+`
models:
  - name: by-key
    targets: [{provider: keys, model: gpt-4o-mini}]
  - name: by-target
    targets:
      - {provider: l, model: gpt-4o-mini, priority: 0, weight: 3}
      - {provider: r, model: gpt-4o-mini, priority: 0, weight: 1}
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
    permissions: [status]
`, "{{URL}}", u.URL))
	rtOK(t, f, "by-key", 8)
	if got := u.order(); got != "alpha alpha bravo alpha alpha alpha bravo alpha" {
		t.Fatalf("key weights 3:1: %q", got)
	}
	u.Reset()
	rtOK(t, f, "by-target", 8)
	if got := u.order(); got != "left left right left left left right left" {
		t.Fatalf("target weights 3:1: %q", got)
	}
}

// TestRoutingPriorities: priority 1 serves only when no key of priority 0 can; the
// provider's other key is tried before the next priority.
func TestRoutingPriorities(t *testing.T) {
	u := rtNew(t, rtOpenAI, "alpha", "bravo", "charlie")
	f := start(t, strings.ReplaceAll(`
providers:
  - name: main
    type: openai
    base_url: {{URL}}/v1
    keys: `+rtKeys("alpha", "bravo")+`
  - name: backup
    type: openai
    base_url: {{URL}}/v1
    keys: `+rtKeys("charlie")+`
models:
  - name: m
    targets:
      - {provider: backup, model: gpt-4o-mini, priority: 1}
      - {provider: main, model: gpt-4o-mini, priority: 0}
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
    permissions: [status]
`, "{{URL}}", u.URL))
	rtOK(t, f, "m", 4)
	if got := u.order(); got != "alpha bravo alpha bravo" {
		t.Fatalf("priority 0 only: %q", got)
	}
	oa429 := rtFixed(rtWithHeader(openaifake.JSONReply(429, openaifake.ErrRateLimit), "Retry-After", "30"))
	u.on("alpha", oa429)
	u.on("bravo", oa429)
	u.Reset()
	rtOK(t, f, "m", 3)
	if got := u.order(); got != "alpha bravo charlie charlie charlie" {
		t.Fatalf("priority 0 exhausted: %q", got)
	}
}

// TestRoutingLeastInFlight: with least_inflight, requests avoid the key that is busy
// with a slow request (round robin would alternate).
func TestRoutingLeastInFlight(t *testing.T) {
	u := rtNew(t, rtOpenAI, "alpha", "bravo")
	u.slow("alpha", 250*time.Millisecond)
	f := start(t, strings.Replace(rtTwoKeys(rtOpenAI, u.URL, ""), "  - name: m\n", "  - name: m\n    strategy: least_inflight\n", 1))
	// A slow request occupies alpha (the first pick when nothing is in flight).
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", f.URL+"/v1/chat/completions", strings.NewReader(rtChat("m")))
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	for deadline := time.Now().Add(time.Second); u.counts() != "alpha=1"; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the slow request did not reach alpha: %q", u.counts())
		}
	}
	if a := rtAPIStatus(t, f).key(t, "p", "alpha"); a.InFlight != 1 {
		t.Fatalf("alpha while busy: %+v", a)
	}
	rtOK(t, f, "m", 3)
	rtWant(t, "while alpha is busy", u, "alpha=1 bravo=3")
	if status := <-done; status != 200 {
		t.Fatalf("the slow request: %d", status)
	}
	if a := rtAPIStatus(t, f).key(t, "p", "alpha"); a.InFlight != 0 {
		t.Fatalf("alpha after: %+v", a)
	}
}

// TestRoutingLatency: with the latency strategy, each provider is measured once, then
// the one with the faster first byte serves.
func TestRoutingLatency(t *testing.T) {
	u := rtNew(t, rtOpenAI, "alpha", "bravo")
	u.slow("alpha", 40*time.Millisecond)
	f := start(t, strings.ReplaceAll(`
providers:
  - name: slow
    type: openai
    base_url: {{URL}}/v1
    keys: `+rtKeys("alpha")+`
  - name: fast
    type: openai
    base_url: {{URL}}/v1
    keys: `+rtKeys("bravo")+`
models:
  - name: m
    strategy: latency
    targets:
      - {provider: slow, model: gpt-4o-mini, priority: 0}
      - {provider: fast, model: gpt-4o-mini, priority: 0}
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
    permissions: [status]
`, "{{URL}}", u.URL))
	rtOK(t, f, "m", 5)
	if got := u.order(); got != "alpha bravo bravo bravo bravo" {
		t.Fatalf("latency: %q", got)
	}
	st := rtAPIStatus(t, f)
	if a, b := st.key(t, "slow", "alpha"), st.key(t, "fast", "bravo"); a.TTFBMs < 40 || b.TTFBMs >= a.TTFBMs {
		t.Fatalf("time to first byte: slow %vms, fast %vms", a.TTFBMs, b.TTFBMs)
	}
}

// TestRoutingRetryOrder: retries go to keys not tried yet first, and never to the key
// that just failed when another is usable: with two keys failing, the third attempt goes
// back to the first key (after a backoff).
func TestRoutingRetryOrder(t *testing.T) {
	u := rtNew(t, rtOpenAI, "alpha", "bravo")
	f := start(t, rtTwoKeys(rtOpenAI, u.URL, "routing: {backoff: 1ms, max_backoff: 1ms}\n"))
	e500 := rtFixed(openaifake.JSONReply(500, openaifake.ErrServer))
	u.on("alpha", e500)
	u.on("bravo", e500, e500)
	rtOK(t, f, "m", 1)
	if got := u.order(); got != "alpha bravo alpha" {
		t.Fatalf("attempts %q", got)
	}
	// max_attempts bounds the attempts: three failures, and the client gets the last.
	u.Reset()
	u.on("alpha", e500, e500)
	u.on("bravo", e500)
	status, _, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", rtChat("m"))
	if status != 500 || body != `{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}` {
		t.Fatalf("after max_attempts: %d %s", status, body)
	}
	if got := u.order(); got != "bravo alpha bravo" { // round robin, continued
		t.Fatalf("attempts %q", got)
	}
}

// TestRoutingDeadline: no attempt starts after routing.deadline: a failure that comes
// later is the client's answer, although another key is untried.
func TestRoutingDeadline(t *testing.T) {
	u := rtNew(t, rtOpenAI, "alpha", "bravo")
	f := start(t, rtTwoKeys(rtOpenAI, u.URL, "routing: {deadline: 30ms}\n"))
	slow500 := openaifake.JSONReply(500, openaifake.ErrServer)
	slow500.Delay = 60 * time.Millisecond
	u.on("alpha", rtFixed(slow500))
	status, _, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", rtChat("m"))
	if status != 500 || !strings.Contains(body, "The server had an error") {
		t.Fatalf("after the deadline: %d %s", status, body)
	}
	rtWant(t, "after the deadline", u, "alpha=1")
}
