package gateway

import (
	"encoding/json"
	"strings"

	"github.com/franca-gw/franca/gateway/keypool"
)

// Status is the state of every provider and upstream key, answered by GET /v1/status and
// the adapters' admin routes. Keys appear by id; secrets never do, and neither do, in
// GET /v1/status, the names of the environment variables an unavailable provider lacks.
type Status struct {
	// Object is "franca.status".
	Object string `json:"object"`
	// Providers are in configuration order.
	Providers []ProviderStatus `json:"providers"`
}

// ProviderStatus is one provider's state.
type ProviderStatus struct {
	// Name is the provider's name.
	Name string `json:"name"`
	// Type is the provider's type.
	Type string `json:"type"`
	// Unavailable says why the provider has no usable key, when it has none: on the
	// admin routes the reason (e.g. "no usable key: OPENAI_API_KEY is not set"), in
	// GET /v1/status only "no usable credential".
	Unavailable string `json:"unavailable,omitempty"`
	// Keys are the provider's keys, with ids without the provider's prefix.
	Keys []keypool.KeyStatus `json:"keys"`
}

// Status reports every provider's keys at the gateway's current time.
func (g *Gateway) Status() Status {
	all := g.pool.Status(g.now())
	byID := make(map[string]keypool.KeyStatus, len(all))
	for _, k := range all {
		byID[k.ID] = k
	}
	st := Status{Object: "franca.status", Providers: make([]ProviderStatus, 0, len(g.providers))}
	for _, p := range g.providers {
		ps := ProviderStatus{Name: p.name, Type: p.typ, Unavailable: p.unavailable, Keys: []keypool.KeyStatus{}}
		for _, k := range p.keys {
			ks := byID[k.pk.ID]
			ks.ID = strings.TrimPrefix(ks.ID, p.name+"/")
			ps.Keys = append(ps.Keys, ks)
		}
		st.Providers = append(st.Providers, ps)
	}
	return st
}

// statusReply answers GET /v1/status, to a client: the reasons of unavailable providers,
// which name environment variables, are the operator's and stay out.
func (g *Gateway) statusReply() *Reply {
	st := g.Status()
	for i := range st.Providers {
		if st.Providers[i].Unavailable != "" {
			st.Providers[i].Unavailable = "no usable credential"
		}
	}
	b, _ := json.Marshal(st)
	return jsonReply(200, b)
}
