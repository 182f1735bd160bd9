// Package store is the Store seam of the core: the few operations on shared state the
// pipeline needs (a value with a lifetime, a cooldown only ever raised, a counter reserved
// and settled against a limit, a durable stream), the results they give back, and Memory,
// their implementation for one instance.
//
// The core never carries an operation out itself: it states the operations it needs as
// Op values and takes the Results back. An adapter carries them out — synchronously
// through a Store in Caddy (Memory, or Redis in store/redisstore), through the host in
// Envoy — in one round trip per batch: Do takes every operation of a phase at once.
//
// Every key is the core's own name for a piece of state ("cool:openai/key-1"); a Store
// may put a prefix in front of it. Operations that must be atomic together name keys
// that share a {hash tag}, so that a Redis Cluster keeps them in one slot.
package store

import (
	"context"
	"strconv"
	"time"
)

// Kind names an operation.
type Kind uint8

// The operations.
const (
	// Get reads Key: Result.Found and Result.Value.
	Get Kind = iota + 1
	// Set makes Key hold Value, expiring after TTL (never when TTL is 0).
	Set
	// Raise makes Key hold the later of its time and Until, as decimal Unix
	// milliseconds, and expire at that time: a compare-and-set that only ever moves a
	// moment later. Result.Until is the time Key holds after the operation and
	// Result.OK says whether this operation moved it. Watchers of a prefix of Key learn
	// of every move.
	Raise
	// Reserve adds Amount to the counter Key if the sum stays within Limit, atomically.
	// Result.OK says whether it did; Result.Count is the counter after the operation
	// (before it, when refused). A counter that did not exist expires after TTL (the
	// window it counts; never when TTL is 0).
	Reserve
	// Settle adds Amount (which may be negative: the unused part of a reservation) to
	// the counter Key without a limit. Result.Count is the counter after it. A counter
	// that did not exist expires after TTL.
	Settle
	// Append adds Value to the end of the stream Key. Result.ID is the entry's id,
	// "<Unix milliseconds>-<sequence>", increasing along the stream.
	Append
)

// String names the kind as the documentation does.
func (k Kind) String() string {
	switch k {
	case Get:
		return "get"
	case Set:
		return "set"
	case Raise:
		return "raise"
	case Reserve:
		return "reserve"
	case Settle:
		return "settle"
	case Append:
		return "append"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Op is one operation. Which fields count depends on Kind; build it with the functions
// named after the kinds.
type Op struct {
	// Kind is the operation.
	Kind Kind
	// Key is the core's name of the state: a value, a counter or a stream.
	Key string
	// Value is what Set stores and Append adds.
	Value []byte
	// Until is the time Raise moves Key to.
	Until time.Time
	// TTL is how long Set's value lives, and the window of a new Reserve or Settle
	// counter; 0: no expiry.
	TTL time.Duration
	// Amount is what Reserve and Settle add to the counter.
	Amount int64
	// Limit is what Reserve keeps the counter within.
	Limit int64
}

// GetOp reads key.
func GetOp(key string) Op { return Op{Kind: Get, Key: key} }

// SetOp makes key hold value for ttl (0: no expiry).
func SetOp(key string, value []byte, ttl time.Duration) Op {
	return Op{Kind: Set, Key: key, Value: value, TTL: ttl}
}

// RaiseOp makes key hold at least until, expiring with it.
func RaiseOp(key string, until time.Time) Op { return Op{Kind: Raise, Key: key, Until: until} }

// ReserveOp adds amount to the counter key if it stays within limit; a new counter
// expires after window.
func ReserveOp(key string, amount, limit int64, window time.Duration) Op {
	return Op{Kind: Reserve, Key: key, Amount: amount, Limit: limit, TTL: window}
}

// SettleOp adds amount to the counter key; a new counter expires after window.
func SettleOp(key string, amount int64, window time.Duration) Op {
	return Op{Kind: Settle, Key: key, Amount: amount, TTL: window}
}

// AppendOp adds value to the stream key.
func AppendOp(key string, value []byte) Op { return Op{Kind: Append, Key: key, Value: value} }

// Result is what one operation gave back; the fields its Kind documents are set.
type Result struct {
	// Found says whether Get found the key.
	Found bool
	// Value is what Get read.
	Value []byte
	// OK says whether Raise moved the time, or Reserve or Settle added the amount.
	OK bool
	// Until is the time the key holds after Raise; zero when it holds none.
	Until time.Time
	// Count is the counter after Reserve or Settle.
	Count int64
	// ID is the stream entry Append added.
	ID string
}

// Store carries operations out for a synchronous adapter. Implementations are safe for
// concurrent use.
type Store interface {
	// Do carries out ops in one round trip and returns their results in the same
	// order. Operations are atomic one by one, not together. An error (the store is
	// unreachable, ctx ended, an operation met a value of another type) means no result
	// can be trusted: the caller falls back to its local state.
	Do(ctx context.Context, ops []Op) ([]Result, error)
	// Watch calls fn with the key (without any prefix of the store's own) and value of
	// every entry under prefix, then with every value Raise gives such a key, until stop
	// is called. fn may be called from another goroutine and must not block. ctx bounds
	// the first reading only: on an error fn may still be called later, when the store
	// can be reached again.
	Watch(ctx context.Context, prefix string, fn func(key string, value []byte)) (stop func(), err error)
}

// FormatMillis writes t as Raise stores it: decimal Unix milliseconds.
func FormatMillis(t time.Time) []byte { return strconv.AppendInt(nil, t.UnixMilli(), 10) }

// ParseMillis reads a value Raise stored; false when it is not a positive number.
func ParseMillis(b []byte) (time.Time, bool) {
	ms, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}
