package caddymodule_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/internal/fake/openaifake"
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
    permissions: [status]
`, "{{URL}}", u.URL))
	u.on("alpha", rtFixed(rtWithHeader(anthropicfake.ErrorReply(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"), "Retry-After", "7")))
	if status, h, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", rtChat("m")); status != 429 || h.Get("Retry-After") != "7" {
		t.Fatalf("rate-limited: %d %q %s", status, h.Get("Retry-After"), body)
	}
	before := rtAPIStatus(t, f).key(t, "p", "alpha")
	if before.State != "ok" || len(before.Models) != 1 || before.Models[0].State != "cooling" {
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
		!strings.Contains(body, `every upstream key for model \"m\" is rate-limited`) {
		t.Fatalf("valid request while the key rests: %d %s", status, body)
	}
	rtWant(t, "upstream calls", u, "alpha=1")
	after := rtAPIStatus(t, f).key(t, "p", "alpha")
	if after.State != "ok" || after.Recent != before.Recent || after.InFlight != 0 || len(after.Models) != 1 ||
		!after.Models[0].Until.Equal(before.Models[0].Until) {
		t.Fatalf("alpha was touched: %+v, was %+v", after, before)
	}
}

// rtReload rewrites the running handler's configuration file with yaml and makes Caddy
// load its configuration again through the admin API (POST /load, forced: the Caddy
// configuration itself is unchanged).
func rtReload(t *testing.T, f *franca, yaml string) {
	t.Helper()
	resp, err := http.Get(f.Admin + "/config/")
	if err != nil {
		t.Fatal(err)
	}
	cfgJSON, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`"config_file":"([^"]+)"`).FindSubmatch(cfgJSON)
	if m == nil {
		t.Fatalf("no config_file in the running configuration: %s", cfgJSON)
	}
	yaml = strings.ReplaceAll(yaml, "{{KEY_HASH}}", testHash())
	if err := os.WriteFile(string(m[1]), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", f.Admin+"/load", bytes.NewReader(cfgJSON))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cache-Control", "must-revalidate")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST /load: %d %s", resp.StatusCode, body)
	}
}

// rtFresh makes a connection per request: after a reload, Caddy's old server closes its
// connections in the background, and a connection kept for reuse may be one of them.
var rtFresh = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 20 * time.Second}

// rtFreshDo sends a request on a new connection. Right after a reload, the old server,
// whose listener closes in the background, may still accept a connection and close it
// unanswered (Caddy's shared listener closes what it accepts once closed): the request
// never reached Franca, and is sent again, at most a few times.
func rtFreshDo(t *testing.T, f *franca, method, path, body string) (int, []byte) {
	t.Helper()
	for try := 0; ; try++ {
		req, _ := http.NewRequest(method, f.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testKey)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := rtFresh.Do(req)
		if err != nil {
			if try < 5 && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)) {
				continue
			}
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, b
	}
}

// rtFreshOK sends n chat requests for model, each on a new connection, and fails the
// test unless each succeeds.
func rtFreshOK(t *testing.T, f *franca, model string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if status, body := rtFreshDo(t, f, "POST", "/v1/chat/completions", rtChat(model)); status != 200 {
			t.Fatalf("request %d for %s: %d %s", i, model, status, body)
		}
	}
}

// rtFreshStatus reads GET /v1/status on a new connection.
func rtFreshStatus(t *testing.T, f *franca) rtStatus {
	t.Helper()
	status, body := rtFreshDo(t, f, "GET", "/v1/status", "")
	if status != 200 {
		t.Fatalf("GET /v1/status: %d %s", status, body)
	}
	rtNoSecrets(t, "GET /v1/status", body)
	var s rtStatus
	rtDecode(t, "GET /v1/status", body, &s)
	return s
}

// rtKeyIDs returns the ids of provider p's keys in the status.
func rtKeyIDs(s rtStatus, p string) string {
	var ids []string
	for _, pr := range s.Providers {
		for _, k := range pr.Keys {
			if pr.Name == p {
				ids = append(ids, k.ID)
			}
		}
	}
	return strings.Join(ids, " ")
}

