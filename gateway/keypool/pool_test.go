package keypool

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func group(p *Pool, s Strategy, weights ...int) *Group {
	g := &Group{Strategy: s}
	for i, w := range weights {
		k := p.Add("p/k"+string(rune('a'+i)), w, nil)
		g.Candidates = append(g.Candidates, Candidate{Key: k, Target: 0, Model: "m", Weight: w})
	}
	return g
}

// pickSeq picks n times, ending each request at once with status 200.
func pickSeq(t *testing.T, p *Pool, g *Group, n int, now time.Time) string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		c, _ := p.Pick(g, nil, now)
		if c == nil {
			ids = append(ids, "-")
			continue
		}
		ids = append(ids, strings.TrimPrefix(c.Key.ID, "p/"))
		p.Done(c.Key, Outcome{Status: 200}, now)
	}
	return strings.Join(ids, " ")
}

func TestSmoothWeightedRoundRobin(t *testing.T) {
	p := New(Options{})
	g := group(p, RoundRobin, 5, 1, 1)
	// The classic smooth WRR sequence for weights 5,1,1.
	if got := pickSeq(t, p, g, 7, t0); got != "ka ka kb ka kc ka ka" {
		t.Fatalf("got %s", got)
	}
}

func TestCooldownFromRetryAfterAndRecovery(t *testing.T) {
	p := New(Options{})
	g := group(p, RoundRobin, 1, 1)
	c, _ := p.Pick(g, nil, t0)
	if c.Key.ID != "p/ka" {
		t.Fatal(c.Key.ID)
	}
	until := p.Done(c.Key, Outcome{Status: 429, Model: "m", Header: hdr("Retry-After", "30")}, t0)
	if !until.Equal(t0.Add(30 * time.Second)) {
		t.Fatalf("until %v", until)
	}
	// Only kb is served while ka cools.
	if got := pickSeq(t, p, g, 3, t0.Add(29*time.Second)); got != "kb kb kb" {
		t.Fatalf("during cooldown: %s", got)
	}
	if got := pickSeq(t, p, g, 2, t0.Add(30*time.Second)); !strings.Contains(got, "ka") {
		t.Fatalf("after cooldown: %s", got)
	}
}

func TestAllCoolingReportsEarliest(t *testing.T) {
	p := New(Options{})
	g := group(p, RoundRobin, 1, 1)
	a, _ := p.Pick(g, nil, t0)
	b, _ := p.Pick(g, nil, t0)
	p.Done(a.Key, Outcome{Status: 429, Model: "m", Header: hdr("retry-after-ms", "9000")}, t0)
	p.Done(b.Key, Outcome{Status: 429, Model: "m", Header: hdr("Retry-After", "4")}, t0)
	c, at := p.Pick(g, nil, t0.Add(time.Second))
	if c != nil || !at.Equal(t0.Add(4*time.Second)) {
		t.Fatalf("got %v at %v", c, at)
	}
}

func TestDefaultCooldownWithJitter(t *testing.T) {
	p := New(Options{Cooldown: 10 * time.Second, Jitter: 0.2, Rand: func() float64 { return 0.75 }})
	g := group(p, RoundRobin, 1)
	c, _ := p.Pick(g, nil, t0)
	// 10s × (1 + 0.2×(2×0.75−1)) = 11s
	if until := p.Done(c.Key, Outcome{Status: 529}, t0); !until.Equal(t0.Add(11 * time.Second)) {
		t.Fatalf("until %v", until)
	}
}

func TestInvalidKey(t *testing.T) {
	p := New(Options{InvalidCooldown: time.Hour})
	g := group(p, RoundRobin, 1, 1)
	c, _ := p.Pick(g, nil, t0)
	p.Done(c.Key, Outcome{Status: 401}, t0)
	st := p.Status(t0)
	if st[0].State != StateInvalid || !st[0].Until.Equal(t0.Add(time.Hour)) || st[0].Reason != "the provider rejected the key (HTTP 401)" {
		t.Fatalf("status %+v", st[0])
	}
	if got := pickSeq(t, p, g, 2, t0.Add(59*time.Minute)); got != "kb kb" {
		t.Fatalf("%s", got)
	}
}

