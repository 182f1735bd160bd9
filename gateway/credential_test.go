package gateway

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/translate"
)

// credConfig has one provider of each family with a static key, Anthropic with two keys
// and models served by one target, and a model shared by two targets of one priority.
const credConfig = `
providers:
  - name: oa
    type: openai
    base_url: https://oa.example/v1
    keys: [{id: o1, secret: sk-oa-1}]
  - name: az
    type: azure
    base_url: https://res.openai.azure.com
    keys: [{id: z1, secret: az-key-1}]
  - name: ant
    type: anthropic
    base_url: https://ant.example
    headers: {anthropic-beta: b1}
    keys: [{id: a1, secret: sk-ant-1}, {id: a2, secret: sk-ant-2}]
  - name: gem
    type: gemini
    base_url: https://gem.example
    keys: [{id: g1, secret: AIza-g-1}]
  - name: local
    type: openai-compatible
    preset: vllm
    base_url: http://gpu:8000/v1
models:
  - {name: oa, targets: [{provider: oa, model: gpt-4o-mini}]}
  - {name: az, targets: [{provider: az, model: dep}]}
  - {name: ant, targets: [{provider: ant, model: claude-x}]}
  - {name: gem, targets: [{provider: gem, model: gemini-2.5-flash}]}
  - {name: local, targets: [{provider: local, model: qwen}]}
  - name: pair
    targets: [{provider: ant, model: claude-x, priority: 0}, {provider: oa, model: gpt-4o-mini, priority: 0}]
virtual_keys:
  - name: all
    hash: HASH
routing:
  max_attempts: 3
`

