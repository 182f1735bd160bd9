package config

import (
	"os"
	"strings"
	"testing"
)

// TestExampleConfig loads examples/franca.yaml, the configuration `make run` uses.
func TestExampleConfig(t *testing.T) {
	b, err := os.ReadFile("../examples/franca.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(b, env(map[string]string{"FRANCA_DEMO_KEY_HASH": HashKey("sk-franca-demo")}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"mock-chat":              "mock/mock",
		"mock-embed":             "mock/mock",
		"gpt-4o-mini":            "openai/gpt-4o-mini",
		"claude-sonnet":          "anthropic/claude-sonnet-4-5",
		"gemini-flash":           "gemini/gemini-2.5-flash",
		"deepseek-chat":          "deepseek/deepseek-chat",
		"text-embedding-3-small": "openai/text-embedding-3-small",
	}
	s := cfg.Summary()
	if len(s.Models) != len(want) {
		t.Errorf("%d models, want %d", len(s.Models), len(want))
	}
	for _, m := range s.Models {
		if len(m.Targets) != 1 || m.Targets[0] != want[m.Name] {
			t.Errorf("model %s targets %q, want %q", m.Name, m.Targets, want[m.Name])
		}
	}
	// With no provider key set, only the mock can serve.
	for _, p := range s.Providers {
		if (p.Unavailable == "") != (p.Name == "mock") {
			t.Errorf("provider %s: unavailable %q", p.Name, p.Unavailable)
		}
	}
	if len(cfg.VirtualKeys) != 1 || cfg.VirtualKeys[0].Name != "demo" || cfg.VirtualKeys[0].Hash != HashKey("sk-franca-demo") {
		t.Errorf("virtual keys = %+v", cfg.VirtualKeys)
	}
	// Without the hash variable the file loads all the same, with a hash no key has.
	cfg, err = Load(b, env(nil))
	if err != nil || cfg.VirtualKeys[0].Hash != "sha256:"+strings.Repeat("0", 64) {
		t.Errorf("without FRANCA_DEMO_KEY_HASH: %v", err)
	}
}
