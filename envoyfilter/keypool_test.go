//go:build !wasip1

package main

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/gateway/keypool"
	"github.com/franca-gw/franca/gateway/store"
	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/internal/fake/openaifake"
	"github.com/franca-gw/franca/translate"
)

// The key pool in Envoy: cooldowns and breaker states learnt by the upstream filter steer
// the downstream filter's choice of cluster, in the same VM and, for cooldowns, in the
// other VMs of the process through shared data.

const openaiKey2 = "sk-openai-upstream-2"

// poolConfig has a model on Anthropic then OpenAI, and one on OpenAI alone, whose two
// keys the attempts share; routing is the routing section's fields.
func poolConfig(routing string) []byte {
	return []byte(`{
  "providers": [
    {"name": "openai", "type": "openai", "keys": [{"id": "oa-1", "secret": "` + openaiKey + `"}, {"id": "oa-2", "secret": "` + openaiKey2 + `"}]},
    {"name": "anthropic", "type": "anthropic", "keys": [{"id": "ant-1", "secret": "` + anthropicKey + `"}]}
  ],
  "models": [
    {"name": "fallback", "targets": [{"provider": "anthropic", "model": "` + anthropicfake.Model + `"}, {"provider": "openai", "model": "gpt-4o-mini"}]},
    {"name": "gpt", "targets": [{"provider": "openai", "model": "gpt-4o-mini"}]}
  ],
  "virtual_keys": [{"name": "team", "hash": "` + config.HashKey(clientKey) + `", "permissions": ["status"]}],
  "routing": {` + routing + `}
}`)
}

var (
	fallbackChat = chatRequest(`{"model":"fallback","messages":[{"role":"user","content":"hi"}],"max_tokens":5}`)
	gptChat      = chatRequest(`{"model":"gpt","messages":[{"role":"user","content":"hi"}],"max_tokens":5}`)
)

// openaiEither plays OpenAI for both keys of poolConfig.
func openaiEither(r *fake.Recorded) fake.Reply {
	key := openaiKey
	if r.Header.Get("authorization") == "Bearer "+openaiKey2 {
		key = openaiKey2
	}
	return openaifake.Responder("/v1", key)(r)
}

// keyOf names the poolConfig key an attempt to OpenAI was sent with.
func keyOf(sent *fake.Recorded) string {
	switch sent.Header.Get("authorization") {
	case "Bearer " + openaiKey:
		return "oa-1"
	case "Bearer " + openaiKey2:
		return "oa-2"
	}
	return "?"
}

// rateLimited answers 429 with Retry-After, in the provider's error shape.
func rateLimited(provider, retryAfter string) providerFunc {
	return func(*fake.Recorded) fake.Reply {
		r := openaifake.RateLimited()
		if provider == "anthropic" {
			r = anthropicfake.RateLimitReply()
		}
		r.Header.Set("Retry-After", retryAfter)
		return r
	}
}

func answer(r fake.Reply) providerFunc { return func(*fake.Recorded) fake.Reply { return r } }

var statusRequest = request{method: "GET", path: "/v1/status", header: [][2]string{{"authorization", "Bearer " + clientKey}}}

// keyStatus reads the state of provider/key from GET /v1/status on downstream plugin i.
func (w *workers) keyStatus(t *testing.T, i int, provider, key string) keypool.KeyStatus {
	t.Helper()
	_, local := w.route(t, i, statusRequest)
	if local == nil || local.status != 200 {
		t.Fatalf("status: %+v", local)
	}
	var st gateway.Status
	if err := json.Unmarshal(local.body, &st); err != nil {
		t.Fatal(err)
	}
	for _, p := range st.Providers {
		for _, k := range p.Keys {
			if p.Name == provider && k.ID == key {
				return k
			}
		}
	}
	t.Fatalf("no key %s/%s in %s", provider, key, local.body)
	return keypool.KeyStatus{}
}

