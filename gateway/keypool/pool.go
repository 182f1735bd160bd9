// Package keypool decides which upstream key serves the next request: it keeps, for every
// key of every provider, whether the key is cooling down after a rate limit, invalid after
// the provider rejected it, or cut off by its circuit breaker after repeated failures, how
// many requests it has in flight and how fast it answers; and it picks among the usable
// keys of a priority group by the model's strategy.
//
// Providers limit rates per model, so rate limits and overloads rest one key for one
// upstream model (the key serves its other models meanwhile); a key the provider rejected
// and a key's circuit breaker concern the whole key.
//
// It is pure: time comes in as a value, randomness through Options.Rand, and the state of
// other gateways of a fleet (cooldowns seen by another instance) through Cool. It is safe
// for concurrent use.
//
// # Cooldown ids
//
// OnCool and Cool name a cooldown by an id: "provider/key-id" for the whole key (a key
// the provider rejected), or "provider/key-id model" — the key's id, one space, the
// upstream model — for a rate limit or an overload of that model on that key. Key ids
// never contain whitespace (the configuration refuses them), so the first space ends the
// key's id; the model is all that follows it.
package keypool

import (
	"sort"
	"strings"
	"sync"
	"time"
)

// Options tune a pool. Zero fields take the defaults named.
type Options struct {
	// Cooldown is how long a rate-limited or overloaded key rests when the provider does
	// not say. Default 10s; Jitter is applied.
	Cooldown time.Duration
	// InvalidCooldown is how long a key the provider rejected (an Outcome with status 401)
	// rests. Default 1h.
	InvalidCooldown time.Duration
	// MaxCooldown caps every delay a provider asks for (Retry-After and the other signals
	// RetryDelay reads), and the time a key that reported no requests or tokens left is
	// used last. Default 10m.
	MaxCooldown time.Duration
	// FailureThreshold is the number of consecutive failures (5xx, connection errors,
	// timeouts) that opens a key's circuit. Default 5.
	FailureThreshold int
	// OpenFor is how long an open circuit stays open before one probe request is let
	// through (half-open). Default 30s.
	OpenFor time.Duration
	// Jitter spreads default cooldowns by ± this fraction, so that keys cooled together
	// do not all come back at once. Default 0.2.
	Jitter float64
	// Rand returns a number in [0, 1). Default: a fixed midpoint (no jitter), which keeps
	// tests deterministic; adapters pass math/rand/v2's Float64.
	Rand func() float64
}

func (o *Options) defaults() {
	if o.Cooldown <= 0 {
		o.Cooldown = 10 * time.Second
	}
	if o.InvalidCooldown <= 0 {
		o.InvalidCooldown = time.Hour
	}
	if o.MaxCooldown <= 0 {
		o.MaxCooldown = 10 * time.Minute
	}
	if o.FailureThreshold <= 0 {
		o.FailureThreshold = 5
	}
	if o.OpenFor <= 0 {
		o.OpenFor = 30 * time.Second
	}
	if o.Jitter <= 0 {
		o.Jitter = 0.2
	}
	if o.Rand == nil {
		o.Rand = func() float64 { return 0.5 }
	}
}

// Pool holds the state of every key.
type Pool struct {
	mu   sync.Mutex
	opts Options
	keys map[string]*Key // by Key.ID
	// early holds cooldowns of keys not added yet (the fleet may know a key before this
	// gateway's configuration does).
	early map[string]time.Time
	// listener is told about every cooldown the pool decides on, to share with a fleet.
	listener func(id string, until time.Time)
}

// New returns an empty pool.
func New(opts Options) *Pool {
	opts.defaults()
	return &Pool{opts: opts, keys: make(map[string]*Key)}
}

// OnCool sets fn to be called (with the pool unlocked) for every cooldown the pool
// decides on, so an adapter can share it with other gateways of the fleet.
func (p *Pool) OnCool(fn func(id string, until time.Time)) { p.listener = fn }

// Limits are a key's per-minute limits at the provider, when known: Franca steers
// traffic away from a key that reached one in the current minute. Zero means unknown.
type Limits struct {
	RPM int
	TPM int
}

