//go:build !wasip1

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
)

// examplePlugin is a plugin configuration found in examples/envoy.
type examplePlugin struct {
	where, root string
	config      []byte
}

// examplePlugins finds every Wasm plugin configuration of the examples: Envoy's
// PluginConfig (root_id and a StringValue configuration) and Istio's WasmPlugin
// (pluginName and pluginConfig).
func examplePlugins(t *testing.T) []examplePlugin {
	t.Helper()
	var out []examplePlugin
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if root, ok := v["root_id"].(string); ok {
				if cfg, ok := v["configuration"].(map[string]any); ok {
					s, _ := cfg["value"].(string)
					out = append(out, examplePlugin{where, root, []byte(s)})
				}
			}
			if v["kind"] == "WasmPlugin" {
				spec, _ := v["spec"].(map[string]any)
				b, err := json.Marshal(spec["pluginConfig"])
				if err != nil {
					t.Fatal(err)
				}
				root, _ := spec["pluginName"].(string)
				out = append(out, examplePlugin{where, root, b})
			}
			for k, x := range v {
				walk(where+"."+k, x)
			}
		case []any:
			for _, x := range v {
				walk(where, x)
			}
		}
	}
	err := filepath.WalkDir("../examples/envoy", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".yaml" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var doc any
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return err
			}
			walk(p, doc)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExamplePluginsStart starts every plugin configuration of examples/envoy on the
// module, with its root id and its Franca configuration: the examples name roots the
// module registers and carry configurations it accepts.
func TestExamplePluginsStart(t *testing.T) {
	plugins := examplePlugins(t)
	if len(plugins) < 4 {
		t.Fatalf("found %d plugin configurations in examples/envoy", len(plugins))
	}
	forEachRunner(t, func(t *testing.T, r runner) {
		for _, p := range plugins {
			s := start(t, r, p.root, p.config, nil)
			if crit := s.host.GetCriticalLogs(); len(crit) > 0 {
				t.Errorf("%s: %q", p.where, crit)
			}
			s.stop()
		}
	})
}
