package caddymodule

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway/keypool"
)

// fleet shares a key pool's cooldowns with the other gateways that use the same Redis:
// every cooldown this gateway decides on is stored as a key that expires with it and
// announced on a channel; every announcement from another gateway cools the key here
// too. Redis is off the request path: announcements are sent by a worker, and a Redis
// outage only means each gateway falls back to what it saw itself.
type fleet struct {
	rdb    *redis.Client
	prefix string
	pool   *keypool.Pool
	logger *zap.Logger
	out    chan cooldown
	cancel context.CancelFunc
	done   chan struct{}
}

// cooldown is one key resting until a moment.
type cooldown struct {
	id    string
	until time.Time
}

// channel is the name of the channel cooldowns are announced on, after the prefix.
const channel = "cooldowns"

// joinFleet connects pool to the fleet's Redis and starts sharing.
func joinFleet(r *config.Redis, pool *keypool.Pool, logger *zap.Logger) *fleet {
	ctx, cancel := context.WithCancel(context.Background())
	f := &fleet{
		rdb: redis.NewClient(&redis.Options{
			Addr: r.Address, Username: r.Username, Password: r.Password, DB: r.DB,
			DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
		}),
		prefix: r.Prefix,
		pool:   pool,
		logger: logger,
		out:    make(chan cooldown, 1024),
		cancel: cancel,
		done:   make(chan struct{}),
	}
	pool.OnCool(f.announce)
	sub := f.rdb.Subscribe(ctx, f.prefix+channel)
	// Wait for the subscription, so that no announcement made after this call is missed.
	if _, err := sub.Receive(ctx); err != nil {
		logger.Warn("fleet: cannot subscribe to Redis; cooldowns stay local until it answers", zap.String("address", r.Address), zap.Error(err))
	}
	f.load(ctx)
	go f.run(ctx, sub)
	return f
}

// announce queues a cooldown decided here; it never blocks a request.
func (f *fleet) announce(id string, until time.Time) {
	select {
	case f.out <- cooldown{id, until}:
	default:
		f.logger.Warn("fleet: announcement queue full; a cooldown stays local", zap.String("key", id))
	}
}

// load applies the cooldowns other gateways announced before this one started.
func (f *fleet) load(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	iter := f.rdb.Scan(ctx, 0, f.prefix+"cool:*", 256).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		v, err := f.rdb.Get(ctx, k).Result()
		if err != nil {
			continue
		}
		if until, ok := parseMillis(v); ok {
			f.pool.Cool(strings.TrimPrefix(k, f.prefix+"cool:"), until)
		}
	}
}

// run sends this gateway's cooldowns and applies the others' until the fleet is closed.
func (f *fleet) run(ctx context.Context, sub *redis.PubSub) {
	defer close(f.done)
	defer sub.Close()
	in := sub.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case c := <-f.out:
			f.send(ctx, c)
		case m, ok := <-in:
			if !ok {
				return
			}
			// "<id> <ms>"; an id may hold a space itself ("provider/key-id model").
			i := strings.LastIndexByte(m.Payload, ' ')
			if until, ok := parseMillis(m.Payload[i+1:]); i > 0 && ok {
				f.pool.Cool(m.Payload[:i], until)
			}
		}
	}
}

// send stores and announces one cooldown.
func (f *fleet) send(ctx context.Context, c cooldown) {
	ttl := time.Until(c.until)
	if ttl <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	ms := strconv.FormatInt(c.until.UnixMilli(), 10)
	_, err := f.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, f.prefix+"cool:"+c.id, ms, ttl)
		p.Publish(ctx, f.prefix+channel, c.id+" "+ms)
		return nil
	})
	if err != nil {
		f.logger.Warn("fleet: cannot share a cooldown", zap.String("key", c.id), zap.Error(err))
	}
}

// close stops sharing.
func (f *fleet) close() {
	f.cancel()
	<-f.done
	f.rdb.Close()
}

func parseMillis(s string) (time.Time, bool) {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}