func TestCircuitBreaker(t *testing.T) {
	p := New(Options{FailureThreshold: 3, OpenFor: 30 * time.Second})
	g := group(p, RoundRobin, 1)
	k := g.Candidates[0].Key
	for i := 0; i < 3; i++ {
		c, _ := p.Pick(g, nil, t0)
		if c == nil {
			t.Fatalf("closed circuit refused request %d", i)
		}
		p.Done(c.Key, Outcome{Status: 500}, t0)
	}
	if s := p.Status(t0)[0]; s.State != StateOpen || s.Reason != "3 consecutive failures" {
		t.Fatalf("after 3 failures: %+v", s)
	}
	if c, at := p.Pick(g, nil, t0.Add(29*time.Second)); c != nil || !at.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("open circuit let a request through")
	}
	// Half-open: one probe, not two.
	probe, _ := p.Pick(g, nil, t0.Add(30*time.Second))
	if probe == nil || k.state(t0.Add(30*time.Second)) != StateHalfOpen {
		t.Fatal("no probe after the open period")
	}
	if c, _ := p.Pick(g, nil, t0.Add(30*time.Second)); c != nil {
		t.Fatal("a second request during the probe")
	}
	// The probe fails: open again at once.
	p.Done(probe.Key, Outcome{Status: 0}, t0.Add(31*time.Second))
	if s := p.Status(t0.Add(31 * time.Second))[0]; s.State != StateOpen || !s.Until.Equal(t0.Add(61*time.Second)) {
		t.Fatalf("failed probe: %+v", s)
	}
	// The next probe succeeds: closed.
	probe, _ = p.Pick(g, nil, t0.Add(61*time.Second))
	p.Done(probe.Key, Outcome{Status: 200}, t0.Add(62*time.Second))
	if s := p.Status(t0.Add(62 * time.Second))[0]; s.State != StateOK {
		t.Fatalf("after a good probe: %+v", s)
	}
}

func TestClientErrorsDoNotCount(t *testing.T) {
	p := New(Options{FailureThreshold: 1})
	g := group(p, RoundRobin, 1)
	c, _ := p.Pick(g, nil, t0)
	p.Done(c.Key, Outcome{Status: 400}, t0)
	if s := p.Status(t0)[0]; s.State != StateOK || s.ErrorRate != 0 || s.Recent != 1 {
		t.Fatalf("%+v", s)
	}
}

