// Package openai translates for the provider families that already speak OpenAI's wire
// format: OpenAI itself, Azure OpenAI, and OpenAI-compatible services (DeepSeek, Qwen,
// Zhipu, Moonshot, Qianfan, Mistral, Groq, xAI, OpenRouter, Ollama, vLLM, or any server
// at a configured base URL).
//
// Requests are forwarded as the client wrote them with only the model replaced, on the
// bytes, unless a preset's quirks require an edit (a renamed or refused parameter);
// responses and stream events pass through unchanged except that a usage chunk the
// client did not ask for is removed. Each preset's departures from OpenAI are data
// (Quirks), checked against the request so that a parameter the provider would ignore
// is refused with a 400 instead of being dropped.
package openai

import (
	"errors"
	"net/url"
	"strings"

	"github.com/franca-gw/franca/translate"
)

type family int

const (
	familyOpenAI family = iota
	familyAzure
)

// Translator translates for one OpenAI-format family: openai, azure, or
// openai-compatible with a preset.
type Translator struct {
	family family
	preset *Preset
	// provider names the provider type in error messages.
	provider string
}

// New returns the translator for type "openai" (preset "") or type "openai-compatible"
// with the named preset ("" allowed: a plain compatible server, translated exactly like
// OpenAI). An unknown preset is an error.
func New(preset string) (*Translator, error) {
	if preset == "" {
		return &Translator{family: familyOpenAI, preset: plain, provider: "openai"}, nil
	}
	p, ok := presets[preset]
	if !ok {
		return nil, errors.New("unknown openai-compatible preset " + `"` + preset + `"` +
			" (known: " + strings.Join(Presets(), ", ") + ")")
	}
	return &Translator{family: familyOpenAI, preset: p, provider: "openai-compatible (preset " + preset + ")"}, nil
}

// NewAzure returns the Azure OpenAI translator.
func NewAzure() *Translator {
	return &Translator{family: familyAzure, preset: plain, provider: "azure"}
}

// Interface guards.
var (
	_ translate.Chat       = (*Translator)(nil)
	_ translate.Embeddings = (*Translator)(nil)
	_ translate.Errors     = (*Translator)(nil)
)

// quirks returns the preset's quirks, or nil for OpenAI, Azure and permissive presets.
func (t *Translator) quirks() *Quirks { return t.preset.Quirks }

// apiVersion returns Azure's api-version for tg.
func apiVersion(tg *translate.Target) string {
	if tg.APIVersion != "" {
		return tg.APIVersion
	}
	return DefaultAzureAPIVersion
}

// baseURL returns the target's base URL, or the preset's default.
func (t *Translator) baseURL(tg *translate.Target) string {
	b := tg.BaseURL
	if b == "" {
		if t.family == familyAzure {
			return ""
		}
		b = t.preset.BaseURL
		if b == "" && t.preset == plain {
			b = DefaultBaseURL
		}
	}
	return strings.TrimRight(b, "/")
}

// endpointURL returns the URL of a model endpoint ("chat/completions", "embeddings",
// "completions" …) for the target's model or Azure deployment.
func (t *Translator) endpointURL(endpoint string, tg *translate.Target) string {
	base := t.baseURL(tg)
	if t.family == familyAzure {
		return base + "/openai/deployments/" + url.PathEscape(tg.Model) + "/" + endpoint +
			"?api-version=" + url.QueryEscape(apiVersion(tg))
	}
	return base + "/" + endpoint
}

// authHeaders returns the content-type field followed by the configured extra fields,
// with room for the credential.
func (t *Translator) authHeaders(tg *translate.Target, contentType string) translate.Headers {
	h := make(translate.Headers, 0, 2+len(tg.Header))
	if contentType != "" {
		h = append(h, translate.Header{Name: "Content-Type", Value: contentType})
	}
	return append(h, tg.Header...)
}

// KeyCarrier says how the family takes a static key: "api-key: <key>" for Azure,
// "Authorization: Bearer <key>" otherwise (the preset's Auth).
func (t *Translator) KeyCarrier() translate.KeyCarrier {
	if t.family == familyAzure || t.preset.Auth == AuthAPIKey {
		return translate.KeyCarrier{Header: "api-key"}
	}
	return translate.KeyCarrier{Header: "Authorization", Prefix: "Bearer "}
}
