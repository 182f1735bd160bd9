package config

import (
	"reflect"
	"strings"
	"testing"
)

// TestValidate checks Validate on configurations built in code: no lines, no defaults.
func TestValidate(t *testing.T) {
	valid := func() *Config {
		return &Config{
			Providers: []Provider{
				{Name: "openai", Type: TypeOpenAI, Keys: []Key{{Secret: "sk"}}},
				{Name: "mock", Type: TypeMock},
			},
			Models: []Model{
				{Name: "gpt", Targets: []Target{{Provider: "openai", Model: "gpt-4o"}}},
				{Name: "echo", Targets: []Target{{Provider: "mock"}}},
			},
			VirtualKeys: []VirtualKey{{Name: "app", Hash: hashA, Models: []string{"gpt", "*"}}},
			Passthrough: Passthrough{Provider: "openai"},
		}
	}
	tests := []struct {
		name   string
		change func(c *Config)
		want   []string
	}{
		{"valid", func(c *Config) {}, nil},
		{"empty", func(c *Config) { *c = Config{} }, nil},
		{"empty hash", func(c *Config) { c.VirtualKeys[0].Hash = "" }, []string{
			"virtual_keys[0].hash: required (when written as ${NAME}, check that the environment variable is set)",
		}},
		{"no targets", func(c *Config) { c.Models[0].Targets = nil }, []string{
			"models[0].targets: at least one target is required",
		}},
		{"key with empty secret is not a problem", func(c *Config) { c.Providers[0].Keys[0].Secret = "" }, nil},
		{"empty key ids are not duplicates", func(c *Config) {
			c.Providers[0].Keys = append(c.Providers[0].Keys, Key{Secret: "b"})
		}, nil},
		{"header map key quoted in path", func(c *Config) {
			c.Providers[0].Headers = map[string]string{"a:b": "x", "a.b": "ok", "": "y", "Ok": "nul\x00"}
		}, []string{
			`providers[0].headers[""]: not a valid header name`,
			`providers[0].headers.Ok: value contains a line break or NUL`,
			`providers[0].headers["a:b"]: not a valid header name`,
		}},
		{"passthrough to azure", func(c *Config) {
			c.Providers[0].Type, c.Providers[0].BaseURL = TypeAzure, "https://r.openai.azure.com"
		}, nil},
		{"passthrough to mock", func(c *Config) { c.Passthrough.Provider = "mock" }, []string{
			`passthrough.provider: provider "mock" has type mock; passthrough needs an openai or azure provider`,
		}},
		{"negative timeout", func(c *Config) { c.Providers[1].Timeout = -1 }, []string{
			"providers[1].timeout: must not be negative",
		}},
		{"vllm and ollama presets need no base_url", func(c *Config) {
			c.Providers = append(c.Providers,
				Provider{Name: "v", Type: TypeOpenAICompatible, Preset: "vllm"},
				Provider{Name: "o", Type: TypeOpenAICompatible, Preset: "ollama"})
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(c)
			if got := errLines(t, c.Validate()); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestPresets(t *testing.T) {
	want := map[string]string{
		"deepseek":   "https://api.deepseek.com/v1",
		"qwen":       "https://dashscope.aliyuncs.com/compatible-mode/v1",
		"zhipu":      "https://open.bigmodel.cn/api/paas/v4",
		"moonshot":   "https://api.moonshot.ai/v1",
		"qianfan":    "https://qianfan.baidubce.com/v2",
		"mistral":    "https://api.mistral.ai/v1",
		"groq":       "https://api.groq.com/openai/v1",
		"xai":        "https://api.x.ai/v1",
		"openrouter": "https://openrouter.ai/api/v1",
		"ollama":     "http://127.0.0.1:11434/v1",
		"vllm":       "http://127.0.0.1:8000/v1",
	}
	all := Presets()
	if len(all) != len(want) {
		t.Errorf("%d presets, want %d", len(all), len(want))
	}
	for _, p := range all {
		if want[p.Name] != p.BaseURL {
			t.Errorf("%s: base URL %q, want %q", p.Name, p.BaseURL, want[p.Name])
		}
		if got := DefaultBaseURL(TypeOpenAICompatible, p.Name); got != p.BaseURL {
			t.Errorf("DefaultBaseURL(openai-compatible, %s) = %q", p.Name, got)
		}
		if p.KeyRequired == (p.Name == "ollama" || p.Name == "vllm") {
			t.Errorf("%s: KeyRequired = %v", p.Name, p.KeyRequired)
		}
		if msg := checkBaseURL(p.BaseURL); msg != "" {
			t.Errorf("%s: %s", p.Name, msg)
		}
	}
	if _, ok := LookupPreset("nope"); ok {
		t.Error("LookupPreset(nope) found something")
	}
	all[0].BaseURL = "changed"
	if p, _ := LookupPreset(all[0].Name); p.BaseURL == "changed" {
		t.Error("Presets() returned the table itself")
	}
	for typ, want := range map[string]string{
		TypeOpenAI:           "https://api.openai.com/v1",
		TypeAnthropic:        "https://api.anthropic.com",
		TypeGemini:           "https://generativelanguage.googleapis.com",
		TypeAzure:            "",
		TypeMock:             "",
		TypeOpenAICompatible: "",
	} {
		if got := DefaultBaseURL(typ, ""); got != want {
			t.Errorf("DefaultBaseURL(%s) = %q, want %q", typ, got, want)
		}
	}
}

func TestSuggest(t *testing.T) {
	opts := []string{"providers", "models", "virtual_keys", "limits", "passthrough"}
	for in, want := range map[string]string{
		"provider":    "providers",
		"Models":      "models",
		"virtualkeys": "virtual_keys",
		"limit":       "limits",
		"colour":      "",
		"x":           "",
	} {
		if got := suggest(in, opts); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