// TestRoutingReloadKeys: a Caddy configuration reload updates the key pool in place. A
// key whose secret changed is usable at once instead of resting an hour as "invalid";
// a key whose model list changed stops serving the model it lost; new weights share
// the traffic; a removed key leaves the status; a key left as it was keeps its state.
func TestRoutingReloadKeys(t *testing.T) {
	u := rtNew(t, rtOpenAI, "new", "bravo", "charlie")
	conf := func(alpha, bravo string) string {
		return strings.ReplaceAll(`
providers:
  - name: p
    type: openai
    base_url: {{URL}}/v1
    keys:
      - {id: alpha, secret: `+alpha+`}
      - `+bravo+`
  - name: q
    type: openai
    base_url: {{URL}}/v1
    keys: `+rtKeys("charlie")+`
models:
  - name: m
    targets: [{provider: p, model: gpt-4o-mini}]
  - name: other
    targets: [{provider: q, model: gpt-4o-mini}]
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
    permissions: [status]
`, "{{URL}}", u.URL)
	}
	bravo := "{id: bravo, secret: " + rtSecret("bravo") + "}"
	f := start(t, conf(rtSecret("old"), bravo+"\n      - {id: gone, secret: "+rtSecret("gone")+"}"))

	// alpha's secret is refused: alpha rests as invalid, bravo answers.
	rtOK(t, f, "m", 1)
	rtWant(t, "first request", u, "bravo=1 old=1") // the fake does not know "old"
	// charlie is rate limited on the other provider.
	u.on("charlie", rtFixed(rtWithHeader(openaifake.JSONReply(429, openaifake.ErrRateLimit), "Retry-After", "60")))
	if status, _, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", rtChat("other")); status != 429 {
		t.Fatalf("charlie rate limited: %d %s", status, body)
	}
	st := rtAdminStatus(t, f)
	if st.key(t, "p", "alpha").State != "invalid" || !rtCooling(st.key(t, "q", "charlie")) || rtKeyIDs(st, "p") != "alpha bravo gone" {
		t.Fatalf("before the reload: %+v", st)
	}
	charlie := st.key(t, "q", "charlie")

	// New secret for alpha; bravo now serves only gpt-4o; key "gone" is removed.
	rtReload(t, f, conf(rtSecret("new"), "{id: bravo, secret: "+rtSecret("bravo")+", models: [gpt-4o]}"))
	for _, st := range []rtStatus{rtAdminStatus(t, f), rtFreshStatus(t, f)} {
		if a := st.key(t, "p", "alpha"); a.State != "ok" || a.Recent != 0 || a.Until != nil {
			t.Fatalf("alpha after the reload: %+v", a)
		}
		if rtKeyIDs(st, "p") != "alpha bravo" {
			t.Fatalf("keys after the reload: %q", rtKeyIDs(st, "p"))
		}
		if c := st.key(t, "q", "charlie"); !rtCooling(c) || !c.Models[0].Until.Equal(charlie.Models[0].Until) || c.Recent != charlie.Recent {
			t.Fatalf("charlie after the reload: %+v, was %+v", c, charlie)
		}
	}
	u.Reset()
	rtFreshOK(t, f, "m", 4)
	rtWant(t, "after the reload", u, "new=4")

	// bravo serves gpt-4o-mini again with weight 3.
	rtReload(t, f, conf(rtSecret("new"), "{id: bravo, secret: "+rtSecret("bravo")+", weight: 3}"))
	u.Reset()
	rtFreshOK(t, f, "m", 8)
	rtWant(t, "weights 1:3", u, "bravo=6 new=2")
}

// rtCooling reports whether the key rests for exactly one upstream model after a rate
// limit, and for nothing else.
func rtCooling(k rtKeyStatus) bool {
	return k.State == "ok" && len(k.Models) == 1 && k.Models[0].State == "cooling"
}
