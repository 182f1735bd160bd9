package gateway

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/event"
	"github.com/franca-gw/franca/translate/schema"
)

const testKey = "sk-franca-gateway-test"

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// testConfig has an OpenAI provider with two keys, an Anthropic provider whose key is not
// set, and the mock.
const testConfig = `
providers:
  - name: oa
    type: openai
    base_url: https://oa.example/v1
    headers: {X-Team: blue}
    keys:
      - {id: k1, secret: sk-up-1}
      - {id: k2, secret: sk-up-2}
  - name: claude
    type: anthropic
    keys: [{secret: "${UNSET_ANTHROPIC_KEY}"}]
  - name: gem
    type: gemini
    base_url: https://gem.example
    keys: [{secret: g-key}]
  - name: mock
    type: mock
models:
  - name: gpt
    targets: [{provider: oa, model: gpt-4o-mini}]
  - name: tuned
    targets: [{provider: oa, model: gpt-4o, params: {temperature: 0.1, max_tokens: 50}}]
  - name: fallback
    targets: [{provider: claude, model: claude-x}, {provider: oa, model: gpt-4o-mini}]
  - name: only-claude
    targets: [{provider: claude, model: claude-x}]
  - name: claude-then-gem
    targets: [{provider: oa, model: gpt-4o}, {provider: gem, model: gemini-2.5-flash}]
  - name: mock-chat
    targets: [{provider: mock}]
virtual_keys:
  - name: all
    hash: HASH
    permissions: [status]
  - name: expired
    hash: sha256:1111111111111111111111111111111111111111111111111111111111111111
    expires_at: 2026-01-01T00:00:00Z
  - name: narrow
    hash: sha256:2222222222222222222222222222222222222222222222222222222222222222
    models: [mock-chat]
`

