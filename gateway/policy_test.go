package gateway

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway/store"
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

// counting is a test policy type that needs state: it reserves one request on a
// counter of the virtual key per minute and refuses the request when the limit is
// reached, or when the store fails (closed).
func counting(limit int64) PolicyType {
	return PolicyType{Name: "counting", Order: OrderQuota, New: func([]byte) (Policy, error) { return &counter{limit}, nil }}
}

type counter struct{ limit int64 }

func (p *counter) Admit(c *Call) Decision {
	switch {
	case c.StoreErr != nil:
		return Refuse(&translate.Error{Status: 503, Type: translate.TypeServer, Code: "quota_unavailable", Message: c.StoreErr.Error()})
	case c.Results == nil:
		return Need(store.ReserveOp("rpm:{"+c.KeyName+"}", 1, p.limit, time.Minute))
	case !c.Results[0].OK:
		return Refuse(&translate.Error{Status: 429, Type: translate.TypeRateLimit, Code: "rate_limit_exceeded",
			Message: "over " + strconv.FormatInt(p.limit, 10) + " requests a minute"})
	}
	return Continue()
}

// TestPolicyNeedsStoreOperations: a policy asks for store operations; the exchange waits
// with them Pending, the adapter carries them out and Resumes, and the policy decides
// with the results. The policies after it run only then.
func TestPolicyNeedsStoreOperations(t *testing.T) {
	var log []string
	cfg, err := config.Load([]byte(strings.Replace(testConfig, "HASH", config.HashKey(testKey), 1)+`
policies:
  - {name: rpm, type: counting}
  - {name: after, type: late}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	reg, _ := NewRegistry(counting(2), recorder("late", OrderCache, &log))
	g, err := New(cfg, WithClock(func() time.Time { return now }), WithPolicies(reg))
	if err != nil {
		t.Fatal(err)
	}
	m := store.NewMemory(func() time.Time { return now })
	run := func() *Exchange {
		x := g.Handle(post("/v1/chat/completions", `{"model":"mock-chat","messages":[{"role":"user","content":"hi"}]}`))
		for ops := x.Pending(); ops != nil; ops = x.Pending() {
			if x.Reply != nil {
				t.Fatal("a reply while operations are pending")
			}
			res, err := m.Do(context.Background(), ops)
			x.Resume(res, err)
		}
		return x
	}
	for i := 1; i <= 2; i++ {
		x := run()
		if a := x.Next(); a == nil || a.Reply == nil || a.Reply.Status != 200 {
			t.Fatalf("request %d: %+v %+v", i, a, x.Reply)
		}
	}
	if len(log) != 2 {
		t.Fatalf("the policy after ran %d times, want 2", len(log))
	}
	x := run()
	want := `{"error":{"message":"over 2 requests a minute","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}`
	if x.Reply == nil || x.Reply.Status != 429 || string(x.Reply.Body) != want || x.Policy != "rpm" || len(log) != 2 {
		t.Fatalf("third request: %+v, policy %q, after ran %d times", x.Reply, x.Policy, len(log))
	}

	// A store that fails: the policy decides (here: closed).
	x = g.Handle(post("/v1/chat/completions", `{"model":"mock-chat","messages":[{"role":"user","content":"hi"}]}`))
	x.Resume(nil, errors.New("redis: i/o timeout"))
	if x.Reply == nil || x.Reply.Status != 503 || !strings.Contains(string(x.Reply.Body), "redis: i/o timeout") {
		t.Fatalf("store error: %+v", x.Reply)
	}
	// An adapter that skips the operations gets a 500, never an unchecked request.
	x = g.Handle(post("/v1/chat/completions", `{"model":"mock-chat","messages":[{"role":"user","content":"hi"}]}`))
	if a := x.Next(); a != nil || x.Reply.Status != 500 {
		t.Fatalf("Next with operations pending: %+v %+v", a, x.Reply)
	}
}
