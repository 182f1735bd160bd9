package gateway

import (
	"sort"
	"strconv"

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
	return g.route(vk, r)
}

// Providers returns the names of the providers that can serve the exchange, in the order
// Next would try them, without translating anything: by the targets' priority, then their
// order (targets of one priority, which Next shares by weight, come in configuration
// order). A provider that is unavailable (no usable key) is left out, and a provider
// named by several targets appears once, at its first place. Whether its keys are resting
// plays no part. It returns nil when the exchange already holds its Reply.
func (x *Exchange) Providers() []string {
	if x.Reply != nil || x.route == nil {
		return nil
	}
	order := make([]int, len(x.route.targets))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return x.route.targets[order[a]].priority < x.route.targets[order[b]].priority
	})
	names := make([]string, 0, len(x.route.targets))
next:
	for _, i := range order {
		p := x.route.targets[i].provider
		if p.unavailable != "" {
			continue
		}
		for _, n := range names {
			if n == p.name {
				continue next
			}
		}
		names = append(names, p.name)
	}
	return names
}

// AttemptFor returns an attempt against a target of the model served by the named
// provider, with a key of that provider picked from the pool as Next would, translated
// for it, whatever attempts came before: the proxy, not the exchange, chose that
// provider. When every key of that provider rests, the Reply is a 429 saying when
// the first comes back. It returns nil when no target of the model is served by
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
				return x.failNil(&translate.Error{Status: 503, Type: translate.TypeServer, Code: "provider_unavailable",
					Message: "model " + strconv.Quote(x.Model) + ": provider " + strconv.Quote(provider) + " is unavailable: " + t.provider.unavailable})
			}
			now := x.g.now()
			c, _ := x.pick(now, func(c *keypool.Candidate) bool { return x.route.targets[c.Target].provider.name == provider })
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
