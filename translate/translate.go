// Package translate converts between the OpenAI wire format, Franca's canonical form, and
// each provider family's wire format. It does no I/O: a translator builds the upstream
// request as a value and turns the upstream answer, whole or streamed, back into bytes.
//
// Each provider family lives in a package of its own (translate/openai, translate/anthropic,
// translate/gemini, translate/mock) and registers nothing: the gateway picks the family
// by the provider's type.
package translate

import (
	"github.com/franca-gw/franca/translate/schema"
)

// Header is one HTTP header field. Lists of Header keep the order and duplicates of a
// message's header, and need neither net/http nor a map on the hot path.
type Header struct {
	Name  string
	Value string
}

// HeaderGetter reads a header field by name, case-insensitively. net/http's Header
// satisfies it, as does Headers.
type HeaderGetter interface {
	Get(name string) string
}

// Headers is a list of header fields.
type Headers []Header

// Get returns the value of the first field named name (case-insensitive), or "".
func (h Headers) Get(name string) string {
	for _, f := range h {
		if EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// EqualFold compares ASCII header names case-insensitively without allocating.
func EqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Request is an upstream HTTP request, built by a translator for the adapter to send.
type Request struct {
	// Method is the HTTP method, e.g. "POST".
	Method string
	// URL is the absolute URL, query included.
	URL string
	// Header holds the fields to send. Translators leave it without the upstream
	// credential, which a Credential adds afterwards, and with room for one more field
	// so that adding it does not allocate.
	Header Headers
	// Body is the request body.
	Body []byte
	// Stream is true when the answer is expected as text/event-stream.
	Stream bool
}

// Target is what a translator needs to know about the provider and model it sends to.
// It holds no secret: the upstream credential is applied to the built request
// afterwards (see Credential).
type Target struct {
	// BaseURL is the provider's base URL without a trailing slash, e.g.
	// "https://api.anthropic.com" or "https://api.openai.com/v1".
	BaseURL string
	// Model is the provider's own model name (for Azure, the deployment name).
	Model string
	// Header holds extra fields the configuration adds to every upstream request.
	Header Headers
	// APIVersion is the provider's API version where it has one: Azure's api-version
	// query parameter, Anthropic's anthropic-version header. Empty means the default.
	APIVersion string
	// Created is the request's time in Unix seconds, written as "created" in responses
	// the translator builds (translators never read the clock).
	Created int64
}

// Chat translates chat completions for one provider family.
type Chat interface {
	// Request builds the upstream request, without the credential. raw is the client's
	// original body, which OpenAI-format families may forward with only the model
	// changed. t is shared by concurrent requests and must not be changed; its Created
	// is not set.
	Request(req *schema.ChatRequest, raw []byte, t *Target) (*Request, error)
	// Response converts a successful non-stream upstream body into an OpenAI
	// chat.completion body and returns the usage it reports.
	Response(body []byte, req *schema.ChatRequest, t *Target) ([]byte, *schema.Usage, error)
	// Stream returns a transcoder for a successful streamed upstream body.
	Stream(req *schema.ChatRequest, t *Target) Stream
}

// Embeddings translates embeddings for one provider family.
type Embeddings interface {
	// EmbeddingsRequest builds the upstream request, without the credential. t is shared
	// by concurrent requests and must not be changed.
	EmbeddingsRequest(req *schema.EmbeddingsRequest, raw []byte, t *Target) (*Request, error)
	// EmbeddingsResponse converts a successful upstream body into an OpenAI embeddings list.
	EmbeddingsResponse(body []byte, req *schema.EmbeddingsRequest, t *Target) ([]byte, *schema.Usage, error)
}

// Errors maps a provider's error replies to OpenAI's error shape.
type Errors interface {
	// Error converts a non-2xx upstream reply into the error the client gets.
	Error(status int, h HeaderGetter, body []byte) *Error
}

// Stream transcodes a provider's event stream into OpenAI chat.completion.chunk events.
// Upstream bytes may arrive cut anywhere, even inside a UTF-8 sequence or an event's
// field name; a transcoder keeps what it cannot use yet for the next call. Each family's
// Stream is its decoder into typed events (translate/event) joined to the OpenAI encoder
// (translate/openaisse); docs/architecture.md describes the stages.
type Stream interface {
	// Feed consumes the next upstream bytes and appends the complete OpenAI SSE events
	// they yield ("data: {…}\n\n") to dst.
	Feed(dst, p []byte) ([]byte, error)
	// End is called when the upstream body ends. It appends what remains to be sent,
	// the usage chunk and "data: [DONE]\n\n" among them, or returns an error if the
	// stream ended before the provider said it was complete.
	End(dst []byte) ([]byte, error)
	// Usage returns the usage the stream has reported so far, or nil.
	Usage() *schema.Usage
}

// Failer is implemented by streams that pass on a provider's own error event (an
// overload in the middle of an answer, say): Failed reports whether one was written,
// after which the stream ends without "[DONE]".
type Failer interface {
	Failed() bool
}
