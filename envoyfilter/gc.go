package main

import (
	"runtime"
	"runtime/metrics"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
)

// Garbage collection inside Envoy.
//
// A Wasm VM runs on one worker thread and Go's collector cannot run beside the plugin:
// a collection stops the request that triggered it. As the SDK's overview recommends,
// Franca collects between requests instead, when a request's stream is done and the heap
// has grown by gcStep since the last collection. In the wasip1 build the collector's own
// pacing is turned off (GOGC=off) and a soft memory limit (gcLimit) stays as a backstop
// for VMs that see long streams and no stream end for a while (see gc_wasip1.go).
//
// Linear memory never shrinks, so the VM's memory is about the live heap (configuration,
// translators) plus gcStep plus what the requests in flight hold.
const (
	gcStep  = 8 << 20
	gcLimit = 64 << 20
)

// Metrics the plugin reports, every reportPeriod and when the host asks (OnTick);
// Envoy prefixes them with "wasmcustom.". Memory goes into histograms (one value per
// VM, whose percentiles Envoy shows), allocations and collections into counters.
const (
	metricMemory      = "franca_wasm_memory_bytes"    // memory the Go runtime mapped
	metricLive        = "franca_wasm_heap_live_bytes" // heap live after the last collection
	metricAllocBytes  = "franca_wasm_alloc_bytes"     // bytes allocated
	metricAllocs      = "franca_wasm_allocs"          // objects allocated
	metricGCRuns      = "franca_wasm_gc_runs"         // collections Franca ran
	reportPeriodMilli = 10_000
)

// The runtime/metrics samples the collector reads, in this order.
var sampleNames = [...]string{
	"/memory/classes/heap/objects:bytes",
	"/gc/heap/live:bytes",
	"/memory/classes/total:bytes",
	"/gc/heap/allocs:bytes",
	"/gc/heap/allocs:objects",
}

// stats is one reading of the samples.
type stats struct {
	objects, live, total, allocBytes, allocs uint64
}

// collector runs the collection policy of one VM and reports its memory.
type collector struct {
	samples []metrics.Sample
	// reported is the reading the counters were last brought up to.
	reported   stats
	memory     proxywasm.MetricHistogram
	live       proxywasm.MetricHistogram
	allocBytes proxywasm.MetricCounter
	allocs     proxywasm.MetricCounter
	runs       proxywasm.MetricCounter
	runsSince  uint64
	defined    bool
}

func newCollector() *collector {
	c := &collector{samples: make([]metrics.Sample, len(sampleNames))}
	for i, n := range sampleNames {
		c.samples[i].Name = n
	}
	return c
}

// define creates the metrics; it needs the host, so it runs at every plugin start.
func (c *collector) define() {
	c.memory = proxywasm.DefineHistogramMetric(metricMemory)
	c.live = proxywasm.DefineHistogramMetric(metricLive)
	c.allocBytes = proxywasm.DefineCounterMetric(metricAllocBytes)
	c.allocs = proxywasm.DefineCounterMetric(metricAllocs)
	c.runs = proxywasm.DefineCounterMetric(metricGCRuns)
	if !c.defined {
		c.reported = c.read()
	}
	c.defined = true
}

func (c *collector) read() stats {
	metrics.Read(c.samples)
	var v [len(sampleNames)]uint64
	for i, s := range c.samples {
		if s.Value.Kind() == metrics.KindUint64 {
			v[i] = s.Value.Uint64()
		}
	}
	return stats{objects: v[0], live: v[1], total: v[2], allocBytes: v[3], allocs: v[4]}
}

// streamDone is called when a request's stream is over: it collects if the heap grew by
// gcStep over what the last collection left live.
func (c *collector) streamDone() {
	s := c.read()
	if s.objects >= s.live+gcStep {
		runtime.GC()
		c.runsSince++
	}
}

// report records the memory histograms and brings the counters up to date.
func (c *collector) report() {
	if !c.defined {
		return
	}
	s := c.read()
	c.memory.Record(s.total)
	c.live.Record(s.live)
	if d := s.allocBytes - c.reported.allocBytes; d > 0 {
		c.allocBytes.Increment(d)
	}
	if d := s.allocs - c.reported.allocs; d > 0 {
		c.allocs.Increment(d)
	}
	if c.runsSince > 0 {
		c.runs.Increment(c.runsSince)
		c.runsSince = 0
	}
	c.reported = s
}
