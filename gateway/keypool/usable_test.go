package keypool

import (
	"testing"
	"time"
)

// Usable follows every state of a key without counting a request: ok, cooling, invalid,
// open, half-open with and without its probe in flight, and a model the key does not serve.
func TestUsable(t *testing.T) {
	p := New(Options{FailureThreshold: 1, OpenFor: 20 * time.Second, InvalidCooldown: time.Hour})
	k := p.Add("p/k", 1, []string{"m"})
	g := &Group{Candidates: []Candidate{{Key: k, Model: "m", Weight: 1}}}
	check := func(step string, model string, now time.Time, wantOK bool, wantAt time.Time) {
		t.Helper()
		ok, at := p.Usable(k, model, now)
		if ok != wantOK || !at.Equal(wantAt) {
			t.Errorf("%s: Usable = %v, %v; want %v, %v", step, ok, at, wantOK, wantAt)
		}
	}
	check("fresh", "m", t0, true, time.Time{})
	check("other model", "other", t0, false, time.Time{})
	for i := 0; i < 3; i++ {
		check("asking counts nothing", "m", t0, true, time.Time{})
	}
	if st := p.Status(t0)[0]; st.InFlight != 0 {
		t.Fatalf("in flight %d after Usable", st.InFlight)
	}

	c, _ := p.Pick(g, nil, t0)
	p.Done(c.Key, Outcome{Status: 429, Model: "m", Header: hdr("Retry-After", "30")}, t0)
	check("cooling", "m", t0.Add(29*time.Second), false, t0.Add(30*time.Second))
	check("cooled", "m", t0.Add(30*time.Second), true, time.Time{})

	t1 := t0.Add(time.Minute)
	c, _ = p.Pick(g, nil, t1)
	p.Done(c.Key, Outcome{Status: 500}, t1)
	check("open", "m", t1.Add(time.Second), false, t1.Add(20*time.Second))
	half := t1.Add(20 * time.Second)
	check("half-open", "m", half, true, time.Time{})
	if c, _ = p.Pick(g, nil, half); c == nil {
		t.Fatal("no probe")
	}
	check("probe in flight", "m", half, false, half)
	p.Done(c.Key, Outcome{Status: 200}, half)
	check("closed again", "m", half, true, time.Time{})

	t2 := t1.Add(time.Hour)
	c, _ = p.Pick(g, nil, t2)
	p.Done(c.Key, Outcome{Status: 401}, t2)
	check("invalid", "m", t2.Add(time.Minute), false, t2.Add(time.Hour))

	// A cooldown another gateway decided on counts the same.
	k2 := p.Add("p/k2", 1, nil)
	p.Cool("p/k2 any", t0.Add(5*time.Second))
	if ok, at := p.Usable(k2, "any", t0); ok || !at.Equal(t0.Add(5*time.Second)) {
		t.Errorf("cooled by the fleet: %v %v", ok, at)
	}
}
