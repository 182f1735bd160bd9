package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/gateway/keypool"
)

// Key state across the worker threads of one Envoy.
//
// Every worker thread runs its own Wasm VM, and each VM keeps its key pool (cooldowns,
// circuit breakers, requests in flight, latency) in its own memory: one pool per VM,
// shared by the downstream and the upstream plugin of the same providers and routing,
// so that what an upstream attempt learns steers the downstream filter's next choice.
//
// Cooldowns are also shared between the VMs through proxy-wasm shared data, the
// key-value store Envoy keeps per vm_id for all the VMs of the process:
//
//   - "franca.cool/<provider>/<key-id> <model>" holds, as decimal Unix milliseconds, the
//     moment until which the key rests for that upstream model (a rate limit or an
//     overload), and "franca.cool/<provider>/<key-id>" the moment until which the whole
//     key rests (the provider rejected it); see keypool's cooldown ids. An entry only
//     ever moves later: a writer reads the entry and its compare-and-swap token, leaves
//     a later value alone and retries when another VM wrote in between.
//   - "franca.cool.version" is a counter bumped (with compare-and-swap) after every
//     cooldown written. Before each decision a VM reads it, which is one host call; only
//     when its compare-and-swap token differs from the one of the last read does the VM
//     read the cooldown entries of its keys (keypool.Pool.CoolIDs: each key, and each
//     key with each upstream model the VM's models route to it) and apply them with
//     keypool.Pool.Cool.
//
// What is not shared: circuit breakers, requests in flight, error rates and the latency
// averages stay per VM.
const (
	sharedCoolPrefix  = "franca.cool/"
	sharedCoolVersion = "franca.cool.version"
	// casTries bounds the compare-and-swap retries of one write.
	casTries = 16
)

// sharedPool is a key pool of the VM and what the VM last read of the shared cooldowns.
type sharedPool struct {
	key  string
	pool *keypool.Pool
	// refs counts the plugins using the pool; the VM drops it at zero.
	refs int
	// seen is the compare-and-swap token of the version entry at the last read of the
	// cooldowns; read is set once they were read.
	seen uint32
	read bool
}

// acquirePool returns the VM's pool for the configuration's providers and routing,
// creating it when no plugin uses one yet. Pair with releasePool.
func (v *vm) acquirePool(cfg *config.Config) *sharedPool {
	key := poolKey(cfg)
	sp := v.pools[key]
	if sp == nil {
		sp = &sharedPool{key: key, pool: gateway.NewPool(cfg.Routing, rand.Float64)}
		sp.pool.OnCool(publishCooldown)
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
	_, cas, err := proxywasm.GetSharedData(sharedCoolVersion)
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogDebugf("franca: reading %s: %v", sharedCoolVersion, err)
		return
	}
	if sp.read && cas == sp.seen {
		return
	}
	for _, id := range sp.pool.CoolIDs() {
		b, _, err := proxywasm.GetSharedData(sharedCoolPrefix + id)
		if err != nil {
			continue
		}
		if until, ok := parseMillis(b); ok && until.After(now) {
			sp.pool.Cool(id, until)
		}
	}
	sp.seen, sp.read = cas, true
}

// publishCooldown shares a cooldown the VM's pool decided on: it raises the key's entry
// to until and bumps the version. It runs inside a host callback (the pool calls it when
// an attempt ends), where shared data is reachable.
func publishCooldown(id string, until time.Time) {
	if err := raiseCooldown(sharedCoolPrefix+id, until.UnixMilli()); err != nil {
		proxywasm.LogWarnf("franca: sharing the cooldown of %s with the other workers: %v", id, err)
		return
	}
	if err := bumpVersion(); err != nil {
		proxywasm.LogWarnf("franca: announcing the cooldown of %s to the other workers: %v", id, err)
	}
}

var errContention = errors.New("the entry kept changing under compare-and-swap")

// raiseCooldown makes the entry key hold at least ms. A write with token 0 (a new entry)
// is not checked by the host, so it is read back: a VM that wrote an earlier time at the
// same moment is overwritten on the next round.
func raiseCooldown(key string, ms int64) error {
	for range casTries {
		b, cas, err := proxywasm.GetSharedData(key)
		switch {
		case err == nil:
			if cur, ok := parseMillis(b); ok && cur.UnixMilli() >= ms {
				return nil
			}
		case errors.Is(err, types.ErrorStatusNotFound):
			cas = 0
		default:
			return err
		}
		err = proxywasm.SetSharedData(key, strconv.AppendInt(nil, ms, 10), cas)
		switch {
		case errors.Is(err, types.ErrorStatusCasMismatch):
			continue
		case err != nil:
			return err
		case cas != 0:
			return nil
		}
	}
	return errContention
}

// bumpVersion adds one to the version counter, with compare-and-swap.
func bumpVersion() error {
	for range casTries {
		b, cas, err := proxywasm.GetSharedData(sharedCoolVersion)
		var n uint64
		switch {
		case err == nil:
			n, _ = strconv.ParseUint(string(b), 10, 64)
		case errors.Is(err, types.ErrorStatusNotFound):
			cas = 0
		default:
			return err
		}
		err = proxywasm.SetSharedData(sharedCoolVersion, strconv.AppendUint(nil, n+1, 10), cas)
		if errors.Is(err, types.ErrorStatusCasMismatch) {
			continue
		}
		return err
	}
	return errContention
}

// parseMillis reads a shared cooldown entry.
func parseMillis(b []byte) (time.Time, bool) {
	ms, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}
