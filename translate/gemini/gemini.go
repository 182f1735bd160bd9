// Package gemini translates between the OpenAI Chat Completions and Embeddings formats and
// Google's Gemini API (the Generative Language API, v1beta): generateContent,
// streamGenerateContent with Server-Sent Events, and batchEmbedContents.
//
// The Translator keeps no state of its own; each stream has a transcoder of its own.
// See docs/providers/gemini.md for what maps to what and what is refused.
package gemini

import (
	"net/url"
	"strings"

	"github.com/franca-gw/franca/translate"
)

// DefaultBaseURL is the Gemini API's root, without the version.
const DefaultBaseURL = "https://generativelanguage.googleapis.com"

// providerType names the family in Unsupported errors.
const providerType = "gemini"

// Translator translates for the Gemini API. It implements translate.Chat,
// translate.Embeddings and translate.Errors.
type Translator struct{}

// New returns the translator.
func New() *Translator { return &Translator{} }

// Interface guards.
var (
	_ translate.Chat       = (*Translator)(nil)
	_ translate.Embeddings = (*Translator)(nil)
	_ translate.Errors     = (*Translator)(nil)
)

// methodURL returns {base}/v1beta/{resource}:{method}. The resource is the model's name:
// "models/NAME" for a bare name, or the name as given when it already names a collection
// ("models/…" or "tunedModels/…"); the name itself is escaped as a path segment.
func methodURL(t *translate.Target, method string) string {
	base := t.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	// Forgive a base URL that already names the version.
	base = strings.TrimSuffix(strings.TrimSuffix(base, "/"), "/v1beta")
	var b strings.Builder
	b.Grow(len(base) + len(t.Model) + len(method) + 24)
	b.WriteString(base)
	b.WriteString("/v1beta/")
	b.WriteString(resourceName(t.Model, true))
	b.WriteByte(':')
	b.WriteString(method)
	return b.String()
}

// resourceName returns the model's resource name, "models/NAME" or "tunedModels/NAME",
// with NAME path-escaped when escape is true.
func resourceName(model string, escape bool) string {
	collection, name := "models/", model
	for _, c := range [...]string{"models/", "tunedModels/"} {
		if strings.HasPrefix(model, c) {
			collection, name = c, model[len(c):]
			break
		}
	}
	if escape {
		name = url.PathEscape(name)
	}
	return collection + name
}

// KeyCarrier is how the Gemini API takes a static key: the x-goog-api-key header field
// (rather than the key query parameter, which would put the key in URLs that proxies log).
var KeyCarrier = translate.KeyCarrier{Header: "x-goog-api-key"}

// headers returns the request header: JSON content, then the configured fields, with
// room for the credential.
func headers(t *translate.Target) translate.Headers {
	h := make(translate.Headers, 0, 2+len(t.Header))
	h = append(h, translate.Header{Name: "Content-Type", Value: "application/json"})
	return append(h, t.Header...)
}
