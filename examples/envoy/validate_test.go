package envoy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	aggregatev3 "github.com/envoyproxy/go-control-plane/envoy/extensions/clusters/aggregate/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	codecv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/upstream_codec/v3"
	wasmfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	upstreamhttpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	wasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"gopkg.in/yaml.v3"

	// Extensions the examples name in "@type": importing them registers their types, so
	// that every Any resolves.
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/stream/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/retry/host/previous_hosts/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/retry/priority/previous_priorities/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/raw_buffer/v3"

	"github.com/franca-gw/franca/config"
)

// The root ids franca.wasm registers (envoyfilter: rootDownstream, rootUpstream). The
// envoyfilter tests start every Wasm configuration of these examples on the compiled
// module, which checks the same from the other side.
const (
	rootDownstream = "franca"
	rootUpstream   = "franca-upstream"
	clusterHeader  = "x-franca-cluster"
	codecFilter    = "envoy.filters.http.upstream_codec"
	routerFilter   = "envoy.filters.http.router"
	optionsKey     = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
	wasmType       = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"
)

// example is one YAML file of the folder, decoded into plain values (maps, lists,
// scalars), one per YAML document.
type example struct {
	name string
	docs []any
}

// loadExamples reads every YAML file under dir.
func loadExamples(dir string) ([]*example, error) {
	var out []*example
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || (filepath.Ext(p) != ".yaml" && filepath.Ext(p) != ".yml") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		ex, err := decodeYAML(p, b)
		if err != nil {
			return err
		}
		out = append(out, ex)
		return nil
	})
	return out, err
}

func decodeYAML(name string, b []byte) (*example, error) {
	ex := &example{name: name}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return ex, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		if v != nil {
			ex.docs = append(ex.docs, v)
		}
	}
}

// checker collects the problems found in one example.
type checker struct {
	file string
	errs []error
}

func (c *checker) errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(c.file+": "+format, args...))
}

// toProto unmarshals a decoded YAML value into m the way Envoy reads YAML: through JSON,
// rejecting unknown fields.
func toProto(v any, m proto.Message) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return protojson.Unmarshal(b, m)
}

// validateTree runs m's protoc-gen-validate rules (ValidateAll), then those of every
// message packed in an Any anywhere below it, recursively.
func (c *checker) validateTree(where string, m proto.Message) {
	if v, ok := m.(interface{ ValidateAll() error }); ok {
		if err := v.ValidateAll(); err != nil {
			c.errorf("%s: %v", where, err)
		}
	}
	c.walkAnys(where, m.ProtoReflect())
}

func (c *checker) walkAnys(where string, m protoreflect.Message) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind {
			if fd.IsMap() && fd.MapValue().Kind() == protoreflect.MessageKind {
				v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
					c.visit(where+"."+string(fd.Name())+"["+k.String()+"]", mv.Message())
					return true
				})
			}
			return true
		}
		switch {
		case fd.IsList():
			for i := 0; i < v.List().Len(); i++ {
				c.visit(fmt.Sprintf("%s.%s[%d]", where, fd.Name(), i), v.List().Get(i).Message())
			}
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				if fd.MapValue().Kind() == protoreflect.MessageKind {
					c.visit(where+"."+string(fd.Name())+"["+k.String()+"]", mv.Message())
				}
				return true
			})
		default:
			c.visit(where+"."+string(fd.Name()), v.Message())
		}
		return true
	})
}

func (c *checker) visit(where string, m protoreflect.Message) {
	if m.Descriptor().FullName() != "google.protobuf.Any" {
		c.walkAnys(where, m)
		return
	}
	a, ok := m.Interface().(*anypb.Any)
	if !ok {
		// A dynamic Any: re-read it as the concrete type.
		a = new(anypb.Any)
		b, err := proto.Marshal(m.Interface())
		if err == nil {
			err = proto.Unmarshal(b, a)
		}
		if err != nil {
			c.errorf("%s: %v", where, err)
			return
		}
	}
	inner, err := a.UnmarshalNew()
	if err != nil {
		c.errorf("%s: %s: %v", where, a.GetTypeUrl(), err)
		return
	}
	c.validateTree(where+"<"+a.GetTypeUrl()[strings.LastIndexByte(a.GetTypeUrl(), '/')+1:]+">", inner)
}

