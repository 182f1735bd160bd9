package keypool

import "time"

// Usable reports whether the key may take a request for the upstream model at now,
// without counting one: neither the key nor that model on it is cooling down, the key is
// not invalid or cut off by its circuit breaker, no half-open probe of it is in flight, and it serves that model. When it may
// not, at is the earliest moment it may again (the zero time when it never will serve
// that model). A stage that only chooses where a request goes (and leaves picking the
// key to a later one) asks this rather than Pick.
func (p *Pool) Usable(k *Key, model string, now time.Time) (ok bool, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !k.serves(model) {
		return false, time.Time{}
	}
	if ok, at = k.usable(model, now); ok {
		return true, time.Time{}
	}
	return false, at
}
