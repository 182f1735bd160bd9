// Package requireheader is an example of a third-party Franca policy: the policy type
// "require_header", which refuses requests that lack a header field, or whose value is
// not one of a list, e.g. so that every request says which team it is for. It is a Caddy
// module in the franca.policies namespace; build it into Caddy with
//
//	xcaddy build --with github.com/franca-gw/franca/caddymodule \
//	             --with github.com/franca-gw/franca/examples/requireheader
//
// and name it in a Franca configuration:
//
//	policies:
//	  - name: team-header
//	    type: require_header
//	    options: {header: X-Team, values: [search, billing]}
//
// docs/extending.md walks through it.
package requireheader

import (
	"errors"
	"net/textproto"
	"slices"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"

	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/translate"
)

func init() {
	caddy.RegisterModule(Module{})
}

// Module is the Caddy module franca.policies.require_header. It has no Caddy
// configuration of its own: each Franca policy instance has its options.
type Module struct{}

// CaddyModule returns the Caddy module information.
func (Module) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "franca.policies.require_header", New: func() caddy.Module { return Module{} }}
}

// FrancaPolicy returns the policy type.
func (Module) FrancaPolicy() gateway.PolicyType { return Type() }

// Type is the policy type "require_header". It runs with the guardrails, before quotas
// and the cache, so that a refused request costs nothing.
func Type() gateway.PolicyType {
	return gateway.PolicyType{Name: "require_header", Order: gateway.OrderGuardrail, New: New}
}

// Options are an instance's options.
type Options struct {
	// Header is the field's name, e.g. "X-Team". Required.
	Header string `json:"header"`
	// Values, when set, are the values allowed (compared exactly).
	Values []string `json:"values"`
}

// policy is one instance.
type policy struct {
	header string // canonical form
	values []string
}

// New makes an instance from its options, as JSON.
func New(options []byte) (gateway.Policy, error) {
	var o Options
	if err := gateway.DecodeOptions(options, &o); err != nil {
		return nil, err
	}
	if o.Header == "" {
		return nil, errors.New("header: required")
	}
	return &policy{header: textproto.CanonicalMIMEHeaderKey(o.Header), values: o.Values}, nil
}

// Admit refuses a request without the header, or with a value not allowed, with a 400
// in OpenAI's error shape; the message says what is expected without echoing the value.
func (p *policy) Admit(c *gateway.Call) gateway.Decision {
	v := c.Header.Get(p.header)
	switch {
	case v == "":
		return gateway.Refuse(&translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "missing_required_header",
			Message: "this request must carry the header " + p.header})
	case len(p.values) > 0 && !slices.Contains(p.values, v):
		return gateway.Refuse(&translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "invalid_header_value",
			Message: "the header " + p.header + " must be one of " + quoteAll(p.values)})
	}
	return gateway.Continue()
}

func quoteAll(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}