// unpack opens an Any the walk already validated; a failure is reported.
func (c *checker) unpack(where string, a *anypb.Any, m proto.Message) bool {
	if a == nil {
		return false
	}
	if err := a.UnmarshalTo(m); err != nil {
		c.errorf("%s: %v", where, err)
		return false
	}
	return true
}

// francaPlugin is one Wasm filter configuration found in an example.
type francaPlugin struct {
	where, filter, root string
	vm                  *wasmv3.VmConfig
	configuration       string
	cfg                 *config.Config
}

// placeholder expands every ${NAME} to a value, as if the VM's environment had them all:
// the checks are about the configuration's structure, not about which keys are set.
func placeholder(string) (string, bool) { return "placeholder", true }

// wasmPlugin checks a Wasm filter's configuration: a root id the module registers, the
// filter named after it, a Franca configuration that loads.
func (c *checker) wasmPlugin(where, filter string, w *wasmfilterv3.Wasm, wantRoot string) *francaPlugin {
	pc := w.GetConfig()
	p := &francaPlugin{where: where, filter: filter, root: pc.GetRootId(), vm: pc.GetVmConfig()}
	if p.root != rootDownstream && p.root != rootUpstream {
		c.errorf("%s: root_id %q is not one franca.wasm registers (%s, %s)", where, p.root, rootDownstream, rootUpstream)
	} else if wantRoot != "" && p.root != wantRoot {
		c.errorf("%s: root_id %q in the %s position, want %q", where, p.root, map[string]string{rootDownstream: "downstream", rootUpstream: "upstream"}[wantRoot], wantRoot)
	}
	if filter != "" && filter != p.root {
		c.errorf("%s: filter %q runs root %q: name the filter after its root", where, filter, p.root)
	}
	if !pc.GetAllowOnHeadersStopIteration().GetValue() {
		// Both roots pause on the request headers until the body is there. Without the
		// knob, Envoy (source/extensions/common/wasm/context.cc reads it, default false)
		// lets proxy-wasm-cpp-host turn that pause into StopAllIterationAndWatermark,
		// and Envoy never calls the body callbacks: every request with a body hangs.
		c.errorf("%s: allow_on_headers_stop_iteration is not true: a request with a body would hang (Envoy ≥ 1.35)", where)
	}
	if rt := pc.GetVmConfig().GetRuntime(); rt != "envoy.wasm.runtime.v8" {
		c.errorf("%s: vm_config.runtime %q: franca.wasm is built for envoy.wasm.runtime.v8", where, rt)
	}
	var sv wrapperspb.StringValue
	if !c.unpack(where+".configuration", pc.GetConfiguration(), &sv) {
		c.errorf("%s: no configuration: the plugin would fail to start", where)
		return p
	}
	p.configuration = sv.GetValue()
	cfg, err := config.Load([]byte(p.configuration), placeholder)
	if err != nil {
		c.errorf("%s: Franca configuration: %v", where, err)
		return p
	}
	p.cfg = cfg
	return p
}

// ecdsResources reads a discovery response of TypedExtensionConfig resources.
func (c *checker) ecdsResources(doc any) map[string]*corev3.TypedExtensionConfig {
	var dr discoveryv3.DiscoveryResponse
	if err := toProto(doc, &dr); err != nil {
		c.errorf("not a DiscoveryResponse: %v", err)
		return nil
	}
	c.validateTree("resources", &dr)
	out := make(map[string]*corev3.TypedExtensionConfig)
	for i, r := range dr.GetResources() {
		var tec corev3.TypedExtensionConfig
		if !c.unpack(fmt.Sprintf("resources[%d]", i), r, &tec) {
			continue
		}
		out[tec.GetName()] = &tec
	}
	return out
}

