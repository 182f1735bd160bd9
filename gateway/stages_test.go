package gateway

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/translate"
)

func asKey(path, body string) *Request {
	return &Request{Method: "POST", Path: path, Header: translate.Headers{{Name: "Content-Type", Value: "application/json"}}, Body: []byte(body), Now: now}
}

func TestHandleAs(t *testing.T) {
	g := newGateway(t)
	chat := `{"model":"gpt","messages":[{"role":"user","content":"hi"}]}`
	cases := []struct {
		key    string
		body   string
		status int
		code   string
	}{
		{"all", chat, 0, ""},
		{"nobody", chat, 401, "invalid_api_key"},
		{"expired", chat, 401, "key_expired"},
		{"narrow", chat, 403, "model_not_allowed"},
		{"narrow", `{"model":"mock-chat","messages":[{"role":"user","content":"hi"}]}`, 0, ""},
		{"all", `{"model":"gpt"`, 400, "invalid_json"},
	}
	for _, c := range cases {
		x := g.HandleAs(c.key, asKey("/v1/chat/completions", c.body))
		if c.status == 0 {
			if x.Reply != nil {
				t.Errorf("%s: unexpected reply %d %s", c.key, x.Reply.Status, x.Reply.Body)
			} else if x.KeyName != c.key || x.Endpoint != EndpointChat {
				t.Errorf("%s: key %q endpoint %q", c.key, x.KeyName, x.Endpoint)
			}
			continue
		}
		if x.Reply == nil || x.Reply.Status != c.status || errorOf(t, x.Reply)["code"] != c.code {
			t.Errorf("%s: got %+v, want %d %s", c.key, x.Reply, c.status, c.code)
		}
	}
	// The credential headers play no part: a request authenticated by an earlier stage
	// carries none.
	x := g.HandleAs("all", &Request{Method: "GET", Path: "/v1/models", Now: now})
	if x.Reply == nil || x.Reply.Status != 200 || x.KeyName != "all" {
		t.Fatalf("models: %+v", x.Reply)
	}
}

func TestProviders(t *testing.T) {
	g := newGateway(t)
	for model, want := range map[string][]string{
		"gpt":             {"oa"},
		"fallback":        {"oa"}, // claude has no key
		"only-claude":     nil,    // the reply says why, see below
		"claude-then-gem": {"oa", "gem"},
		"mock-chat":       {"mock"},
	} {
		x := g.Handle(post("/v1/chat/completions", `{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`))
		if got := x.Providers(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: providers %q, want %q", model, got, want)
		}
	}
	x := g.Handle(post("/v1/chat/completions", `{"model":"only-claude","messages":[{"role":"user","content":"hi"}]}`))
	if x.Providers() != nil || x.Reply == nil || x.Reply.Status != 503 || errorOf(t, x.Reply)["code"] != "provider_unavailable" {
		t.Errorf("only-claude: reply %+v", x.Reply)
	}
	x = g.Handle(post("/v1/chat/completions", `{"model":"nope","messages":[{"role":"user","content":"hi"}]}`))
	if got := x.Providers(); got != nil {
		t.Errorf("unknown model: providers %q", got)
	}
}

