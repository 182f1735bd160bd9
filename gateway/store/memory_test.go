package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/franca-gw/franca/gateway/store"
	"github.com/franca-gw/franca/gateway/store/storetest"
)

// clock is a time the tests move.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestMemory(t *testing.T) {
	c := &clock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	m := store.NewMemory(c.now)
	storetest.Run(t, storetest.Harness{Store: m, Now: c.now, Stream: func(t *testing.T, key string) [][]byte {
		var out [][]byte
		for _, e := range m.Stream(key) {
			out = append(out, e.Value)
		}
		return out
	}})
}

// TestMemoryExpiry: values, cooldowns and counters end at their time.
func TestMemoryExpiry(t *testing.T) {
	c := &clock{time.Unix(1000, 0)}
	m := store.NewMemory(c.now)
	do := func(ops ...store.Op) []store.Result {
		t.Helper()
		res, err := m.Do(context.Background(), ops)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	until := c.t.Add(30 * time.Second)
	do(store.SetOp("v", []byte("x"), 10*time.Second), store.RaiseOp("c", until),
		store.ReserveOp("n", 5, 10, 20*time.Second))
	// A settle later does not extend the counter's window.
	c.t = c.t.Add(15 * time.Second)
	res := do(store.GetOp("v"), store.GetOp("c"), store.SettleOp("n", 1, 20*time.Second))
	if res[0].Found || !res[1].Found || res[2].Count != 6 {
		t.Fatalf("at 15s: %+v", res)
	}
	c.t = c.t.Add(5 * time.Second)
	if res := do(store.ReserveOp("n", 10, 10, 20*time.Second)); !res[0].OK || res[0].Count != 10 {
		t.Fatalf("new window: %+v", res)
	}
	c.t = until
	if res := do(store.GetOp("c")); res[0].Found {
		t.Fatalf("cooldown kept at its end: %+v", res)
	}
	// A raise to a time already past changes nothing.
	if res := do(store.RaiseOp("c", c.t), store.GetOp("c")); res[0].OK || res[1].Found {
		t.Fatalf("raise to now: %+v", res)
	}
}

func TestMemoryNotCounter(t *testing.T) {
	m := store.NewMemory(time.Now)
	m.Do(context.Background(), []store.Op{store.SetOp("s", []byte("text"), 0)})
	_, err := m.Do(context.Background(), []store.Op{store.SettleOp("s", 1, 0)})
	if !errors.Is(err, store.ErrNotCounter) || err.Error() != `settle "s": the value is not an integer counter` {
		t.Fatalf("%v", err)
	}
}
