//go:build !wasip1

package main

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/franca-gw/franca/internal/fake"
)

// A harness for what one emulator stage cannot show: several plugins at once, the
// downstream and the upstream root of one VM (one worker thread) and the plugins of
// several VMs (several workers) sharing the host's shared data, as in one Envoy process.
//
// The emulator hosts one plugin context. multiVM is the VM context it gets: its plugin
// starts the real plugins of one or more VMs (each with its own plugin_root_id) and
// hands each new HTTP context to the plugin the test selects. On the wasm runner each VM
// is a compiled module instance of its own, with its own linear memory.

// slot is one plugin to start: on which VM, as which root.
type slot struct {
	vm   int
	root string
}

// multiVM runs the plugins of slots on vms.
type multiVM struct {
	vms     []types.VMContext
	slots   []slot
	plugins []types.PluginContext
	host    proxytest.HostEmulator
	// active is the plugin that gets the next HTTP context.
	active int
}

// innerPluginID is the context id of the first inner plugin, far above the ids the
// emulator gives HTTP contexts.
const innerPluginID = 0xFFFF0000

func (m *multiVM) OnVMStart(n int) types.OnVMStartStatus {
	for _, v := range m.vms {
		if v.OnVMStart(n) != types.OnVMStartStatusOK {
			return types.OnVMStartStatusFailed
		}
	}
	return types.OnVMStartStatusOK
}

func (m *multiVM) NewPluginContext(uint32) types.PluginContext { return &multiPlugin{m: m} }

// multiPlugin is the emulator's one plugin context.
type multiPlugin struct {
	types.DefaultPluginContext
	m *multiVM
}

func (p *multiPlugin) OnPluginStart(n int) types.OnPluginStartStatus {
	m := p.m
	for i, s := range m.slots {
		if err := m.host.SetProperty([]string{"plugin_root_id"}, []byte(s.root)); err != nil {
			return types.OnPluginStartStatusFailed
		}
		pc := m.vms[s.vm].NewPluginContext(uint32(innerPluginID + i))
		if pc.OnPluginStart(n) != types.OnPluginStartStatusOK {
			return types.OnPluginStartStatusFailed
		}
		m.plugins = append(m.plugins, pc)
	}
	return types.OnPluginStartStatusOK
}

func (p *multiPlugin) OnPluginDone() bool {
	for _, pc := range p.m.plugins {
		pc.OnPluginDone()
	}
	p.m.plugins = nil
	return true
}

func (p *multiPlugin) OnTick() {
	for _, pc := range p.m.plugins {
		pc.OnTick()
	}
}

func (p *multiPlugin) NewHttpContext(id uint32) types.HttpContext {
	return p.m.plugins[p.m.active].NewHttpContext(id)
}

// fakeClock is the time of the in-process VMs, which the tests move.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// workerRunner makes the VMs of a test. clock is nil on the wasm runner, whose modules
// read wazero's clock: a fake one that moves a millisecond on every reading, from
// 2022-01-01 for a new module, so that two modules' clocks are apart by their readings.
type workerRunner struct {
	name string
	vms  func(t *testing.T, n int) ([]types.VMContext, *fakeClock)
}

var workerRunners = []workerRunner{
	{"go", func(t *testing.T, n int) ([]types.VMContext, *fakeClock) {
		clock := &fakeClock{now}
		vms := make([]types.VMContext, n)
		for i := range vms {
			v := newVM()
			v.now = clock.now
			vms[i] = v
		}
		return vms, clock
	}},
	{"wasm", func(t *testing.T, n int) ([]types.VMContext, *fakeClock) {
		// The module the tests share, and instances of their own for more workers.
		// Their clocks differ: the shared one has been read more.
		vms := []types.VMContext{compiledVM(t)}
		for len(vms) < n {
			vms = append(vms, freshModule(t))
		}
		return vms, nil
	}},
}

var moduleBytes struct {
	once sync.Once
	b    []byte
	err  error
}

