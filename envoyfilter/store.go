package main

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/franca-gw/franca/gateway/store"
)

// The core's store operations (gateway/store) carried out on proxy-wasm shared data, the
// key-value store Envoy keeps per vm_id for all the VMs (worker threads) of the process.
// Shared data is reached by synchronous host calls, so the operations complete within
// the callback that emits them; the state of a fleet of Envoys arrives with the control
// plane's state service (then: pause, DispatchHttpCall, resume).
//
// Shared data cannot list its keys, so the keys of a watched prefix live together in one
// entry, a bucket: "franca.store/<prefix>" holds one line per key, "<Unix ms> <rest of
// the key>\n", sorted by key. A write reads the bucket with its compare-and-swap token,
// drops the expired lines, changes its own and writes back with the token, retrying when
// another VM wrote in between. A watcher reads the bucket, one host call, and looks at
// its lines only when the token moved since its last read.
//
// Only Raise is carried out here: it is all the cooldowns need. The other operations
// wait for the state service.
const (
	bucketPrefix = "franca.store/"
	// casTries bounds the compare-and-swap retries of one write.
	casTries = 16
)

var (
	errContention  = errors.New("the entry kept changing under compare-and-swap")
	errUnsupported = errors.New("not carried out by the Envoy filter yet")
)

// bucketOf splits a store key into its bucket (up to and with the first ':') and the rest.
func bucketOf(key string) (bucket, rest string) {
	i := strings.IndexByte(key, ':')
	return key[:i+1], key[i+1:]
}

// sharedDo carries ops out on shared data at now.
func sharedDo(ops []store.Op, now time.Time) ([]store.Result, error) {
	res := make([]store.Result, len(ops))
	for i, op := range ops {
		if op.Kind != store.Raise {
			return nil, fmt.Errorf("%s %q: %w", op.Kind, op.Key, errUnsupported)
		}
		r, err := sharedRaise(op.Key, op.Until, now)
		if err != nil {
			return nil, fmt.Errorf("raise %q: %w", op.Key, err)
		}
		res[i] = r
	}
	return res, nil
}

// sharedRaise makes key's line hold at least until. A write with token 0 (a new bucket)
// is not checked by the host, so the bucket is read again: a VM that created it at the
// same moment is caught on the next round.
func sharedRaise(key string, until, now time.Time) (store.Result, error) {
	bucket, rest := bucketOf(key)
	if strings.ContainsAny(rest, "\n") {
		return store.Result{}, errors.New("a key with a line break")
	}
	wrote := false
	for range casTries {
		b, cas, err := proxywasm.GetSharedData(bucketPrefix + bucket)
		switch {
		case err == nil:
		case errors.Is(err, types.ErrorStatusNotFound):
			cas = 0
		default:
			return store.Result{}, err
		}
		lines := parseBucket(b, now)
		if cur, ok := lines[rest]; ok && !cur.Before(until) {
			return store.Result{OK: wrote, Until: cur}, nil
		}
		if !until.After(now) {
			return store.Result{}, nil
		}
		lines[rest] = until
		err = proxywasm.SetSharedData(bucketPrefix+bucket, formatBucket(lines), cas)
		switch {
		case errors.Is(err, types.ErrorStatusCasMismatch):
			continue
		case err != nil:
			return store.Result{}, err
		case cas != 0:
			return store.Result{OK: true, Until: until}, nil
		}
		wrote = true
	}
	return store.Result{}, errContention
}

// watcher follows one bucket of shared data.
type watcher struct {
	bucket string
	// entry is the bucket's shared-data key.
	entry string
	// seen is the compare-and-swap token of the bucket at the last read; read is set once
	// it was read.
	seen uint32
	read bool
}

// poll returns the live lines of the bucket, by the rest of their key, when it changed
// since the last poll, and nil otherwise. It costs one host call.
func (w *watcher) poll(now time.Time) map[string]time.Time {
	b, cas, err := proxywasm.GetSharedData(w.entry)
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogDebugf("franca: reading %s: %v", w.entry, err)
		return nil
	}
	if w.read && cas == w.seen {
		return nil
	}
	w.seen, w.read = cas, true
	return parseBucket(b, now)
}

// parseBucket reads a bucket's lines that have not expired at now.
func parseBucket(b []byte, now time.Time) map[string]time.Time {
	lines := make(map[string]time.Time)
	for len(b) > 0 {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, nil
		}
		ms, rest, ok := strings.Cut(string(line), " ")
		if !ok {
			continue
		}
		if until, ok := store.ParseMillis([]byte(ms)); ok && until.After(now) {
			lines[rest] = until
		}
	}
	return lines
}

// formatBucket writes lines sorted by key.
func formatBucket(lines map[string]time.Time) []byte {
	keys := make([]string, 0, len(lines))
	for k := range lines {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b []byte
	for _, k := range keys {
		b = strconv.AppendInt(b, lines[k].UnixMilli(), 10)
		b = append(b, ' ')
		b = append(b, k...)
		b = append(b, '\n')
	}
	return b
}