// TestCooldownSteersDownstream: a 429 with Retry-After on Anthropic's only key, seen by
// the upstream filter, keeps the downstream filter's next choices off Anthropic (the
// cluster names OpenAI alone) while the key cools, and Anthropic is back afterwards.
func TestCooldownSteersDownstream(t *testing.T) {
	forEachWorkerRunner(t, func(t *testing.T, r workerRunner) {
		w := startWorkers(t, r, 1, poolConfig(""), oneWorker...)
		id, fwd, local := w.open(t, 0, fallbackChat)
		if local != nil {
			t.Fatalf("answered %d %s", local.status, local.body)
		}
		if c := pairs(fwd.header).Get(headerCluster); c != "anthropic+openai" {
			t.Fatalf("cluster %q", c)
		}
		got, sent := w.attempt(t, 1, fwd, "anthropic", rateLimited("anthropic", "1"))
		if sent == nil || got.status != 429 || got.get("retry-after") != "1" {
			t.Fatalf("first attempt: %d %q %s", got.status, got.header, got.body)
		}
		// Envoy retries on the next priority: the attempt is translated for OpenAI.
		got, sent = w.attempt(t, 1, fwd, "openai", openaiEither)
		if sent == nil || sent.Path != "/v1/chat/completions" || got.status != 200 {
			t.Fatalf("retry: %d %s", got.status, got.body)
		}
		w.host.CompleteHttpContext(id)

		if c, local := w.route(t, 0, fallbackChat); c != "openai" {
			t.Fatalf("while the key cools: cluster %q, reply %+v", c, local)
		}
		if st := w.keyStatus(t, 0, "anthropic", "ant-1"); st.State != keypool.StateOK || len(st.Models) != 1 ||
			st.Models[0].State != keypool.StateCooling || st.InFlight != 0 {
			t.Fatalf("the downstream root's view of ant-1: %+v", st)
		}
		if w.clock != nil {
			w.clock.t = now.Add(999 * time.Millisecond)
			if c, _ := w.route(t, 0, fallbackChat); c != "openai" {
				t.Fatalf("1ms before the end of the cooldown: cluster %q", c)
			}
			w.clock.t = now.Add(time.Second)
			if c, _ := w.route(t, 0, fallbackChat); c != "anthropic+openai" {
				t.Fatalf("after the cooldown: cluster %q", c)
			}
			return
		}
		// The module's clock moves a millisecond per reading: requests go on until
		// Anthropic is back, which takes a second of that clock.
		for n := 1; ; n++ {
			c, local := w.route(t, 0, fallbackChat)
			if c == "anthropic+openai" {
				t.Logf("Anthropic back after %d more requests", n)
				break
			}
			if c != "openai" || n == 20000 {
				t.Fatalf("request %d: cluster %q, reply %+v", n, c, local)
			}
		}
	})
}

