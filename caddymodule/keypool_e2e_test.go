package caddymodule_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/internal/fake/geminifake"
	"github.com/franca-gw/franca/internal/fake/openaifake"
)

// This file holds the end-to-end tests of the key-pool defects found when Franca was
// tried as a new user would: cooldowns per upstream model, 403s that are not about the
// key, answers that say why every key rests, a breaker that one request cannot open, and
// capped provider delays. Helpers are named kp… and reuse the rt… ones of
// routing_e2e_test.go.

// kpOneKey is a configuration with one OpenAI provider "p" (key alpha only) serving model
// "mini" (gpt-4o-mini) and model "big" (gpt-4o), plus extra YAML.
func kpOneKey(url, extra string) string {
	return `
providers:
  - name: p
    type: openai
    base_url: ` + url + `/v1
    keys: ` + rtKeys("alpha") + `
models:
  - name: mini
    targets: [{provider: p, model: gpt-4o-mini}]
  - name: big
    targets: [{provider: p, model: gpt-4o}]
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
    permissions: [status]
` + extra
}

// kpJSONEqual fails the test unless got and want are the same JSON value (members in
// any order, none missing, none extra).
func kpJSONEqual(t *testing.T, what, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%s: %v: %s", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Fatalf("%s:\n got %s\nwant %s", what, got, want)
	}
}

// kpPost sends a chat request for model and returns the status, Retry-After and body.
func kpPost(t *testing.T, f *franca, model string) (int, string, string) {
	t.Helper()
	status, h, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", rtChat(model))
	return status, h.Get("Retry-After"), body
}

// TestKeyPoolRateLimitIsPerModel: a 429 for one upstream model rests the key for that
// model only; the key's other models are still served. Both status outputs show the
// resting model; a request for it gets Franca's own 429 without an upstream call.
func TestKeyPoolRateLimitIsPerModel(t *testing.T) {
	u := rtNew(t, rtOpenAI, "alpha")
	f := start(t, kpOneKey(u.URL, ""))
	u.on("alpha", rtFixed(rtWithHeader(openaifake.JSONReply(429, openaifake.ErrRateLimit), "Retry-After", "30")))
	before := time.Now()
	if status, retry, _ := kpPost(t, f, "mini"); status != 429 || retry != "30" {
		t.Fatalf("the 429: %d %q", status, retry)
	}
	after := time.Now()
	// The same key serves gpt-4o meanwhile.
	rtOK(t, f, "big", 2)
	rtWant(t, "other model", u, "alpha=3")
	for _, st := range []rtStatus{rtAPIStatus(t, f), rtAdminStatus(t, f)} {
		alpha := st.key(t, "p", "alpha")
		rtModelUntil(t, alpha, "gpt-4o-mini", before.Add(30*time.Second), after.Add(30*time.Second))
		if alpha.State != "ok" || alpha.Until != nil || alpha.Reason != "" || alpha.Models[0].Reason != "rate limited (HTTP 429)" {
			t.Fatalf("alpha: %+v", alpha)
		}
	}
	status, retry, body := kpPost(t, f, "mini")
	if status != 429 || (retry != "30" && retry != "29") {
		t.Fatalf("mini while resting: %d %q %s", status, retry, body)
	}
	kpJSONEqual(t, "mini while resting", body, `{"error":{"message":"every upstream key for model \"mini\" is rate-limited; try again in `+retry+`s","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}`)
	rtWant(t, "resting model", u, "alpha=3")
}

