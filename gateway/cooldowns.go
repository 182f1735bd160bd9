package gateway

import (
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/franca-gw/franca/gateway/keypool"
	"github.com/franca-gw/franca/gateway/store"
)

// CooldownPrefix starts the store key of every shared cooldown: "cool:" followed by the
// pool's id of what rests (a key, or a key for one model), which the store treats as
// opaque.
const CooldownPrefix = "cool:"

// Cooldowns shares a key pool's cooldowns with the other gateways of a fleet through the
// Store seam. Every cooldown the pool decides on becomes a pending Raise of
// "cool:<id>"; the adapter takes the pending operations with Ops and carries them out in
// one round trip, off the request's path. The adapter watches CooldownPrefix and hands
// every entry it sees to Apply, which rests the key here too: routing then reads only
// the pool, never the store.
type Cooldowns struct {
	pool   *keypool.Pool
	notify func()

	mu      sync.Mutex
	pending map[string]time.Time // by id: the latest cooldown not taken yet
}

// ShareCooldowns ties pool to a store. notify, when not nil, is called (without locks
// held) each time an operation becomes pending, so that the adapter can take it.
func ShareCooldowns(pool *keypool.Pool, notify func()) *Cooldowns {
	c := &Cooldowns{pool: pool, notify: notify, pending: make(map[string]time.Time)}
	pool.OnCool(c.cooled)
	return c
}

// cooled records a cooldown the pool decided on. Several cooldowns of one id before the
// adapter takes them make one operation, for the latest time.
func (c *Cooldowns) cooled(id string, until time.Time) {
	c.mu.Lock()
	if until.After(c.pending[id]) {
		c.pending[id] = until
	}
	c.mu.Unlock()
	if c.notify != nil {
		c.notify()
	}
}

// Ops takes the pending operations, in the order of their keys; nil when none.
func (c *Cooldowns) Ops() []store.Op {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) == 0 {
		return nil
	}
	ops := make([]store.Op, 0, len(c.pending))
	for id, until := range c.pending {
		ops = append(ops, store.RaiseOp(CooldownPrefix+id, until))
	}
	clear(c.pending)
	sort.Slice(ops, func(i, j int) bool { return ops[i].Key < ops[j].Key })
	return ops
}

// Apply rests the key a watched store entry names until the time it holds, and reports
// whether the entry was a cooldown. A time no later than the key's own cooldown changes
// nothing.
func (c *Cooldowns) Apply(key string, value []byte) bool {
	id, ok := strings.CutPrefix(key, CooldownPrefix)
	if !ok || id == "" {
		return false
	}
	until, ok := store.ParseMillis(value)
	if !ok {
		return false
	}
	c.pool.Cool(id, until)
	return true
}
