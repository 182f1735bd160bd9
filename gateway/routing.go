package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway/keypool"
	"github.com/franca-gw/franca/translate"
)

// register adds the provider's keys to the pool, or updates them there when the pool
// already has them (a new configuration built WithPool): weights, model lists and limits
// take the new values, and a key whose secret changed starts afresh. The pool keeps only
// a fingerprint of the secret. A provider that needs no key gets one key without a
// secret, so that its health is tracked all the same; an unavailable provider (a key is
// needed and none is set) gets none.
func (p *provider) register(pool *keypool.Pool, c *config.Provider) {
	if p.unavailable != "" {
		return
	}
	for _, k := range c.Keys {
		w := k.Weight
		if w <= 0 {
			w = 1
		}
		pk := pool.Add(p.name+"/"+k.ID, w, k.Models, keypool.Limits{RPM: k.RPM, TPM: k.TPM})
		pk = pool.Rekey(pk, fingerprint(k.Secret))
		p.keys = append(p.keys, providerKey{id: k.ID, secret: k.Secret, weight: w, pk: pk, cred: p.carrier.StaticKey(k.Secret)})
	}
	if len(p.keys) == 0 {
		p.keys = []providerKey{{id: "-", weight: 1, pk: pool.Add(p.name+"/-", 1, nil)}}
	}
}

// fingerprint is a short hash of a secret, by which the pool notices that a key's
// secret changed without holding it.
func fingerprint(secret string) string {
	if secret == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:8])
}

// key returns the provider's key whose pool state is pk.
func (p *provider) key(pk *keypool.Key) *providerKey {
	for i := range p.keys {
		if p.keys[i].pk == pk {
			return &p.keys[i]
		}
	}
	return nil
}

// groups builds a model's priority groups: every key of every target, grouped by the
// target's priority, lowest first. A candidate's weight is the target's weight times the
// key's, so a group shares traffic by target weight first and key weight within.
func groups(targets []target, s keypool.Strategy) []*keypool.Group {
	order := make([]int, len(targets))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return targets[order[a]].priority < targets[order[b]].priority })
	var out []*keypool.Group
	for n, i := range order {
		t := &targets[i]
		if n == 0 || t.priority != targets[order[n-1]].priority {
			out = append(out, &keypool.Group{Strategy: s})
		}
		g := out[len(out)-1]
		for _, k := range t.provider.keys {
			g.Candidates = append(g.Candidates, keypool.Candidate{Key: k.pk, Target: i, Model: t.model, Weight: t.weight * k.weight})
		}
	}
	return out
}

// pick chooses the next key for the exchange: first one not tried yet, by priority; then,
// with a backoff, one already tried but not the last one tried; then the last one.
// Before it asks the pool for a key of a priority group served by one target, it
// translates the request for that target: when the target refuses the request, it
// returns that error and no key (see prepare).
// It returns nil when no key may be used now.
func (x *Exchange) pick(now time.Time, only func(*keypool.Candidate) bool) (*keypool.Candidate, time.Duration, *translate.Error) {
	g := x.g
	last := x.lastKey()
	passes := [...]func(*keypool.Candidate) bool{
		func(c *keypool.Candidate) bool { return x.triedKey(c.Key) },
		func(c *keypool.Candidate) bool { return c.Key == last },
		nil,
	}
	for n, pass := range passes {
		if n == 2 && len(x.tried) == 0 {
			break
		}
		skip := func(c *keypool.Candidate) bool {
			return (only != nil && !only(c)) || x.refusedBy(c) || (pass != nil && pass(c))
		}
		for _, grp := range x.route.groups {
			if err := x.prepare(grp, only, false); err != nil {
				return nil, 0, err
			}
			c, at := g.pool.Pick(grp, skip, now)
			if c == nil {
				if !at.IsZero() && (x.earliest.IsZero() || at.Before(x.earliest)) {
					x.earliest = at
				}
				continue
			}
			var delay time.Duration
			if n > 0 {
				delay = x.backoff()
			}
			return c, delay, nil
		}
	}
	return nil, 0, nil
}

// backoff returns the wait before the exchange's next retry of a key already tried:
// exponential in the number of such retries, capped, with full jitter.
func (x *Exchange) backoff() time.Duration {
	base, ceiling := time.Duration(x.g.routing.Backoff), time.Duration(x.g.routing.MaxBackoff)
	d := base << x.retries
	if d > ceiling || d <= 0 {
		d = ceiling
	}
	x.retries++
	return time.Duration(float64(d) * x.g.rand())
}

func (x *Exchange) triedKey(k *keypool.Key) bool {
	for _, t := range x.tried {
		if t == k {
			return true
		}
	}
	return false
}