func TestSteerAwayFromExhaustedKey(t *testing.T) {
	p := New(Options{})
	g := group(p, RoundRobin, 1, 1)
	c, _ := p.Pick(g, nil, t0)
	p.Done(c.Key, Outcome{Status: 200, Header: hdr("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "5s")}, t0)
	if got := pickSeq(t, p, g, 3, t0.Add(time.Second)); got != "kb kb kb" {
		t.Fatalf("%s", got)
	}
	// With kb gone, the low key is still better than nothing.
	b := g.Candidates[1].Key
	p.Cool(b.ID+" m", t0.Add(time.Hour))
	if got := pickSeq(t, p, g, 1, t0.Add(time.Second)); got != "ka" {
		t.Fatalf("%s", got)
	}
}

func TestLeastInFlight(t *testing.T) {
	p := New(Options{})
	g := group(p, LeastInFlight, 1, 2)
	var got []string
	for i := 0; i < 3; i++ {
		c, _ := p.Pick(g, nil, t0) // none finish
		got = append(got, c.Key.ID)
	}
	// ka 0/1 vs kb 0/2 → ka (first); then ka 1/1 vs kb 0/2 → kb; then 1/1 vs 1/2 → kb.
	if strings.Join(got, " ") != "p/ka p/kb p/kb" {
		t.Fatalf("%v", got)
	}
}

func TestLatency(t *testing.T) {
	p := New(Options{})
	g := group(p, Latency, 1, 1)
	a, _ := p.Pick(g, nil, t0)
	p.Done(a.Key, Outcome{Status: 200, TTFB: 900 * time.Millisecond}, t0)
	b, _ := p.Pick(g, nil, t0)
	if b.Key == a.Key {
		t.Fatal("an unmeasured key must be tried first")
	}
	p.Done(b.Key, Outcome{Status: 200, TTFB: 100 * time.Millisecond}, t0)
	for i := 0; i < 3; i++ {
		c, _ := p.Pick(g, nil, t0)
		if c.Key != b.Key {
			t.Fatalf("picked the slow key")
		}
		p.Done(c.Key, Outcome{Status: 200, TTFB: 100 * time.Millisecond}, t0)
	}
}

func TestSkipAndModels(t *testing.T) {
	p := New(Options{})
	k := p.Add("p/only-big", 1, []string{"big"})
	g := &Group{Candidates: []Candidate{{Key: k, Model: "small", Weight: 1}}}
	if c, at := p.Pick(g, nil, t0); c != nil || !at.IsZero() {
		t.Fatal("a key limited to other models was picked")
	}
	g2 := group(p, RoundRobin, 1, 1)
	c, _ := p.Pick(g2, func(c *Candidate) bool { return c.Key.ID == "p/ka" }, t0)
	if c.Key.ID != "p/kb" {
		t.Fatal(c.Key.ID)
	}
}

func TestFleetCooldownListener(t *testing.T) {
	p := New(Options{})
	var got []string
	p.OnCool(func(id string, until time.Time) { got = append(got, id+"@"+until.Format(time.RFC3339)) })
	g := group(p, RoundRobin, 1)
	c, _ := p.Pick(g, nil, t0)
	p.Done(c.Key, Outcome{Status: 429, Model: "m", Header: hdr("Retry-After", "5")}, t0)
	c, _ = p.Pick(g, nil, t0.Add(5*time.Second))
	p.Done(c.Key, Outcome{Status: 401, Model: "m"}, t0.Add(5*time.Second))
	if strings.Join(got, ",") != "p/ka m@2026-11-22T12:00:05Z,p/ka@2026-11-22T13:00:05Z" {
		t.Fatalf("%q", got)
	}
	// Another gateway's per-model cooldown rests that model only; its whole-key one
	// (a rejected key) rests the key.
	p2 := New(Options{})
	g2 := group(p2, RoundRobin, 1)
	other := &Group{Candidates: []Candidate{{Key: g2.Candidates[0].Key, Model: "other", Weight: 1}}}
	p2.Cool("p/ka m", t0.Add(5*time.Second))
	if c, at := p2.Pick(g2, nil, t0); c != nil || !at.Equal(t0.Add(5*time.Second)) {
		t.Fatal("a model cooled by the fleet was picked")
	}
	if c, _ := p2.Pick(other, nil, t0); c == nil {
		t.Fatal("a model cooled by the fleet rested the key's other models")
	}
	p2.Done(other.Candidates[0].Key, Outcome{Status: 200, Model: "other"}, t0)
	p2.Cool("p/ka", t0.Add(time.Minute))
	if c, at := p2.Pick(other, nil, t0); c != nil || !at.Equal(t0.Add(time.Minute)) {
		t.Fatal("a key rejected by the fleet was picked")
	}
	st := p2.Status(t0)[0]
	if st.State != StateInvalid || st.Reason != "the provider rejected the key (seen by another gateway)" ||
		len(st.Models) != 1 || st.Models[0].Reason != "rate limited (seen by another gateway)" {
		t.Fatalf("%+v", st)
	}
}

func TestPerMinuteHints(t *testing.T) {
	p := New(Options{})
	a := p.Add("p/a", 1, nil, Limits{RPM: 2})
	b := p.Add("p/b", 1, nil, Limits{TPM: 100})
	g := &Group{Candidates: []Candidate{{Key: a, Model: "m", Weight: 1}, {Key: b, Model: "m", Weight: 1}}}
	var got []string
	for i := 0; i < 4; i++ {
		c, _ := p.Pick(g, nil, t0)
		got = append(got, c.Key.ID)
		p.Done(c.Key, Outcome{Status: 200, Tokens: 60}, t0)
	}
	// a twice (then at its RPM), b twice (then over its TPM): both saturated, round robin again.
	if strings.Join(got, " ") != "p/a p/b p/a p/b" {
		t.Fatalf("%v", got)
	}
	if c, _ := p.Pick(g, nil, t0); c == nil {
		t.Fatal("saturated keys are still better than none")
	}
	if !a.saturated(t0) || !b.saturated(t0) {
		t.Fatal("both keys should be saturated")
	}
	if a.saturated(t0.Add(time.Minute)) || b.saturated(t0.Add(time.Minute)) {
		t.Fatal("a new minute starts afresh")
	}
}

func TestCoolBeforeAdd(t *testing.T) {
	p := New(Options{})
	p.Cool("p/late", t0.Add(time.Minute))
	p.Cool("p/late gpt-4o", t0.Add(2*time.Minute))
	p.Cool("p/later gpt-4o", t0.Add(3*time.Minute))
	k := p.Add("p/late", 1, nil)
	if s := k.state(t0); s != StateInvalid {
		t.Fatalf("state %s", s)
	}
	if why, at := p.Rest(k, "gpt-4o", t0.Add(90*time.Second)); why != RestRateLimited || !at.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("gpt-4o: %s until %v", why, at)
	}
	if len(p.early) != 1 {
		t.Fatalf("early %v", p.early)
	}
}

// A rate limit or an overload rests the key for the upstream model it was for; the
// key's other models are served meanwhile, status lists the resting model, and the
// fleet is told "id model".
func TestCooldownIsPerModel(t *testing.T) {
	p := New(Options{Cooldown: 10 * time.Second})
	var told []string
	p.OnCool(func(id string, until time.Time) { told = append(told, id+"@"+until.Sub(t0).String()) })
	k := p.Add("p/k", 1, nil)
	big := &Group{Candidates: []Candidate{{Key: k, Model: "big", Weight: 1}}}
	small := &Group{Candidates: []Candidate{{Key: k, Model: "small", Weight: 1}}}
	c, _ := p.Pick(big, nil, t0)
	p.Done(c.Key, Outcome{Status: 429, Model: "big", Header: hdr("Retry-After", "30")}, t0)
	if c, at := p.Pick(big, nil, t0.Add(time.Second)); c != nil || !at.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("big during its cooldown: %v %v", c, at)
	}
	c, _ = p.Pick(small, nil, t0.Add(time.Second))
	if c == nil {
		t.Fatal("a 429 for big rested small too")
	}
	p.Done(c.Key, Outcome{Status: 529, Model: "small"}, t0.Add(time.Second))
	if why, at := p.Rest(k, "small", t0.Add(2*time.Second)); why != RestOverloaded || !at.Equal(t0.Add(11*time.Second)) {
		t.Fatalf("small: %s until %v", why, at)
	}
	if why, at := p.Rest(k, "big", t0.Add(2*time.Second)); why != RestRateLimited || !at.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("big: %s until %v", why, at)
	}
	st := p.Status(t0.Add(2 * time.Second))[0]
	want := []ModelStatus{
		{Model: "big", State: StateCooling, Until: t0.Add(30 * time.Second), Reason: "rate limited (HTTP 429)"},
		{Model: "small", State: StateCooling, Until: t0.Add(11 * time.Second), Reason: "overloaded (HTTP 529)"},
	}
	if st.State != StateOK || st.Until != nil || len(st.Models) != 2 || st.Models[0] != want[0] || st.Models[1] != want[1] {
		t.Fatalf("status %+v", st)
	}
	if got := strings.Join(told, ","); got != "p/k big@30s,p/k small@11s" {
		t.Fatalf("told the fleet %q", got)
	}
	if st := p.Status(t0.Add(30 * time.Second))[0]; st.Models != nil {
		t.Fatalf("after both cooldowns: %+v", st.Models)
	}
	p.Track(k, "tracked")
	if got := strings.Join(p.CoolIDs(), ","); got != "p/k,p/k big,p/k small,p/k tracked" {
		t.Fatalf("CoolIDs %q", got)
	}
}

