package main

import (
	"errors"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/gateway/policies"
	"github.com/franca-gw/franca/translate"
)

// The root ids the two filters are configured with (PluginConfig.root_id).
const (
	rootDownstream = "franca"
	rootUpstream   = "franca-upstream"
)

// plugin is one filter configuration: the downstream or the upstream root with its
// loaded configuration.
type plugin struct {
	types.DefaultPluginContext
	vm       *vm
	upstream bool
	gw       *gateway.Gateway
	// shared is the VM's key pool this plugin uses (see shared.go).
	shared *sharedPool
	// mock holds the names of the providers of type mock, which the downstream filter
	// answers for itself.
	mock map[string]bool
	// providers holds the names of all providers.
	providers map[string]bool
	// firstByte holds the providers' first_byte_timeout in milliseconds, for those
	// that set one.
	firstByte map[string]int64
}

// OnPluginStart loads and validates the plugin configuration. Any problem fails the
// start, with one log line per problem naming its field: Envoy then refuses the filter
// configuration rather than run a half-configured filter.
func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	root, err := proxywasm.GetProperty([]string{"plugin_root_id"})
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogCriticalf("franca: reading plugin_root_id: %v", err)
		return types.OnPluginStartStatusFailed
	}
	switch string(root) {
	case rootDownstream:
	case "":
		proxywasm.LogWarnf("franca: the plugin has no root_id; running as %q (set root_id to %q or %q)", rootDownstream, rootDownstream, rootUpstream)
	case rootUpstream:
		p.upstream = true
	default:
		proxywasm.LogCriticalf("franca: unknown root_id %q: use %q for the downstream filter or %q for the upstream filter", root, rootDownstream, rootUpstream)
		return types.OnPluginStartStatusFailed
	}
	data, err := proxywasm.GetPluginConfiguration()
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogCriticalf("franca: reading the plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	if len(data) == 0 {
		proxywasm.LogCritical("franca: no configuration: put Franca's configuration (JSON or YAML) in the plugin's configuration")
		return types.OnPluginStartStatusFailed
	}
	// ${NAME} references read the VM's environment: vm_config.environment_variables.
	cfg, err := config.Load(data, os.LookupEnv)
	if err != nil {
		var fes config.Errors
		if errors.As(err, &fes) {
			for _, fe := range fes {
				proxywasm.LogCriticalf("franca: invalid configuration: %s", fe.Error())
			}
		} else {
			proxywasm.LogCriticalf("franca: invalid configuration: %v", err)
		}
		return types.OnPluginStartStatusFailed
	}
	// The key states (cooldowns, breakers) live in the VM's pool for these providers,
	// shared with the other root, and cooldowns with the other VMs (shared.go).
	// Policy types are compiled in: the built-in ones (docs/extending.md).
	reg, err := policies.Registry()
	if err != nil {
		proxywasm.LogCriticalf("franca: %v", err)
		return types.OnPluginStartStatusFailed
	}
	sp := p.vm.acquirePool(cfg)
	gw, err := gateway.New(cfg, gateway.WithClock(p.vm.now), gateway.WithRand(rand.Float64), gateway.WithPool(sp.pool), gateway.WithPolicies(reg))
	if err != nil {
		p.vm.releasePool(sp)
		proxywasm.LogCriticalf("franca: invalid configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	p.vm.releasePool(p.shared)
	p.gw, p.shared = gw, sp
	p.mock = make(map[string]bool)
	p.providers = make(map[string]bool, len(cfg.Providers))
	p.firstByte = make(map[string]int64)
	for i := range cfg.Providers {
		pr := &cfg.Providers[i]
		p.providers[pr.Name] = true
		if ms := time.Duration(pr.FirstByteTimeout).Milliseconds(); ms > 0 {
			p.firstByte[pr.Name] = ms
		}
		if pr.Type == config.TypeMock {
			p.mock[pr.Name] = true
		}
		if reason := pr.Unavailable(); reason != "" {
			proxywasm.LogWarnf("franca: provider %q is unavailable: %s", pr.Name, reason)
		} else if n := pr.DroppedKeys(); n > 0 {
			proxywasm.LogWarnf("franca: provider %q: %d keys left out: %v", pr.Name, n, pr.DroppedKeyReasons())
		}
	}
	p.vm.gc.define()
	if err := proxywasm.SetTickPeriodMilliSeconds(reportPeriodMilli); err != nil {
		proxywasm.LogWarnf("franca: no timer for the memory metrics: %v", err)
	}
	role := rootDownstream
	if p.upstream {
		role = rootUpstream
	}
	proxywasm.LogInfof("franca: %s loaded: %d providers, %d models, %d virtual keys", role,
		len(cfg.Providers), len(cfg.Models), len(cfg.VirtualKeys))
	return types.OnPluginStartStatusOK
}

// OnTick reports the VM's memory metrics and ends the attempts no callback ended.
func (p *plugin) OnTick() {
	p.vm.gc.report()
	p.vm.requests.sweep(p.vm.now())
}

// OnPluginDone lets go of the VM's key pool: the VM drops it when no plugin uses it.
func (p *plugin) OnPluginDone() bool {
	p.vm.releasePool(p.shared)
	p.shared = nil
	return true
}

// NewHttpContext creates the filter for one HTTP stream (downstream) or one attempt
// (upstream).
func (p *plugin) NewHttpContext(uint32) types.HttpContext {
	if p.upstream {
		return &upstream{p: p}
	}
	return &downstream{p: p}
}

// pairs are header fields as the host gives them; keys are lower case.
type pairs [][2]string

// Get returns the first value of the field named name, case-insensitively.
func (h pairs) Get(name string) string {
	for _, f := range h {
		if translate.EqualFold(f[0], name) {
			return f[1]
		}
	}
	return ""
}

// splitPath splits ":path" into path and query.
func splitPath(p string) (path, query string) {
	for i := 0; i < len(p); i++ {
		if p[i] == '?' {
			return p[:i], p[i+1:]
		}
	}
	return p, ""
}

// sendReply answers the stream locally.
func sendReply(r *gateway.Reply) {
	h := make([][2]string, 0, len(r.Header))
	for _, f := range r.Header {
		h = append(h, [2]string{f.Name, f.Value})
	}
	if err := proxywasm.SendHttpResponse(uint32(r.Status), h, r.Body, -1); err != nil {
		proxywasm.LogErrorf("franca: sending a local reply: %v", err)
	}
}

// contentLength reads a content-length value; -1 when absent or malformed.
func contentLength(v string) int64 {
	if v == "" {
		return -1
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// requestBody reads the whole buffered request body of size bytes (nil when empty).
func requestBody(size int) ([]byte, error) {
	if size <= 0 {
		return nil, nil
	}
	return proxywasm.GetHttpRequestBody(0, size)
}
