//go:build wasip1

package main

import "github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

// The host instantiates the module as a WASI reactor and runs its initialisers before
// any export; registering the VM context here is how the SDK's plugins start (main is
// never called).
func init() {
	proxywasm.SetVMContext(newVM())
}
