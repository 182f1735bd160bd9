// Package policies holds Franca's built-in policy types, for the gateway's admit phase.
// Adapters register them (Builtin) in the registry they build every gateway with; Caddy
// adds the franca.policies modules it was built with. docs/extending.md lists them.
package policies

import "github.com/franca-gw/franca/gateway"

// Builtin returns the built-in policy types.
func Builtin() []gateway.PolicyType {
	return []gateway.PolicyType{MaxOutputTokens()}
}

// Registry returns a registry of the built-in types and extra.
func Registry(extra ...gateway.PolicyType) (*gateway.Registry, error) {
	return gateway.NewRegistry(append(Builtin(), extra...)...)
}
