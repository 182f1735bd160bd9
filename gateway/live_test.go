package gateway

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway/keypool"
	"github.com/franca-gw/franca/translate"
)

const liveConfig = `
providers:
  - name: p
    type: openai
    base_url: https://p.example/v1
    keys:
      - {id: k1, secret: SECRET1, weight: W1}
      - {id: k2, secret: sk-two, models: [MODELS2]}
      - {id: k3, secret: sk-three}
models:
  - {name: m, targets: [{provider: p, model: gpt-4o}]}
  - {name: mini, targets: [{provider: p, model: gpt-4o-mini}]}
virtual_keys:
  - name: all
    hash: HASH
`

// liveGateway builds a gateway on pool from liveConfig with the replacements given
// (SECRET1, W1, MODELS2, and "k3" to remove key k3).
func liveGateway(t *testing.T, pool *keypool.Pool, c *clock, secret1, w1, models2 string, withK3 bool) *Gateway {
	t.Helper()
	y := strings.NewReplacer("SECRET1", secret1, "W1", w1, "MODELS2", models2, "HASH", config.HashKey(testKey)).Replace(liveConfig)
	if !withK3 {
		y = strings.Replace(y, "      - {id: k3, secret: sk-three}\n", "", 1)
	}
	cfg, err := config.Load([]byte(y), nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg, WithClock(c.now), WithPool(pool))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// keysUsed sends n requests for model and returns the keys they went to.
func keysUsed(g *Gateway, model string, n int) string {
	var ids []string
	for i := 0; i < n; i++ {
		x := g.Handle(chatReq(model))
		a := x.Next()
		if a == nil {
			ids = append(ids, "-")
			continue
		}
		ids = append(ids, a.KeyID)
		a.Response(200, translate.Headers{}, []byte(ok200))
	}
	return strings.Join(ids, " ")
}

// TestLiveConfiguration: a gateway built from a new configuration on the same pool
// updates the keys in place: a changed secret makes a rejected key usable at once,
// weights and model lists take effect, keys kept keep their state, removed keys leave
// the pool; an attempt begun on the old gateway still ends on it.
func TestLiveConfiguration(t *testing.T) {
	c := &clock{now}
	pool := NewPool(config.Routing{}, nil)
	g1 := liveGateway(t, pool, c, "sk-old", "1", "gpt-4o", true)
	if got := keysUsed(g1, "m", 3); got != "k1 k2 k3" {
		t.Fatalf("first configuration: %s", got)
	}
	// k1 is rejected, k3 rate limited; an attempt on k2 is in flight.
	x := g1.Handle(chatReq("m"))
	a := x.Next()
	if a.KeyID != "k1" {
		t.Fatalf("attempt on %s", a.KeyID)
	}
	a.Response(401, translate.Headers{}, []byte(`{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`))
	a = x.Next()
	if a.KeyID != "k2" {
		t.Fatalf("retry on %s", a.KeyID)
	}
	a.Response(429, translate.Headers{{Name: "Retry-After", Value: "30"}}, []byte(`{"error":{"message":"Rate limit","type":"requests","param":null,"code":"rate_limit_exceeded"}}`))
	a = x.Next()
	if a.KeyID != "k3" {
		t.Fatalf("second retry on %s", a.KeyID)
	}
	inflight := a
	if got := keysUsed(g1, "m", 1); got != "k3" {
		t.Fatalf("k1 and k2 rest: %s", got)
	}

	// New secret for k1, weight 3; k2 serves only gpt-4o-mini now; k3 is removed.
	g2 := liveGateway(t, pool, c, "sk-new", "3", "gpt-4o-mini", false)
	st := g2.Status()
	if len(st.Providers) != 1 || len(st.Providers[0].Keys) != 2 {
		t.Fatalf("status %+v", st)
	}
	k1, k2 := st.Providers[0].Keys[0], st.Providers[0].Keys[1]
	if k1.ID != "k1" || k1.State != keypool.StateOK || k1.Recent != 0 || k1.Until != nil {
		t.Fatalf("k1 with its new secret: %+v", k1)
	}
	if k2.ID != "k2" || k2.State != keypool.StateOK || k2.Recent != 2 || len(k2.Models) != 1 ||
		k2.Models[0].State != keypool.StateCooling || !k2.Models[0].Until.Equal(now.Add(30*time.Second)) {
		t.Fatalf("k2 kept its state: %+v", k2)
	}
	var ids []string
	for _, k := range pool.Status(now) {
		ids = append(ids, k.ID)
	}
	if !reflect.DeepEqual(ids, []string{"p/k1", "p/k2"}) {
		t.Fatalf("pool keys %v", ids)
	}
	x2 := g2.Handle(chatReq("m"))
	if a := x2.Next(); a == nil || a.KeyID != "k1" || a.Upstream.Header.Get("Authorization") != "Bearer sk-new" {
		t.Fatalf("k1 after the change: %+v %v", a, x2.Reply)
	} else {
		a.Close()
	}
	// The attempt begun on the old gateway ends there, with the old secret.
	if inflight.Upstream.Header.Get("Authorization") != "Bearer sk-three" {
		t.Fatalf("in-flight attempt %q", inflight.Upstream.Header)
	}
	if r, _ := inflight.Response(200, translate.Headers{}, []byte(ok200)); r.Status != 200 {
		t.Fatalf("in-flight answer %d", r.Status)
	}

	// Once k2 is back: k1 alone serves gpt-4o (k2 no longer does); gpt-4o-mini is shared
	// 3:1 by the new weights.
	c.t = now.Add(31 * time.Second)
	if got := keysUsed(g2, "m", 4); got != "k1 k1 k1 k1" {
		t.Fatalf("gpt-4o after the change: %s", got)
	}
	if got := keysUsed(g2, "mini", 4); got != "k1 k1 k2 k1" {
		t.Fatalf("gpt-4o-mini after the change: %s", got)
	}
	// k2 serves gpt-4o again, k1 back to weight 1.
	g3 := liveGateway(t, pool, c, "sk-new", "1", "gpt-4o", false)
	if got := keysUsed(g3, "m", 4); got != "k1 k2 k1 k2" {
		t.Fatalf("weights 1:1: %s", got)
	}
}