// TestKeyPoolForbiddenIsNotAKeyState: a 403 about the request (a project without access
// to the model; Anthropic's permission_error; Gemini's PERMISSION_DENIED without a
// reason that names the key) neither marks the key invalid nor is retried on the
// provider's other keys: the client gets a 403 that says the provider refused the
// request, and the key keeps serving. Another provider of the model still gets a chance.
func TestKeyPoolForbiddenIsNotAKeyState(t *testing.T) {
	cases := []struct {
		fam   rtFamily
		reply fake.Reply
		want  string
	}{
		{rtOpenAI, openaifake.JSONReply(403, `{"error":{"message":"Project `+"`proj_7Yx`"+` does not have access to model `+"`gpt-4o-mini`"+`","type":"invalid_request_error","param":null,"code":"model_not_found"}}`),
			`{"error":{"message":"provider \"p\" refused the request: Project ` + "`proj_7Yx`" + ` does not have access to model ` + "`gpt-4o-mini`" + `","type":"permission_error","param":null,"code":"model_not_found"}}`},
		{rtAnthropic, anthropicfake.ErrorReply(403, "permission_error", "Your API key does not have permission to use the specified resource."),
			`{"error":{"message":"provider \"p\" refused the request: Your API key does not have permission to use the specified resource.","type":"permission_error","param":null,"code":"upstream_permission_denied"}}`},
		{rtGemini, geminifake.JSONReply(403, `{"error":{"code":403,"message":"You do not have permission to access the File abc123 or it may not exist.","status":"PERMISSION_DENIED"}}`),
			`{"error":{"message":"provider \"p\" refused the request: You do not have permission to access the File abc123 or it may not exist.","type":"permission_error","param":null,"code":"upstream_permission_denied"}}`},
	}
	for _, c := range cases {
		t.Run(c.fam.typ, func(t *testing.T) {
			u := rtNew(t, c.fam, "alpha", "bravo")
			f := start(t, rtTwoKeys(c.fam, u.URL, ""))
			u.on("alpha", rtFixed(c.reply))
			status, h, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", rtChat("m"))
			if status != 403 || h.Get("Retry-After") != "" {
				t.Fatalf("the 403: %d %q %s", status, h.Get("Retry-After"), body)
			}
			kpJSONEqual(t, "the 403", body, c.want)
			rtWant(t, "not retried on the provider's other key", u, "alpha=1")
			for _, st := range []rtStatus{rtAPIStatus(t, f), rtAdminStatus(t, f)} {
				if a := st.key(t, "p", "alpha"); a.State != "ok" || a.Until != nil || a.Models != nil || a.ErrorRate != 0 {
					t.Fatalf("alpha after a 403: %+v", a)
				}
			}
			// alpha keeps serving: round robin gives bravo, then alpha.
			rtOK(t, f, "m", 2)
			rtWant(t, "later requests", u, "alpha=2 bravo=1")
		})
	}

	// With another provider for the model, the request fails over to it.
	u := rtNew(t, rtOpenAI, "alpha", "bravo")
	f := start(t, strings.NewReplacer("{{URL}}", u.URL, "{{FIRST}}", "").Replace(rtPriorities))
	u.on("alpha", rtFixed(cases[0].reply))
	rtOK(t, f, "m", 1)
	rtWant(t, "failover", u, "alpha=1 bravo=1")
	if a := rtAPIStatus(t, f).key(t, "first", "alpha"); a.State != "ok" {
		t.Fatalf("alpha after a 403: %+v", a)
	}
}

// TestKeyPoolForbiddenPassthrough: a 403 on a passthrough endpoint is passed on and
// leaves the key alone; the next request reaches the provider.
func TestKeyPoolForbiddenPassthrough(t *testing.T) {
	forbidden := true
	a := fake.New(t, func(r *fake.Recorded) fake.Reply {
		if forbidden {
			return openaifake.JSONReply(403, `{"error":{"message":"You have insufficient permissions for this operation. Missing scopes: api.files.read.","type":"invalid_request_error","param":null,"code":null}}`)
		}
		return openaifake.Responder("/v1", oaKey)(r)
	})
	f := start(t, strings.ReplaceAll(ptConfig, "{{A}}", a.URL))
	status, _, body := f.do(t, "GET", "/v1/files", testKey, "", "")
	if status != 403 || !strings.Contains(body, "Missing scopes: api.files.read.") || len(a.Requests()) != 1 {
		t.Fatalf("the 403: %d %s, %d upstream calls", status, body, len(a.Requests()))
	}
	if k := rtAPIStatus(t, f).key(t, "openai", "main"); k.State != "ok" || k.Until != nil {
		t.Fatalf("the key after a passthrough 403: %+v", k)
	}
	forbidden = false
	if status, _, body := f.do(t, "GET", "/v1/files", testKey, "", ""); status != 200 || len(a.Requests()) != 2 {
		t.Fatalf("the next request: %d %s, %d upstream calls", status, body, len(a.Requests()))
	}
}