// bootstrap checks an Envoy bootstrap: its types and rules, then that it fits Franca.
// ecds holds the extension configurations the xDS server serves, for filters that use
// config_discovery.
func (c *checker) bootstrap(doc any, ecds map[string]*corev3.TypedExtensionConfig) {
	var b bootstrapv3.Bootstrap
	if err := toProto(doc, &b); err != nil {
		c.errorf("not an Envoy bootstrap: %v", err)
		return
	}
	c.validateTree("bootstrap", &b)

	clusters := make(map[string]*clusterv3.Cluster)
	for i, cl := range b.GetStaticResources().GetClusters() {
		if _, dup := clusters[cl.GetName()]; dup {
			c.errorf("clusters[%d]: cluster %q defined twice", i, cl.GetName())
		}
		clusters[cl.GetName()] = cl
	}
	var plugins []*francaPlugin
	// resolve finds a filter's Wasm configuration, inline or served over ECDS.
	resolve := func(where string, f *hcmv3.HttpFilter, wantRoot string) *francaPlugin {
		var w wasmfilterv3.Wasm
		switch {
		case f.GetTypedConfig() != nil:
			if f.GetTypedConfig().GetTypeUrl() != wasmType || !c.unpack(where, f.GetTypedConfig(), &w) {
				return nil
			}
		case f.GetConfigDiscovery() != nil:
			cd := f.GetConfigDiscovery()
			c.configSource(where+".config_discovery", cd.GetConfigSource(), clusters)
			if !contains(cd.GetTypeUrls(), wasmType) {
				return nil
			}
			tec := ecds[f.GetName()]
			if tec == nil {
				c.errorf("%s: filter %q comes from ECDS, and no served resource has that name", where, f.GetName())
				return nil
			}
			if !c.unpack(where+"<ecds>", tec.GetTypedConfig(), &w) {
				return nil
			}
		default:
			return nil
		}
		p := c.wasmPlugin(where, f.GetName(), &w, wantRoot)
		plugins = append(plugins, p)
		return p
	}

	// Listeners: the franca filter before the router, routes to clusters that exist.
	var headerRoutes []string
	for li, l := range b.GetStaticResources().GetListeners() {
		for fi, fc := range l.GetFilterChains() {
			for ni, nf := range fc.GetFilters() {
				var hcm hcmv3.HttpConnectionManager
				if nf.GetTypedConfig().GetTypeUrl() != "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager" {
					continue
				}
				where := fmt.Sprintf("listeners[%d](%s).filter_chains[%d].filters[%d]", li, l.GetName(), fi, ni)
				if !c.unpack(where, nf.GetTypedConfig(), &hcm) {
					continue
				}
				filters := hcm.GetHttpFilters()
				franca := -1
				for hi, f := range filters {
					if p := resolve(fmt.Sprintf("%s.http_filters[%d]", where, hi), f, rootDownstream); p != nil && p.root == rootDownstream {
						franca = hi
					}
				}
				if n := len(filters); n == 0 || !isFilter(filters[n-1], routerFilter, &routerv3.Router{}) {
					c.errorf("%s: the router is not the last HTTP filter", where)
				}
				if franca < 0 {
					c.errorf("%s: no franca filter (root_id %q) in the HTTP filters", where, rootDownstream)
				}
				for _, vh := range hcm.GetRouteConfig().GetVirtualHosts() {
					for ri, r := range vh.GetRoutes() {
						rw := fmt.Sprintf("%s.virtual_hosts(%s).routes[%d]", where, vh.GetName(), ri)
						ra := r.GetRoute()
						if ra == nil {
							continue
						}
						if name := ra.GetCluster(); name != "" && clusters[name] == nil {
							c.errorf("%s: cluster %q does not exist", rw, name)
						}
						for _, wc := range ra.GetWeightedClusters().GetClusters() {
							if clusters[wc.GetName()] == nil {
								c.errorf("%s: weighted cluster %q does not exist", rw, wc.GetName())
							}
						}
						if h := ra.GetClusterHeader(); h != "" {
							if h != clusterHeader {
								c.errorf("%s: cluster_header %q: the franca filter sets %s", rw, h, clusterHeader)
							}
							headerRoutes = append(headerRoutes, rw)
						}
					}
				}
			}
		}
	}

	// Clusters: aggregates of clusters that exist, upstream filters with the codec last.
	upstreamOf := make(map[string]*francaPlugin)
	for name, cl := range clusters {
		where := "cluster " + name
		if ct := cl.GetClusterType(); ct != nil {
			var agg aggregatev3.ClusterConfig
			if ct.GetTypedConfig().GetTypeUrl() == "type.googleapis.com/envoy.extensions.clusters.aggregate.v3.ClusterConfig" && c.unpack(where, ct.GetTypedConfig(), &agg) {
				for _, child := range agg.GetClusters() {
					if clusters[child] == nil {
						c.errorf("%s: aggregates cluster %q, which does not exist", where, child)
					}
				}
			}
		}
		c.tls(where, cl)
		opts := cl.GetTypedExtensionProtocolOptions()[optionsKey]
		if opts == nil {
			continue
		}
		var hpo upstreamhttpv3.HttpProtocolOptions
		if !c.unpack(where, opts, &hpo) {
			continue
		}
		if hpo.GetAutoConfig() != nil {
			c.alpnSockets(where, cl)
		}
		filters := hpo.GetHttpFilters()
		if len(filters) == 0 {
			continue
		}
		if !isFilter(filters[len(filters)-1], codecFilter, &codecv3.UpstreamCodec{}) {
			c.errorf("%s: upstream_codec is not the last upstream HTTP filter", where)
		}
		for i, f := range filters[:len(filters)-1] {
			if isFilter(f, codecFilter, &codecv3.UpstreamCodec{}) {
				c.errorf("%s: upstream_codec at %d of %d: it must be last", where, i, len(filters))
			}
			if p := resolve(fmt.Sprintf("%s.http_filters[%d]", where, i), f, rootUpstream); p != nil && p.root == rootUpstream {
				upstreamOf[name] = p
			}
		}
	}

	c.samePlugins(plugins)
	if len(headerRoutes) > 0 && len(plugins) > 0 && plugins[0].cfg != nil {
		c.francaRouting(plugins[0].cfg, clusters, upstreamOf)
	}
}

