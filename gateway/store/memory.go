package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Memory is the Store of one instance: the state lives in this process and is lost with
// it. It is pure given its clock, which decides expiry; Watch's callbacks run on the
// goroutine that called Do, after the store is unlocked.
type Memory struct {
	now func() time.Time

	mu       sync.Mutex
	values   map[string]value
	streams  map[string][]Entry
	last     string // the id of the last stream entry, for ordering
	watchers map[int]watcher
	nextW    int
	// sweepAt is the number of values at which expired ones are dropped next.
	sweepAt int
}

// value is a key's value and its expiry (zero: none).
type value struct {
	b       []byte
	expires time.Time
}

// watcher is one Watch.
type watcher struct {
	prefix string
	fn     func(key string, value []byte)
}

// Entry is one entry of a stream.
type Entry struct {
	// ID is "<Unix milliseconds>-<sequence>", as Append returned it.
	ID string
	// Value is what was appended.
	Value []byte
}

// NewMemory returns an empty store that reads the time from now.
func NewMemory(now func() time.Time) *Memory {
	return &Memory{now: now, values: make(map[string]value), streams: make(map[string][]Entry),
		watchers: make(map[int]watcher), sweepAt: 64}
}

// ErrNotCounter is the error of Reserve and Settle on a key that holds something else
// than an integer.
var ErrNotCounter = errors.New("the value is not an integer counter")

// Do carries out ops in order. ctx is not read: nothing here waits.
func (m *Memory) Do(_ context.Context, ops []Op) ([]Result, error) {
	now := m.now()
	res := make([]Result, len(ops))
	type change struct {
		key string
		b   []byte
	}
	var changes []change
	m.mu.Lock()
	var err error
	for i, op := range ops {
		r := &res[i]
		switch op.Kind {
		case Get:
			if v, ok := m.get(op.Key, now); ok {
				r.Found, r.Value = true, v.b
			}
		case Set:
			m.values[op.Key] = value{b: clone(op.Value), expires: expiry(now, op.TTL)}
		case Raise:
			r.Until = op.Until
			if v, ok := m.get(op.Key, now); ok {
				if cur, ok := ParseMillis(v.b); ok && !cur.Before(op.Until) {
					r.Until = cur
					break
				}
			}
			if !op.Until.After(now) {
				r.Until = time.Time{}
				break
			}
			b := FormatMillis(op.Until)
			m.values[op.Key] = value{b: b, expires: op.Until}
			r.OK = true
			changes = append(changes, change{op.Key, b})
		case Reserve, Settle:
			var cur int64
			v, ok := m.get(op.Key, now)
			if ok {
				if cur, err = strconv.ParseInt(string(v.b), 10, 64); err != nil {
					err = fmt.Errorf("%s %q: %w", op.Kind, op.Key, ErrNotCounter)
					break
				}
			} else {
				v.expires = expiry(now, op.TTL)
			}
			r.Count = cur
			if op.Kind == Reserve && cur+op.Amount > op.Limit {
				break
			}
			r.OK, r.Count = true, cur+op.Amount
			m.values[op.Key] = value{b: strconv.AppendInt(nil, r.Count, 10), expires: v.expires}
		case Append:
			r.ID = m.nextID(now)
			m.streams[op.Key] = append(m.streams[op.Key], Entry{ID: r.ID, Value: clone(op.Value)})
		default:
			err = fmt.Errorf("store: unknown operation %v", op.Kind)
		}
		if err != nil {
			break
		}
	}
	m.sweep(now)
	var notify []watcher
	if len(changes) > 0 {
		for _, w := range m.watchers {
			notify = append(notify, w)
		}
	}
	m.mu.Unlock()
	if err != nil {
		return nil, err
	}
	for _, c := range changes {
		for _, w := range notify {
			if strings.HasPrefix(c.key, w.prefix) {
				w.fn(c.key, c.b)
			}
		}
	}
	return res, nil
}

// Watch calls fn with the entries under prefix now and with every value Raise gives
// such a key later. It never fails.
func (m *Memory) Watch(_ context.Context, prefix string, fn func(key string, value []byte)) (func(), error) {
	now := m.now()
	type kv struct {
		k string
		b []byte
	}
	var now0 []kv
	m.mu.Lock()
	id := m.nextW
	m.nextW++
	m.watchers[id] = watcher{prefix, fn}
	for k, v := range m.values {
		if strings.HasPrefix(k, prefix) && !expired(v, now) {
			now0 = append(now0, kv{k, v.b})
		}
	}
	m.mu.Unlock()
	for _, e := range now0 {
		fn(e.k, e.b)
	}
	return func() {
		m.mu.Lock()
		delete(m.watchers, id)
		m.mu.Unlock()
	}, nil
}

// Stream returns the entries of the stream key, oldest first: what a local ledger
// writer reads.
func (m *Memory) Stream(key string) []Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Entry(nil), m.streams[key]...)
}

// get returns key's value unless it expired (then it is dropped).
func (m *Memory) get(key string, now time.Time) (value, bool) {
	v, ok := m.values[key]
	if ok && expired(v, now) {
		delete(m.values, key)
		return value{}, false
	}
	return v, ok
}

// nextID returns a stream id after every id given before, as Redis makes them.
func (m *Memory) nextID(now time.Time) string {
	ms, seq := now.UnixMilli(), int64(0)
	if lm, ls, ok := strings.Cut(m.last, "-"); ok {
		pm, _ := strconv.ParseInt(lm, 10, 64)
		ps, _ := strconv.ParseInt(ls, 10, 64)
		if ms <= pm {
			ms, seq = pm, ps+1
		}
	}
	m.last = strconv.FormatInt(ms, 10) + "-" + strconv.FormatInt(seq, 10)
	return m.last
}

// sweep drops the expired values once their number doubled since the last sweep, so
// that keys nobody reads again do not pile up.
func (m *Memory) sweep(now time.Time) {
	if len(m.values) < m.sweepAt {
		return
	}
	for k, v := range m.values {
		if expired(v, now) {
			delete(m.values, k)
		}
	}
	m.sweepAt = max(64, 2*len(m.values))
}

func expired(v value, now time.Time) bool { return !v.expires.IsZero() && !now.Before(v.expires) }

func expiry(now time.Time, ttl time.Duration) time.Time {
	if ttl <= 0 {
		return time.Time{}
	}
	return now.Add(ttl)
}

func clone(b []byte) []byte { return append([]byte{}, b...) }
