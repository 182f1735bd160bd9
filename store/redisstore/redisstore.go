// Package redisstore carries the core's store operations (gateway/store) out on Redis —
// one server, Sentinel or Cluster, through go-redis's universal client — for the
// adapters that share state among the gateways of a fleet.
//
// Every call is bounded: Do and the first reading of Watch take at most Options.Timeout,
// so that a Redis that accepts connections but never answers slows nothing down for
// longer than that, and never blocks start-up or a request.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway/store"
)

// Options tune a Store.
type Options struct {
	// Prefix starts every Redis key and channel name. Default "franca:".
	Prefix string
	// Timeout bounds every call: a Do, the first reading of a Watch. Default 2s.
	Timeout time.Duration
}

// Store is a store.Store on Redis.
type Store struct {
	c       redis.UniversalClient
	prefix  string
	timeout time.Duration
}

var _ store.Store = (*Store)(nil)

// DefaultTimeout bounds a call when Options.Timeout is zero.
const DefaultTimeout = 2 * time.Second

// New returns a store on the client c, which the store closes on Close.
func New(c redis.UniversalClient, o Options) *Store {
	if o.Prefix == "" {
		o.Prefix = "franca:"
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return &Store{c: c, prefix: o.Prefix, timeout: o.Timeout}
}

// Open returns a store on the Redis the configuration names: one server, a Cluster
// (Cluster set) or a master found through Sentinels (MasterName set). No connection is
// made until the first call.
func Open(r *config.Redis, timeout time.Duration) *Store {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	c := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs: r.Addrs(), IsClusterMode: r.Cluster, MasterName: r.MasterName,
		Username: r.Username, Password: r.Password, DB: r.DB,
		DialTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout, PoolTimeout: timeout,
	})
	return New(c, Options{Prefix: r.Prefix, Timeout: timeout})
}

// Close closes the client.
func (s *Store) Close() error { return s.c.Close() }

// channel is where Raise announces every move, as "<value> <key>" (a key may hold spaces,
// a time does not).
func (s *Store) channel() string { return s.prefix + "raised" }

// raiseScript moves KEYS[1] to ARGV[1] (Unix ms) when that is later than what it holds
// and than the server's time, makes it expire then, and announces the move on ARGV[2]:
// the time and ARGV[3], the key as the core names it. It returns {moved, time held}.
var raiseScript = `
local held = tonumber(redis.call('GET', KEYS[1]) or '')
local want = tonumber(ARGV[1])
if held and held > 0 and held >= want then return {0, held} end
local t = redis.call('TIME')
if want <= t[1] * 1000 + math.floor(t[2] / 1000) then return {0, 0} end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[1] .. ' ' .. ARGV[3])
return {1, want}
`

// countScript adds ARGV[1] to the counter KEYS[1]; for a reserve (ARGV[4] = "reserve")
// only when the sum stays within ARGV[2]. A new counter expires after ARGV[3] ms (never
// when 0). It returns {added, count}.
var countScript = `
local held = redis.call('GET', KEYS[1])
local n = 0
if held then
  n = tonumber(held)
  if not n or n ~= math.floor(n) then return redis.error_reply('ERR the value is not an integer counter') end
end
local amount = tonumber(ARGV[1])
if ARGV[4] == 'reserve' and n + amount > tonumber(ARGV[2]) then return {0, n} end
n = redis.call('INCRBY', KEYS[1], amount)
if not held and tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {1, n}
`