// samePlugins checks the plugins agree: one Franca configuration, one VM configuration
// (so that both roots share a VM per worker).
func (c *checker) samePlugins(plugins []*francaPlugin) {
	for _, p := range plugins[min(1, len(plugins)):] {
		if p.configuration != plugins[0].configuration {
			c.errorf("%s: its Franca configuration differs from the one of %s", p.where, plugins[0].where)
		}
		if !proto.Equal(p.vm, plugins[0].vm) {
			c.errorf("%s: its vm_config differs from the one of %s: the roots would not share a VM", p.where, plugins[0].where)
		}
	}
}

// clusterFor is the cluster the downstream filter names for a model: the distinct
// providers of its targets that can serve, in order, joined by "+"; mock providers are
// answered by the filter and take no cluster. It mirrors envoyfilter's routing.
func clusterFor(cfg *config.Config, m *config.Model) (string, []string) {
	types := make(map[string]*config.Provider)
	for i := range cfg.Providers {
		types[cfg.Providers[i].Name] = &cfg.Providers[i]
	}
	var names []string
	for _, t := range m.Targets {
		p := types[t.Provider]
		if p == nil || p.Unavailable() != "" || contains(names, p.Name) {
			continue
		}
		if p.Type == config.TypeMock {
			if len(names) == 0 {
				return "", nil
			}
			continue
		}
		names = append(names, p.Name)
	}
	return strings.Join(names, "+"), names
}

