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
	"sync/atomic"
	"time"

	"github.com/franca-gw/franca/config"
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
	models      map[string]*route      // by public name
	order       []*route               // in configuration order, for /v1/models
	passthrough *provider
	maxBody     int64
}

// provider is a configured provider with its translator.
type provider struct {
	name        string
	typ         string
	base        string
	apiVersion  string
	header      translate.Headers
	keys        []config.Key
	timeout     time.Duration
	next        atomic.Uint32 // round robin over keys
	unavailable string

	chat        translate.Chat
	embeddings  translate.Embeddings // nil when the family has none
	errors      translate.Errors
	passthrough passthrougher // nil when the family has none
	mock        *mock.Mock    // set for type mock
}

// passthrougher builds requests for OpenAI endpoints Franca forwards without translating.
type passthrougher interface {
	Passthrough(method, path, query string, header translate.HeaderGetter, body []byte, model string, t *translate.Target) (*translate.Request, error)
}

// route is a public model and its targets.
type route struct {
	name    string
	targets []target
}

// target is one provider and upstream model serving a public model.
type target struct {
	provider *provider
	model    string
	params   map[string]json.RawMessage // overrides, marshalled once
}

// virtualKey is a configured client key.
type virtualKey struct {
	cfg    *config.VirtualKey
	all    bool
	models map[string]bool
}

// New indexes a validated configuration.
func New(cfg *config.Config) (*Gateway, error) {
	g := &Gateway{
		cfg:     cfg,
		keys:    make(map[string]*virtualKey, len(cfg.VirtualKeys)),
		models:  make(map[string]*route, len(cfg.Models)),
		maxBody: cfg.Limits.MaxRequestBytes,
	}
	if g.maxBody <= 0 {
		g.maxBody = config.DefaultMaxRequestBytes
	}
	providers := make(map[string]*provider, len(cfg.Providers))
	for i := range cfg.Providers {
		p, err := newProvider(&cfg.Providers[i])
		if err != nil {
			return nil, fmt.Errorf("providers[%d]: %w", i, err)
		}
		providers[p.name] = p
	}
	for i := range cfg.Models {
		m := &cfg.Models[i]
		r := &route{name: m.Name}
		for j, t := range m.Targets {
			p := providers[t.Provider]
			if p == nil {
				return nil, fmt.Errorf("models[%d].targets[%d].provider: unknown provider %q", i, j, t.Provider)
			}
			tg := target{provider: p, model: t.Model}
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
		g.keys[k.Hash] = vk
	}
	if name := cfg.Passthrough.Provider; name != "" {
		g.passthrough = providers[name]
		if g.passthrough == nil || g.passthrough.passthrough == nil {
			return nil, fmt.Errorf("passthrough.provider: %q is not an openai or azure provider", name)
		}
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
		keys:        c.Keys,
		timeout:     time.Duration(c.Timeout),
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
	case config.TypeAzure:
		t := openai.NewAzure()
		p.chat, p.embeddings, p.errors, p.passthrough = t, t, t, t
	case config.TypeAnthropic:
		t := anthropic.New()
		p.chat, p.errors = t, t
	case config.TypeGemini:
		t := gemini.New()
		p.chat, p.embeddings, p.errors = t, t, t
	case config.TypeMock:
		p.mock = mock.New()
	default:
		return nil, fmt.Errorf("type: unknown provider type %q", c.Type)
	}
	return p, nil
}

// pickKey returns the next key of the provider's pool in round-robin order, or nil when the
// pool is empty.
func (p *provider) pickKey() *config.Key {
	if len(p.keys) == 0 {
		return nil
	}
	if len(p.keys) == 1 {
		return &p.keys[0]
	}
	n := p.next.Add(1) - 1
	return &p.keys[int(n%uint32(len(p.keys)))]
}
