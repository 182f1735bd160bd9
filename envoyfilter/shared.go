package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/gateway/keypool"
	"github.com/franca-gw/franca/gateway/store"
)

// Key state across the worker threads of one Envoy.
//
// Every worker thread runs its own Wasm VM, and each VM keeps its key pool (cooldowns,
// circuit breakers, requests in flight, latency) in its own memory: one pool per VM,
// shared by the downstream and the upstream plugin of the same providers and routing,
// so that what an upstream attempt learns steers the downstream filter's next choice.
//
// Cooldowns are also shared between the VMs through the core's Store seam
// (gateway.Cooldowns), carried out on proxy-wasm shared data (store.go): every cooldown
// the pool decides on is a Raise of "cool:<id>", done at once in the callback that
// decided it; before each decision a VM polls the "cool:" bucket, one host call, and
// rests the keys it names when it changed.
//
// What is not shared: circuit breakers, requests in flight, error rates and the latency
// averages stay per VM.

// sharedPool is a key pool of the VM and its link to the shared cooldowns.
type sharedPool struct {
	key  string
	pool *keypool.Pool
	// refs counts the plugins using the pool; the VM drops it at zero.
	refs  int
	cd    *gateway.Cooldowns
	watch watcher
	now   func() time.Time
}

// newSharedPool shares pool's cooldowns with the other VMs, reading the time from now.
func newSharedPool(key string, pool *keypool.Pool, now func() time.Time) *sharedPool {
	sp := &sharedPool{key: key, pool: pool, now: now,
		watch: watcher{bucket: gateway.CooldownPrefix, entry: bucketPrefix + gateway.CooldownPrefix}}
	sp.cd = gateway.ShareCooldowns(pool, sp.flush)
	return sp
}

// acquirePool returns the VM's pool for the configuration's providers and routing,
// creating it when no plugin uses one yet. Pair with releasePool.
func (v *vm) acquirePool(cfg *config.Config) *sharedPool {
	key := poolKey(cfg)
	sp := v.pools[key]
	if sp == nil {
		// The VM's clock as it is when asked: tests set it after the VM starts.
		sp = newSharedPool(key, gateway.NewPool(cfg.Routing, rand.Float64), func() time.Time { return v.now() })
		v.pools[key] = sp
	}
	sp.refs++
	return sp
}

// releasePool drops a plugin's use of sp.
func (v *vm) releasePool(sp *sharedPool) {
	if sp == nil {
		return
	}
	if sp.refs--; sp.refs <= 0 {
		delete(v.pools, sp.key)
	}
}

// poolKey identifies a pool by what shapes it: the providers (names, keys, secrets) and
// the routing section. The key is a digest: no secret stays in the VM's map keys.
func poolKey(cfg *config.Config) string {
	b, _ := json.Marshal(struct {
		P []config.Provider
		R config.Routing
	}{cfg.Providers, cfg.Routing})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// sync applies the cooldowns other VMs shared since the last call. It costs one host
// call when nothing changed.
func (sp *sharedPool) sync(now time.Time) {
	for rest, until := range sp.watch.poll(now) {
		sp.cd.Apply(sp.watch.bucket+rest, store.FormatMillis(until))
	}
}

// flush carries out the operations the pool's cooldowns emitted. The pool calls it when
// an attempt ends, inside a host callback, where shared data is reachable.
func (sp *sharedPool) flush() {
	ops := sp.cd.Ops()
	if len(ops) == 0 {
		return
	}
	if _, err := sharedDo(ops, sp.now()); err != nil {
		proxywasm.LogWarnf("franca: sharing cooldowns with the other workers: %v", err)
	}
}