// francaRouting checks every model of the configuration reaches its providers: the
// cluster the filter names exists and runs the upstream filter; its hosts are the
// providers' hosts, one priority per provider in target order, and each host tells the
// upstream filter its provider (endpoint metadata, cluster metadata or the cluster's name).
// The filter leaves out providers whose keys all rest, so the same holds for every
// ordered sub-list of the model's providers ("a+c" when b rests).
func (c *checker) francaRouting(cfg *config.Config, clusters map[string]*clusterv3.Cluster, upstreamOf map[string]*francaPlugin) {
	for _, m := range cfg.Models {
		name, providers := clusterFor(cfg, &m)
		if name == "" {
			continue
		}
		where := "model " + m.Name
		for _, sub := range subLists(providers) {
			name := strings.Join(sub, "+")
			if len(sub) < len(providers) {
				where = "model " + m.Name + " with " + strings.Join(without(providers, sub), ", ") + " resting"
			}
			c.routeCluster(cfg, where, name, sub, clusters, upstreamOf)
		}
	}
}

// subLists returns the non-empty ordered sub-lists of list, list itself first.
func subLists(list []string) [][]string {
	n := len(list)
	var out [][]string
	for mask := 1<<n - 1; mask > 0; mask-- {
		var sub []string
		for i := range list {
			if mask&(1<<i) != 0 {
				sub = append(sub, list[i])
			}
		}
		out = append(out, sub)
	}
	return out
}

// without returns the names of list that sub lacks.
func without(list, sub []string) []string {
	var out []string
	for _, s := range list {
		if !contains(sub, s) {
			out = append(out, s)
		}
	}
	return out
}

// routeCluster checks the cluster name exists, runs the upstream filter and serves
// providers by priority.
func (c *checker) routeCluster(cfg *config.Config, where, name string, providers []string, clusters map[string]*clusterv3.Cluster, upstreamOf map[string]*francaPlugin) {
	cl := clusters[name]
	if cl == nil {
		c.errorf("%s: the franca filter routes it to cluster %q, which does not exist", where, name)
		return
	}
	if upstreamOf[name] == nil {
		c.errorf("%s: cluster %q has no franca-upstream filter: the request would reach the provider untranslated", where, name)
	}
	var got []string
	prio := -1
	for _, le := range cl.GetLoadAssignment().GetEndpoints() {
		if int(le.GetPriority()) != prio+1 {
			c.errorf("%s: cluster %q has priority %d after %d: priorities go 0, 1, … in target order", where, name, le.GetPriority(), prio)
		}
		prio = int(le.GetPriority())
		for n, e := range le.GetLbEndpoints() {
			provider := endpointProvider(cl, e)
			host := e.GetEndpoint().GetAddress().GetSocketAddress().GetAddress()
			if p := providerNamed(cfg, provider); p == nil {
				c.errorf("%s: cluster %q: host %s maps to %q, which is not a provider", where, name, host, provider)
			} else if h := hostOf(p.BaseURL); h != host {
				c.errorf("%s: cluster %q: host %s is labelled provider %q, which is at %s", where, name, host, provider, h)
			}
			if n == 0 {
				got = append(got, provider)
			} else if got[len(got)-1] != provider {
				c.errorf("%s: cluster %q: priority %d mixes providers %q and %q", where, name, le.GetPriority(), got[len(got)-1], provider)
			}
		}
	}
	if !reflect.DeepEqual(got, providers) {
		c.errorf("%s: cluster %q serves the providers %v by priority, want %v in target order", where, name, got, providers)
	}
}

// endpointProvider names the provider of an endpoint the way the upstream filter does.
func endpointProvider(cl *clusterv3.Cluster, e *endpointv3.LbEndpoint) string {
	if f := e.GetMetadata().GetFilterMetadata()["franca"]; f != nil {
		if p := f.GetFields()["provider"].GetStringValue(); p != "" {
			return p
		}
	}
	if f := cl.GetMetadata().GetFilterMetadata()["franca"]; f != nil {
		if p := f.GetFields()["provider"].GetStringValue(); p != "" {
			return p
		}
	}
	return cl.GetName()
}