// freshModule instantiates bin/franca.wasm (or the module the tests built) anew.
func freshModule(t *testing.T) types.VMContext {
	t.Helper()
	moduleBytes.once.Do(func() { moduleBytes.b, moduleBytes.err = os.ReadFile(wasmVM.path) })
	if moduleBytes.err != nil {
		t.Fatal(moduleBytes.err)
	}
	vm, err := proxytest.NewWasmVMContext(moduleBytes.b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vm.Close() })
	return vm
}

// workers is a started multiVM.
type workers struct {
	*stage
	m     *multiVM
	clock *fakeClock
}

// startWorkers starts the plugins of slots on n VMs of the runner, all with cfg.
func startWorkers(t *testing.T, r workerRunner, n int, cfg []byte, slots ...slot) *workers {
	t.Helper()
	vms, clock := r.vms(t, n)
	m := &multiVM{vms: vms, slots: slots}
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(m).WithPluginConfiguration(cfg))
	m.host = host
	w := &workers{stage: &stage{host: host, reset: reset}, m: m, clock: clock}
	if host.StartVM() != types.OnVMStartStatusOK {
		reset()
		t.Fatal("VM start failed")
	}
	if host.StartPlugin() != types.OnPluginStartStatusOK {
		logs := host.GetCriticalLogs()
		reset()
		t.Fatalf("plugin start failed: %q", logs)
	}
	t.Cleanup(w.stop)
	return w
}

// One VM with both roots: plugin 0 is the downstream filter, 1 the upstream filter.
var oneWorker = []slot{{0, rootDownstream}, {0, rootUpstream}}

// Two VMs with both roots each: plugins 0 and 1 on the first, 2 and 3 on the second.
var twoWorkers = []slot{{0, rootDownstream}, {0, rootUpstream}, {1, rootDownstream}, {1, rootUpstream}}

// open sends q through downstream plugin i and keeps its stream open, as Envoy does
// while the attempts run. It returns the stream's context and what goes on to the
// router, or the local reply.
func (w *workers) open(t *testing.T, i int, q request) (uint32, *forwarded, *reply) {
	t.Helper()
	w.m.active = i
	id := w.host.InitializeHttpContext()
	w.host.CallOnRequestHeaders(id, q.headers(), q.body == "")
	if q.body != "" {
		w.host.CallOnRequestBody(id, []byte(q.body), true)
	}
	if lr := w.host.GetSentLocalResponse(id); lr != nil {
		w.host.CompleteHttpContext(id)
		return id, nil, localReply(lr)
	}
	if a := w.host.GetCurrentHttpStreamAction(id); a != types.ActionContinue {
		t.Fatalf("downstream action %v", a)
	}
	return id, &forwarded{header: w.host.GetCurrentRequestHeaders(id), body: w.host.GetCurrentRequestBody(id)}, nil
}

// route sends q through downstream plugin i and returns the cluster it names, or its
// local reply; the stream is done at once.
func (w *workers) route(t *testing.T, i int, q request) (string, *reply) {
	t.Helper()
	id, fwd, local := w.open(t, i, q)
	if local != nil {
		return "", local
	}
	w.host.CompleteHttpContext(id)
	return pairs(fwd.header).Get(headerCluster), nil
}

// attempt runs one attempt of f through upstream plugin i, on a host of provider in
// the cluster f names, answered by answer.
func (w *workers) attempt(t *testing.T, i int, f *forwarded, provider string, answer providerFunc) (*reply, *fake.Recorded) {
	t.Helper()
	w.at(t, i, f, provider)
	got, sent, _ := w.upstreamRun(t, f, answer)
	return got, sent
}

// at prepares an attempt of f on upstream plugin i, on a host of provider.
func (w *workers) at(t *testing.T, i int, f *forwarded, provider string) {
	t.Helper()
	w.m.active = i
	for k, v := range map[string]string{
		"cluster_name": pairs(f.header).Get(headerCluster),
		"upstream_host_metadata.filter_metadata.franca.provider": provider,
	} {
		if err := w.host.SetProperty(strings.Split(k, "."), []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
}

// forEachWorkerRunner runs f as a subtest on each runner.
func forEachWorkerRunner(t *testing.T, f func(t *testing.T, r workerRunner)) {
	for _, r := range workerRunners {
		t.Run(r.name, func(t *testing.T) { f(t, r) })
	}
}