// Only a 401 (a key the provider rejected) makes a key invalid; a 403 is the request's
// fault and neither rests the key nor counts as its error.
func TestForbiddenIsNotAKeyState(t *testing.T) {
	p := New(Options{FailureThreshold: 1})
	k := p.Add("p/k", 1, nil)
	g := &Group{Candidates: []Candidate{{Key: k, Model: "m", Weight: 1}}}
	c, _ := p.Pick(g, nil, t0)
	if until := p.Done(c.Key, Outcome{Status: 403, Model: "m"}, t0); !until.IsZero() {
		t.Fatalf("a 403 rests the key until %v", until)
	}
	st := p.Status(t0)[0]
	if st.State != StateOK || st.ErrorRate != 0 || st.Models != nil {
		t.Fatalf("after a 403: %+v", st)
	}
	if why, _ := p.Rest(k, "m", t0); why != RestNone {
		t.Fatalf("after a 403: %s", why)
	}
	c, _ = p.Pick(g, nil, t0)
	p.Done(c.Key, Outcome{Status: 401, Model: "m"}, t0)
	if why, at := p.Rest(k, "other", t0); why != RestInvalid || !at.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after a 401: %s until %v", why, at)
	}
}

// A failure repeated within one client request (Outcome.Repeat) does not count again
// towards the breaker, except that a failed half-open probe reopens the circuit.
func TestRepeatedFailureCountsOnce(t *testing.T) {
	p := New(Options{FailureThreshold: 2, OpenFor: 10 * time.Second})
	k := p.Add("p/k", 1, nil)
	g := &Group{Candidates: []Candidate{{Key: k, Model: "m", Weight: 1}}}
	fail := func(now time.Time, repeat bool) {
		t.Helper()
		c, _ := p.Pick(g, nil, now)
		if c == nil {
			t.Fatalf("no key at %v", now)
		}
		p.Done(c.Key, Outcome{Status: 500, Model: "m", Repeat: repeat}, now)
	}
	// One request: three attempts on the only key.
	fail(t0, false)
	fail(t0, true)
	fail(t0, true)
	if st := p.Status(t0)[0]; st.State != StateOK || st.Recent != 3 || st.ErrorRate != 1 {
		t.Fatalf("after one request: %+v", st)
	}
	if why, _ := p.Rest(k, "m", t0); why != RestNone {
		t.Fatalf("one request opened the circuit: %s", why)
	}
	// A second request fails: two failures, the circuit opens.
	fail(t0, false)
	if why, at := p.Rest(k, "m", t0); why != RestOpen || !at.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("after two requests: %s until %v", why, at)
	}
	// The half-open probe fails on a retry of the same request: open again.
	fail(t0.Add(10*time.Second), true)
	if why, at := p.Rest(k, "m", t0.Add(10*time.Second)); why != RestOpen || !at.Equal(t0.Add(20*time.Second)) {
		t.Fatalf("after a failed probe: %s until %v", why, at)
	}
}

