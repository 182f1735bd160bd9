package config

import (
	"strings"
	"time"
)

// Preset is a known OpenAI-compatible service: where it lives and whether it wants a key.
// The parameter quirks of each preset live with the OpenAI translator.
type Preset struct {
	// Name is the value of Provider.Preset, e.g. "deepseek".
	Name string
	// BaseURL is the API root used when the provider sets no base_url.
	BaseURL string
	// KeyRequired is true when the service refuses requests without a credential. A
	// provider of a preset that needs none (ollama, vllm) is available with no keys.
	KeyRequired bool
}

// presets is the table of known OpenAI-compatible services, in documentation order.
var presets = [...]Preset{
	{Name: "deepseek", BaseURL: "https://api.deepseek.com/v1", KeyRequired: true},
	{Name: "qwen", BaseURL: "https://dashscope.aliyuncs.com/compatible-mode/v1", KeyRequired: true},
	{Name: "zhipu", BaseURL: "https://open.bigmodel.cn/api/paas/v4", KeyRequired: true},
	{Name: "moonshot", BaseURL: "https://api.moonshot.ai/v1", KeyRequired: true},
	{Name: "qianfan", BaseURL: "https://qianfan.baidubce.com/v2", KeyRequired: true},
	{Name: "mistral", BaseURL: "https://api.mistral.ai/v1", KeyRequired: true},
	{Name: "groq", BaseURL: "https://api.groq.com/openai/v1", KeyRequired: true},
	{Name: "xai", BaseURL: "https://api.x.ai/v1", KeyRequired: true},
	{Name: "openrouter", BaseURL: "https://openrouter.ai/api/v1", KeyRequired: true},
	{Name: "ollama", BaseURL: "http://127.0.0.1:11434/v1"},
	{Name: "vllm", BaseURL: "http://127.0.0.1:8000/v1"},
}

// LookupPreset returns the preset called name.
func LookupPreset(name string) (Preset, bool) {
	for _, p := range presets {
		if p.Name == name {
			return p, true
		}
	}
	return Preset{}, false
}

// Presets returns every known preset, in a fresh slice.
func Presets() []Preset {
	return append([]Preset(nil), presets[:]...)
}

// presetNames lists the preset names, for messages.
func presetNames() []string {
	names := make([]string, len(presets))
	for i, p := range presets {
		names[i] = p.Name
	}
	return names
}

// Default values Load fills in.
const (
	// DefaultTimeout is Provider.Timeout when unset.
	DefaultTimeout = Duration(10 * time.Minute)
	// DefaultAzureAPIVersion is Provider.APIVersion for type azure when unset.
	DefaultAzureAPIVersion = "2024-10-21"
	// DefaultAnthropicVersion is Provider.APIVersion for type anthropic when unset.
	DefaultAnthropicVersion = "2023-06-01"
)

// types lists the provider types, for validation and messages.
var types = [...]string{TypeOpenAI, TypeAzure, TypeAnthropic, TypeGemini, TypeOpenAICompatible, TypeMock}

// DefaultBaseURL returns the base URL a provider of type typ (and preset, for
// openai-compatible) gets when it sets none, or "" when there is no default (azure,
// openai-compatible without a preset, mock).
func DefaultBaseURL(typ, preset string) string {
	switch typ {
	case TypeOpenAI:
		return "https://api.openai.com/v1"
	case TypeAnthropic:
		return "https://api.anthropic.com"
	case TypeGemini:
		return "https://generativelanguage.googleapis.com"
	case TypeOpenAICompatible:
		if p, ok := LookupPreset(preset); ok {
			return p.BaseURL
		}
	}
	return ""
}

// NeedsKey reports whether the provider cannot work without an upstream key: true for
// openai, azure, anthropic, gemini and the presets that require one; false for mock,
// ollama, vllm and openai-compatible services without a preset (a key is used when given).
func (p *Provider) NeedsKey() bool {
	switch p.Type {
	case TypeOpenAI, TypeAzure, TypeAnthropic, TypeGemini:
		return true
	case TypeOpenAICompatible:
		pr, ok := LookupPreset(p.Preset)
		return ok && pr.KeyRequired
	}
	return false
}

// Unavailable returns why the provider cannot serve requests, or "" when it can. A
// provider is unavailable when it needs a key (NeedsKey) and has none, typically because
// the environment variables its keys name are not set. This is not a validation error:
// Franca starts, and requests routed only to this provider are refused with a 503 that
// does not give the reason: it names environment variables, which are the operator's
// (adapters log it and show it on their admin routes).
func (p *Provider) Unavailable() string {
	if !p.NeedsKey() {
		return ""
	}
	for _, k := range p.Keys {
		if k.Secret != "" {
			return ""
		}
	}
	if len(p.dropped) > 0 {
		return "no usable key: " + strings.Join(p.dropped, "; ")
	}
	return "no keys configured"
}

// DroppedKeys returns how many of the provider's keys Load left out because their secret
// was empty after ${ENV} expansion.
func (p *Provider) DroppedKeys() int { return len(p.dropped) }

// DroppedKeyReasons says, for each key left out, why: "OPENAI_API_KEY is not set" when
// the secret was written as exactly ${OPENAI_API_KEY}, else e.g. "key openai#1 has an
// empty secret". Adapters log them at start-up.
func (p *Provider) DroppedKeyReasons() []string {
	return append([]string(nil), p.dropped...)
}