// tls checks that every host of a TLS cluster gets a transport socket (the cluster's, or
// the one of transport_socket_matches its metadata selects) whose SNI is its name.
func (c *checker) tls(where string, cl *clusterv3.Cluster) {
	for _, le := range cl.GetLoadAssignment().GetEndpoints() {
		for _, e := range le.GetLbEndpoints() {
			host := e.GetEndpoint().GetAddress().GetSocketAddress().GetAddress()
			ts := cl.GetTransportSocket()
			if md := e.GetMetadata().GetFilterMetadata()["envoy.transport_socket_match"]; md != nil {
				for _, m := range cl.GetTransportSocketMatches() {
					if subset(m.GetMatch().AsMap(), md.AsMap()) {
						ts = m.GetTransportSocket()
						break
					}
				}
			}
			if ts == nil {
				if len(cl.GetTransportSocketMatches()) > 0 {
					c.errorf("%s: no transport socket matches host %s", where, host)
				}
				continue
			}
			var tc tlsv3.UpstreamTlsContext
			if !c.unpack(where+".transport_socket", ts.GetTypedConfig(), &tc) {
				continue
			}
			if tc.GetSni() != host {
				c.errorf("%s: sni %q but the endpoint is %q", where, tc.GetSni(), host)
			}
		}
	}
}

// alpnSockets checks a cluster whose HttpProtocolOptions use auto_config (the protocol
// chosen by ALPN): Envoy refuses such a cluster unless its default transport socket and
// every socket of its transport_socket_matches support ALPN (ClusterImplBase's
// constructor, source/common/upstream/upstream_impl.cc: "ALPN configured for cluster …
// which has a non-ALPN transport socket", and "… non-ALPN transport socket matcher").
// The default is the cluster's transport_socket, raw_buffer when it is unset, even when
// every endpoint matches a TLS socket of transport_socket_matches.
func (c *checker) alpnSockets(where string, cl *clusterv3.Cluster) {
	isTLS := func(ts *corev3.TransportSocket) bool {
		var tc tlsv3.UpstreamTlsContext
		return ts != nil && ts.GetTypedConfig().MessageIs(&tc)
	}
	if !isTLS(cl.GetTransportSocket()) {
		c.errorf("%s: auto_config (ALPN) needs a TLS transport_socket as the cluster's default, not raw_buffer: Envoy refuses \"ALPN configured for cluster %s which has a non-ALPN transport socket\"", where, cl.GetName())
	}
	for _, m := range cl.GetTransportSocketMatches() {
		if !isTLS(m.GetTransportSocket()) {
			c.errorf("%s: auto_config (ALPN) needs TLS on transport_socket_matches %q too: Envoy refuses a non-ALPN transport socket matcher", where, m.GetName())
		}
	}
}

// subset reports whether every field of want is in have with the same value.
func subset(want, have map[string]any) bool {
	for k, v := range want {
		if !reflect.DeepEqual(have[k], v) {
			return false
		}
	}
	return true
}

// configSource checks an xDS config source names a cluster that exists.
func (c *checker) configSource(where string, cs *corev3.ConfigSource, clusters map[string]*clusterv3.Cluster) {
	for _, gs := range cs.GetApiConfigSource().GetGrpcServices() {
		if name := gs.GetEnvoyGrpc().GetClusterName(); name != "" && clusters[name] == nil {
			c.errorf("%s: xDS cluster %q does not exist", where, name)
		}
	}
}

