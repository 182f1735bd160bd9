//go:build !wasip1

package main

import (
	"net/http"
	"os"
	"reflect"
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/anthropicfake"
)

// memoryFigures are what the wasm module holds after a run.
type memoryFigures struct {
	linear  int    // linear memory size, read from wazero (-1 when unknown)
	mapped  uint64 // memory the Go runtime mapped, as the plugin reports it
	live    uint64 // heap live after the last collection
	gcRuns  uint64 // collections the plugin ran
	allocMB float64
}

// runRequests sends n requests through both filters of the compiled module: the
// downstream filter n times, then the upstream filter n times, every other one a stream
// delivered in 64-byte chunks, the others a whole JSON answer. With fresh set, it runs
// them on a VM of their own rather than the one the other tests share.
func runRequests(t testing.TB, n int, fresh bool) memoryFigures {
	t.Helper()
	r := runners[1]
	vm := compiledVM(t)
	if fresh {
		b, err := os.ReadFile(wasmVM.path)
		if err != nil {
			t.Fatal(err)
		}
		own, err := proxytest.NewWasmVMContext(b)
		if err != nil {
			t.Fatal(err)
		}
		defer own.Close()
		vm = own
		r = runner{name: "wasm", vm: func(testing.TB) types.VMContext { return own }}
	}
	var f memoryFigures
	down := start(t, r, rootDownstream, testConfig(), nil)
	q := chatRequest(benchBody)
	for i := 0; i < n; i++ {
		if local, _ := down.downstreamRun(t, q); local != nil {
			t.Fatal(string(local.body))
		}
	}
	down.stop()
	streamBody := `{"model":"claude","messages":[{"role":"user","content":"hi"}],"max_tokens":50,"stream":true}`
	fwd := forward(t, r, chatRequest(benchBody))
	fwdStream := forward(t, r, chatRequest(streamBody))
	up := start(t, r, rootUpstream, testConfig(), map[string]string{"cluster_name": "anthropic"})
	defer up.stop()
	up.host.Tick()
	allocs0, _ := up.host.GetCounterMetric(metricAllocBytes)
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	sseHeader := http.Header{"Content-Type": {"text/event-stream"}}
	chunks := fake.SSE(anthropicfake.TextStream, 64)
	for i := 0; i < n; i++ {
		var got *reply
		if i%2 == 0 {
			id, _, _ := up.send(t, fwd)
			got = up.respond(t, id, 200, jsonHeader, [][]byte{benchAnswer})
			up.host.CompleteHttpContext(id)
		} else {
			id, _, _ := up.send(t, fwdStream)
			got = up.respond(t, id, 200, sseHeader, chunks)
			up.host.CompleteHttpContext(id)
		}
		if got.status != 200 {
			t.Fatalf("request %d: %d %s", i, got.status, got.body)
		}
	}
	up.host.Tick()
	f.mapped, _ = up.host.GetHistogramMetric(metricMemory)
	f.live, _ = up.host.GetHistogramMetric(metricLive)
	f.gcRuns, _ = up.host.GetCounterMetric(metricGCRuns)
	allocs1, _ := up.host.GetCounterMetric(metricAllocBytes)
	f.allocMB = float64(allocs1-allocs0) / (1 << 20)
	f.linear = linearMemory(vm)
	return f
}

// BenchmarkMemoryAfter10kRequests reports the compiled module's memory after 10,000
// requests through each filter (see runRequests), as custom metrics: linear-MiB is the
// Wasm linear memory, mapped-MiB what the Go runtime took of it, live-MiB the heap live
// after the last collection, gc-runs the collections the plugin ran between requests,
// alloc-MiB what the upstream requests allocated in all.
//
// The emulator never deletes HTTP contexts in the module (its wasm wrapper does not
// forward proxy_on_delete, which Envoy calls), so the SDK's context map keeps one small
// context per request: that is part of live-MiB here and would not be in Envoy.
func BenchmarkMemoryAfter10kRequests(b *testing.B) {
	var f memoryFigures
	for b.Loop() {
		f = runRequests(b, 10_000, true)
	}
	b.ReportMetric(float64(f.linear)/(1<<20), "linear-MiB")
	b.ReportMetric(float64(f.mapped)/(1<<20), "mapped-MiB")
	b.ReportMetric(float64(f.live)/(1<<20), "live-MiB")
	b.ReportMetric(float64(f.gcRuns), "gc-runs")
	b.ReportMetric(f.allocMB, "alloc-MiB")
}

// TestMemoryBounded runs a thousand requests through the compiled module: the plugin
// collects between requests, and the module's memory stays within the soft limit.
func TestMemoryBounded(t *testing.T) {
	f := runRequests(t, 1000, false)
	t.Logf("after 1000 requests through each filter: linear memory %.1f MiB, Go runtime %.1f MiB, live heap %.1f MiB, %d collections, %.1f MiB allocated upstream",
		float64(f.linear)/(1<<20), float64(f.mapped)/(1<<20), float64(f.live)/(1<<20), f.gcRuns, f.allocMB)
	if f.allocMB > 2*gcStep/(1<<20) && f.gcRuns == 0 {
		t.Errorf("%.1f MiB allocated and no collection", f.allocMB)
	}
	if f.mapped == 0 || f.mapped > 2*gcLimit {
		t.Errorf("the Go runtime holds %d bytes", f.mapped)
	}
	if f.linear > 2*gcLimit {
		t.Errorf("linear memory %d bytes", f.linear)
	}
}

// linearMemory reads the module's linear memory size from wazero's internals (the
// emulator keeps the module to itself): the wasm function the VM context calls leads to
// its module instance and memory. It returns -1 when wazero's layout is not the one
// expected.
func linearMemory(vm types.VMContext) int {
	v := reflect.ValueOf(vm)
	for _, step := range []string{"abi", "proxyOnVMStart", "parent", "module", "MemoryInstance", "Buffer"} {
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			if v.IsNil() {
				return -1
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			return -1
		}
		v = v.FieldByName(step)
		if !v.IsValid() {
			return -1
		}
	}
	if v.Kind() != reflect.Slice {
		return -1
	}
	return v.Len()
}