func newGateway(t *testing.T) *Gateway {
	t.Helper()
	cfg, err := config.Load([]byte(strings.Replace(testConfig, "HASH", config.HashKey(testKey), 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func post(path, body string) *Request {
	return &Request{Method: "POST", Path: path, Header: translate.Headers{{Name: "Authorization", Value: "Bearer " + testKey}}, Body: []byte(body), Now: now}
}

func errorOf(t *testing.T, r *Reply) map[string]any {
	t.Helper()
	var e struct {
		Error map[string]any `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &e); err != nil || e.Error == nil {
		t.Fatalf("not an error body: %s", r.Body)
	}
	return e.Error
}

func TestAPIPath(t *testing.T) {
	for in, want := range map[string]string{
		"/v1/chat/completions":        "/chat/completions",
		"/openai/v1/chat/completions": "/chat/completions",
		"/chat/completions":           "/chat/completions",
		"/v1":                         "",
		"/v10/models":                 "/v10/models",
		"/v1/models/a/v1/b":           "/models/a/v1/b",
	} {
		if got := apiPath(in); got != want {
			t.Errorf("apiPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAuthentication(t *testing.T) {
	g := newGateway(t)
	cases := []struct {
		name   string
		header translate.Headers
		status int
		code   string
	}{
		{"bearer", translate.Headers{{Name: "authorization", Value: "Bearer " + testKey}}, 200, ""},
		{"lowercase scheme", translate.Headers{{Name: "Authorization", Value: "bearer " + testKey}}, 200, ""},
		{"azure style", translate.Headers{{Name: "api-key", Value: testKey}}, 200, ""},
		{"missing", nil, 401, "missing_api_key"},
		{"basic scheme", translate.Headers{{Name: "Authorization", Value: "Basic " + testKey}}, 401, "missing_api_key"},
		{"wrong", translate.Headers{{Name: "Authorization", Value: "Bearer sk-nope"}}, 401, "invalid_api_key"},
	}
	for _, c := range cases {
		x := g.Handle(&Request{Method: "GET", Path: "/v1/models", Header: c.header, Now: now})
		if x.Reply.Status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, x.Reply.Status, c.status, x.Reply.Body)
			continue
		}
		if c.code != "" && errorOf(t, x.Reply)["code"] != c.code {
			t.Errorf("%s: %s", c.name, x.Reply.Body)
		}
	}
}

func TestExpiredKey(t *testing.T) {
	cfg, err := config.Load([]byte(`
providers: [{name: mock, type: mock}]
models: [{name: m, targets: [{provider: mock}]}]
virtual_keys: [{name: old, hash: "`+config.HashKey("sk-old")+`", expires_at: "2026-11-22T12:00:00Z"}]
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := New(cfg, WithClock(func() time.Time { return now }))
	h := translate.Headers{{Name: "Authorization", Value: "Bearer sk-old"}}
	if x := g.Handle(&Request{Method: "GET", Path: "/v1/models", Header: h, Now: now.Add(-time.Second)}); x.Reply.Status != 200 {
		t.Fatalf("a second before expiry: %d", x.Reply.Status)
	}
	x := g.Handle(&Request{Method: "GET", Path: "/v1/models", Header: h, Now: now})
	want := `{"error":{"message":"The virtual key \"old\" expired at 2026-11-22T12:00:00Z.","type":"invalid_request_error","param":null,"code":"key_expired"}}`
	if x.Reply.Status != 401 || string(x.Reply.Body) != want {
		t.Fatalf("at expiry: %d %s", x.Reply.Status, x.Reply.Body)
	}
}

func TestUpstreamRequestAndKeyRotation(t *testing.T) {
	g := newGateway(t)
	var auth []string
	for i := 0; i < 3; i++ {
		x := g.Handle(post("/v1/chat/completions", `{"model":"gpt","messages":[{"role":"user","content":"hi"}]}`))
		a := x.Next()
		if a == nil {
			t.Fatalf("no attempt: %s", x.Reply.Body)
		}
		up := a.Upstream
		if up.Method != "POST" || up.URL != "https://oa.example/v1/chat/completions" {
			t.Fatalf("upstream %s %s", up.Method, up.URL)
		}
		if string(up.Body) != `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}` {
			t.Fatalf("body %s", up.Body)
		}
		if up.Header.Get("X-Team") != "blue" {
			t.Fatalf("configured header missing: %v", up.Header)
		}
		auth = append(auth, a.KeyID+"="+up.Header.Get("Authorization"))
		if x.KeyName != "all" || x.Model != "gpt" || a.Provider != "oa" || a.Model != "gpt-4o-mini" {
			t.Fatalf("exchange %+v attempt %+v", x, a)
		}
	}
	if got := strings.Join(auth, ","); got != "k1=Bearer sk-up-1,k2=Bearer sk-up-2,k1=Bearer sk-up-1" {
		t.Fatalf("keys used: %s", got)
	}
}

func TestParamsOverride(t *testing.T) {
	g := newGateway(t)
	x := g.Handle(post("/v1/chat/completions", `{"model":"tuned","messages":[{"role":"user","content":"hi"}],"temperature":0.9}`))
	a := x.Next()
	var body map[string]any
	if err := json.Unmarshal(a.Upstream.Body, &body); err != nil {
		t.Fatal(err)
	}
	if body["temperature"] != 0.1 || body["max_tokens"] != 50.0 || body["model"] != "gpt-4o" {
		t.Fatalf("overrides not applied: %s", a.Upstream.Body)
	}
}

func TestUnavailableProviderIsSkipped(t *testing.T) {
	g := newGateway(t)
	x := g.Handle(post("/v1/chat/completions", `{"model":"fallback","messages":[{"role":"user","content":"hi"}]}`))
	a := x.Next()
	if a == nil || a.Provider != "oa" {
		t.Fatalf("want the oa target, got %+v %v", a, x.Reply)
	}
	x = g.Handle(post("/v1/chat/completions", `{"model":"only-claude","messages":[{"role":"user","content":"hi"}]}`))
	if a := x.Next(); a != nil {
		t.Fatalf("an unavailable provider was tried: %+v", a)
	}
	// The variable's name is the operator's: the client is told only that there is no
	// credential.
	want := `{"error":{"message":"model \"only-claude\": provider \"claude\" has no usable credential","type":"server_error","param":null,"code":"provider_unavailable"}}`
	if x.Reply.Status != 503 || string(x.Reply.Body) != want {
		t.Fatalf("got %d %s", x.Reply.Status, x.Reply.Body)
	}
	st := g.Handle(&Request{Method: "GET", Path: "/v1/status", Header: translate.Headers{{Name: "Authorization", Value: "Bearer " + testKey}}, Now: now})
	if st.Reply.Status != 200 || strings.Contains(string(st.Reply.Body), "UNSET_ANTHROPIC_KEY") ||
		!strings.Contains(string(st.Reply.Body), `{"name":"claude","type":"anthropic","unavailable":"no usable credential","keys":[]}`) {
		t.Fatalf("status: %d %s", st.Reply.Status, st.Reply.Body)
	}
	// The admin routes' Status keeps the reason.
	if got := g.Status().Providers[1].Unavailable; got != "no usable key: UNSET_ANTHROPIC_KEY is not set" {
		t.Fatalf("admin status: %q", got)
	}
}

func TestAuthenticateReadsTheHeaderOnly(t *testing.T) {
	g := newGateway(t)
	cases := []struct {
		name   string
		header translate.Headers
		want   string
	}{
		{"missing", nil, `{"error":{"message":"You didn't provide an API key. Send your Franca virtual key as 'Authorization: Bearer KEY'.","type":"invalid_request_error","param":null,"code":"missing_api_key"}}`},
		{"unknown", translate.Headers{{Name: "Authorization", Value: "Bearer sk-nope"}}, `{"error":{"message":"Incorrect API key provided. Check the Franca virtual key you sent.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`},
	}
	for _, c := range cases {
		caller, reply := g.Authenticate(c.header, now)
		if caller != nil || reply == nil || reply.Status != 401 || string(reply.Body) != c.want {
			t.Fatalf("%s: %v %+v", c.name, caller, reply)
		}
	}
	caller, reply := g.Authenticate(translate.Headers{{Name: "api-key", Value: testKey}}, now)
	if reply != nil || caller.KeyName() != "all" {
		t.Fatalf("%+v %+v", caller, reply)
	}
	x := caller.Handle(post("/v1/chat/completions", `{"model":"gpt","messages":[{"role":"user","content":"hi"}]}`))
	if a := x.Next(); a == nil || x.KeyName != "all" || a.Provider != "oa" {
		t.Fatalf("%+v %+v", a, x.Reply)
	}
}

func TestFailoverDecisions(t *testing.T) {
	cases := []struct {
		status     int
		header     translate.Headers
		body       string
		retry      bool
		wantStatus int
		wantCode   string
		retryAfter string
	}{
		{429, translate.Headers{{Name: "Retry-After", Value: "7"}}, `{"error":{"message":"slow down","type":"requests","param":null,"code":"rate_limit_exceeded"}}`, true, 429, "rate_limit_exceeded", "7"},
		{500, nil, `{"error":{"message":"boom","type":"server_error","param":null,"code":null}}`, true, 500, "", ""},
		{401, nil, `{"error":{"message":"Incorrect API key provided: sk-up-1.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`, true, 502, "upstream_authentication_failed", ""},
		{400, nil, `{"error":{"message":"bad","type":"invalid_request_error","param":"messages","code":null}}`, false, 400, "", ""},
	}
	for _, c := range cases {
		g := newGateway(t)
		x := g.Handle(post("/v1/chat/completions", `{"model":"claude-then-gem","messages":[{"role":"user","content":"hi"}]}`))
		a := x.Next()
		if a.KeyID != "k1" {
			t.Fatalf("first key %s", a.KeyID)
		}
		reply, retry := a.Response(c.status, c.header, []byte(c.body))
		if retry != c.retry || reply.Status != c.wantStatus {
			t.Errorf("%d: retry=%v status=%d: %s", c.status, retry, reply.Status, reply.Body)
			continue
		}
		e := errorOf(t, reply)
		if c.wantCode != "" && e["code"] != c.wantCode {
			t.Errorf("%d: code %v", c.status, e["code"])
		}
		if got := reply.Header.Get("Retry-After"); got != c.retryAfter {
			t.Errorf("%d: Retry-After %q, want %q", c.status, got, c.retryAfter)
		}
		if strings.Contains(string(reply.Body), "sk-up-1") {
			t.Errorf("%d: upstream key leaked: %s", c.status, reply.Body)
		}
		if !retry {
			continue
		}
		// The other key of the same provider first, then the next priority.
		next := x.Next()
		if next == nil || next.Provider != "oa" || next.KeyID != "k2" || next.Delay != 0 {
			t.Fatalf("%d: second attempt %+v", c.status, next)
		}
		next.Failed(errString("connection refused"))
		next = x.Next()
		if next == nil || next.Provider != "gem" || !strings.HasPrefix(next.Upstream.URL, "https://gem.example/v1beta/models/gemini-2.5-flash:generateContent") {
			t.Errorf("%d: third attempt %+v", c.status, next)
			continue
		}
		next.Failed(errString("connection refused"))
		if x.Next() != nil {
			t.Errorf("a fourth attempt with max_attempts 3")
		}
		if x.Reply.Status != 502 || errorOf(t, x.Reply)["code"] != "upstream_unreachable" {
			t.Errorf("final reply %d %s", x.Reply.Status, x.Reply.Body)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestTranslationErrorIsFinal(t *testing.T) {
	g := newGateway(t)
	x := g.Handle(post("/v1/chat/completions", `{"model":"claude-then-gem","messages":[{"role":"user","content":"hi"}],"n":2}`))
	if a := x.Next(); a == nil {
		t.Fatalf("openai accepts n=2: %s", x.Reply.Body)
	}
}

func TestMockAndUsage(t *testing.T) {
	g := newGateway(t)
	x := g.Handle(post("/v1/chat/completions", `{"model":"mock-chat","messages":[{"role":"user","content":"one two three"}]}`))
	a := x.Next()
	if a == nil || a.Reply == nil || a.Reply.Status != 200 || a.Upstream != nil {
		t.Fatalf("mock must answer locally: %+v", a)
	}
	if u := x.Usage(); u == nil || u.PromptTokens != 3 {
		t.Fatalf("usage %+v", u)
	}
}

func TestStreamRecordsUsage(t *testing.T) {
	g := newGateway(t)
	x := g.Handle(post("/v1/chat/completions", `{"model":"gpt","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	a := x.Next()
	if !a.Upstream.Stream || !strings.Contains(string(a.Upstream.Body), `"include_usage":true`) {
		t.Fatalf("usage must be asked for upstream: %s", a.Upstream.Body)
	}
	s := a.Stream()
	in := "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"yo\"},\"finish_reason\":null}]}\n\n" +
		"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":1,\"total_tokens\":5}}\n\n" +
		"data: [DONE]\n\n"
	out, err := s.Feed(nil, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err = s.End(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "usage") {
		t.Fatalf("the client did not ask for usage: %s", out)
	}
	if u := x.Usage(); u == nil || u.PromptTokens != 4 || u.CompletionTokens != 1 {
		t.Fatalf("usage %+v", u)
	}
}

// TestStreamFilters runs a stream through the filter seam: the filter sees the typed
// events of the forwarded chunks, the client's bytes and the recorded usage are those of
// the unfiltered stream.
func TestStreamFilters(t *testing.T) {
	in := "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"yo\"},\"finish_reason\":null}]}\n\n" +
		"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n" +
		"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":1,\"total_tokens\":5}}\n\n" +
		"data: [DONE]\n\n"
	run := func(filters ...event.Filter) (string, *schema.Usage) {
		g := newGateway(t)
		x := g.Handle(post("/v1/chat/completions", `{"model":"gpt","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
		s := x.Next().Stream(filters...)
		out, err := s.Feed(nil, []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if out, err = s.End(out); err != nil {
			t.Fatal(err)
		}
		return string(out), x.Usage()
	}
	var seen []string
	look := event.FilterFunc(func(e *event.Event, next event.Sink) error {
		seen = append(seen, e.Kind.String()+":"+string(e.AppendText(nil)))
		return next.Event(e)
	})
	want, wantUsage := run()
	got, usage := run(look)
	if got != want || !reflect.DeepEqual(usage, wantUsage) || usage.TotalTokens != 5 {
		t.Fatalf("with a filter:\n%s%+v\nwithout:\n%s%+v", got, usage, want, wantUsage)
	}
	wantSeen := []string{"start:", "text:yo", "chunk:", "finish:", "chunk:", "usage:", "done:"}
	if !reflect.DeepEqual(seen, wantSeen) {
		t.Fatalf("the filter saw %q, want %q", seen, wantSeen)
	}
}

func TestNarrowKeyModels(t *testing.T) {
	g := newGateway(t)
	for _, m := range []string{"gpt", "mock-chat"} {
		x := g.Handle(post("/v1/chat/completions", `{"model":"`+m+`","messages":[{"role":"user","content":"hi"}]}`))
		if x.Reply != nil && x.Reply.Status == 403 {
			t.Fatalf("the all key may use %s", m)
		}
	}
}

func TestModelEndpoint(t *testing.T) {
	for _, c := range []struct {
		method, endpoint string
		want             bool
	}{
		{"POST", "/responses", true},
		{"POST", "/images/edits", true},
		{"POST", "/audio/transcriptions", true},
		{"POST", "/assistants/asst_1", true},
		{"POST", "/threads/thread_1/runs", true},
		{"POST", "/threads/runs", true},
		{"GET", "/responses", false},
		{"DELETE", "/assistants/asst_1", false},
		{"POST", "/responses/resp_1/cancel", false},
		{"POST", "/assistants/", false},
		{"POST", "/threads//runs", false},
		{"POST", "/threads/thread_1/runs/run_1/submit_tool_outputs", false},
		{"POST", "/batches", false},
		{"POST", "/files", false},
		{"GET", "/files", false},
		{"POST", "/Responses", false},
	} {
		if got := modelEndpoint(c.method, c.endpoint); got != c.want {
			t.Errorf("modelEndpoint(%s, %s) = %v, want %v", c.method, c.endpoint, got, c.want)
		}
	}
}

// TestMockErrorsOnTheKey checks what simulated errors do to the mock's key: a 429 rests
// it exactly as long as its Retry-After says, a 401 is this request's alone.
func TestMockErrorsOnTheKey(t *testing.T) {
	cfg, err := config.Load([]byte(strings.Replace(testConfig, "HASH", config.HashKey(testKey), 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := now
	g, err := New(cfg, WithClock(func() time.Time { return clock }))
	if err != nil {
		t.Fatal(err)
	}
	ask := func(text string) *Reply {
		t.Helper()
		x := g.Handle(post("/v1/chat/completions", `{"model":"mock-chat","messages":[{"role":"user","content":"`+text+`"}]}`))
		if a := x.Next(); a != nil {
			return a.Reply
		}
		return x.Reply
	}
	state := func() string {
		for _, p := range g.Status().Providers {
			if p.Name == "mock" {
				k := p.Keys[0]
				if k.Until != nil {
					return string(k.State) + " until " + k.Until.Sub(now).String()
				}
				for _, m := range k.Models {
					if !m.Until.After(clock) {
						continue
					}
					return string(m.State) + " " + m.Model + " until " + m.Until.Sub(now).String()
				}
				return string(k.State)
			}
		}
		return "none"
	}

	r := ask("mock:error 401")
	if r.Status != 502 || string(r.Body) != `{"error":{"message":"provider \"mock\" rejected Franca's credential \"-\": The mock provider answers HTTP 401 because the request asked for it (mock:error 401).","type":"server_error","param":null,"code":"upstream_authentication_failed"}}` {
		t.Fatalf("401: %d %s", r.Status, r.Body)
	}
	if s := state(); s != "ok" {
		t.Fatalf("after a simulated 401 the key is %s", s)
	}
	if r := ask("hi"); r.Status != 200 {
		t.Fatalf("after a simulated 401: %d %s", r.Status, r.Body)
	}

	r = ask("mock:error 429")
	if r.Status != 429 || r.Header.Get("Retry-After") != "1" || r.Header.Get("X-Ratelimit-Remaining-Requests") != "0" {
		t.Fatalf("429: %d %v %s", r.Status, r.Header, r.Body)
	}
	if s := state(); s != "cooling mock until 1s" {
		t.Fatalf("after a simulated 429 with Retry-After: 1 the key is %s", s)
	}
	if r := ask("hi"); r.Status != 429 || r.Header.Get("Retry-After") != "1" {
		t.Fatalf("while resting: %d %v %s", r.Status, r.Header, r.Body)
	}
	clock = now.Add(time.Second)
	if r := ask("hi"); r.Status != 200 {
		t.Fatalf("a second later: %d %s", r.Status, r.Body)
	}
}

// TestStreamEventTooLarge: an upstream event over the SSE reader's bound breaks the
// stream: the client gets an error event, the exchange is broken, the usage seen before
// counts, and the key records a failure.
func TestStreamEventTooLarge(t *testing.T) {
	g := newGateway(t)
	x := g.Handle(post("/v1/chat/completions", `{"model":"gpt","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	a := x.Next()
	s := a.Stream()
	first := "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":1,\"total_tokens\":5}}\n\n"
	out, err := s.Feed(nil, []byte(first))
	if err != nil || len(out) != 0 {
		t.Fatalf("%q %v", out, err)
	}
	out, err = s.Feed(out[:0], []byte("data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\""))
	chunk := []byte(strings.Repeat("x", 64<<10))
	for i := 0; i < 16 && err == nil; i++ {
		out, err = s.Feed(out[:0], chunk)
	}
	if err == nil || len(out) != 0 {
		t.Fatalf("a 1 MiB event went through: %v", err)
	}
	want := `data: {"error":{"message":"the stream from provider \"oa\" broke off: an event of the stream is larger than the limit of 1048576 bytes","type":"server_error","param":null,"code":"stream_interrupted"}}` + "\n\n"
	if got := string(a.StreamError(err)); got != want {
		t.Fatalf("error event\n got %s\nwant %s", got, want)
	}
	if !x.Broken() {
		t.Fatal("the exchange is not broken")
	}
	if u := x.Usage(); u == nil || u.TotalTokens != 5 {
		t.Fatalf("usage %+v", u)
	}
	a.Close() // what the adapter does last: the outcome is already in
	failed := 0
	for _, p := range g.Status().Providers {
		if p.Name == "oa" {
			for _, k := range p.Keys {
				if k.Recent == 1 && k.ErrorRate == 1 && k.InFlight == 0 {
					failed++
				}
			}
		}
	}
	if failed != 1 {
		t.Fatalf("the key used is not marked failed: %+v", g.Status().Providers)
	}
}
