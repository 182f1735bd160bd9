package envoy

import (
	"strings"
	"testing"
)

// TestExamples parses every YAML file of this folder into Envoy's types (Istio manifests:
// their embedded Envoy configuration), validates it down into every Any, and checks that
// it fits the filter.
func TestExamples(t *testing.T) {
	examples, err := loadExamples(".")
	if err != nil {
		t.Fatal(err)
	}
	names := make(map[string]bool)
	for _, ex := range examples {
		names[ex.name] = true
	}
	for _, want := range []string{"envoy.yaml", "envoy-ecds.yaml", "ecds-resources.yaml", "istio/wasmplugin.yaml", "istio/envoyfilter-upstream.yaml", "istio/routing.yaml"} {
		if !names[want] {
			t.Errorf("%s is missing", want)
		}
	}
	for _, err := range checkExamples(examples) {
		t.Error(err)
	}
}

// mutation breaks one example file, the way a hand edit could.
type mutation struct {
	name string
	file string
	// edit changes the file's first document.
	edit func(doc any)
	// want is a piece of the problem the checks must report.
	want string
}

// TestBrokenExamplesFail: each mutation of a copy of an example must be caught.
func TestBrokenExamplesFail(t *testing.T) {
	clusters := func(doc any) []any { return list(at(doc, "static_resources", "clusters")) }
	clusterNamed := func(doc any, name string) map[string]any {
		for _, c := range clusters(doc) {
			if at(c, "name") == name {
				return c.(map[string]any)
			}
		}
		t.Fatalf("no cluster %s", name)
		return nil
	}
	upstreamFilters := func(doc any, cluster string) map[string]any {
		return at(clusterNamed(doc, cluster), "typed_extension_protocol_options", optionsKey).(map[string]any)
	}
	hcm := func(doc any) map[string]any {
		f := list(at(list(at(list(at(doc, "static_resources", "listeners"))[0], "filter_chains"))[0], "filters"))[0]
		return at(f, "typed_config").(map[string]any)
	}
	downstreamWasm := func(doc any) map[string]any {
		return at(list(hcm(doc)["http_filters"])[0], "typed_config", "config").(map[string]any)
	}
	mutations := []mutation{
		{"upstream_codec removed", "envoy.yaml", func(doc any) {
			o := upstreamFilters(doc, "openai")
			o["http_filters"] = list(o["http_filters"])[:1]
		}, "upstream_codec is not the last"},
		{"upstream_codec first", "envoy.yaml", func(doc any) {
			o := upstreamFilters(doc, "gemini")
			fs := list(o["http_filters"])
			o["http_filters"] = []any{fs[1], fs[0]}
		}, "upstream_codec"},
		{"headers pause without allow_on_headers_stop_iteration", "envoy.yaml", func(doc any) {
			delete(downstreamWasm(doc), "allow_on_headers_stop_iteration")
		}, "allow_on_headers_stop_iteration is not true"},
		{"ALPN cluster without a TLS default socket", "envoy.yaml", func(doc any) {
			delete(clusterNamed(doc, "anthropic+openai"), "transport_socket")
		}, "needs a TLS transport_socket as the cluster's default"},
		{"ALPN cluster with a plain socket match", "envoy.yaml", func(doc any) {
			m := list(clusterNamed(doc, "anthropic+openai")["transport_socket_matches"])[1].(map[string]any)
			m["transport_socket"] = map[string]any{"name": "envoy.transport_sockets.raw_buffer", "typed_config": map[string]any{
				"@type": "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"}}
		}, "needs TLS on transport_socket_matches"},
		{"failover priorities swapped", "envoy.yaml", func(doc any) {
			eps := list(at(clusterNamed(doc, "anthropic+openai"), "load_assignment", "endpoints"))
			eps[0].(map[string]any)["priority"], eps[1].(map[string]any)["priority"] = 1, 0
		}, "has priority 1 after -1"},
		{"failover providers in the wrong order", "envoy.yaml", func(doc any) {
			eps := list(at(clusterNamed(doc, "anthropic+openai"), "load_assignment", "endpoints"))
			a, b := eps[0].(map[string]any), eps[1].(map[string]any)
			a["lb_endpoints"], b["lb_endpoints"] = b["lb_endpoints"], a["lb_endpoints"]
		}, "want [anthropic openai] in target order"},
		{"host labelled with the wrong provider", "envoy.yaml", func(doc any) {
			ep := list(at(list(at(clusterNamed(doc, "anthropic+openai"), "load_assignment", "endpoints"))[1], "lb_endpoints"))[0]
			at(ep, "metadata", "filter_metadata", "franca").(map[string]any)["provider"] = "gemini"
		}, `labelled provider "gemini"`},
		{"no transport socket for a host", "envoy.yaml", func(doc any) {
			cl := clusterNamed(doc, "anthropic+openai")
			cl["transport_socket_matches"] = list(cl["transport_socket_matches"])[:1]
		}, `sni "api.anthropic.com" but the endpoint is "api.openai.com"`}, // the cluster's default socket takes an unmatched host
		{"cluster pointing at another provider's host", "envoy.yaml", func(doc any) {
			ep := list(at(list(at(clusterNamed(doc, "gemini"), "load_assignment", "endpoints"))[0], "lb_endpoints"))[0]
			at(ep, "endpoint", "address", "socket_address").(map[string]any)["address"] = "api.openai.com"
		}, "which is at generativelanguage.googleapis.com"},
		{"provider cluster missing", "envoy.yaml", func(doc any) {
			cs := clusters(doc)
			var kept []any
			for _, c := range cs {
				if at(c, "name") != "gemini" {
					kept = append(kept, c)
				}
			}
			at(doc, "static_resources").(map[string]any)["clusters"] = kept
		}, `cluster "gemini", which does not exist`},
		{"no cluster for a model's providers when its first provider rests", "envoy.yaml", func(doc any) {
			cs := clusters(doc)
			var kept []any
			for _, c := range cs {
				if at(c, "name") != "openai" {
					kept = append(kept, c)
				}
			}
			at(doc, "static_resources").(map[string]any)["clusters"] = kept
		}, `model smart with anthropic resting: the franca filter routes it to cluster "openai", which does not exist`},
		{"unknown root id", "envoy.yaml", func(doc any) {
			downstreamWasm(doc)["root_id"] = "franca-typo"
		}, `root_id "franca-typo"`},
		{"upstream root in the downstream position", "envoy.yaml", func(doc any) {
			w := downstreamWasm(doc)
			w["root_id"], w["name"] = "franca-upstream", "franca-upstream"
		}, "in the downstream position"},
		{"no upstream filter on a provider cluster", "envoy.yaml", func(doc any) {
			o := upstreamFilters(doc, "anthropic")
			o["http_filters"] = list(o["http_filters"])[1:]
		}, `cluster "anthropic" has no franca-upstream filter`},
		{"router not last", "envoy.yaml", func(doc any) {
			h := hcm(doc)
			fs := list(h["http_filters"])
			h["http_filters"] = []any{fs[1], fs[0]}
		}, "router is not the last"},
		{"negative timeout", "envoy.yaml", func(doc any) {
			clusterNamed(doc, "openai")["connect_timeout"] = "-1s"
		}, "ConnectTimeout"},
		{"unknown field", "envoy.yaml", func(doc any) {
			clusterNamed(doc, "openai")["conect_timeout"] = "1s"
		}, "conect_timeout"},
		{"invalid value inside an Any", "envoy.yaml", func(doc any) {
			at(clusterNamed(doc, "openai"), "transport_socket", "typed_config").(map[string]any)["sni"] = strings.Repeat("x", 300)
		}, "Sni"},
		{"SNI of another host", "envoy.yaml", func(doc any) {
			at(clusterNamed(doc, "openai"), "transport_socket", "typed_config").(map[string]any)["sni"] = "api.anthropic.com"
		}, `sni "api.anthropic.com"`},
		{"invalid Franca configuration", "envoy.yaml", func(doc any) {
			cfg := at(downstreamWasm(doc), "configuration").(map[string]any)
			cfg["value"] = strings.Replace(cfg["value"].(string), `"type": "openai"`, `"type": "openia"`, 1)
		}, "providers[0].type"},
		{"upstream configuration differs", "envoy.yaml", func(doc any) {
			o := upstreamFilters(doc, "openai")
			cfg := at(list(o["http_filters"])[0], "typed_config", "config", "configuration").(map[string]any)
			cfg["value"] = strings.Replace(cfg["value"].(string), `"max_request_bytes": 10485760`, `"max_request_bytes": 1024`, 1)
		}, "Franca configuration differs"},
		{"wrong cluster header", "envoy.yaml", func(doc any) {
			vh := list(at(hcm(doc), "route_config", "virtual_hosts"))[0]
			r := at(list(at(vh, "routes"))[0], "route").(map[string]any)
			r["cluster_header"] = "x-cluster"
		}, "cluster_header"},
		{"ECDS resource missing", "ecds-resources.yaml", func(doc any) {
			doc.(map[string]any)["resources"] = list(at(doc, "resources"))[:1]
		}, `filter "franca-upstream" comes from ECDS`},
		{"xDS cluster missing", "envoy-ecds.yaml", func(doc any) {
			cs := clusters(doc)
			at(doc, "static_resources").(map[string]any)["clusters"] = cs[:len(cs)-1]
		}, `xDS cluster "franca-xds"`},
		{"Istio: upstream filter on a cluster without metadata", "istio/envoyfilter-upstream.yaml", func(doc any) {
			p := list(at(doc, "spec", "configPatches"))[1]
			delete(at(p, "patch", "value").(map[string]any), "metadata")
		}, `franca.provider ""`},
		{"Istio: WasmPlugin root id", "istio/wasmplugin.yaml", func(doc any) {
			at(doc, "spec").(map[string]any)["pluginName"] = "franca-upstream"
		}, "pluginName"},
		{"Istio: invalid Franca configuration", "istio/wasmplugin.yaml", func(doc any) {
			at(doc, "spec", "pluginConfig").(map[string]any)["virtual_keys"] = []any{map[string]any{"name": "k", "hash": "md5:0"}}
		}, "virtual_keys[0].hash"},
	}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			examples, err := loadExamples(".")
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, ex := range examples {
				if ex.name == m.file {
					m.edit(ex.docs[0])
					found = true
				}
			}
			if !found {
				t.Fatalf("no example %s", m.file)
			}
			errs := checkExamples(examples)
			for _, err := range errs {
				if strings.Contains(err.Error(), m.want) {
					return
				}
			}
			t.Fatalf("not caught: want a problem with %q, got %q", m.want, errs)
		})
	}
}

// The Istio VirtualService must route every cluster name the filter sets.
func TestBrokenIstioRouting(t *testing.T) {
	examples, err := loadExamples(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range examples {
		if ex.name != "istio/routing.yaml" {
			continue
		}
		for _, d := range ex.docs {
			if at(d, "kind") == "VirtualService" {
				http := list(at(d, "spec", "http"))
				at(d, "spec").(map[string]any)["http"] = http[1:]
			}
		}
	}
	for _, err := range checkExamples(examples) {
		if strings.Contains(err.Error(), "no VirtualService route for x-franca-cluster: openai") {
			return
		}
	}
	t.Fatal("a missing route was not caught")
}