// coreAllResting is the reply the core gives a new request for model once the keys of
// poolConfig rest with these Retry-After values (in this order of attempts), at now: what
// the Caddy module answers.
func coreAllResting(t *testing.T, model string, waits []string) *gateway.Reply {
	t.Helper()
	cfg, err := config.Load(poolConfig(""), nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(cfg, gateway.WithClock(func() time.Time { return now }), gateway.WithPolicies(builtinPolicies(t)))
	if err != nil {
		t.Fatal(err)
	}
	x := g.HandleAs("team", &gateway.Request{Method: "POST", Path: "/v1/chat/completions", Body: []byte(fallbackChat.body), Now: now})
	for _, wait := range waits {
		a := x.Next()
		if a == nil {
			t.Fatalf("core: %s", x.Reply.Body)
		}
		a.Response(429, translate.Headers{{Name: "Retry-After", Value: wait}}, []byte(openaifake.ErrRateLimit))
	}
	y := g.HandleAs("team", &gateway.Request{Method: "POST", Path: "/v1/chat/completions", Body: []byte(`{"model":"` + model + `","messages":[{"role":"user","content":"hi"}]}`), Now: now})
	if a := y.Next(); a != nil {
		t.Fatalf("core: an attempt on %s", a.KeyID)
	}
	return y.Reply
}

var waitRE = regexp.MustCompile(`try again in \d+s`)

// TestAllKeysRestingAnsweredLocally: when every key of every provider of the model
// rests, the downstream filter answers at once with the core's 429 and Retry-After set
// to the earliest comeback; nothing goes to the router. Retries within one request take
// each OpenAI key once.
func TestAllKeysRestingAnsweredLocally(t *testing.T) {
	forEachWorkerRunner(t, func(t *testing.T, r workerRunner) {
		w := startWorkers(t, r, 1, poolConfig(""), oneWorker...)
		id, fwd, _ := w.open(t, 0, fallbackChat)
		if got, _ := w.attempt(t, 1, fwd, "anthropic", rateLimited("anthropic", "30")); got.status != 429 {
			t.Fatalf("anthropic: %d", got.status)
		}
		got, first := w.attempt(t, 1, fwd, "openai", rateLimited("openai", "60"))
		if got.status != 429 {
			t.Fatalf("openai: %d", got.status)
		}
		got, second := w.attempt(t, 1, fwd, "openai", rateLimited("openai", "45"))
		if got.status != 429 || keyOf(second) == keyOf(first) {
			t.Fatalf("the retry on OpenAI used %s after %s (%d)", keyOf(second), keyOf(first), got.status)
		}
		w.host.CompleteHttpContext(id)

		c, local := w.route(t, 0, fallbackChat)
		if local == nil {
			t.Fatalf("forwarded to %q with every key resting", c)
		}
		want := coreAllResting(t, "fallback", []string{"30", "60", "45"})
		ra := local.get("retry-after")
		if w.clock == nil {
			// The module's clock: some milliseconds went by.
			n, err := strconv.Atoi(ra)
			if err != nil || n < 1 || n > 30 {
				t.Fatalf("retry-after %q", ra)
			}
			want.Body = []byte(waitRE.ReplaceAllString(string(want.Body), "try again in "+ra+"s"))
			want.Header = translate.Headers{want.Header[0], {Name: "Retry-After", Value: ra}}
		}
		if local.status != want.Status || string(local.body) != string(want.Body) ||
			ra != want.Header.Get("Retry-After") || local.get("content-type") != "application/json" {
			t.Fatalf("got %d retry-after %q %s\nwant %d retry-after %q %s", local.status, ra, local.body, want.Status, want.Header.Get("Retry-After"), want.Body)
		}
		if w.clock != nil && ra != "30" {
			t.Fatalf("retry-after %q, want Anthropic's 30", ra)
		}
		// A model on OpenAI alone rests too; the earliest of its keys is 45s away.
		if _, local := w.route(t, 0, gptChat); local == nil || local.status != 429 || (w.clock != nil && local.get("retry-after") != "45") {
			t.Fatalf("gpt: %+v", local)
		}
	})
}

// TestCooldownSharedBetweenWorkers: a cooldown one VM decides on reaches another VM of
// the process through shared data: its downstream filter leaves the provider out and its
// upstream filter does not call it; and back the other way. The provider asks for a day:
// on the wasm runner the two modules' clocks are apart by however often each was read.
func TestCooldownSharedBetweenWorkers(t *testing.T) {
	forEachWorkerRunner(t, func(t *testing.T, r workerRunner) {
		w := startWorkers(t, r, 2, poolConfig(""), twoWorkers...)
		// Both workers route to both providers at first.
		for _, i := range []int{0, 2} {
			if c, _ := w.route(t, i, fallbackChat); c != "anthropic+openai" {
				t.Fatalf("worker %d: cluster %q", i/2, c)
			}
		}
		id, fwd, _ := w.open(t, 0, fallbackChat)
		if got, _ := w.attempt(t, 1, fwd, "anthropic", rateLimited("anthropic", "86400")); got.status != 429 {
			t.Fatalf("anthropic: %d", got.status)
		}
		w.host.CompleteHttpContext(id)

		shared := sharedCooldowns(t)
		until, ok := shared["anthropic/ant-1 "+anthropicfake.Model]
		if len(shared) != 1 || !ok {
			t.Fatalf("shared cooldowns: %v", shared)
		}
		// The day Anthropic asked for is capped by routing.max_cooldown (10m by default).
		if w.clock != nil && !until.Equal(now.Add(10*time.Minute)) {
			t.Fatalf("shared entry until %v", until)
		}

		// The second worker never saw the 429.
		id, fwd, local := w.open(t, 2, fallbackChat)
		if local != nil || pairs(fwd.header).Get(headerCluster) != "openai" {
			t.Fatalf("second worker: %+v %+v", fwd, local)
		}
		// An attempt routed to Anthropic before the news arrived is not sent.
		called := false
		got, sent := w.attempt(t, 3, fwd, "anthropic", func(*fake.Recorded) fake.Reply { called = true; return fake.Reply{} })
		if called || sent != nil || got.status != 429 || got.get("retry-after") == "" {
			t.Fatalf("second worker's attempt on Anthropic: called %v, %d %q", called, got.status, got.header)
		}
		w.host.CompleteHttpContext(id)
		if st := w.keyStatus(t, 2, "anthropic", "ant-1"); st.State != keypool.StateOK || len(st.Models) != 1 ||
			st.Models[0].Model != anthropicfake.Model || !strings.Contains(st.Models[0].Reason, "another") {
			t.Fatalf("second worker's view of ant-1: %+v", st)
		}

		// Back the other way: the second worker rests an OpenAI key, the first one then
		// sends its OpenAI attempts with the other key.
		id, fwd, _ = w.open(t, 2, gptChat)
		_, sent = w.attempt(t, 3, fwd, "openai", rateLimited("openai", "86400"))
		w.host.CompleteHttpContext(id)
		resting := keyOf(sent)
		for n := 0; n < 3; n++ {
			id, fwd, _ := w.open(t, 0, gptChat)
			got, sent := w.attempt(t, 1, fwd, "openai", openaiEither)
			w.host.CompleteHttpContext(id)
			if got.status != 200 || keyOf(sent) == resting {
				t.Fatalf("first worker, request %d: %d on %s, which rests", n, got.status, keyOf(sent))
			}
		}
		if shared := sharedCooldowns(t); len(shared) != 2 || shared["openai/"+resting+" gpt-4o-mini"].IsZero() {
			t.Fatalf("shared cooldowns after two: %v", shared)
		}
	})
}

// TestFailoverAfterServerErrors plays Envoy's retries: after Anthropic's 529 the next
// attempt is translated for OpenAI; after a 500 on one OpenAI key the retry on the same
// provider takes the other key (where round robin alone would give the first again); an
// attempt Envoy gives up on (a per-try timeout, no answer) counts as a failure when the
// next try starts, and that try takes the other key again. The breaker opens after two
// failures in a row here, and the downstream filter sees the open circuits.
func TestFailoverAfterServerErrors(t *testing.T) {
	forEachWorkerRunner(t, func(t *testing.T, r workerRunner) {
		w := startWorkers(t, r, 1, poolConfig(`"breaker_failures": 2, "breaker_open": "30s"`), oneWorker...)
		id, fwd, _ := w.open(t, 0, fallbackChat)
		got, sent := w.attempt(t, 1, fwd, "anthropic", answer(anthropicfake.OverloadedReply()))
		if sent == nil || sent.Path != "/v1/messages" || sent.Header.Get("x-api-key") != anthropicKey || got.status < 500 {
			t.Fatalf("first attempt: %d %+v", got.status, sent)
		}
		got, sent = w.attempt(t, 1, fwd, "openai", openaiEither)
		if sent == nil || sent.Path != "/v1/chat/completions" || sent.Header.Get(":authority") != "api.openai.com" || got.status != 200 {
			t.Fatalf("retry: %d %+v", got.status, sent)
		}
		contentIs(openaifake.FakeText)(t, got.body)
		w.host.CompleteHttpContext(id)
		// 529 overloaded rests the key (the default cooldown: no retry time given).
		if c, _ := w.route(t, 0, fallbackChat); c != "openai" {
			t.Fatalf("after the 529: cluster %q", c)
		}

		serverError := answer(openaifake.JSONReply(500, openaifake.ErrServer))
		idA, fwdA, _ := w.open(t, 0, gptChat)
		got, sent = w.attempt(t, 1, fwdA, "openai", serverError)
		if got.status != 500 {
			t.Fatalf("500: %d", got.status)
		}
		ka := keyOf(sent)
		// Another request takes the other key, by round robin.
		idB, fwdB, _ := w.open(t, 0, gptChat)
		_, sent = w.attempt(t, 1, fwdB, "openai", openaiEither)
		w.host.CompleteHttpContext(idB)
		kb := keyOf(sent)
		if kb == ka {
			t.Fatalf("round robin gave %s twice", ka)
		}
		// Envoy retries the first request: not on the key that just failed, freshly
		// translated. Envoy gives this try up with no answer.
		w.at(t, 1, fwdA, "openai")
		upID, sent, local := w.send(t, fwdA)
		if local != nil || keyOf(sent) != kb || sent.Path != "/v1/chat/completions" || sent.Header.Get("content-length") != itoa(len(sent.Body)) {
			t.Fatalf("retry after the 500: key %s after %s, local %+v", keyOf(sent), ka, local)
		}
		if st := w.keyStatus(t, 0, "openai", kb); st.InFlight != 1 {
			t.Fatalf("try in flight: %+v", st)
		}
		// The next try ends it as failed, and takes the other key (the one of the 500).
		// Both of ka's failures are the same request's: they count once towards its
		// breaker, so its circuit stays closed.
		got, sent = w.attempt(t, 1, fwdA, "openai", serverError)
		if sent == nil || keyOf(sent) != ka || got.status != 500 {
			t.Fatalf("third try: %d on %s", got.status, keyOf(sent))
		}
		w.host.CompleteHttpContext(upID)
		w.host.CompleteHttpContext(idA)
		if st := w.keyStatus(t, 0, "openai", ka); st.State != keypool.StateOK || st.InFlight != 0 {
			t.Fatalf("%s: %+v", ka, st)
		}
		if st := w.keyStatus(t, 0, "openai", kb); st.State != keypool.StateOK || st.InFlight != 0 || st.Recent != 2 || st.ErrorRate != 0.5 {
			t.Fatalf("%s: %+v", kb, st)
		}
		// Two more requests fail, one on each key: the second failure of each (twice in
		// a row) opens its circuit.
		for n := 0; n < 2; n++ {
			id, fwd, _ = w.open(t, 0, gptChat)
			if got, sent = w.attempt(t, 1, fwd, "openai", serverError); sent == nil || got.status != 500 {
				t.Fatalf("request %d: %d", n, got.status)
			}
			w.host.CompleteHttpContext(id)
			if st := w.keyStatus(t, 0, "openai", keyOf(sent)); st.State != keypool.StateOpen {
				t.Fatalf("request %d: %s: %+v", n, keyOf(sent), st)
			}
			if n == 0 {
				if c, _ := w.route(t, 0, gptChat); c != "openai" {
					t.Fatalf("one key left: cluster %q", c)
				}
			}
		}
		// Every circuit is open: the downstream filter answers itself, with a 503 that
		// says so (not a rate limit).
		_, local = w.route(t, 0, gptChat)
		if local == nil || local.status != 503 || !strings.Contains(string(local.body), `"code":"upstream_unavailable"`) ||
			(w.clock != nil && local.get("retry-after") != "30") {
			t.Fatalf("every circuit open: %+v", local)
		}
	})
}

// TestDownstreamEndClosesAttempt: Envoy does not tell the upstream filter that its
// stream is gone; the end of the request's downstream stream ends its open attempt: as
// a failure when Envoy's details name an upstream one, else as closed (the client went
// away).
func TestDownstreamEndClosesAttempt(t *testing.T) {
	forEachWorkerRunner(t, func(t *testing.T, r workerRunner) {
		w := startWorkers(t, r, 1, poolConfig(`"breaker_failures": 1`), oneWorker...)
		details := []string{"response", "code_details"}
		for _, c := range []struct {
			details string
			state   keypool.State
			errors  float64
		}{
			{"upstream_per_try_timeout", keypool.StateOpen, 1},
			{"downstream_remote_disconnect", keypool.StateOK, 0},
		} {
			id, fwd, _ := w.open(t, 0, gptChat)
			w.at(t, 1, fwd, "openai")
			_, sent, local := w.send(t, fwd)
			if local != nil {
				t.Fatalf("%s: %+v", c.details, local)
			}
			key := keyOf(sent)
			if st := w.keyStatus(t, 0, "openai", key); st.InFlight != 1 {
				t.Fatalf("%s: %+v", c.details, st)
			}
			if err := w.host.SetProperty(details, []byte(c.details)); err != nil {
				t.Fatal(err)
			}
			w.host.CompleteHttpContext(id)
			st := w.keyStatus(t, 0, "openai", key)
			if st.InFlight != 0 || st.State != c.state || st.Recent != 1 || st.ErrorRate != c.errors {
				t.Fatalf("%s: %+v", c.details, st)
			}
		}
	})
}

// sharedCooldowns reads the cooldown bucket of shared data: key id → until.
func sharedCooldowns(t *testing.T) map[string]time.Time {
	t.Helper()
	b, _, err := proxywasm.GetSharedData(bucketPrefix + gateway.CooldownPrefix)
	if err != nil {
		t.Fatalf("reading the shared cooldowns: %v", err)
	}
	return parseBucket(b, time.Time{})
}

// TestSharedCooldownEntries checks the shared-data protocol against the emulator's
// store: a key's line only moves later, expired lines are dropped on the next write,
// and a VM reads the lines again only when the bucket changed.
func TestSharedCooldownEntries(t *testing.T) {
	s := start(t, runners[0], rootDownstream, poolConfig(""), nil)
	defer s.stop()
	bucket := bucketPrefix + "cool:"
	read := func() string {
		t.Helper()
		b, _, err := proxywasm.GetSharedData(bucket)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	ms := time.UnixMilli
	for _, c := range []struct {
		key         string
		write       int64
		want        store.Result
		now, bucket string
	}{
		{"cool:p/k", 2000, store.Result{OK: true, Until: ms(2000)}, "", "2000 p/k\n"},
		{"cool:p/k", 1000, store.Result{Until: ms(2000)}, "", "2000 p/k\n"},
		{"cool:p/k", 3000, store.Result{OK: true, Until: ms(3000)}, "", "3000 p/k\n"},
		{"cool:p/a b", 2500, store.Result{OK: true, Until: ms(2500)}, "", "2500 p/a b\n3000 p/k\n"},
		// At 2.5s the line of p/a b has expired: the next write drops it.
		{"cool:p/other", 5000, store.Result{OK: true, Until: ms(5000)}, "2500", "3000 p/k\n5000 p/other\n"},
	} {
		now := ms(500)
		if c.now != "" {
			n, _ := strconv.ParseInt(c.now, 10, 64)
			now = ms(n)
		}
		res, err := sharedDo([]store.Op{store.RaiseOp(c.key, ms(c.write))}, now)
		if err != nil || res[0].OK != c.want.OK || !res[0].Until.Equal(c.want.Until) || read() != c.bucket {
			t.Fatalf("raise %s to %d: %+v %v, bucket %q", c.key, c.write, res, err, read())
		}
	}
	if _, err := sharedDo([]store.Op{store.GetOp("cool:p/k")}, ms(500)); !errors.Is(err, errUnsupported) {
		t.Fatalf("get: %v", err)
	}

	t0 := ms(1000)
	sp := newSharedPool("", keypool.New(keypool.Options{}), func() time.Time { return t0 })
	k := sp.pool.Add("p/k", 1, nil)
	fresh := sp.pool.Add("p/fresh", 1, nil)
	resting := func(k *keypool.Key) bool { ok, _ := sp.pool.Usable(k, "m", t0); return !ok }
	sp.sync(t0)
	if !resting(k) || resting(fresh) {
		t.Fatal("the first read applies the lines")
	}
	// The bucket is read again only when its token moved.
	seen := sp.watch.seen
	sp.sync(t0)
	if sp.watch.seen != seen {
		t.Fatal("token moved without a write")
	}
	if _, err := sharedDo([]store.Op{store.RaiseOp("cool:p/fresh", ms(4000))}, t0); err != nil {
		t.Fatal(err)
	}
	sp.sync(t0)
	if !resting(fresh) {
		t.Fatal("lines not read after the bucket changed")
	}
	// A cooldown the pool decides on is written at once.
	g := &keypool.Group{Candidates: []keypool.Candidate{{Key: sp.pool.Add("p/new", 1, nil), Model: "m", Weight: 1}}}
	c, _ := sp.pool.Pick(g, nil, t0)
	sp.pool.Done(c.Key, keypool.Outcome{Status: 429, Model: "m", Header: translate.Headers{{Name: "Retry-After", Value: "7"}}}, t0)
	if got := read(); got != "4000 p/fresh\n3000 p/k\n8000 p/new m\n5000 p/other\n" {
		t.Fatalf("bucket %q", got)
	}
}

// TestSweepEndsForgottenAttempts: an attempt neither its request's end nor a retry ends
// (the downstream filter runs in another VM) is closed by the timer after attemptMaxAge;
// the keys a failed request tried are forgotten after triedMaxAge. In-process only: the
// test moves the clock by minutes.
func TestSweepEndsForgottenAttempts(t *testing.T) {
	w := startWorkers(t, workerRunners[0], 1, poolConfig(""), oneWorker...)
	v := w.m.vms[0].(*vm)
	_, fwd, _ := w.open(t, 0, gptChat)
	w.at(t, 1, fwd, "openai")
	_, sent, _ := w.send(t, fwd)
	key := keyOf(sent)
	_, fwd2, _ := w.open(t, 0, gptChat)
	w.attempt(t, 1, fwd2, "openai", answer(openaifake.JSONReply(500, openaifake.ErrServer)))
	if len(v.requests) != 2 {
		t.Fatalf("%d requests kept", len(v.requests))
	}
	w.clock.t = now.Add(triedMaxAge)
	w.host.Tick()
	if len(v.requests) != 1 || w.keyStatus(t, 0, "openai", key).InFlight != 1 {
		t.Fatalf("after %v: %d requests kept", triedMaxAge, len(v.requests))
	}
	w.clock.t = now.Add(attemptMaxAge)
	w.host.Tick()
	if st := w.keyStatus(t, 0, "openai", key); len(v.requests) != 0 || st.InFlight != 0 || st.ErrorRate != 0 {
		t.Fatalf("after %v: %d requests kept, %+v", attemptMaxAge, len(v.requests), st)
	}
}
