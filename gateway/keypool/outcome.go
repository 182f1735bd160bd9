package keypool

import (
	"sort"
	"strconv"
	"time"
)

// Outcome is how a request on a key ended.
type Outcome struct {
	// Status is the provider's HTTP status, or 0 when no complete answer came: a
	// connection error, a timeout, or a stream that broke off. 401 means the provider
	// rejected the key itself (callers map a provider's other ways of saying so to 401);
	// other 4xx, 403 among them, are the request's fault and leave the key's state alone.
	Status int
	// Model is the upstream model the request was for ("" for a request that names
	// none): a rate limit or an overload rests the key for this model only.
	Model string
	// Repeat says that a failure of the same client request on this key was already
	// counted: a failure (5xx, connection error, timeout) is recorded in the error rate
	// but not counted again towards the circuit breaker, so that one request retried on
	// its provider's only key cannot open the key's circuit by itself.
	Repeat bool
	// Header is the provider's reply header (nil when none came).
	Header HeaderGetter
	// RetryAfter is a delay the provider gave in the error body (Gemini's RetryInfo),
	// as a Retry-After value; "" when none.
	RetryAfter string
	// TTFB is the time from sending the request to the reply's first byte; 0 if unknown.
	TTFB time.Duration
	// Tokens is the total the provider reported for the request, for the key's
	// tokens-per-minute count; 0 if unknown.
	Tokens int
}

// ttfbWeight is the weight of a new sample in the time-to-first-byte moving average.
const ttfbWeight = 0.3

// Done ends a request that Pick counted on k, updating the key's state from its outcome.
// It returns the moment the key comes back when the outcome made it rest — for the
// outcome's model after a rate limit or an overload, the whole key after a rejection —
// or the zero time. The listener set by OnCool is told the same, under the cooldown's id.
func (p *Pool) Done(k *Key, o Outcome, now time.Time) time.Time {
	p.mu.Lock()
	until := p.done(k, o, now)
	fn := p.listener
	p.mu.Unlock()
	if fn != nil && !until.IsZero() {
		id := k.ID
		if o.Status != 401 {
			id += " " + o.Model
		}
		fn(id, until)
	}
	return until
}

func (p *Pool) done(k *Key, o Outcome, now time.Time) time.Time {
	if k.inflight > 0 {
		k.inflight--
	}
	k.probing = false
	if o.Tokens > 0 {
		k.roll(now)
		k.tokens += o.Tokens
	}
	if o.TTFB > 0 {
		if k.samples == 0 {
			k.ttfb = float64(o.TTFB)
		} else {
			k.ttfb += ttfbWeight * (float64(o.TTFB) - k.ttfb)
		}
		k.samples++
	}
	s := o.Status
	switch {
	case s >= 200 && s < 400:
		k.record(false)
		k.fails, k.openUntil = 0, time.Time{}
		if req, tok, reset := Remaining(o.Header, now); (req == 0 || tok == 0) && reset > 0 {
			k.lowUntil = now.Add(min(reset, p.opts.MaxCooldown))
		}
		return time.Time{}
	case s == 401:
		k.record(true)
		k.invalid = true
		k.coolUntil = now.Add(p.opts.InvalidCooldown)
		k.coolReason = "the provider rejected the key (HTTP 401)"
		return k.coolUntil
	case s == 429 || s == 529 || s == 503:
		k.record(true)
		d, ok := RetryDelay(o.Header, o.RetryAfter, now)
		if !ok {
			if s == 503 {
				// A plain 503 says the service is failing, not that this key is limited.
				return p.fail(k, o.Repeat, now)
			}
			d = p.jittered(p.opts.Cooldown)
		}
		kind, reason := RestRateLimited, "rate limited (HTTP "+strconv.Itoa(s)+")"
		if s != 429 {
			kind, reason = RestOverloaded, "overloaded (HTTP "+strconv.Itoa(s)+")"
		}
		k.coolModel(o.Model, now.Add(min(d, p.opts.MaxCooldown)), kind, reason)
		return k.cools[o.Model].until
	case s == 0 || s == 408 || s >= 500:
		k.record(true)
		return p.fail(k, o.Repeat, now)
	}
	// Other 4xx: the request was at fault, not the key.
	k.record(false)
	return time.Time{}
}