// isFilter reports whether f is the filter named name or configured with a message of
// want's type.
func isFilter(f *hcmv3.HttpFilter, name string, want proto.Message) bool {
	if tc := f.GetTypedConfig(); tc != nil {
		return tc.MessageIs(want)
	}
	return f.GetName() == name
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// istio checks the Istio manifests of one file; all of the folder's manifests are
// passed together, since they refer to each other.
func (c *checker) istio(docs []any) {
	byKind := make(map[string][]map[string]any)
	for _, d := range docs {
		m, _ := d.(map[string]any)
		kind, _ := m["kind"].(string)
		if kind == "" {
			c.errorf("a document without kind")
			continue
		}
		byKind[kind] = append(byKind[kind], m)
	}
	hosts := make(map[string]bool)
	for _, se := range byKind["ServiceEntry"] {
		for _, h := range list(at(se, "spec", "hosts")) {
			hosts[fmt.Sprint(h)] = true
		}
	}
	var franca *config.Config
	for _, wp := range byKind["WasmPlugin"] {
		name := fmt.Sprint(at(wp, "metadata", "name"))
		where := "WasmPlugin " + name
		root, _ := at(wp, "spec", "pluginName").(string)
		if root != rootDownstream {
			c.errorf("%s: pluginName (the root_id) %q, want %q: a WasmPlugin runs in the downstream position", where, root, rootDownstream)
		}
		if u, _ := at(wp, "spec", "url").(string); !strings.HasPrefix(u, "oci://") && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "file://") {
			c.errorf("%s: url %q is not oci://, https:// or file://", where, u)
		}
		switch ph, _ := at(wp, "spec", "phase").(string); ph {
		case "", "UNSPECIFIED_PHASE", "AUTHN", "AUTHZ", "STATS":
		default:
			c.errorf("%s: unknown phase %q", where, ph)
		}
		b, err := json.Marshal(at(wp, "spec", "pluginConfig"))
		if err != nil {
			c.errorf("%s: pluginConfig: %v", where, err)
			continue
		}
		cfg, err := config.Load(b, placeholder)
		if err != nil {
			c.errorf("%s: Franca configuration: %v", where, err)
			continue
		}
		franca = cfg
	}
	if franca == nil {
		c.errorf("no WasmPlugin with a Franca configuration")
		return
	}
	// EnvoyFilter: the upstream filter merged into each provider's cluster.
	mapped := make(map[string]string) // host → provider
	for _, ef := range byKind["EnvoyFilter"] {
		for i, patch := range list(at(ef, "spec", "configPatches")) {
			where := fmt.Sprintf("EnvoyFilter %v configPatches[%d]", at(ef, "metadata", "name"), i)
			if at(patch, "applyTo") != "CLUSTER" {
				c.errorf("%s: applyTo %v: the upstream filter goes on clusters", where, at(patch, "applyTo"))
				continue
			}
			var cl clusterv3.Cluster
			if err := toProto(at(patch, "patch", "value"), &cl); err != nil {
				c.errorf("%s: patch.value is not an Envoy cluster: %v", where, err)
				continue
			}
			service, _ := at(patch, "match", "cluster", "service").(string)
			if cl.GetName() == "" {
				// A MERGE patch: the cluster it merges into is the one Istio names so.
				cl.Name = fmt.Sprintf("outbound|%v||%s", at(patch, "match", "cluster", "portNumber"), service)
			}
			c.validateTree(where, &cl)
			if !hosts[service] {
				c.errorf("%s: matches service %q, which no ServiceEntry declares", where, service)
			}
			provider := ""
			if f := cl.GetMetadata().GetFilterMetadata()["franca"]; f != nil {
				provider = f.GetFields()["provider"].GetStringValue()
			}
			p := providerNamed(franca, provider)
			if p == nil {
				c.errorf("%s: metadata filter_metadata.franca.provider %q is not a provider of the configuration", where, provider)
			} else if h := hostOf(p.BaseURL); h != service {
				c.errorf("%s: provider %q is at %q, the patch matches %q", where, provider, h, service)
			}
			mapped[service] = provider
			var hpo upstreamhttpv3.HttpProtocolOptions
			if !c.unpack(where, cl.GetTypedExtensionProtocolOptions()[optionsKey], &hpo) {
				c.errorf("%s: no %s with the upstream filters", where, optionsKey)
				continue
			}
			filters := hpo.GetHttpFilters()
			if len(filters) == 0 || !isFilter(filters[len(filters)-1], codecFilter, &codecv3.UpstreamCodec{}) {
				c.errorf("%s: upstream_codec is not the last upstream HTTP filter", where)
			}
			found := false
			for j, f := range filters {
				var w wasmfilterv3.Wasm
				if f.GetTypedConfig().GetTypeUrl() != wasmType || !c.unpack(where, f.GetTypedConfig(), &w) {
					continue
				}
				p := c.wasmPlugin(fmt.Sprintf("%s.http_filters[%d]", where, j), f.GetName(), &w, rootUpstream)
				found = true
				if p.cfg != nil && !reflect.DeepEqual(p.cfg, franca) {
					c.errorf("%s: the upstream filter's Franca configuration differs from the WasmPlugin's", where)
				}
				if w.GetConfig().GetVmConfig().GetCode().GetLocal() == nil {
					c.errorf("%s: an EnvoyFilter cannot pull an image: vm_config.code must be a local file", where)
				}
			}
			if !found {
				c.errorf("%s: no franca-upstream filter", where)
			}
		}
	}
	// VirtualService: a route per cluster name the downstream filter sets.
	routes := make(map[string]string) // header value → destination host
	for _, vs := range byKind["VirtualService"] {
		for _, r := range list(at(vs, "spec", "http")) {
			for _, m := range list(at(r, "match")) {
				v, ok := at(m, "headers", clusterHeader, "exact").(string)
				if !ok {
					continue
				}
				for _, d := range list(at(r, "route")) {
					host, _ := at(d, "destination", "host").(string)
					if !hosts[host] {
						c.errorf("VirtualService route %q: destination %q has no ServiceEntry", v, host)
					}
					routes[v] = host
				}
			}
		}
	}
	for _, m := range franca.Models {
		name, providers := clusterFor(franca, &m)
		if name == "" {
			continue
		}
		if len(providers) > 1 {
			c.errorf("model %s: failover across %v needs a cluster of the providers' hosts by priority, which these Istio manifests do not make", m.Name, providers)
			continue
		}
		host, ok := routes[name]
		if !ok {
			c.errorf("model %s: no VirtualService route for %s: %s", m.Name, clusterHeader, name)
			continue
		}
		if mapped[host] != name {
			c.errorf("model %s: its route goes to %q, whose cluster is mapped to provider %q", m.Name, host, mapped[host])
		}
	}
}

