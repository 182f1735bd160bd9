package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/translate"
)

// recorder is a test policy type: each instance notes the requests it was asked about
// in log, and refuses those whose body contains its "refuse" option.
func recorder(name string, order int, log *[]string) PolicyType {
	return PolicyType{Name: name, Order: order, New: func(options []byte) (Policy, error) {
		if strings.Contains(string(options), "bad") {
			return nil, errorString("refuse: bad value")
		}
		return &recording{name: name, options: string(options), log: log}, nil
	}}
}

type errorString string

func (e errorString) Error() string { return string(e) }

type recording struct {
	name, options string
	log           *[]string
}

func (p *recording) Admit(c *Call) Decision {
	*p.log = append(*p.log, p.name+" "+p.options+" "+c.Endpoint+" "+c.KeyName+" "+c.Model)
	if i := strings.Index(p.options, `"refuse":"`); i >= 0 {
		word := p.options[i+len(`"refuse":"`):]
		word = word[:strings.IndexByte(word, '"')]
		if strings.Contains(string(c.Body), word) {
			return Refuse(&translate.Error{Status: 403, Type: translate.TypePermission, Code: "refused_by_" + p.name, Message: "no"})
		}
	}
	return Continue()
}

func policyGateway(t *testing.T, policies string, log *[]string) *Gateway {
	t.Helper()
	cfg, err := config.Load([]byte(strings.Replace(testConfig, "HASH", config.HashKey(testKey), 1)+policies), nil)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := NewRegistry(recorder("late", OrderCache, log), recorder("early", OrderGuardrail, log))
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg, WithClock(func() time.Time { return now }), WithPolicies(reg))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestPoliciesRunInOrderOfTypeThenConfiguration(t *testing.T) {
	var log []string
	g := policyGateway(t, `
policies:
  - {name: c, type: late}
  - {name: a, type: early, options: {n: 1}}
  - {name: only-gpt, type: early, models: [gpt]}
  - {name: only-narrow, type: early, virtual_keys: [narrow]}
  - {name: b, type: early, options: {n: 2}}
`, &log)
	x := g.Handle(post("/v1/chat/completions", `{"model":"gpt","messages":[{"role":"user","content":"hi"}]}`))
	if x.Reply != nil {
		t.Fatalf("reply %d %s", x.Reply.Status, x.Reply.Body)
	}
	want := []string{
		`early {"n":1} chat all gpt`,
		`early {} chat all gpt`,
		`early {"n":2} chat all gpt`,
		`late {} chat all gpt`,
	}
	if strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Errorf("policies ran:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
}

func TestPolicyRefusalEndsTheExchange(t *testing.T) {
	var log []string
	g := policyGateway(t, `
policies:
  - {name: guard, type: early, options: {refuse: secret}}
  - {name: after, type: late}
`, &log)
	x := g.Handle(post("/v1/chat/completions", `{"model":"gpt","messages":[{"role":"user","content":"my secret"}]}`))
	if x.Reply == nil {
		t.Fatal("no reply")
	}
	if got, want := string(x.Reply.Body), `{"error":{"message":"no","type":"permission_error","param":null,"code":"refused_by_early"}}`; got != want || x.Reply.Status != 403 {
		t.Errorf("reply %d %s\nwant 403 %s", x.Reply.Status, got, want)
	}
	if x.Policy != "guard" {
		t.Errorf("Policy = %q, want guard", x.Policy)
	}
	if len(log) != 1 {
		t.Errorf("policies after the refusal ran: %q", log)
	}
	if a := x.Next(); a != nil {
		t.Errorf("an attempt after a refusal: %+v", a)
	}
}

func TestPoliciesSkipModelListsAndLaterStages(t *testing.T) {
	var log []string
	g := policyGateway(t, `
policies:
  - {name: p, type: early}
`, &log)
	if x := g.Handle(&Request{Method: "GET", Path: "/v1/models", Header: post("", "").Header, Now: now}); x.Reply == nil || x.Reply.Status != 200 {
		t.Fatalf("models: %+v", x.Reply)
	}
	// The per-attempt stage of a split proxy (Envoy's upstream filter) runs after the
	// first stage admitted the request: policies must not run twice.
	x := g.HandleAs("all", post("/v1/chat/completions", `{"model":"gpt","messages":[{"role":"user","content":"hi"}]}`))
	if x.Reply != nil {
		t.Fatalf("HandleAs reply %s", x.Reply.Body)
	}
	if len(log) != 0 {
		t.Errorf("policies ran for /v1/models or HandleAs: %q", log)
	}
	// A request refused before admission (unknown model) reaches no policy either.
	g.Handle(post("/v1/chat/completions", `{"model":"nope","messages":[{"role":"user","content":"hi"}]}`))
	if len(log) != 0 {
		t.Errorf("policies ran for a refused request: %q", log)
	}
}

func TestPolicyConfigurationErrors(t *testing.T) {
	var log []string
	for _, tc := range []struct{ policies, want string }{
		{"policies:\n  - {name: p, type: nope}\n", `policies[0].type: unknown policy type "nope" (this gateway has: early, late)`},
		{"policies:\n  - {name: p, type: early}\n  - {name: q, type: late, options: {refuse: bad}}\n", `policies[1].options.refuse: bad value`},
	} {
		cfg, err := config.Load([]byte(strings.Replace(testConfig, "HASH", config.HashKey(testKey), 1)+tc.policies), nil)
		if err != nil {
			t.Fatal(err)
		}
		reg, _ := NewRegistry(recorder("late", OrderCache, &log), recorder("early", OrderGuardrail, &log))
		if _, err := New(cfg, WithPolicies(reg)); err == nil || err.Error() != tc.want {
			t.Errorf("New: %v\nwant %s", err, tc.want)
		}
	}
	cfg, _ := config.Load([]byte(strings.Replace(testConfig, "HASH", config.HashKey(testKey), 1)+"policies:\n  - {name: p, type: early}\n"), nil)
	if _, err := New(cfg); err == nil || err.Error() != `policies[0].type: unknown policy type "early" (this gateway has no policy types)` {
		t.Errorf("New without a registry: %v", err)
	}
	if _, err := NewRegistry(recorder("x", 1, &log), recorder("x", 2, &log)); err == nil || err.Error() != `policy type "x" is registered twice` {
		t.Errorf("NewRegistry with a duplicate: %v", err)
	}
}
