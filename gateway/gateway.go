// Package gateway is Franca's request pipeline, pure: it authenticates the virtual key,
// checks the model is allowed, resolves the model's targets, builds each upstream request
// through the provider's translator and maps the upstream answer back. It decides; the
// adapters (Caddy module, Envoy filter) do the I/O.
//
// A request goes through Handle, which returns an Exchange. Either the exchange already
// holds the Reply (an error, the model list, a mock answer), or the adapter asks it for
// attempts one by one with Next, sends each attempt's Upstream request, and hands the
// answer back to the attempt (Response, Stream, Failed) until one succeeds or no target
// is left.
package gateway

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway/keypool"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/anthropic"
	"github.com/franca-gw/franca/translate/gemini"
	"github.com/franca-gw/franca/translate/mock"
	"github.com/franca-gw/franca/translate/openai"
)

// Gateway holds a loaded configuration in the form the pipeline reads on every request.
// It is safe for concurrent use. Build a new Gateway to change the configuration.
type Gateway struct {
	cfg         *config.Config
	keys        map[string]*virtualKey // by "sha256:…" hash
	keyNames    map[string]*virtualKey // by name, for HandleAs
	models      map[string]*route      // by public name
	order       []*route               // in configuration order, for /v1/models
	passthrough *provider
	passRoute   *route // the route of requests that name no model
	maxBody     int64
	routing     config.Routing
	pool        *keypool.Pool
	now         func() time.Time
	rand        func() float64
	providers   []*provider // in configuration order, for status
	registry    *Registry
	policies    []*policyInstance // in the order they run
}

// Option changes how New builds a Gateway.
type Option func(*Gateway)

// WithClock makes the gateway read the time from now when it judges upstream outcomes
// (cooldowns, circuit breakers, latency). Adapters pass time.Now; tests a fake clock.
// Without it, the gateway uses time.Now.
func WithClock(now func() time.Time) Option { return func(g *Gateway) { g.now = now } }

// WithRand gives the gateway its source of randomness in [0, 1), for jitter. Without it,
// jitter is off (every draw is 0.5).
func WithRand(rand func() float64) Option { return func(g *Gateway) { g.rand = rand } }

// WithPool makes the gateway keep its keys' state in pool, so that the state outlives a
// configuration reload and can be shared. Keys are matched by "provider/key-id" and
// updated in place: a key keeps its state (cooldown, circuit breaker, latency) and takes
// the new configuration's weight, models and limits; a key whose secret changed starts
// afresh; keys the new configuration does not have are dropped from the pool. A pool
// therefore serves one configuration at a time (and the gateways built from its
// successive versions): gateways of different configurations need pools of their own.
func WithPool(pool *keypool.Pool) Option { return func(g *Gateway) { g.pool = pool } }

// NewPool returns a key pool tuned by the configuration's routing section, for WithPool.
func NewPool(r config.Routing, rand func() float64) *keypool.Pool {
	return keypool.New(keypool.Options{
		Cooldown:         time.Duration(r.Cooldown),
		MaxCooldown:      time.Duration(r.MaxCooldown),
		InvalidCooldown:  time.Duration(r.InvalidCooldown),
		FailureThreshold: r.BreakerFailures,
		OpenFor:          time.Duration(r.BreakerOpen),
		Rand:             rand,
	})
}

// provider is a configured provider with its translator.
type provider struct {
	name        string
	typ         string
	base        string
	apiVersion  string
	header      translate.Headers
	keys        []providerKey
	timeout     time.Duration
	firstByte   time.Duration
	unavailable string
	carrier     translate.KeyCarrier // how the family carries a static key

	chat        translate.Chat
	embeddings  translate.Embeddings // nil when the family has none
	errors      translate.Errors
	passthrough passthrougher // nil when the family has none
	mock        *mock.Mock    // set for type mock
}

// providerKey is one upstream key of a provider and its state in the pool. Providers
// that need no key have one providerKey with an empty secret.
type providerKey struct {
	id     string // the key's configured id, for logs
	secret string // only to redact it from upstream errors that quote it
	weight int
	pk     *keypool.Key
	cred   translate.Credential // nil for a provider without keys
}

// passthrougher builds requests for OpenAI endpoints Franca forwards without translating.
type passthrougher interface {
	Passthrough(method, path, query string, header translate.HeaderGetter, body []byte, model string, t *translate.Target) (*translate.Request, error)
}

// route is a public model and its targets.
type route struct {
	name    string
	targets []target
	// groups are the targets' keys by priority, lowest first.
	groups []*keypool.Group
}

// target is one provider and upstream model serving a public model.
type target struct {
	provider *provider
	model    string
	params   map[string]json.RawMessage // overrides, marshalled once
	priority int
	weight   int
	// request is what the translators know of the target when they build a request,
	// the same for every request (no Created), shared and read-only.
	request translate.Target
}

// virtualKey is a configured client key.
type virtualKey struct {
	cfg    *config.VirtualKey
	all    bool
	models map[string]bool
	// passthrough allows endpoints whose requests name no model.
	passthrough bool
}