func providerNamed(cfg *config.Config, name string) *config.Provider {
	for i := range cfg.Providers {
		if cfg.Providers[i].Name == name {
			return &cfg.Providers[i]
		}
	}
	return nil
}

func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// at walks decoded YAML by map keys.
func at(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// checkExamples checks a set of example files and returns every problem found.
func checkExamples(examples []*example) []error {
	var errs []error
	ecds := make(map[string]*corev3.TypedExtensionConfig)
	var bootstraps []*example
	istio := &checker{file: "istio manifests"}
	var istioDocs []any
	for _, ex := range examples {
		c := &checker{file: ex.name}
		for _, d := range ex.docs {
			switch {
			case at(d, "static_resources") != nil || at(d, "dynamic_resources") != nil:
				bootstraps = append(bootstraps, ex)
			case at(d, "resources") != nil && at(d, "type_url") != nil:
				for k, v := range c.ecdsResources(d) {
					ecds[k] = v
				}
			case at(d, "apiVersion") != nil:
				istioDocs = append(istioDocs, d)
			default:
				c.errorf("neither an Envoy bootstrap, nor an xDS discovery response, nor a Kubernetes manifest")
			}
		}
		errs = append(errs, c.errs...)
	}
	seen := make(map[*example]bool)
	for _, ex := range bootstraps {
		if seen[ex] {
			continue
		}
		seen[ex] = true
		c := &checker{file: ex.name}
		for _, d := range ex.docs {
			c.bootstrap(d, ecds)
		}
		errs = append(errs, c.errs...)
	}
	if len(istioDocs) > 0 {
		istio.istio(istioDocs)
		errs = append(errs, istio.errs...)
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errs
}
