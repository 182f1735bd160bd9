package gateway

import (
	"reflect"
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
		"only-claude":     {},
		"claude-then-gem": {"oa", "gem"},
		"mock-chat":       {"mock"},
	} {
		x := g.Handle(post("/v1/chat/completions", `{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`))
		if got := x.Providers(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: providers %q, want %q", model, got, want)
		}
	}
	x := g.Handle(post("/v1/chat/completions", `{"model":"nope","messages":[{"role":"user","content":"hi"}]}`))
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
