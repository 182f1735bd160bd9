package caddymodule

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/gateway/keypool"
	"github.com/franca-gw/franca/gateway/store"
	"github.com/franca-gw/franca/store/redisstore"
)

// sharing carries a key pool's cooldowns to a store and the store's back to the pool,
// through the core's gateway.Cooldowns: a worker takes the raises the pool emits and
// carries them out in one round trip per batch, off the request's path; the store's
// watch of the cooldown prefix rests the keys other gateways rested. The store is Redis
// for a fleet (state.redis), memory for one instance. A Redis outage costs nothing but
// the sharing: every call is bounded, and each gateway keeps what it sees itself.
type sharing struct {
	st        store.Store
	cd        *gateway.Cooldowns
	logger    *zap.Logger
	closeSt   func() error
	stopWatch func()
	wake      chan struct{}
	quit      chan struct{}
	done      chan struct{}
}

// storeFor returns the store the configuration asks for and the function that closes it.
func storeFor(s config.State) (store.Store, func() error) {
	if s.Redis != nil {
		rs := redisstore.Open(s.Redis, redisstore.DefaultTimeout)
		return rs, rs.Close
	}
	return store.NewMemory(time.Now), func() error { return nil }
}

// share starts sharing pool's cooldowns through st. It returns within the store's
// timeout even when the store does not answer.
func share(pool *keypool.Pool, st store.Store, closeSt func() error, logger *zap.Logger) *sharing {
	s := &sharing{st: st, logger: logger, closeSt: closeSt,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	s.cd = gateway.ShareCooldowns(pool, s.signal)
	stop, err := st.Watch(context.Background(), gateway.CooldownPrefix, func(k string, v []byte) { s.cd.Apply(k, v) })
	if err != nil {
		logger.Warn("cannot read the fleet's cooldowns; they stay local until the store answers", zap.Error(err))
	}
	s.stopWatch = stop
	go s.run()
	return s
}

// signal wakes the worker; it never blocks the request that decided a cooldown.
func (s *sharing) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run carries the pending raises out until the sharing is closed.
func (s *sharing) run() {
	defer close(s.done)
	for {
		select {
		case <-s.quit:
			return
		case <-s.wake:
			if ops := s.cd.Ops(); len(ops) > 0 {
				if _, err := s.st.Do(context.Background(), ops); err != nil {
					s.logger.Warn("cannot share cooldowns with the fleet; they stay local", zap.Int("cooldowns", len(ops)), zap.Error(err))
				}
			}
		}
	}
}

// close stops sharing and closes the store.
func (s *sharing) close() {
	close(s.quit)
	<-s.done
	s.stopWatch()
	s.closeSt()
}
