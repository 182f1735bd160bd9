package gateway_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/gateway/keypool"
	"github.com/franca-gw/franca/gateway/store"
	"github.com/franca-gw/franca/translate"
)

// rateLimit makes pool decide a cooldown of id for model "m" for retryAfter seconds at
// now; its cooldown id is id+" m".
func rateLimit(pool *keypool.Pool, id, retryAfter string, now time.Time) {
	g := &keypool.Group{Candidates: []keypool.Candidate{{Key: pool.Add(id, 1, nil), Model: "m", Weight: 1}}}
	c, _ := pool.Pick(g, nil, now)
	pool.Done(c.Key, keypool.Outcome{Status: 429, Model: "m", Header: translate.Headers{{Name: "Retry-After", Value: retryAfter}}}, now)
}

// TestCooldownsEmitRaises: each cooldown the pool decides on becomes one pending Raise,
// the latest per id, taken once.
func TestCooldownsEmitRaises(t *testing.T) {
	t0 := time.UnixMilli(1_000_000)
	pool := keypool.New(keypool.Options{})
	notified := 0
	c := gateway.ShareCooldowns(pool, func() { notified++ })
	if ops := c.Ops(); ops != nil {
		t.Fatalf("ops before any cooldown: %+v", ops)
	}
	rateLimit(pool, "p/b", "7", t0)
	rateLimit(pool, "p/a", "5", t0)
	rateLimit(pool, "p/a", "9", t0.Add(6*time.Second))
	want := []store.Op{
		store.RaiseOp("cool:p/a m", t0.Add(15*time.Second)),
		store.RaiseOp("cool:p/b m", t0.Add(7*time.Second)),
	}
	if ops := c.Ops(); !reflect.DeepEqual(ops, want) || notified != 3 {
		t.Fatalf("ops %+v after %d notifications\nwant %+v", ops, notified, want)
	}
	if ops := c.Ops(); ops != nil {
		t.Fatalf("ops taken twice: %+v", ops)
	}
}

// TestCooldownsApply: a watched entry rests the key it names; other entries are not
// cooldowns.
func TestCooldownsApply(t *testing.T) {
	t0 := time.UnixMilli(1_000_000)
	pool := keypool.New(keypool.Options{})
	k := pool.Add("p/k", 1, nil)
	c := gateway.ShareCooldowns(pool, nil)
	for _, e := range []struct{ key, value string }{{"quota:x", "5000000"}, {"cool:", "5000000"}, {"cool:p/k", "soon"}} {
		if c.Apply(e.key, []byte(e.value)) {
			t.Fatalf("%s=%s applied", e.key, e.value)
		}
	}
	if ok, _ := pool.Usable(k, "m", t0); !ok {
		t.Fatal("resting before any cooldown")
	}
	// A rest of one upstream model.
	if !c.Apply("cool:p/k m", []byte("1060000")) {
		t.Fatal("cooldown not applied")
	}
	st := pool.Status(t0)[0]
	if ok, next := pool.Usable(k, "m", t0); ok || !next.Equal(time.UnixMilli(1_060_000)) || st.State != keypool.StateOK ||
		len(st.Models) != 1 || st.Models[0].Model != "m" || st.Models[0].State != keypool.StateCooling {
		t.Fatalf("usable %v until %v, %+v", ok, next, st)
	}
	if ok, _ := pool.Usable(k, "other", t0); !ok {
		t.Fatal("a rest of model m rests the key for another model")
	}
	// A key rejected by its provider: the whole key.
	if !c.Apply("cool:p/k", []byte("1070000")) {
		t.Fatal("cooldown not applied")
	}
	if ok, _ := pool.Usable(k, "other", t0); ok || pool.Status(t0)[0].State != keypool.StateInvalid {
		t.Fatalf("a rejected key is usable: %+v", pool.Status(t0)[0])
	}
	// A key the configuration does not have yet rests once it is added.
	c.Apply("cool:p/later m", []byte("1060000"))
	if ok, _ := pool.Usable(pool.Add("p/later", 1, nil), "m", t0); ok {
		t.Fatal("a key added later ignores its cooldown")
	}
}

// TestCooldownsThroughMemory: two pools on one memory store, as two gateways on one
// Redis: a cooldown one decides on rests the key in the other.
func TestCooldownsThroughMemory(t *testing.T) {
	t0 := time.UnixMilli(1_000_000)
	m := store.NewMemory(func() time.Time { return t0 })
	a, b := keypool.New(keypool.Options{}), keypool.New(keypool.Options{})
	ca := gateway.ShareCooldowns(a, nil)
	cb := gateway.ShareCooldowns(b, nil)
	stop, err := m.Watch(context.Background(), gateway.CooldownPrefix, func(k string, v []byte) { cb.Apply(k, v) })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	kb := b.Add("p/k", 1, nil)
	rateLimit(a, "p/k", "30", t0)
	if _, err := m.Do(context.Background(), ca.Ops()); err != nil {
		t.Fatal(err)
	}
	if ok, next := b.Usable(kb, "m", t0); ok || !next.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("b: usable %v until %v", ok, next)
	}
}