// TestKeyPoolGeminiBlockedKeyIsInvalid: a Gemini 403 whose reason names the key
// (API_KEY_SERVICE_BLOCKED) is a rejected key, as its 400 API_KEY_INVALID is.
func TestKeyPoolGeminiBlockedKeyIsInvalid(t *testing.T) {
	u := rtNew(t, rtGemini, "alpha", "bravo")
	f := start(t, rtTwoKeys(rtGemini, u.URL, ""))
	u.on("alpha", rtFixed(geminifake.JSONReply(403, `{"error":{"code":403,"message":"Requests to this API generativelanguage.googleapis.com method google.ai.generativelanguage.v1beta.GenerativeService.GenerateContent are blocked.","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_SERVICE_BLOCKED","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}}]}}`)))
	rtOK(t, f, "m", 1)
	rtWant(t, "failover to the other key", u, "alpha=1 bravo=1")
	if a := rtAPIStatus(t, f).key(t, "p", "alpha"); a.State != "invalid" || a.Reason != "the provider rejected the key (HTTP 401)" {
		t.Fatalf("alpha: %+v", a)
	}
}

// TestKeyPoolRestingAnswersSayWhy: when every key rests for another reason than a rate
// limit, Franca answers 503 with a code that says why, and Retry-After the moment the
// first key comes back — never a 429 an SDK would retry as a rate limit.
func TestKeyPoolRestingAnswersSayWhy(t *testing.T) {
	t.Run("invalid", func(t *testing.T) {
		u := rtNew(t, rtOpenAI) // knows no key: rejects alpha
		f := start(t, kpOneKey(u.URL, ""))
		if status, _, body := kpPost(t, f, "mini"); status != 502 || !strings.Contains(body, "upstream_authentication_failed") {
			t.Fatalf("the rejection: %d %s", status, body)
		}
		status, retry, body := kpPost(t, f, "big")
		if status != 503 || (retry != "3600" && retry != "3599") {
			t.Fatalf("all invalid: %d %q %s", status, retry, body)
		}
		kpJSONEqual(t, "all invalid", body, `{"error":{"message":"every upstream key for model \"big\" was rejected by its provider as invalid; the first is tried again in `+retry+`s","type":"server_error","param":null,"code":"upstream_keys_invalid"}}`)
		rtWant(t, "no call for a resting key", u, "alpha=1")
	})
	t.Run("open", func(t *testing.T) {
		u := rtNew(t, rtOpenAI, "alpha")
		f := start(t, kpOneKey(u.URL, "routing: {breaker_failures: 1, breaker_open: 40s, max_attempts: 1}\n"))
		u.on("alpha", rtFixed(openaifake.JSONReply(500, openaifake.ErrServer)))
		if status, _, _ := kpPost(t, f, "mini"); status != 500 {
			t.Fatalf("the failure: %d", status)
		}
		status, retry, body := kpPost(t, f, "big")
		if status != 503 || (retry != "40" && retry != "39") {
			t.Fatalf("circuit open: %d %q %s", status, retry, body)
		}
		kpJSONEqual(t, "circuit open", body, `{"error":{"message":"every upstream key for model \"big\" is cut off after repeated upstream failures; try again in `+retry+`s","type":"server_error","param":null,"code":"upstream_unavailable"}}`)
		rtWant(t, "no call for an open circuit", u, "alpha=1")
	})
	t.Run("overloaded", func(t *testing.T) {
		u := rtNew(t, rtAnthropic, "alpha")
		f := start(t, `
providers:
  - name: p
    type: anthropic
    base_url: `+u.URL+`
    keys: `+rtKeys("alpha")+`
models:
  - name: m
    targets: [{provider: p, model: `+rtAnthropic.model+`}]
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
    permissions: [status]
routing: {cooldown: 50s}
`)
		u.on("alpha", rtFixed(rtWithHeader(anthropicfake.OverloadedReply(), "Retry-After", "25")))
		if status, retry, _ := kpPost(t, f, "m"); status != 503 || retry != "25" {
			t.Fatalf("the overload: %d %q", status, retry)
		}
		status, retry, body := kpPost(t, f, "m")
		if status != 503 || (retry != "25" && retry != "24") {
			t.Fatalf("all overloaded: %d %q %s", status, retry, body)
		}
		kpJSONEqual(t, "all overloaded", body, `{"error":{"message":"every upstream key for model \"m\" is resting after its provider said it was overloaded; try again in `+retry+`s","type":"server_error","param":null,"code":"upstream_overloaded"}}`)
		rtWant(t, "no call while overloaded", u, "alpha=1")
	})
}