// Add registers a key; id must be unique ("provider/key-id"). models, when non-empty,
// limits the key to those upstream models. Adding an id again (a new configuration
// built on the same pool) updates that key in place and returns it: the weight, models
// and limits given replace the old ones, and its state (cooldown, circuit breaker,
// requests in flight, latency) is kept; Rekey tells the pool when its secret changed.
func (p *Pool) Add(id string, weight int, models []string, limits ...Limits) *Key {
	p.mu.Lock()
	defer p.mu.Unlock()
	if weight <= 0 {
		weight = 1
	}
	k := p.keys[id]
	if k == nil {
		k = &Key{ID: id}
		p.keys[id] = k
		p.adopt(k) // cooldowns the fleet announced before the key was added
	}
	k.Weight = weight
	k.limits = Limits{}
	if len(limits) > 0 {
		k.limits = limits[0]
	}
	k.models = nil
	if len(models) > 0 {
		k.models = make(map[string]bool, len(models))
		for _, m := range models {
			k.models[m] = true
		}
	}
	return k
}

// Rekey records the fingerprint of k's secret (a short hash: the pool holds no secret)
// and returns the key to use from now on. When k had a different fingerprint, its
// secret changed and the provider sees a new key: Rekey returns a new key in k's place,
// with k's weight, models and limits and a fresh state (no cooldown, invalid mark,
// circuit breaker, recent outcomes, latency or per-minute counts). Requests still in
// flight on k, sent with the old secret, end on k and do not touch the new key: a 401
// for the old secret does not mark the new one invalid. A first fingerprint, or the
// same one again, returns k itself.
func (p *Pool) Rekey(k *Key, fingerprint string) *Key {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k.fingerprint != "" && k.fingerprint != fingerprint {
		k = &Key{ID: k.ID, Weight: k.Weight, models: k.models, limits: k.limits}
		p.keys[k.ID] = k
	}
	k.fingerprint = fingerprint
	return k
}

// Retain drops from the pool every key whose id keep rejects: keys a new configuration
// no longer has leave the status. A request still in flight on a dropped key ends
// harmlessly.
func (p *Pool) Retain(keep func(id string) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id := range p.keys {
		if !keep(id) {
			delete(p.keys, id)
		}
	}
}

// Cool makes a key rest until the given time, as another gateway of the fleet decided:
// the whole key, as rejected by its provider, for an id "provider/key-id"; one upstream
// model of it, as rate-limited, for an id "provider/key-id model" (see the package
// documentation). An earlier time than the current cooldown changes nothing.
func (p *Pool) Cool(id string, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := p.keys[keyOf(id)]
	if k == nil {
		if p.early == nil {
			p.early = make(map[string]time.Time)
		}
		if until.After(p.early[id]) {
			p.early[id] = until
		}
		return
	}
	k.coolFleet(id, until)
}

// keyOf returns the key's id of a cooldown id.
func keyOf(id string) string {
	k, _, _ := strings.Cut(id, " ")
	return k
}

// coolFleet applies a cooldown another gateway decided on.
func (k *Key) coolFleet(id string, until time.Time) {
	if _, model, perModel := strings.Cut(id, " "); perModel {
		k.coolModel(model, until, RestRateLimited, "rate limited (seen by another gateway)")
		return
	}
	if until.After(k.coolUntil) {
		k.coolUntil, k.invalid = until, true
		k.coolReason = "the provider rejected the key (seen by another gateway)"
	}
}

// adopt applies to a key being added the cooldowns the fleet announced before it was.
func (p *Pool) adopt(k *Key) {
	for id, until := range p.early {
		if keyOf(id) == k.ID {
			k.coolFleet(id, until)
			delete(p.early, id)
		}
	}
}

// Track tells the pool that k may be asked to serve the upstream model, so that
// CoolIDs names the cooldown id of that pair.
func (p *Pool) Track(k *Key, model string) {
	if model == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := k.cools[model]; !ok {
		k.coolModel(model, time.Time{}, RestNone, "")
	}
}

// CoolIDs returns, in order, every id a cooldown of the pool's keys may be shared under:
// each key's id, and "id model" for each model the key was tracked for or cooled on. An
// adapter that reads shared cooldowns by name reads these.
func (p *Pool) CoolIDs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, k := range p.keys {
		out = append(out, k.ID)
		for m := range k.cools {
			out = append(out, k.ID+" "+m)
		}
	}
	sort.Strings(out)
	return out
}

