package gateway

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/translate"
)

// clock is a settable fake time.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

const poolConfig = `
providers:
  - name: a
    type: openai
    base_url: https://a.example/v1
    keys: [{id: a1, secret: sk-a1}, {id: a2, secret: sk-a2}]
  - name: b
    type: openai
    base_url: https://b.example/v1
    keys: [{id: b1, secret: sk-b1, weight: 3}]
  - name: c
    type: openai
    base_url: https://c.example/v1
    keys: [{id: c1, secret: sk-c1}]
models:
  - name: shared
    targets:
      - {provider: a, model: ma, priority: 0}
      - {provider: b, model: mb, priority: 0}
      - {provider: c, model: mc, priority: 1}
  - name: ordered
    targets: [{provider: a, model: ma}, {provider: c, model: mc}]
virtual_keys:
  - name: all
    hash: HASH
    permissions: [status]
  - name: app
    hash: sha256:72016003589eb0bb8dbcc1fab3b1e74b81a25f06f79801b0b63fcf30be2e06c3 # sk-app
routing:
  max_attempts: 4
  backoff: 100ms
  max_backoff: 1s
  cooldown: 10s
`

func poolGateway(t *testing.T, c *clock) *Gateway {
	t.Helper()
	cfg, err := config.Load([]byte(strings.Replace(poolConfig, "HASH", config.HashKey(testKey), 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg, WithClock(c.now), WithRand(func() float64 { return 1 }))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func chatReq(model string) *Request {
	return post("/v1/chat/completions", `{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`)
}

var ok200 = `{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`

func TestPriorityGroupSharesByWeight(t *testing.T) {
	c := &clock{now}
	g := poolGateway(t, c)
	var used []string
	for i := 0; i < 10; i++ {
		x := g.Handle(chatReq("shared"))
		a := x.Next()
		used = append(used, a.Provider+"/"+a.KeyID)
		a.Response(200, translate.Headers{}, []byte(ok200))
	}
	counts := map[string]int{}
	for _, u := range used {
		counts[u]++
	}
	// Weights: a1 1, a2 1, b1 3 → 2:2:6 of 10; c (priority 1) never.
	if counts["a/a1"] != 2 || counts["a/a2"] != 2 || counts["b/b1"] != 6 || counts["c/c1"] != 0 {
		t.Fatalf("%v", used)
	}
}

func TestAllKeysCoolingAnswers429WithoutUpstreamCall(t *testing.T) {
	c := &clock{now}
	g := poolGateway(t, c)
	// Rate-limit every key of "ordered" (a1, a2, c1) with different waits.
	waits := map[string]string{"a1": "30", "a2": "12", "c1": "45"}
	x := g.Handle(chatReq("ordered"))
	for i := 0; i < 3; i++ {
		a := x.Next()
		if a == nil {
			t.Fatalf("attempt %d: %s", i, x.Reply.Body)
		}
		if _, retry := a.Response(429, translate.Headers{{Name: "Retry-After", Value: waits[a.KeyID]}}, []byte(`{"error":{"message":"slow","type":"requests","param":null,"code":"rate_limit_exceeded"}}`)); !retry {
			t.Fatal("429 not retried")
		}
	}
	if x.Next() != nil || x.Reply.Status != 429 || x.Reply.Header.Get("Retry-After") != "12" {
		t.Fatalf("after three 429s: %d %v %s", x.Reply.Status, x.Reply.Header, x.Reply.Body)
	}
	// A new request 2s later: no attempt at all, and the earliest comeback (10s).
	c.t = now.Add(2 * time.Second)
	y := g.Handle(chatReq("ordered"))
	if a := y.Next(); a != nil {
		t.Fatalf("a cooling key was tried: %s", a.KeyID)
	}
	want := `{"error":{"message":"every upstream key for model \"ordered\" is rate-limited; try again in 10s","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}`
	if y.Reply.Status != 429 || y.Reply.Header.Get("Retry-After") != "10" || string(y.Reply.Body) != want {
		t.Fatalf("got %d %v %s", y.Reply.Status, y.Reply.Header, y.Reply.Body)
	}
	// When a2 comes back, it serves.
	c.t = now.Add(12 * time.Second)
	z := g.Handle(chatReq("ordered"))
	if a := z.Next(); a == nil || a.KeyID != "a2" {
		t.Fatalf("after a2's cooldown: %+v", a)
	}
}

func TestRetriesOfTriedKeysBackOff(t *testing.T) {
	c := &clock{now}
	g := poolGateway(t, c)
	x := g.Handle(chatReq("ordered"))
	var got []string
	for a := x.Next(); a != nil; a = x.Next() {
		got = append(got, a.KeyID+"@"+a.Delay.String())
		a.Response(500, translate.Headers{}, []byte(`{"error":{"message":"boom","type":"server_error","param":null,"code":null}}`))
	}
	// Untried keys at once; then a retry of a tried key (not the last) after the backoff
	// (rand 1 → the full 100ms).
	if strings.Join(got, " ") != "a1@0s a2@0s c1@0s a2@100ms" {
		t.Fatalf("%v", got)
	}
	if x.Reply.Status != 500 {
		t.Fatalf("final %d", x.Reply.Status)
	}
}

func TestDeadlineStopsRetries(t *testing.T) {
	c := &clock{now}
	g := poolGateway(t, c)
	x := g.Handle(chatReq("ordered"))
	a := x.Next()
	c.t = now.Add(61 * time.Second)
	a.Failed(errString("timeout"))
	if x.Next() != nil || x.Reply.Status != 502 {
		t.Fatalf("a retry after the deadline: %v", x.Reply)
	}
}

func TestStatusShowsStatesWithoutSecrets(t *testing.T) {
	c := &clock{now}
	g := poolGateway(t, c)
	x := g.Handle(chatReq("ordered"))
	a := x.Next()
	a.Response(401, translate.Headers{}, []byte(`{"error":{"message":"bad key sk-a1","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`))
	b := x.Next()
	b.Response(429, translate.Headers{{Name: "Retry-After", Value: "20"}}, []byte(`{}`))
	st := g.Handle(&Request{Method: "GET", Path: "/v1/status", Header: translate.Headers{{Name: "Authorization", Value: "Bearer " + testKey}}, Now: now})
	if st.Reply.Status != 200 {
		t.Fatalf("%d %s", st.Reply.Status, st.Reply.Body)
	}
	body := string(st.Reply.Body)
	for _, secret := range []string{"sk-a1", "sk-a2", "sk-b1", "sk-c1"} {
		if strings.Contains(body, secret) {
			t.Fatalf("status shows %s: %s", secret, body)
		}
	}
	var s Status
	if err := json.Unmarshal(st.Reply.Body, &s); err != nil {
		t.Fatal(err)
	}
	a1, a2 := s.Providers[0].Keys[0], s.Providers[0].Keys[1]
	if s.Providers[0].Name != "a" || a1.ID != "a1" || a1.State != "invalid" || !a1.Until.Equal(now.Add(time.Hour)) || a1.Models != nil ||
		a2.State != "ok" || a2.Until != nil || a2.ErrorRate != 1 || len(a2.Models) != 1 {
		t.Fatalf("%+v", s.Providers[0])
	}
	if m := a2.Models[0]; m.Model != a.Model || m.State != "cooling" || !m.Until.Equal(now.Add(20*time.Second)) || m.Reason != "rate limited (HTTP 429)" {
		t.Fatalf("%+v", m)
	}
	if s.Providers[1].Keys[0].State != "ok" {
		t.Fatalf("%+v", s.Providers[1])
	}
}

func TestStatusNeedsPermission(t *testing.T) {
	g := poolGateway(t, &clock{now})
	x := g.Handle(&Request{Method: "GET", Path: "/v1/status", Header: translate.Headers{{Name: "Authorization", Value: "Bearer sk-app"}}, Now: now})
	want := `{"error":{"message":"The virtual key \"app\" may not read /v1/status: it needs permissions: [status] in its configuration.","type":"permission_error","param":null,"code":"permission_denied"}}`
	if x.Reply == nil || x.Reply.Status != 403 || string(x.Reply.Body) != want || x.Endpoint != EndpointStatus || x.KeyName != "app" {
		t.Fatalf("%+v", x.Reply)
	}
}

func TestNoFirstByteFailsOverAndCounts(t *testing.T) {
	yaml := strings.Replace(poolConfig, "    keys: [{id: a1,", "    first_byte_timeout: 2s\n    keys: [{id: a1,", 1)
	cfg, err := config.Load([]byte(strings.Replace(yaml, "HASH", config.HashKey(testKey), 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg, WithClock((&clock{now}).now))
	if err != nil {
		t.Fatal(err)
	}
	x := g.Handle(chatReq("ordered"))
	a := x.Next()
	if a.KeyID != "a1" || a.FirstByteTimeout != 2*time.Second || a.Timeout != 10*time.Minute {
		t.Fatalf("%s %v %v", a.KeyID, a.FirstByteTimeout, a.Timeout)
	}
	want := `{"error":{"message":"provider \"a\" sent no response within 2s (its first_byte_timeout)","type":"server_error","param":null,"code":"upstream_timeout"}}`
	if r := a.NoFirstByte(); r.Status != 504 || string(r.Body) != want {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	// The next attempts go to the keys not tried yet: a's other key, with a's timeout,
	// then c's, without one.
	b := x.Next()
	if b == nil || b.KeyID != "a2" || b.FirstByteTimeout != 2*time.Second {
		t.Fatalf("%+v", b)
	}
	b.NoFirstByte()
	c := x.Next()
	if c == nil || c.KeyID != "c1" || c.FirstByteTimeout != 0 {
		t.Fatalf("%+v", c)
	}
	c.Failed(errString("connection refused"))
	// The last try, a tried key of a again (max_attempts 4), times out too: its 504 is
	// the answer.
	d := x.Next()
	if d == nil || d.Provider != "a" {
		t.Fatalf("%+v", d)
	}
	d.NoFirstByte()
	if x.Next() != nil || x.Reply.Status != 504 || string(x.Reply.Body) != want {
		t.Fatalf("%d %s", x.Reply.Status, x.Reply.Body)
	}
	for _, k := range append(g.Status().Providers[0].Keys, g.Status().Providers[2].Keys...) {
		if k.ErrorRate != 1 {
			t.Fatalf("a timeout is not counted against %s: %+v", k.ID, k)
		}
	}
}

// A 403 that is not about the key is not retried on the provider's other keys; another
// provider of the model gets the request; with none left the client gets the 403, and
// no key changed state.
func TestForbiddenSkipsTheProvider(t *testing.T) {
	c := &clock{now}
	g := poolGateway(t, c)
	forbidden := []byte(`{"error":{"message":"Project proj_1 does not have access to model ma","type":"invalid_request_error","param":null,"code":"model_not_found"}}`)
	x := g.Handle(chatReq("ordered"))
	a := x.Next()
	if a.Provider != "a" {
		t.Fatalf("first attempt on %s", a.Provider)
	}
	if _, retry := a.Response(403, translate.Headers{}, forbidden); !retry {
		t.Fatal("a 403 with another provider left is not retried")
	}
	b := x.Next()
	if b == nil || b.Provider != "c" {
		t.Fatalf("after a's 403: %+v", b)
	}
	r, retry := b.Response(403, translate.Headers{}, forbidden)
	if retry || x.Next() != nil {
		t.Fatal("a 403 with no provider left is retried")
	}
	want := `{"error":{"message":"provider \"c\" refused the request: Project proj_1 does not have access to model ma","type":"permission_error","param":null,"code":"model_not_found"}}`
	if r.Status != 403 || string(r.Body) != want || x.Reply.Status != 403 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	for _, k := range g.pool.Status(now) {
		if k.State != "ok" || k.Models != nil || k.ErrorRate != 0 {
			t.Fatalf("%+v", k)
		}
	}
}

// When every key rests, the first to come back decides the answer: 429 only for a rate
// limit; 503 upstream_keys_invalid, upstream_unavailable or upstream_overloaded otherwise.
func TestRestingAnswerSaysWhy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int // a1's answer; a2 and c1 are rejected (invalid for 1h)
		header  translate.Headers
		want    int
		code    string
		retryIn string
	}{
		{"rate limited first", 429, translate.Headers{{Name: "Retry-After", Value: "20"}}, 429, "rate_limit_exceeded", "20"},
		{"overloaded first", 503, translate.Headers{{Name: "Retry-After", Value: "25"}}, 503, "upstream_overloaded", "25"},
		{"open first", 500, nil, 503, "upstream_unavailable", "30"},
		{"all invalid", 401, nil, 503, "upstream_keys_invalid", "3600"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{now}
			g := poolGateway(t, c)
			g.pool = NewPool(config.Routing{BreakerFailures: 1}, nil)
			g, _ = New(g.cfg, WithClock(c.now), WithPool(g.pool))
			x := g.Handle(chatReq("ordered"))
			for a := x.Next(); a != nil; a = x.Next() {
				if a.KeyID == "a1" {
					a.Response(tc.status, tc.header, []byte(`{}`))
				} else {
					a.Response(401, nil, []byte(`{}`))
				}
			}
			y := g.Handle(chatReq("ordered"))
			if y.Next() != nil {
				t.Fatal("an attempt while every key rests")
			}
			var e struct{ Error struct{ Code string } }
			json.Unmarshal(y.Reply.Body, &e)
			if y.Reply.Status != tc.want || e.Error.Code != tc.code || y.Reply.Header.Get("Retry-After") != tc.retryIn {
				t.Fatalf("%d %v %s", y.Reply.Status, y.Reply.Header, y.Reply.Body)
			}
		})
	}
}
