package gateway

import (
	"sort"
	"strconv"
	"time"

	"github.com/franca-gw/franca/gateway/keypool"
	"github.com/franca-gw/franca/translate"
)

// This file serves adapters that split a request between two stages of the same proxy
// instead of running the whole exchange in one place, as Envoy does with a downstream
// filter (authentication, routing) and an upstream filter that runs once per attempt
// (translation). The first stage calls Handle and Providers to pick where the request
// goes; each attempt of the second stage calls HandleAs and AttemptFor for the provider
// the proxy chose.

// HandleAs handles r as a request already authenticated as the virtual key named
// keyName, for a stage that runs after another one checked the key and removed it from
// the request. The key must still exist and be usable (not disabled, not expired) and
// allowed to use the model r names; an unknown name gets a 401.
func (g *Gateway) HandleAs(keyName string, r *Request) *Exchange {
	vk := g.keyNames[keyName]
	if vk == nil {
		return (&Exchange{created: r.Now.Unix()}).fail(&translate.Error{Status: 401, Type: translate.TypeInvalidRequest,
			Code: "invalid_api_key", Message: "The virtual key " + strconv.Quote(keyName) + " is not configured."})
	}
	if err := usable(vk, r.Now); err != nil {
		return (&Exchange{created: r.Now.Unix()}).fail(err)
	}
	return g.route(vk, r, false)
}

// Providers returns the names of the providers that can serve the exchange now, in the
// order Next would try them, without translating anything: by the targets' priority,
// then their order (targets of one priority, which Next shares by weight, come in
// configuration order). A provider named by several targets appears once, at its first
// place. A provider is left out when it is unavailable (no usable key configured) or
// when every key of it that serves the model rests at the gateway's current time
// (cooling down, invalid, its circuit open or its half-open probe in flight), so that
// the proxy sends nothing to it. Nothing is counted: the key is picked by the later
// stage (AttemptFor).
//
// When no provider is left it returns nil and sets the exchange's Reply to what Next
// would answer: the 400 of a target that refuses the request, else, when keys rest, a 429
// (rate limits) or 503 (overload, invalid keys, open circuits) whose Retry-After is the
// moment the first key comes back, else the reason no provider has a key. It returns nil
// at once when the
// exchange already holds its Reply.
func (x *Exchange) Providers() []string {
	if x.pending != nil {
		x.unresumed()
	}
	if x.Reply != nil || x.route == nil {
		return nil
	}
	now := x.g.now()
	targets := x.route.targets
	// usable[i] is set when a key of target i's provider can take a request for any
	// target of that provider.
	usable := make([]bool, len(targets))
	for _, grp := range x.route.groups {
		for _, c := range grp.Candidates {
			p := targets[c.Target].provider
			ok, at := x.g.pool.Usable(c.Key, c.Model, now)
			if !ok {
				if !at.IsZero() && (x.earliest.IsZero() || at.Before(x.earliest)) {
					x.earliest = at
				}
				continue
			}
			for i := range targets {
				if targets[i].provider == p {
					usable[i] = true
				}
			}
		}
	}
	order := make([]int, len(targets))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return targets[order[a]].priority < targets[order[b]].priority
	})
	names := make([]string, 0, len(targets))
next:
	for _, i := range order {
		p := targets[i].provider
		if p.unavailable != "" || !usable[i] {
			continue
		}
		for _, n := range names {
			if n == p.name {
				continue next
			}
		}
		names = append(names, p.name)
	}
	if len(names) == 0 {
		// A request a target refuses gets that answer rather than a wait for keys.
		if err := x.refused(nil); err != nil {
			x.fail(err)
			return nil
		}
		x.exhausted(now)
		return nil
	}
	x.leadByWeight(names, now)
	return names
}

// leadByWeight puts first, among the providers of the first priority group that has a
// usable key, the one the model's strategy chooses (by weight, for round robin), so that
// targets of one priority share traffic across requests as they do in Next.
func (x *Exchange) leadByWeight(names []string, now time.Time) {
	for _, grp := range x.route.groups {
		c, _ := x.g.pool.Choose(grp, nil, now)
		if c == nil {
			continue
		}
		lead := x.route.targets[c.Target].provider.name
		for i, n := range names {
			if n == lead {
				copy(names[1:i+1], names[:i])
				names[0] = lead
				return
			}
		}
		return
	}
}

// TriedKey tells the exchange that an earlier attempt of the same client request, made
// through another exchange (an earlier run of the per-attempt stage), used the key keyID
// of provider: AttemptFor then prefers the provider's other keys, as Next does after a
// failed attempt, and takes that key again only when no other key can serve. Unknown
// names are ignored.
func (x *Exchange) TriedKey(provider, keyID string) {
	if x.route == nil {
		return
	}
	for _, t := range x.route.targets {
		if t.provider.name != provider {
			continue
		}
		for _, k := range t.provider.keys {
			if k.id == keyID && !x.triedKey(k.pk) {
				x.tried = append(x.tried, k.pk)
			}
		}
		return
	}
}

// AttemptFor returns an attempt against a target of the model served by the named
// provider, with a key of that provider picked from the pool as Next would, translated
// for it, whatever attempts came before: the proxy, not the exchange, chose that
// provider. When every key of that provider rests, the Reply says why and when
// the first comes back, as Next's does. It returns nil when no target of the model is served by
// that provider, when the provider is unavailable, or when the request cannot be
// translated for it; the exchange's Reply then holds the answer for the client.
func (x *Exchange) AttemptFor(provider string) *Attempt {
	if x.Reply != nil {
		return nil
	}
	if x.route != nil {
		for i := range x.route.targets {
			t := &x.route.targets[i]
			if t.provider.name != provider {
				continue
			}
			if t.provider.unavailable != "" {
				return x.failNil(unavailable(x.Model, provider))
			}
			now := x.g.now()
			only := func(c *keypool.Candidate) bool { return x.route.targets[c.Target].provider.name == provider }
			c, _, err := x.pick(now, only)
			if err == nil && c == nil {
				err = x.refused(only)
			}
			if err != nil {
				return x.failNil(err)
			}
			if c == nil {
				x.exhausted(now)
				return nil
			}
			return x.start(c, 0, now)
		}
	}
	return x.failNil(&translate.Error{Status: 502, Type: translate.TypeServer, Code: "no_target",
		Message: "model " + strconv.Quote(x.Model) + " has no target served by provider " + strconv.Quote(provider)})
}

func (x *Exchange) failNil(e *translate.Error) *Attempt {
	x.fail(e)
	return nil
}
