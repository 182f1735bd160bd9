package keypool

import "time"

// Strategy is how a key is chosen among the usable keys of a priority group.
type Strategy string

// The strategies.
const (
	// RoundRobin spreads requests by weight, evenly interleaved (smooth weighted round
	// robin). The default.
	RoundRobin Strategy = "round_robin"
	// LeastInFlight picks the key with the fewest requests in flight per unit of weight.
	LeastInFlight Strategy = "least_inflight"
	// Latency picks the key with the lowest moving average of time to first byte, trying
	// keys with no measurement first.
	Latency Strategy = "latency"
)

// Valid reports whether s names a strategy ("" is the default).
func (s Strategy) Valid() bool {
	switch s {
	case "", RoundRobin, LeastInFlight, Latency:
		return true
	}
	return false
}

// Candidate is one key that can serve one target of a priority group.
type Candidate struct {
	// Key is the upstream key.
	Key *Key
	// Target is the caller's index of the target the key serves.
	Target int
	// Model is the upstream model; a key limited to other models is never picked.
	Model string
	// Weight is the candidate's share of the group: target weight × key weight.
	Weight int

	current int // smooth weighted round robin
}

// Group is a priority group: the candidates that share traffic. Build it once per model
// configuration; its round-robin state lives in it.
type Group struct {
	Strategy   Strategy
	Candidates []Candidate
}

// Pick chooses a candidate of g at now and counts a request in flight on its key.
// skip, when not nil, rules candidates out (keys already tried for this request). It
// returns nil when no candidate is usable, with the earliest moment one may be
// (the zero time when none will be: every candidate skipped or serving other models).
func (p *Pool) Pick(g *Group, skip func(*Candidate) bool, now time.Time) (*Candidate, time.Time) {
	return p.pick(g, skip, now, true)
}

// Choose is Pick for a stage that only decides where a request goes and leaves picking
// the key to a later stage: it applies the strategy (advancing round robin) but counts no
// request on the key chosen.
func (p *Pool) Choose(g *Group, skip func(*Candidate) bool, now time.Time) (*Candidate, time.Time) {
	return p.pick(g, skip, now, false)
}

func (p *Pool) pick(g *Group, skip func(*Candidate) bool, now time.Time, count bool) (*Candidate, time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var earliest time.Time
	var best *Candidate
	var total int
	for pass := 0; pass < 2 && best == nil; pass++ {
		total = 0
		for i := range g.Candidates {
			c := &g.Candidates[i]
			if !c.Key.serves(c.Model) || (skip != nil && skip(c)) {
				continue
			}
			ok, at := c.Key.usable(c.Model, now)
			if !ok {
				if !at.IsZero() && (earliest.IsZero() || at.Before(earliest)) {
					earliest = at
				}
				continue
			}
			low := now.Before(c.Key.lowUntil) || c.Key.saturated(now)
			if pass == 0 && low {
				continue
			}
			total += c.Weight
			best = better(g.Strategy, best, c)
		}
	}
	if best == nil {
		return nil, earliest
	}
	if g.Strategy == "" || g.Strategy == RoundRobin {
		best.current -= total
	}
	if !count {
		return best, time.Time{}
	}
	k := best.Key
	k.inflight++
	k.roll(now)
	k.requests++
	if k.state(now) == StateHalfOpen {
		k.probing = true
	}
	return best, time.Time{}
}

// better returns whichever of best and c the strategy prefers, updating round-robin state.
func better(s Strategy, best, c *Candidate) *Candidate {
	switch s {
	case LeastInFlight:
		// Compare inflight/weight without division: a.inflight*b.w < b.inflight*a.w.
		if best == nil || c.Key.inflight*best.Weight < best.Key.inflight*c.Weight {
			return c
		}
		return best
	case Latency:
		if best == nil {
			return c
		}
		if (c.Key.samples == 0) != (best.Key.samples == 0) {
			if c.Key.samples == 0 {
				return c
			}
			return best
		}
		if c.Key.ttfb < best.Key.ttfb {
			return c
		}
		return best
	}
	c.current += c.Weight
	if best == nil || c.current > best.current {
		return c
	}
	return best
}