// Every delay a provider asks for is capped by MaxCooldown, and so is the time a key
// that reported nothing left is used last.
func TestMaxCooldownCapsProviderDelays(t *testing.T) {
	p := New(Options{MaxCooldown: 2 * time.Minute})
	var told time.Time
	p.OnCool(func(_ string, until time.Time) { told = until })
	a, b := p.Add("p/a", 1, nil), p.Add("p/b", 1, nil)
	for _, h := range []http.Header{
		hdr("Retry-After", "31536000"),
		hdr("Retry-After", "99999999999999999999999"),
		hdr("retry-after-ms", "1e30"),
		hdr("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT"),
	} {
		until := p.Done(a, Outcome{Status: 429, Model: "m", Header: h}, t0)
		if !until.Equal(t0.Add(2*time.Minute)) || !told.Equal(until) {
			t.Fatalf("%v: until %v, told %v", h, until, told)
		}
	}
	if why, at := p.Rest(a, "m", t0); why != RestRateLimited || !at.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("%s until %v", why, at)
	}
	p.Done(b, Outcome{Status: 200, Model: "m", Header: hdr("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "9999h")}, t0)
	if !b.lowUntil.Equal(t0.Add(2 * time.Minute)) {
		t.Fatalf("low until %v", b.lowUntil)
	}
	if New(Options{}).opts.MaxCooldown != 10*time.Minute {
		t.Fatal("default MaxCooldown")
	}
}
