// Package storetest is the table of tests every store.Store implementation passes: the
// memory store in the core and the Redis store run the same cases.
package storetest

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/franca-gw/franca/gateway/store"
)

// Harness is a store under test.
type Harness struct {
	// Store is the store; its keys must not outlive a case's own names.
	Store store.Store
	// Now is the store's clock: Raise times are set from it.
	Now func() time.Time
	// Stream reads back the values appended to a stream key.
	Stream func(t *testing.T, key string) [][]byte
}

// Run runs every case against h. Each case names its own keys, so cases share a store.
func Run(t *testing.T, h Harness) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, h, c.name+":") })
	}
}

var cases = []struct {
	name string
	run  func(t *testing.T, h Harness, k string)
}{
	{"get-missing", func(t *testing.T, h Harness, k string) {
		want(t, do(t, h, store.GetOp(k+"none")), store.Result{})
	}},
	{"set-get", func(t *testing.T, h Harness, k string) {
		want(t, do(t, h, store.SetOp(k+"a", []byte("one"), time.Minute), store.SetOp(k+"b", []byte(""), 0),
			store.GetOp(k+"a"), store.GetOp(k+"b"), store.SetOp(k+"a", []byte("two"), 0), store.GetOp(k+"a")),
			store.Result{}, store.Result{},
			store.Result{Found: true, Value: []byte("one")}, store.Result{Found: true, Value: []byte{}},
			store.Result{}, store.Result{Found: true, Value: []byte("two")})
	}},
	{"raise", func(t *testing.T, h Harness, k string) {
		t1 := h.Now().Add(time.Hour).Truncate(time.Millisecond)
		t0, t2 := t1.Add(-time.Minute), t1.Add(time.Minute)
		want(t, do(t, h, store.RaiseOp(k+"c", t1), store.RaiseOp(k+"c", t0), store.RaiseOp(k+"c", t1),
			store.GetOp(k+"c"), store.RaiseOp(k+"c", t2), store.GetOp(k+"c")),
			store.Result{OK: true, Until: t1}, store.Result{Until: t1}, store.Result{Until: t1},
			store.Result{Found: true, Value: store.FormatMillis(t1)},
			store.Result{OK: true, Until: t2}, store.Result{Found: true, Value: store.FormatMillis(t2)})
	}},
	{"reserve-settle", func(t *testing.T, h Harness, k string) {
		c := k + "{q}n"
		want(t, do(t, h, store.ReserveOp(c, 4, 10, time.Minute), store.ReserveOp(c, 6, 10, time.Minute),
			store.ReserveOp(c, 1, 10, time.Minute), store.SettleOp(c, -3, time.Minute),
			store.ReserveOp(c, 3, 10, time.Minute), store.GetOp(c), store.SettleOp(k+"{q}m", 5, 0)),
			store.Result{OK: true, Count: 4}, store.Result{OK: true, Count: 10},
			store.Result{Count: 10}, store.Result{OK: true, Count: 7},
			store.Result{OK: true, Count: 10}, store.Result{Found: true, Value: []byte("10")},
			store.Result{OK: true, Count: 5})
	}},
	{"reserve-not-a-counter", func(t *testing.T, h Harness, k string) {
		do(t, h, store.SetOp(k+"s", []byte("text"), 0))
		if _, err := h.Store.Do(context.Background(), []store.Op{store.ReserveOp(k+"s", 1, 10, 0)}); err == nil {
			t.Fatal("reserve on a string: no error")
		}
	}},
	{"append", func(t *testing.T, h Harness, k string) {
		res := do(t, h, store.AppendOp(k+"log", []byte(`{"n":1}`)), store.AppendOp(k+"log", []byte(`{"n":2}`)))
		if !idBefore(res[0].ID, res[1].ID) {
			t.Fatalf("ids %q then %q", res[0].ID, res[1].ID)
		}
		if got := h.Stream(t, k+"log"); !reflect.DeepEqual(got, [][]byte{[]byte(`{"n":1}`), []byte(`{"n":2}`)}) {
			t.Fatalf("stream %q", got)
		}
	}},
	{"watch", func(t *testing.T, h Harness, k string) {
		t1 := h.Now().Add(time.Hour).Truncate(time.Millisecond)
		do(t, h, store.RaiseOp(k+"w:early", t1), store.RaiseOp(k+"other", t1))
		seen := make(chan string, 16)
		stop, err := h.Store.Watch(context.Background(), k+"w:", func(key string, v []byte) { seen <- key + "=" + string(v) })
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		expect(t, seen, k+"w:early="+string(store.FormatMillis(t1)))
		t2 := t1.Add(time.Second)
		// Raises that move nothing and keys outside the prefix are not reported.
		do(t, h, store.RaiseOp(k+"w:early", t1), store.RaiseOp(k+"other", t2), store.SetOp(k+"w:set", []byte("x"), 0))
		do(t, h, store.RaiseOp(k+"w:late one", t2))
		expect(t, seen, k+"w:late one="+string(store.FormatMillis(t2)))
		do(t, h, store.RaiseOp(k+"w:early", t2))
		expect(t, seen, k+"w:early="+string(store.FormatMillis(t2)))
		stop()
		do(t, h, store.RaiseOp(k+"w:late one", t2.Add(time.Second)))
		select {
		case s := <-seen:
			t.Fatalf("after stop: %s", s)
		default:
		}
	}},
}

// do runs ops and fails the test on an error.
func do(t *testing.T, h Harness, ops ...store.Op) []store.Result {
	t.Helper()
	res, err := h.Store.Do(context.Background(), ops)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(ops) {
		t.Fatalf("%d results for %d operations", len(res), len(ops))
	}
	return res
}

// want compares results; times by instant, byte slices by content.
func want(t *testing.T, got []store.Result, want ...store.Result) {
	t.Helper()
	for i := range want {
		g, w := got[i], want[i]
		if g.Found != w.Found || string(g.Value) != string(w.Value) || (g.Value == nil) != (w.Value == nil) ||
			g.OK != w.OK || !g.Until.Equal(w.Until) || g.Count != w.Count || g.ID != w.ID {
			t.Errorf("result %d: got %s\nwant %s", i, show(g), show(w))
		}
	}
}

func show(r store.Result) string {
	v := "nil"
	if r.Value != nil {
		v = strconv.Quote(string(r.Value))
	}
	return fmt.Sprintf("{Found:%v Value:%s OK:%v Until:%d Count:%d ID:%q}", r.Found, v, r.OK, r.Until.UnixMilli(), r.Count, r.ID)
}

// expect waits for the next watched change, which may come from another goroutine.
func expect(t *testing.T, seen chan string, want string) {
	t.Helper()
	select {
	case got := <-seen:
		if got != want {
			t.Fatalf("watched %q, want %q", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("never watched %q", want)
	}
}

// idBefore compares stream ids "<ms>-<seq>".
func idBefore(a, b string) bool {
	var am, as, bm, bs int64
	if _, err := fmt.Sscanf(a, "%d-%d", &am, &as); err != nil {
		return false
	}
	if _, err := fmt.Sscanf(b, "%d-%d", &bm, &bs); err != nil {
		return false
	}
	return am < bm || (am == bm && as < bs)
}