// triedBefore reports whether k was tried for the exchange before its last attempt.
func (x *Exchange) triedBefore(k *keypool.Key) bool {
	for i := 0; i < len(x.tried)-1; i++ {
		if x.tried[i] == k {
			return true
		}
	}
	return false
}

// refusedBy reports whether the provider of c refused the request itself.
func (x *Exchange) refusedBy(c *keypool.Candidate) bool {
	return slices.Contains(x.forbidden, x.route.targets[c.Target].provider)
}

func (x *Exchange) lastKey() *keypool.Key {
	if len(x.tried) == 0 {
		return nil
	}
	return x.tried[len(x.tried)-1]
}

// exhausted sets the reply when no attempt can be made: when every key rests, an answer
// that says why the first key to come back rests and when it does (see resting); a 503
// when no provider of the model has a key; or the last attempt's error (a 429 or 503
// then says when the first key comes back, when one rests).
func (x *Exchange) exhausted(now time.Time) {
	if x.lastErr != nil {
		x.Reply = x.lastErr
		if (x.Reply.Status == 429 || x.Reply.Status == 503) && !x.earliest.IsZero() {
			x.Reply = withRetryAfter(x.Reply, x.earliest.Sub(now))
		}
		return
	}
	if !x.earliest.IsZero() {
		x.Reply = errorReply(x.resting(now))
		return
	}
	for _, t := range x.route.targets {
		if t.provider.unavailable != "" {
			x.Reply = errorReply(unavailable(x.Model, t.provider.name))
			return
		}
	}
	x.Reply = errorReply(&translate.Error{Status: 502, Type: translate.TypeServer, Code: "no_target",
		Message: "no upstream key can serve model " + strconv.Quote(x.Model)})
}

// resting is the answer when every key of the model rests. The key that comes back
// first decides: a 429 rate_limit_exceeded only when it rests after a rate limit; a 503
// upstream_overloaded, upstream_keys_invalid or upstream_unavailable (open circuit
// breaker) otherwise. Retry-After is the moment it comes back.
func (x *Exchange) resting(now time.Time) *translate.Error {
	why, at := keypool.RestNone, x.earliest
	for _, grp := range x.route.groups {
		for _, c := range grp.Candidates {
			if w, t := x.g.pool.Rest(c.Key, c.Model, now); w != keypool.RestNone && (why == keypool.RestNone || t.Before(at)) {
				why, at = w, t
			}
		}
	}
	wait := retryAfterSeconds(at.Sub(now))
	e := &translate.Error{Status: 503, Type: translate.TypeServer, RetryAfter: wait}
	model := "every upstream key for model " + strconv.Quote(x.Model)
	switch why {
	case keypool.RestRateLimited:
		e.Status, e.Type, e.Code = 429, translate.TypeRateLimit, "rate_limit_exceeded"
		e.Message = model + " is rate-limited; try again in " + wait + "s"
	case keypool.RestOverloaded:
		e.Code = "upstream_overloaded"
		e.Message = model + " is resting after its provider said it was overloaded; try again in " + wait + "s"
	case keypool.RestInvalid:
		e.Code = "upstream_keys_invalid"
		e.Message = model + " was rejected by its provider as invalid; the first is tried again in " + wait + "s"
	default:
		// An open circuit, a half-open one with its probe in flight, or a state that
		// changed since the keys were picked.
		e.Code = "upstream_unavailable"
		e.Message = model + " is cut off after repeated upstream failures; try again in " + wait + "s"
	}
	return e
}

// unavailable is the client's error for a provider without a usable key. It does not say
// why (the reason names the environment variables that are not set, which are the
// operator's to know: Caddy's log and admin API have it).
func unavailable(model, provider string) *translate.Error {
	return &translate.Error{Status: 503, Type: translate.TypeServer, Code: "provider_unavailable",
		Message: "model " + strconv.Quote(model) + ": provider " + strconv.Quote(provider) + " has no usable credential"}
}

// retryAfterSeconds renders a wait as a Retry-After value: whole seconds, rounded up,
// at least 1.
func retryAfterSeconds(d time.Duration) string {
	s := int64(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return strconv.FormatInt(s, 10)
}

// withRetryAfter returns r with its Retry-After set to d.
func withRetryAfter(r *Reply, d time.Duration) *Reply {
	out := *r
	out.Header = make(translate.Headers, 0, len(r.Header)+1)
	for _, f := range r.Header {
		if !strings.EqualFold(f.Name, "Retry-After") {
			out.Header = append(out.Header, f)
		}
	}
	out.Header = append(out.Header, translate.Header{Name: "Retry-After", Value: retryAfterSeconds(d)})
	return &out
}
