package main

import (
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

// vm is the VM context: one per Wasm VM, that is one per Envoy worker thread and VM
// configuration. Plugins (one per filter configuration) are created from it.
type vm struct {
	types.DefaultVMContext
	// now is the clock the plugins read the request time from; tests fix it.
	now func() time.Time
	gc  *collector
	// pools are the VM's key pools, shared by the plugins of one provider set and
	// routing section: the downstream and the upstream root (see shared.go).
	pools map[string]*sharedPool
	// requests are the client requests whose upstream attempts this VM runs (see
	// attempts.go); ids names them for the downstream filter.
	requests requests
	ids      requestIDs
}

func newVM() *vm {
	return &vm{now: time.Now, gc: newCollector(), pools: make(map[string]*sharedPool), requests: make(requests)}
}

// OnVMStart sets up the garbage collection policy (see gc.go).
func (v *vm) OnVMStart(int) types.OnVMStartStatus {
	v.gc.start()
	return types.OnVMStartStatusOK
}

// NewPluginContext creates the plugin for one filter configuration; which of the two
// roots it is becomes known in OnPluginStart.
func (v *vm) NewPluginContext(uint32) types.PluginContext {
	return &plugin{vm: v}
}