// Key is one upstream key and its state. Its fields are read through Status.
type Key struct {
	// ID is "provider/key-id".
	ID string
	// Weight is the key's share of its provider's traffic.
	Weight int

	models      map[string]bool
	fingerprint string // a short hash of the secret, to notice a new one

	coolUntil  time.Time // the whole key rests until then: the provider rejected it
	coolReason string
	invalid    bool
	// cools are the rate limits and overloads of single upstream models, by model. An
	// entry with a zero until only records that the key serves the model (Track).
	cools    map[string]*cooldown
	lowUntil time.Time // reported no requests or tokens left until then: used last

	fails     int       // consecutive failures
	openUntil time.Time // circuit open until then
	probing   bool      // a half-open probe is in flight

	inflight int
	limits   Limits
	minute   int64   // the Unix minute the counts below are for
	requests int     // sent in that minute
	tokens   int     // reported in that minute
	ttfb     float64 // EWMA of time to first byte, in nanoseconds
	samples  int

	window [64]bool // recent outcomes, true = error
	wpos   int
	wlen   int
}

// cooldown is one upstream model resting on a key.
type cooldown struct {
	until  time.Time
	kind   Rest
	reason string
}

// coolModel makes the model rest on k until then, unless it already rests longer.
func (k *Key) coolModel(model string, until time.Time, kind Rest, reason string) {
	if k.cools == nil {
		k.cools = make(map[string]*cooldown)
	}
	c := k.cools[model]
	if c == nil {
		k.cools[model] = &cooldown{until, kind, reason}
		return
	}
	if until.After(c.until) {
		c.until, c.kind, c.reason = until, kind, reason
	}
}

// serves reports whether the key may serve the upstream model.
func (k *Key) serves(model string) bool { return k.models == nil || k.models[model] }

// state names the key's condition at now.
func (k *Key) state(now time.Time) State {
	switch {
	case k.invalid && now.Before(k.coolUntil):
		return StateInvalid
	case now.Before(k.openUntil):
		return StateOpen
	case !k.openUntil.IsZero():
		return StateHalfOpen
	}
	return StateOK
}

// usable reports whether the key may take a request for the upstream model at now, and
// when it may if not.
func (k *Key) usable(model string, now time.Time) (bool, time.Time) {
	why, at := k.rest(model, now)
	return why == RestNone, at
}

// rest says why the key may not take a request for the upstream model at now, and when
// it may again: of the states that stop it, the one that lasts longest.
func (k *Key) rest(model string, now time.Time) (why Rest, at time.Time) {
	block := func(w Rest, until time.Time) {
		if why == RestNone || until.After(at) {
			why, at = w, until
		}
	}
	switch k.state(now) {
	case StateInvalid:
		block(RestInvalid, k.coolUntil)
	case StateOpen:
		block(RestOpen, k.openUntil)
	case StateHalfOpen:
		// One probe at a time; others wait for its verdict.
		if k.probing {
			block(RestOpen, now)
		}
	}
	if c := k.cools[model]; c != nil && now.Before(c.until) {
		block(c.kind, c.until)
	}
	return why, at
}

// Rest is why a key may not take a request.
type Rest string

// The reasons a key rests.
const (
	// RestNone: the key may take a request.
	RestNone Rest = ""
	// RestRateLimited: the provider rate-limited the key for the model.
	RestRateLimited Rest = "rate_limited"
	// RestOverloaded: the provider said it was overloaded (529, or 503 with a retry time).
	RestOverloaded Rest = "overloaded"
	// RestInvalid: the provider rejected the key itself.
	RestInvalid Rest = "invalid"
	// RestOpen: the key's circuit is open after repeated failures, or half-open with its
	// one probe request in flight.
	RestOpen Rest = "open"
)

// Rest reports why the key may not take a request for the upstream model at now, and
// when it may again; RestNone when it may, and for a key that never serves the model.
func (p *Pool) Rest(k *Key, model string, now time.Time) (Rest, time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !k.serves(model) {
		return RestNone, time.Time{}
	}
	return k.rest(model, now)
}

// State is a key's condition.
type State string

// The states of a key. Cooling is the state of one upstream model on a key (ModelStatus);
// the others are the whole key's.
const (
	StateOK       State = "ok"
	StateCooling  State = "cooling"
	StateInvalid  State = "invalid"
	StateOpen     State = "open"
	StateHalfOpen State = "half-open"
)

// saturated reports whether the key reached its requests- or tokens-per-minute limit in
// the minute of now.
func (k *Key) saturated(now time.Time) bool {
	if k.limits.RPM == 0 && k.limits.TPM == 0 {
		return false
	}
	k.roll(now)
	return (k.limits.RPM > 0 && k.requests >= k.limits.RPM) || (k.limits.TPM > 0 && k.tokens >= k.limits.TPM)
}

// roll starts the counts afresh when a new minute begins.
func (k *Key) roll(now time.Time) {
	if m := now.Unix() / 60; m != k.minute {
		k.minute, k.requests, k.tokens = m, 0, 0
	}
}