// TestKeyPoolOneRequestCannotOpenBreaker: one request whose retries all hit a
// provider's only key counts one failure towards the key's circuit breaker, however
// many attempts it made.
func TestKeyPoolOneRequestCannotOpenBreaker(t *testing.T) {
	u := rtNew(t, rtOpenAI, "alpha")
	f := start(t, kpOneKey(u.URL, "routing: {breaker_failures: 2, breaker_open: 30s, max_attempts: 3, backoff: 1ms, max_backoff: 1ms}\n"))
	e500 := rtFixed(openaifake.JSONReply(500, openaifake.ErrServer))
	u.on("alpha", e500, e500, e500)
	if status, _, _ := kpPost(t, f, "mini"); status != 500 {
		t.Fatalf("the failing request: %d", status)
	}
	rtWant(t, "three attempts", u, "alpha=3")
	if a := rtAPIStatus(t, f).key(t, "p", "alpha"); a.State != "ok" || a.Recent != 3 || a.ErrorRate != 1 {
		t.Fatalf("one request opened the circuit: %+v", a)
	}
	rtOK(t, f, "mini", 1)
	rtWant(t, "the next request", u, "alpha=4")

	// Two requests that fail open it (breaker_failures 2).
	u.on("alpha", e500, e500, e500, e500, e500, e500)
	kpPost(t, f, "mini")
	if a := rtAPIStatus(t, f).key(t, "p", "alpha"); a.State != "ok" {
		t.Fatalf("after one more failing request: %+v", a)
	}
	kpPost(t, f, "mini")
	if a := rtAPIStatus(t, f).key(t, "p", "alpha"); a.State != "open" || a.Reason != "2 consecutive failures" {
		t.Fatalf("after two failing requests: %+v", a)
	}
}

// TestKeyPoolRetryAfterIsCapped: a provider asking for a year's rest (Retry-After in
// seconds, as an HTTP date, in milliseconds) rests the key for routing.max_cooldown, and
// the client is told that much.
func TestKeyPoolRetryAfterIsCapped(t *testing.T) {
	oa429 := openaifake.JSONReply(429, openaifake.ErrRateLimit)
	for _, reply := range []fake.Reply{
		rtWithHeader(oa429, "Retry-After", "31536000"),
		rtWithHeader(oa429, "Retry-After", "99999999999999999999999999"),
		rtWithHeader(oa429, "Retry-After", time.Now().AddDate(1, 0, 0).UTC().Format(http.TimeFormat)),
		rtWithHeader(oa429, "retry-after-ms", "31536000000000"),
		rtWithHeader(oa429, "x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "99999999999h"),
	} {
		u := rtNew(t, rtOpenAI, "alpha")
		f := start(t, kpOneKey(u.URL, "routing: {max_cooldown: 2m}\n"))
		u.on("alpha", rtFixed(reply))
		before := time.Now()
		status, retry, _ := kpPost(t, f, "mini")
		after := time.Now()
		if status != 429 || (retry != "120" && retry != "119") {
			t.Fatalf("%v: %d, Retry-After %q", reply.Header, status, retry)
		}
		rtModelUntil(t, rtAPIStatus(t, f).key(t, "p", "alpha"), "gpt-4o-mini", before.Add(2*time.Minute), after.Add(2*time.Minute))
	}
}