// New indexes a validated configuration.
func New(cfg *config.Config, opts ...Option) (*Gateway, error) {
	g := &Gateway{
		cfg:      cfg,
		keys:     make(map[string]*virtualKey, len(cfg.VirtualKeys)),
		keyNames: make(map[string]*virtualKey, len(cfg.VirtualKeys)),
		models:   make(map[string]*route, len(cfg.Models)),
		maxBody:  cfg.Limits.MaxRequestBytes,
	}
	if g.maxBody <= 0 {
		g.maxBody = config.DefaultMaxRequestBytes
	}
	g.routing = cfg.Routing
	for _, o := range opts {
		o(g)
	}
	if g.now == nil {
		g.now = time.Now
	}
	if g.rand == nil {
		g.rand = func() float64 { return 0.5 }
	}
	if g.pool == nil {
		g.pool = NewPool(cfg.Routing, g.rand)
	}
	providers := make(map[string]*provider, len(cfg.Providers))
	for i := range cfg.Providers {
		p, err := newProvider(&cfg.Providers[i])
		if err != nil {
			return nil, fmt.Errorf("providers[%d]: %w", i, err)
		}
		providers[p.name] = p
		g.providers = append(g.providers, p)
	}
	for i := range cfg.Models {
		m := &cfg.Models[i]
		r := &route{name: m.Name}
		for j, t := range m.Targets {
			p := providers[t.Provider]
			if p == nil {
				return nil, fmt.Errorf("models[%d].targets[%d].provider: unknown provider %q", i, j, t.Provider)
			}
			tg := target{provider: p, model: t.Model, priority: j, weight: t.Weight,
				request: translate.Target{BaseURL: p.base, Model: t.Model, Header: p.header, APIVersion: p.apiVersion}}
			if t.Priority != nil {
				tg.priority = *t.Priority
			}
			if len(t.Params) > 0 {
				tg.params = make(map[string]json.RawMessage, len(t.Params))
				for k, v := range t.Params {
					b, err := json.Marshal(v)
					if err != nil {
						return nil, fmt.Errorf("models[%d].targets[%d].params.%s: %v", i, j, k, err)
					}
					tg.params[k] = b
				}
			}
			r.targets = append(r.targets, tg)
		}
		g.models[m.Name] = r
		g.order = append(g.order, r)
	}
	if name := cfg.Passthrough.Provider; name != "" {
		g.passthrough = providers[name]
		if g.passthrough == nil || g.passthrough.passthrough == nil {
			return nil, fmt.Errorf("passthrough.provider: %q is not an openai or azure provider", name)
		}
		p := g.passthrough
		g.passRoute = &route{targets: []target{{provider: p, weight: 1,
			request: translate.Target{BaseURL: p.base, Header: p.header, APIVersion: p.apiVersion}}}}
	}
	if len(cfg.Policies) > 0 {
		ps, err := buildPolicies(cfg.Policies, g.registry)
		if err != nil {
			return nil, err
		}
		g.policies = ps
	}
	// The configuration is sound: only now does it change the pool, which may be shared
	// with the gateway of the configuration before.
	ids := make(map[string]bool)
	for i, p := range g.providers {
		p.register(g.pool, &cfg.Providers[i])
		for _, k := range p.keys {
			ids[k.pk.ID] = true
		}
	}
	// Keys an earlier configuration of the pool had and this one has not leave it.
	g.pool.Retain(func(id string) bool { return ids[id] })
	for i, r := range g.order {
		r.groups = groups(r.targets, keypool.Strategy(cfg.Models[i].Strategy))
		for _, grp := range r.groups {
			for _, c := range grp.Candidates {
				g.pool.Track(c.Key, c.Model)
			}
		}
	}
	if g.passRoute != nil {
		g.passRoute.groups = groups(g.passRoute.targets, "")
	}
	for i := range cfg.VirtualKeys {
		k := &cfg.VirtualKeys[i]
		vk := &virtualKey{cfg: k, models: make(map[string]bool, len(k.Models))}
		for _, m := range k.Models {
			if m == "*" {
				vk.all = true
			}
			vk.models[m] = true
		}
		if len(k.Models) == 0 {
			vk.all = true
		}
		vk.passthrough = vk.all
		if k.Passthrough != nil {
			vk.passthrough = *k.Passthrough
		}
		g.keys[k.Hash] = vk
		g.keyNames[k.Name] = vk
	}
	return g, nil
}

// MaxRequestBytes is the largest request body the adapter should read; larger gets 413
// (the adapter answers with TooLarge).
func (g *Gateway) MaxRequestBytes() int64 { return g.maxBody }

// Config returns the configuration the gateway was built from. Callers must not change it.
func (g *Gateway) Config() *config.Config { return g.cfg }

func newProvider(c *config.Provider) (*provider, error) {
	p := &provider{
		name:        c.Name,
		typ:         c.Type,
		base:        c.BaseURL,
		apiVersion:  c.APIVersion,
		timeout:     time.Duration(c.Timeout),
		firstByte:   time.Duration(c.FirstByteTimeout),
		unavailable: c.Unavailable(),
	}
	for k, v := range c.Headers {
		p.header = append(p.header, translate.Header{Name: k, Value: v})
	}
	switch c.Type {
	case config.TypeOpenAI, config.TypeOpenAICompatible:
		t, err := openai.New(c.Preset)
		if err != nil {
			return nil, err
		}
		p.chat, p.embeddings, p.errors, p.passthrough = t, t, t, t
		p.carrier = t.KeyCarrier()
	case config.TypeAzure:
		t := openai.NewAzure()
		p.chat, p.embeddings, p.errors, p.passthrough = t, t, t, t
		p.carrier = t.KeyCarrier()
	case config.TypeAnthropic:
		t := anthropic.New()
		p.chat, p.errors = t, t
		p.carrier = anthropic.KeyCarrier
	case config.TypeGemini:
		t := gemini.New()
		p.chat, p.embeddings, p.errors = t, t, t
		p.carrier = gemini.KeyCarrier
	case config.TypeMock:
		p.mock = mock.New()
		// The mock's errors are OpenAI's, and map as OpenAI's do.
		p.errors, _ = openai.New("")
	default:
		return nil, fmt.Errorf("type: unknown provider type %q", c.Type)
	}
	return p, nil
}
