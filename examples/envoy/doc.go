// Package envoy holds Franca's example Envoy and Istio configurations (the YAML files of
// this folder). It has no code: its tests parse every example into go-control-plane's
// Envoy types, validate them, and check that they fit the filter (clusters that exist,
// upstream_codec last, root ids the module registers, a Franca configuration that loads).
package envoy
