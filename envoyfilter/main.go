// Command envoyfilter is Franca as a proxy-wasm plugin for Envoy (≥ 1.33), built into
// franca.wasm with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o bin/franca.wasm ./envoyfilter
//
// One module holds two plugins, told apart by the root_id of their Envoy configuration:
//
//   - "franca", the downstream HTTP filter in the listener's filter chain: it
//     authenticates the virtual key, checks the model, answers /v1/models, mock models
//     and bad requests itself with OpenAI-shaped replies, removes the client's credential
//     and names the cluster the router should use in the x-franca-cluster header.
//   - "franca-upstream", the upstream HTTP filter on the provider clusters (before
//     upstream_codec): Envoy runs it once per attempt, after it has picked the host, so
//     it translates the request for the provider of that attempt, puts in the upstream
//     key, and translates the answer back, SSE streams chunk by chunk.
//
// Both take Franca's configuration (the same JSON or YAML as the Caddy module) as their
// plugin configuration. docs/envoy.md explains the setup; examples/envoy has configs.
//
// The plugin is ordinary Go: natively it builds and its tests run with the SDK's host
// emulator (proxytest); the entry point that registers it with the host exists in the
// wasip1 build only.
package main

func main() {}
