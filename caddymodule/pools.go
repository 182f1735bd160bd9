package caddymodule

import (
	"encoding/json"
	"math/rand/v2"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/gateway/keypool"
	"github.com/franca-gw/franca/gateway/store"
)

// pools keeps each configuration's key pool across Caddy config reloads, so that a reload
// forgets neither a cooldown nor an open circuit. A pool is keyed by the configuration's
// source and its routing section: changing the routing starts a fresh pool.
var pools = caddy.NewUsagePool()

// poolEntry is a pool in the UsagePool and the sharing of its cooldowns through the
// store (share.go).
type poolEntry struct {
	pool  *keypool.Pool
	share *sharing
}

// Destruct stops the sharing when the last configuration using the pool is gone.
func (e poolEntry) Destruct() error {
	e.share.close()
	return nil
}

// sharedPool returns the pool for this source, routing and shared state and the store it
// shares its cooldowns through (which the policies' store operations use too), creating
// them when they are new. The caller must Delete the returned key when done with it.
func sharedPool(source string, cfg *config.Config, logger *zap.Logger) (*keypool.Pool, store.Store, string) {
	b, _ := json.Marshal(struct {
		R config.Routing
		S config.State
	}{cfg.Routing, cfg.State})
	key := source + " " + string(b)
	v, _, _ := pools.LoadOrNew(key, func() (caddy.Destructor, error) {
		e := poolEntry{pool: gateway.NewPool(cfg.Routing, rand.Float64)}
		st, closeSt := storeFor(cfg.State)
		e.share = share(e.pool, st, closeSt, logger)
		return e, nil
	})
	e := v.(poolEntry)
	return e.pool, e.share.st, key
}