// Do carries out ops in one pipelined round trip, within the store's timeout.
func (s *Store) Do(ctx context.Context, ops []store.Op) ([]store.Result, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	for _, op := range ops {
		if op.Kind < store.Get || op.Kind > store.Append {
			return nil, fmt.Errorf("redisstore: unknown operation %v", op.Kind)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	cmds := make([]redis.Cmder, len(ops))
	s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, op := range ops {
			key := s.prefix + op.Key
			switch op.Kind {
			case store.Get:
				cmds[i] = p.Get(ctx, key)
			case store.Set:
				cmds[i] = p.Set(ctx, key, op.Value, op.TTL)
			case store.Raise:
				cmds[i] = p.Eval(ctx, raiseScript, []string{key}, op.Until.UnixMilli(), s.channel(), op.Key)
			case store.Reserve, store.Settle:
				cmds[i] = p.Eval(ctx, countScript, []string{key}, op.Amount, op.Limit, op.TTL.Milliseconds(), op.Kind.String())
			case store.Append:
				cmds[i] = p.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []any{"v", op.Value}})
			}
		}
		return nil
	})
	res := make([]store.Result, len(ops))
	for i, op := range ops {
		if err := cmds[i].Err(); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("redisstore: %s %q: %w", op.Kind, op.Key, err)
		}
		r := &res[i]
		switch c := cmds[i].(type) {
		case *redis.StringCmd:
			if op.Kind == store.Append {
				r.ID = c.Val()
				break
			}
			if b, err := c.Bytes(); err == nil {
				r.Found, r.Value = true, b
			}
		case *redis.Cmd:
			v, err := c.Int64Slice()
			if err != nil || len(v) != 2 {
				return nil, fmt.Errorf("redisstore: %s %q: %v", op.Kind, op.Key, err)
			}
			if op.Kind == store.Raise {
				r.OK = v[0] == 1
				if v[1] > 0 {
					r.Until = time.UnixMilli(v[1])
				}
			} else {
				r.OK, r.Count = v[0] == 1, v[1]
			}
		}
	}
	return res, nil
}

// Watch reads the entries under prefix (every master of a Cluster), then follows the
// channel Raise announces on. After a lost connection go-redis subscribes again and the
// entries are read again, so that a move made meanwhile is not missed. ctx and the
// store's timeout bound the first subscription and reading; when they fail, the error is
// returned and the watch goes on trying in the background.
func (s *Store) Watch(ctx context.Context, prefix string, fn func(key string, value []byte)) (func(), error) {
	var mu sync.Mutex // fn is called from one goroutine at a time
	call := func(k string, v []byte) {
		mu.Lock()
		defer mu.Unlock()
		fn(k, v)
	}
	wctx, cancel := context.WithCancel(context.Background())
	sub := s.c.Subscribe(wctx)
	first, cancelFirst := context.WithTimeout(ctx, s.timeout)
	err := sub.Subscribe(first, s.channel())
	if err == nil {
		_, err = sub.Receive(first) // the confirmation: no move after it is missed
	}
	if err == nil {
		err = s.load(first, prefix, call)
	}
	cancelFirst()
	done := make(chan struct{})
	in := sub.ChannelWithSubscriptions()
	go func() {
		defer close(done)
		for m := range in {
			switch m := m.(type) {
			case *redis.Subscription:
				// Subscribed again after a lost connection: read what was missed.
				lctx, lcancel := context.WithTimeout(wctx, s.timeout)
				s.load(lctx, prefix, call)
				lcancel()
			case *redis.Message:
				if v, k, ok := strings.Cut(m.Payload, " "); ok && strings.HasPrefix(k, prefix) {
					call(k, []byte(v))
				}
			}
		}
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			sub.Close()
			<-done
		})
	}
	return stop, err
}

// load calls fn with every entry under prefix.
func (s *Store) load(ctx context.Context, prefix string, fn func(string, []byte)) error {
	if cc, ok := s.c.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			return s.loadFrom(ctx, c, prefix, fn)
		})
	}
	return s.loadFrom(ctx, s.c, prefix, fn)
}

// loadFrom reads the entries under prefix from one server: a SCAN, then the values in
// one pipeline.
func (s *Store) loadFrom(ctx context.Context, c redis.Cmdable, prefix string, fn func(string, []byte)) error {
	var keys []string
	iter := c.Scan(ctx, 0, escapeGlob(s.prefix+prefix)+"*", 256).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil || len(keys) == 0 {
		return err
	}
	cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Get(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	for i, cmd := range cmds {
		// Other types (a counter is a string too; a stream is not) and keys gone since
		// the scan are left out.
		if b, err := cmd.(*redis.StringCmd).Bytes(); err == nil {
			fn(strings.TrimPrefix(keys[i], s.prefix), b)
		}
	}
	return nil
}

// escapeGlob quotes the characters SCAN's MATCH pattern gives a meaning to.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\^`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