func TestProvidersOnceEach(t *testing.T) {
	cfg, err := config.Load([]byte(`
providers:
  - {name: a, type: openai, keys: [{secret: k}]}
  - {name: b, type: openai, keys: [{secret: k}]}
models: [{name: m, targets: [{provider: a, model: x}, {provider: b, model: y}, {provider: a, model: z}]}]
virtual_keys: [{name: k, hash: "`+config.HashKey("sk-k")+`"}]
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	x := g.HandleAs("k", asKey("/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
	if got := x.Providers(); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("providers %q", got)
	}
	if a := x.AttemptFor("a"); a == nil || a.Model != "x" {
		t.Fatalf("attempt for a: %+v", a)
	}
}

// AttemptFor builds the same upstream request as Next would for that target.
func TestAttemptForMatchesNext(t *testing.T) {
	g := newGateway(t)
	body := `{"model":"claude-then-gem","messages":[{"role":"user","content":"hi"}],"max_tokens":5}`
	x := g.Handle(post("/v1/chat/completions", body))
	var fromNext []*Attempt
	for a := x.Next(); a != nil; a = x.Next() {
		fromNext = append(fromNext, a)
	}
	// Both keys of oa (priority 0), then gem: three attempts, the routing default.
	if len(fromNext) != 3 || fromNext[0].Provider != "oa" || fromNext[1].Provider != "oa" || fromNext[2].Provider != "gem" {
		t.Fatalf("%d attempts", len(fromNext))
	}
	for _, want := range fromNext {
		// Each attempt starts from a fresh exchange, as each upstream filter run does.
		y := g.HandleAs("all", asKey("/v1/chat/completions", body))
		got := y.AttemptFor(want.Provider)
		if got == nil {
			t.Fatalf("%s: %s", want.Provider, y.Reply.Body)
		}
		if got.Provider != want.Provider || got.Model != want.Model || got.Upstream.URL != want.Upstream.URL ||
			string(got.Upstream.Body) != string(want.Upstream.Body) || got.Upstream.Stream != want.Upstream.Stream {
			t.Errorf("%s: got %+v, want %+v", want.Provider, got.Upstream, want.Upstream)
		}
		if got.Upstream.Header.Get("Content-Type") != want.Upstream.Header.Get("Content-Type") {
			t.Errorf("%s: header %v, want %v", want.Provider, got.Upstream.Header, want.Upstream.Header)
		}
	}
}

func TestAttemptForRefusals(t *testing.T) {
	g := newGateway(t)
	cases := []struct {
		model, provider string
		status          int
		code            string
	}{
		{"gpt", "gem", 502, "no_target"},
		{"fallback", "claude", 503, "provider_unavailable"},
	}
	for _, c := range cases {
		x := g.Handle(post("/v1/chat/completions", `{"model":"`+c.model+`","messages":[{"role":"user","content":"hi"}]}`))
		if a := x.AttemptFor(c.provider); a != nil {
			t.Errorf("%s/%s: got an attempt", c.model, c.provider)
			continue
		}
		if x.Reply.Status != c.status || errorOf(t, x.Reply)["code"] != c.code {
			t.Errorf("%s/%s: %d %s", c.model, c.provider, x.Reply.Status, x.Reply.Body)
		}
		if x.AttemptFor(c.provider) != nil || x.Providers() != nil {
			t.Errorf("%s/%s: a failed exchange hands out more", c.model, c.provider)
		}
	}
	// A request that cannot be translated for the chosen provider is the client's to fix.
	x := g.Handle(post("/v1/chat/completions", `{"model":"claude-then-gem","messages":[{"role":"user","content":"hi"}],"tool_choice":"required"}`))
	if a := x.AttemptFor("gem"); a != nil || x.Reply.Status != 400 {
		t.Fatalf("tool_choice without tools on gemini: attempt %v, reply %+v", a, x.Reply)
	}
}

func TestHandleAsExpiry(t *testing.T) {
	g := newGateway(t)
	r := asKey("/v1/models", "")
	r.Method, r.Now = "GET", time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	if x := g.HandleAs("expired", r); x.Reply == nil || x.Reply.Status != 200 {
		t.Fatalf("before expiry: %+v", x.Reply)
	}
}

func TestProvidersByPriority(t *testing.T) {
	cfg, err := config.Load([]byte(`
providers:
  - {name: a, type: openai, keys: [{secret: k}]}
  - {name: b, type: openai, keys: [{secret: k}]}
  - {name: c, type: openai, keys: [{secret: k}]}
models: [{name: m, targets: [{provider: a, model: x, priority: 2}, {provider: b, model: y, priority: 1}, {provider: c, model: z, priority: 2}]}]
virtual_keys: [{name: k, hash: "`+config.HashKey("sk-k")+`"}]
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	x := g.HandleAs("k", asKey("/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
	if got := x.Providers(); !reflect.DeepEqual(got, []string{"b", "a", "c"}) {
		t.Fatalf("providers %q", got)
	}
}

// rest makes the keys rest: each key id (of poolConfig) answers an attempt with status
// and, when given, a Retry-After of so many seconds.
func rest(t *testing.T, g *Gateway, model string, status int, waits map[string]string) {
	t.Helper()
	for provider, wait := range waits {
		p, id, _ := strings.Cut(provider, "/")
		x := g.Handle(chatReq(model))
		x.TriedKey(p, otherKey(p, id))
		a := x.AttemptFor(p)
		if a == nil || a.KeyID != id {
			t.Fatalf("%s: attempt %+v, reply %+v", provider, a, x.Reply)
		}
		var h translate.Headers
		if wait != "" {
			h = translate.Headers{{Name: "Retry-After", Value: wait}}
		}
		a.Response(status, h, []byte(`{"error":{"message":"no","type":"requests","param":null,"code":null}}`))
	}
}

// otherKey is the key of poolConfig's provider p that is not id ("" when p has one).
func otherKey(p, id string) string {
	switch {
	case p == "a" && id == "a1":
		return "a2"
	case p == "a":
		return "a1"
	}
	return ""
}

// Providers leaves out the providers whose keys all rest, and comes back to them when
// one key is back; a provider with one key left still counts.
func TestProvidersSkipResting(t *testing.T) {
	c := &clock{now}
	g := poolGateway(t, c)
	providers := func() []string {
		t.Helper()
		x := g.Handle(chatReq("ordered"))
		got := x.Providers()
		if got == nil {
			t.Fatalf("no provider: %s", x.Reply.Body)
		}
		return got
	}
	if got := providers(); !reflect.DeepEqual(got, []string{"a", "c"}) {
		t.Fatalf("at first: %q", got)
	}
	rest(t, g, "ordered", 429, map[string]string{"a/a1": "30"})
	if got := providers(); !reflect.DeepEqual(got, []string{"a", "c"}) {
		t.Fatalf("a2 still serves: %q", got)
	}
	rest(t, g, "ordered", 429, map[string]string{"a/a2": "20"})
	if got := providers(); !reflect.DeepEqual(got, []string{"c"}) {
		t.Fatalf("both keys of a rest: %q", got)
	}
	// Nothing was counted in flight by asking.
	for _, p := range g.Status().Providers {
		for _, k := range p.Keys {
			if k.InFlight != 0 {
				t.Fatalf("%s/%s: %d in flight", p.Name, k.ID, k.InFlight)
			}
		}
	}
	c.t = now.Add(20 * time.Second)
	if got := providers(); !reflect.DeepEqual(got, []string{"a", "c"}) {
		t.Fatalf("a2 is back: %q", got)
	}
}

// An open circuit and an invalid key rest a provider too.
func TestProvidersSkipOpenAndInvalid(t *testing.T) {
	cfg, err := config.Load([]byte(strings.Replace(poolConfig, "HASH", config.HashKey(testKey), 1)+"  breaker_failures: 1\n  breaker_open: 20s\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{now}
	g, err := New(cfg, WithClock(c.now))
	if err != nil {
		t.Fatal(err)
	}
	rest(t, g, "ordered", 500, map[string]string{"a/a1": ""})
	rest(t, g, "ordered", 401, map[string]string{"a/a2": ""})
	x := g.Handle(chatReq("ordered"))
	if got := x.Providers(); !reflect.DeepEqual(got, []string{"c"}) {
		t.Fatalf("a1 open, a2 invalid: %q", got)
	}
	// Half-open after 20s: the probe may go.
	c.t = now.Add(20 * time.Second)
	x = g.Handle(chatReq("ordered"))
	if got := x.Providers(); !reflect.DeepEqual(got, []string{"a", "c"}) {
		t.Fatalf("a1 half-open: %q", got)
	}
}

// When every key of every target rests, Providers gives no provider and the exchange
// holds the very reply Next gives in the same state: 429 with the earliest comeback.
func TestProvidersAllRestingReplyMatchesNext(t *testing.T) {
	c := &clock{now}
	g := poolGateway(t, c)
	rest(t, g, "ordered", 429, map[string]string{"a/a1": "30", "a/a2": "12", "c/c1": "45"})
	c.t = now.Add(2 * time.Second)
	x := g.Handle(chatReq("ordered"))
	if got := x.Providers(); got != nil {
		t.Fatalf("providers %q", got)
	}
	y := g.Handle(chatReq("ordered"))
	if a := y.Next(); a != nil {
		t.Fatalf("Next made an attempt on %s", a.KeyID)
	}
	if x.Reply == nil || x.Reply.Status != 429 || x.Reply.Header.Get("Retry-After") != "10" ||
		!reflect.DeepEqual(x.Reply, y.Reply) {
		t.Fatalf("got %+v\nwant %+v", x.Reply, y.Reply)
	}
	if x.Next() != nil || x.AttemptFor("a") != nil {
		t.Fatal("an exchange with its reply hands out attempts")
	}
	// Another model whose targets do not rest is not affected.
	if got := g.Handle(chatReq("shared")).Providers(); !reflect.DeepEqual(got, []string{"b"}) {
		t.Fatalf("shared: %q", got)
	}
}

// TriedKey keeps a later exchange of the same request off the key an earlier one used,
// while the provider has another; with one key, that key is taken again.
func TestTriedKey(t *testing.T) {
	c := &clock{now}
	g := poolGateway(t, c)
	for _, first := range []string{"a1", "a2", "a1"} {
		x := g.Handle(chatReq("ordered"))
		x.TriedKey("a", first)
		a := x.AttemptFor("a")
		if a == nil || a.KeyID == first {
			t.Fatalf("after %s: %+v", first, a)
		}
		a.Close()
	}
	x := g.Handle(chatReq("ordered"))
	x.TriedKey("c", "c1")
	x.TriedKey("nope", "x")
	x.TriedKey("c", "nope")
	if a := x.AttemptFor("c"); a == nil || a.KeyID != "c1" {
		t.Fatalf("the only key: %+v", a)
	}
}

// Providers leads with the provider the strategy chooses among targets of one priority,
// so that Envoy's cluster choice shares traffic by weight as Next does.
func TestProvidersShareByWeight(t *testing.T) {
	cfg, err := config.Load([]byte(`
providers:
  - {name: a, type: openai, base_url: "https://a.example/v1", keys: [{secret: sk-a}]}
  - {name: b, type: openai, base_url: "https://b.example/v1", keys: [{secret: sk-b}]}
  - {name: c, type: openai, base_url: "https://c.example/v1", keys: [{secret: sk-c}]}
models:
  - name: m
    targets:
      - {provider: a, model: x, priority: 0, weight: 3}
      - {provider: b, model: x, priority: 0, weight: 1}
      - {provider: c, model: x, priority: 1}
virtual_keys: [{name: all, hash: "`+config.HashKey(testKey)+`"}]
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	var leads []string
	for i := 0; i < 8; i++ {
		x := g.Handle(post("/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
		names := x.Providers()
		if len(names) != 3 || names[2] != "c" {
			t.Fatalf("providers %v", names)
		}
		leads = append(leads, names[0])
	}
	if got := strings.Join(leads, ""); got != "aabaaaba" {
		t.Fatalf("leads %s", got)
	}
}
