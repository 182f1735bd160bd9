package keypool

import (
	"reflect"
	"testing"
	"time"
)

// TestAddUpdatesInPlace: adding a key again (a new configuration on the same pool)
// returns the same key with the new weight, models and limits, and keeps its state.
func TestAddUpdatesInPlace(t *testing.T) {
	p := New(Options{})
	k := p.Add("p/k", 1, []string{"m1"}, Limits{RPM: 100})
	g := &Group{Candidates: []Candidate{{Key: k, Model: "m2", Weight: 1}}}
	if c, _ := p.Pick(g, nil, t0); c != nil {
		t.Fatal("the key serves only m1")
	}
	g.Candidates[0].Model = "m1"
	c, _ := p.Pick(g, nil, t0)
	// The provider rejects the key: a state of the whole key.
	until := p.Done(c.Key, Outcome{Status: 401, Model: "m1"}, t0)

	if again := p.Add("p/k", 4, []string{"m2"}, Limits{RPM: 1}); again != k || k.Weight != 4 {
		t.Fatalf("Add again: %p (weight %d), want %p", again, k.Weight, k)
	}
	if ok, at := p.Usable(k, "m2", t0); ok || !at.Equal(until) {
		t.Fatalf("the cooldown was dropped: %v %v", ok, at)
	}
	later := until.Add(time.Minute)
	if ok, _ := p.Usable(k, "m1", later); ok {
		t.Fatal("the key still serves m1")
	}
	g.Candidates[0].Model = "m2"
	if got := pickSeq(t, p, g, 2, later); got != "k k" {
		t.Fatalf("picks %q", got) // rpm 1: used last, still used when alone
	}
	if !k.saturated(later) {
		t.Fatal("the new rpm limit is not applied")
	}
	// No models and no limits given: the key serves every model, unlimited.
	p.Add("p/k", 1, nil)
	if !k.serves("other") || k.saturated(later) || k.Weight != 1 {
		t.Fatalf("models %v limits %+v weight %d", k.models, k.limits, k.Weight)
	}
}

// TestRekey: a key whose secret's fingerprint changes starts afresh, as a new key in
// its place; requests in flight with the old secret end on the old one. A first
// fingerprint, or the same again, changes nothing.
func TestRekey(t *testing.T) {
	p := New(Options{})
	k := p.Add("p/k", 2, []string{"m"}, Limits{RPM: 9})
	if got := p.Rekey(k, "aaaa"); got != k {
		t.Fatal("a first fingerprint replaced the key")
	}
	g := &Group{Candidates: []Candidate{{Key: k, Model: "m", Weight: 1}}}
	c, _ := p.Pick(g, nil, t0)
	p.Done(c.Key, Outcome{Status: 401}, t0)
	p.Pick(g, nil, t0.Add(2*time.Hour)) // in flight across the change
	if got := p.Rekey(p.Add("p/k", 2, []string{"m"}, Limits{RPM: 9}), "aaaa"); got != k {
		t.Fatal("the same fingerprint replaced the key")
	}
	if st := p.Status(t0); st[0].State != StateInvalid || st[0].InFlight != 1 {
		t.Fatalf("same fingerprint: %+v", st[0])
	}

	nk := p.Rekey(p.Add("p/k", 2, []string{"m"}, Limits{RPM: 9}), "bbbb")
	if nk == k || nk.Weight != 2 || !nk.serves("m") || nk.serves("x") || nk.limits.RPM != 9 {
		t.Fatalf("new fingerprint: %+v", nk)
	}
	want := []KeyStatus{{ID: "p/k", State: StateOK}}
	if st := p.Status(t0); !reflect.DeepEqual(st, want) {
		t.Fatalf("new fingerprint: %+v, want %+v", st, want)
	}
	// The request sent with the old secret is refused: the new key stays usable.
	p.Done(k, Outcome{Status: 401}, t0.Add(2*time.Hour))
	g.Candidates[0].Key = nk
	if c, _ := p.Pick(g, nil, t0.Add(2*time.Hour)); c == nil || c.Key != nk {
		t.Fatal("the rekeyed key is not usable")
	}

	// A key seen without a fingerprint keeps its state when it gets its first.
	k2 := p.Add("p/k2", 1, nil)
	p.Cool("p/k2", t0.Add(time.Minute))
	if p.Rekey(k2, "cccc") != k2 {
		t.Fatal("a first fingerprint replaced the key")
	}
	if ok, _ := p.Usable(k2, "m", t0); ok {
		t.Fatal("a first fingerprint dropped the cooldown")
	}
}

// TestRetain: keys a new configuration no longer has leave the pool and its status.
func TestRetain(t *testing.T) {
	p := New(Options{})
	for _, id := range []string{"a/1", "a/2", "b/1"} {
		p.Add(id, 1, nil)
	}
	p.Retain(func(id string) bool { return id != "a/2" })
	var ids []string
	for _, st := range p.Status(t0) {
		ids = append(ids, st.ID)
	}
	if !reflect.DeepEqual(ids, []string{"a/1", "b/1"}) {
		t.Fatalf("status ids %v", ids)
	}
	// Added again, a dropped key starts afresh.
	if k := p.Add("a/2", 1, nil); k.inflight != 0 || k.wlen != 0 {
		t.Fatalf("re-added key %+v", k)
	}
}