// fail counts a failure towards the key's circuit breaker, unless repeat says the same
// client request already counted one. A failed half-open probe opens the circuit again
// in any case.
func (p *Pool) fail(k *Key, repeat bool, now time.Time) time.Time {
	if !repeat {
		k.fails++
	}
	halfOpen := !k.openUntil.IsZero() && !now.Before(k.openUntil)
	if halfOpen || (!repeat && k.fails >= p.opts.FailureThreshold) {
		k.openUntil = now.Add(p.opts.OpenFor)
	}
	return time.Time{}
}

func (p *Pool) jittered(d time.Duration) time.Duration {
	f := 1 + p.opts.Jitter*(2*p.opts.Rand()-1)
	return time.Duration(float64(d) * f)
}

func (k *Key) record(failed bool) {
	k.window[k.wpos] = failed
	k.wpos = (k.wpos + 1) % len(k.window)
	if k.wlen < len(k.window) {
		k.wlen++
	}
}

// KeyStatus is a key's state for status output. It never holds the secret.
type KeyStatus struct {
	// ID is "provider/key-id".
	ID string `json:"id"`
	// State is the whole key's: ok, invalid, open or half-open.
	State State `json:"state"`
	// Until is when an invalid or open key comes back.
	Until *time.Time `json:"until,omitempty"`
	// Reason says why the key rests.
	Reason string `json:"reason,omitempty"`
	// Models are the upstream models the key rests for (rate limited or overloaded), by
	// model name; omitted when none.
	Models []ModelStatus `json:"models,omitempty"`
	// InFlight is the number of requests in flight on the key.
	InFlight int `json:"in_flight"`
	// Recent is the number of recent requests the error rate is over (at most 64).
	Recent int `json:"recent_requests"`
	// ErrorRate is the share of those that failed.
	ErrorRate float64 `json:"error_rate"`
	// TTFBMillis is the moving average of time to first byte, in milliseconds.
	TTFBMillis float64 `json:"ttfb_ms"`
}

// ModelStatus is one upstream model resting on a key.
type ModelStatus struct {
	// Model is the upstream model ("" for requests that name none).
	Model string `json:"model"`
	// State is cooling.
	State State `json:"state"`
	// Until is when the key serves the model again.
	Until time.Time `json:"until"`
	// Reason says why: rate limited or overloaded, with the provider's status.
	Reason string `json:"reason"`
}

// Status returns every key's state at now, ordered by id.
func (p *Pool) Status(now time.Time) []KeyStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]KeyStatus, 0, len(p.keys))
	for _, k := range p.keys {
		st := KeyStatus{ID: k.ID, State: k.state(now), InFlight: k.inflight, Recent: k.wlen, TTFBMillis: k.ttfb / 1e6}
		switch st.State {
		case StateInvalid:
			t := k.coolUntil.UTC()
			st.Until, st.Reason = &t, k.coolReason
		case StateOpen:
			t := k.openUntil.UTC()
			st.Until, st.Reason = &t, strconv.Itoa(k.fails)+" consecutive failures"
		}
		for m, c := range k.cools {
			if now.Before(c.until) {
				st.Models = append(st.Models, ModelStatus{Model: m, State: StateCooling, Until: c.until.UTC(), Reason: c.reason})
			}
		}
		sort.Slice(st.Models, func(i, j int) bool { return st.Models[i].Model < st.Models[j].Model })
		errs := 0
		for i := 0; i < k.wlen; i++ {
			if k.window[i] {
				errs++
			}
		}
		if k.wlen > 0 {
			st.ErrorRate = float64(errs) / float64(k.wlen)
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