func credGateway(t *testing.T, c *clock) *Gateway {
	t.Helper()
	cfg, err := config.Load([]byte(strings.Replace(credConfig, "HASH", config.HashKey(testKey), 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg, WithClock(c.now))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestCredentialAppliedAfterTranslation: each family's key is added, the family's way,
// to the request its translator built, after the fields the translator wrote; a
// provider without a key sends none.
func TestCredentialAppliedAfterTranslation(t *testing.T) {
	g := credGateway(t, &clock{now})
	json := translate.Header{Name: "Content-Type", Value: "application/json"}
	tests := []struct {
		model, url string
		header     translate.Headers
	}{
		{"oa", "https://oa.example/v1/chat/completions", translate.Headers{json, {Name: "Authorization", Value: "Bearer sk-oa-1"}}},
		{"az", "https://res.openai.azure.com/openai/deployments/dep/chat/completions?api-version=2024-10-21", translate.Headers{json, {Name: "api-key", Value: "az-key-1"}}},
		{"ant", "https://ant.example/v1/messages", translate.Headers{{Name: "content-type", Value: "application/json"},
			{Name: "anthropic-version", Value: "2023-06-01"}, {Name: "anthropic-beta", Value: "b1"}, {Name: "x-api-key", Value: "sk-ant-1"}}},
		{"gem", "https://gem.example/v1beta/models/gemini-2.5-flash:generateContent", translate.Headers{json, {Name: "x-goog-api-key", Value: "AIza-g-1"}}},
		{"local", "http://gpu:8000/v1/chat/completions", translate.Headers{json}},
	}
	for _, tc := range tests {
		x := g.Handle(chatReq(tc.model))
		a := x.Next()
		if a == nil {
			t.Fatalf("%s: no attempt: %s", tc.model, x.Reply.Body)
		}
		if a.Upstream.URL != tc.url || !reflect.DeepEqual(a.Upstream.Header, tc.header) {
			t.Fatalf("%s: %s %q\nwant %s %q", tc.model, a.Upstream.URL, a.Upstream.Header, tc.url, tc.header)
		}
		a.Close()
	}
}

// TestCredentialPerKeyOneTranslation: a retry on the target's other key sends the same
// translated body with that key's credential, and leaves the first attempt's request as
// it was sent.
func TestCredentialPerKeyOneTranslation(t *testing.T) {
	g := credGateway(t, &clock{now})
	x := g.Handle(chatReq("ant"))
	a1 := x.Next()
	if a1 == nil || a1.KeyID != "a1" {
		t.Fatalf("first attempt %+v %v", a1, x.Reply)
	}
	first := append(translate.Headers(nil), a1.Upstream.Header...)
	if _, retry := a1.Response(529, translate.Headers{}, []byte(`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)); !retry {
		t.Fatal("a 529 is retried")
	}
	a2 := x.Next()
	if a2 == nil || a2.KeyID != "a2" {
		t.Fatalf("second attempt %+v %v", a2, x.Reply)
	}
	if len(x.trans) != 1 || &a1.Upstream.Body[0] != &a2.Upstream.Body[0] {
		t.Fatalf("the target was translated again: %d translations", len(x.trans))
	}
	if !reflect.DeepEqual(a1.Upstream.Header, first) || first.Get("x-api-key") != "sk-ant-1" {
		t.Fatalf("the first attempt's header changed: %q", a1.Upstream.Header)
	}
	want := append(first[:len(first)-1:len(first)-1], translate.Header{Name: "x-api-key", Value: "sk-ant-2"})
	if !reflect.DeepEqual(a2.Upstream.Header, want) {
		t.Fatalf("second attempt's header %q, want %q", a2.Upstream.Header, want)
	}
	a2.Close()
}

// TestCredentialRedactedFromUpstreamErrors: a provider quoting the key it rejected does
// not show it to the client.
func TestCredentialRedactedFromUpstreamErrors(t *testing.T) {
	g := credGateway(t, &clock{now})
	x := g.Handle(chatReq("gem"))
	a := x.Next()
	r, _ := a.Response(400, translate.Headers{}, []byte(`{"error":{"code":400,"message":"API key not valid: AIza-g-1.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}`))
	want := `{"error":{"message":"provider \"gem\" rejected Franca's credential \"g1\": API key not valid: [redacted].","type":"server_error","param":null,"code":"upstream_authentication_failed"}}`
	if r.Status != 502 || string(r.Body) != want {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

// TestClientErrorBeforeKeyState: a request the target refuses gets the target's 400
// while every key rests, through Next and through the two-stage path, and the pool's
// keys are left as they were.
func TestClientErrorBeforeKeyState(t *testing.T) {
	c := &clock{now}
	g := credGateway(t, c)
	// Every key rests after a rate limit of its model.
	for _, id := range []string{"ant/a1 claude-x", "ant/a2 claude-x", "oa/o1 gpt-4o-mini"} {
		g.pool.Cool(id, now.Add(7*time.Second))
	}
	before := g.pool.Status(now)
	bad := post("/v1/chat/completions", `{"model":"ant","n":2,"messages":[{"role":"user","content":"hi"}]}`)
	want := `{"error":{"message":"parameter \"n\" is not supported by provider type anthropic","type":"invalid_request_error","param":"n","code":"unsupported_parameter"}}`
	check := func(what string, x *Exchange) {
		t.Helper()
		if x.Reply == nil || x.Reply.Status != 400 || string(x.Reply.Body) != want {
			t.Fatalf("%s: %+v", what, x.Reply)
		}
	}
	x := g.Handle(bad)
	if a := x.Next(); a != nil {
		t.Fatalf("Next: attempt %+v", a)
	}
	check("Next", x)
	x = g.Handle(bad)
	if p := x.Providers(); p != nil {
		t.Fatalf("Providers: %v", p)
	}
	check("Providers", x)
	x = g.HandleAs("all", bad)
	if a := x.AttemptFor("ant"); a != nil {
		t.Fatalf("AttemptFor: attempt %+v", a)
	}
	check("AttemptFor", x)
	// Two targets of one priority, every key resting: the one that refuses answers.
	x = g.Handle(post("/v1/chat/completions", `{"model":"pair","n":2,"messages":[{"role":"user","content":"hi"}]}`))
	if a := x.Next(); a != nil {
		t.Fatalf("pair: attempt %+v", a)
	}
	check("pair", x)
	if after := g.pool.Status(now); !reflect.DeepEqual(after, before) {
		t.Fatalf("keys touched:\n%+v\nwas\n%+v", after, before)
	}
	// A request the target accepts still waits for the keys.
	x = g.Handle(chatReq("ant"))
	if a := x.Next(); a != nil || x.Reply.Status != 429 {
		t.Fatalf("valid request: %+v %+v", a, x.Reply)
	}
}

// TestClientErrorNotCountedOnKey: with a usable key, a refused request reaches no key
// either: nothing is counted in flight, per minute or in the recent outcomes.
func TestClientErrorNotCountedOnKey(t *testing.T) {
	g := credGateway(t, &clock{now})
	x := g.Handle(post("/v1/chat/completions", `{"model":"ant","seed":1,"messages":[{"role":"user","content":"hi"}]}`))
	if a := x.Next(); a != nil || x.Reply.Status != 400 || len(x.tried) != 0 {
		t.Fatalf("attempt %+v reply %+v tried %d", a, x.Reply, len(x.tried))
	}
	for _, k := range g.pool.Status(now) {
		if k.Recent != 0 || k.InFlight != 0 {
			t.Fatalf("key %s counted the request: %+v", k.ID, k)
		}
	}
}
