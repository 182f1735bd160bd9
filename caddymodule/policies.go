package caddymodule

import (
	"fmt"

	"github.com/caddyserver/caddy/v2"

	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/gateway/policies"
)

// PolicyModule is what a Caddy module in the franca.policies namespace implements: a
// policy type compiled into Caddy (xcaddy build --with …) that Franca configurations can
// then name in policies[].type. The module's name (the part of its ID after
// "franca.policies.") must be the type's name. docs/extending.md walks through one.
type PolicyModule interface {
	caddy.Module
	// FrancaPolicy returns the policy type the module adds.
	FrancaPolicy() gateway.PolicyType
}

// policyNamespace is the Caddy module namespace of policy types.
const policyNamespace = "franca.policies"

// policyRegistry returns the built-in policy types and those of every franca.policies
// module this Caddy was built with.
func policyRegistry() (*gateway.Registry, error) {
	var extra []gateway.PolicyType
	for _, info := range caddy.GetModules(policyNamespace) {
		m, ok := info.New().(PolicyModule)
		if !ok {
			return nil, fmt.Errorf("module %s does not implement caddymodule.PolicyModule", info.ID)
		}
		t := m.FrancaPolicy()
		if t.Name != info.ID.Name() {
			return nil, fmt.Errorf("module %s adds policy type %q; its name must be %q", info.ID, t.Name, info.ID.Name())
		}
		extra = append(extra, t)
	}
	return policies.Registry(extra...)
}
