// Package anthropic translates OpenAI Chat Completions to Anthropic's Messages API
// (POST /v1/messages) and back: request bodies, whole responses, event streams and error
// replies. docs/providers/anthropic.md describes the mapping for users.
//
// Decisions worth knowing when reading the code:
//   - Anthropic requires max_tokens; when the client sets neither max_completion_tokens
//     nor max_tokens, DefaultMaxTokens is sent.
//   - response_format (json_schema, json_object) is emulated with a tool whose
//     input_schema is the requested schema and which the model is made to call; its
//     input comes back as the message content.
//   - reasoning_effort turns on extended thinking with a budget per effort level.
//   - The reasoning_content of assistant messages in the history is not sent back:
//     Anthropic only accepts thinking blocks with the signature it issued, which the
//     OpenAI format has no place for.
//   - Parameters Anthropic cannot honour are refused with a 400 naming the parameter,
//     never dropped.
package anthropic

import (
	"strings"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

const (
	// ProviderType is the configuration's provider type for this family.
	ProviderType = "anthropic"
	// DefaultBaseURL is used when the target has no base URL.
	DefaultBaseURL = "https://api.anthropic.com"
	// DefaultAPIVersion is the anthropic-version header sent when the target names none.
	DefaultAPIVersion = "2023-06-01"
	// DefaultMaxTokens is the max_tokens sent when the client gives no limit: Anthropic
	// requires one.
	DefaultMaxTokens = 4096
	// MinThinkingBudget is the smallest budget_tokens Anthropic accepts.
	MinThinkingBudget = 1024
	// DefaultJSONToolName names the tool that emulates response_format when the client
	// gives no schema name.
	DefaultJSONToolName = "json_response"
)

// Translator is the Anthropic family translator. It holds no state; one value serves
// every request.
type Translator struct{}

// New returns the translator. It implements translate.Chat and translate.Errors.
func New() *Translator { return &Translator{} }

// KeyCarrier is how Anthropic takes a static key: the x-api-key header field.
var KeyCarrier = translate.KeyCarrier{Header: "x-api-key"}

// Request builds POST {base}/v1/messages from an OpenAI chat request, without the
// credential (see KeyCarrier).
func (*Translator) Request(req *schema.ChatRequest, raw []byte, t *translate.Target) (*translate.Request, error) {
	if e := translate.CheckChatParams(raw, ProviderType); e != nil {
		return nil, e
	}
	model := t.Model
	if model == "" {
		model = req.Model
	}
	body, err := buildBody(req, model)
	if err != nil {
		return nil, err
	}
	version := t.APIVersion
	if version == "" {
		version = DefaultAPIVersion
	}
	// Room for the fields below, the configured ones and the credential.
	h := make(translate.Headers, 0, 4+len(t.Header))
	h = append(h,
		translate.Header{Name: "content-type", Value: "application/json"},
		translate.Header{Name: "anthropic-version", Value: version},
	)
	if req.Stream {
		h = append(h, translate.Header{Name: "accept", Value: "text/event-stream"})
	}
	h = append(h, t.Header...)
	return &translate.Request{Method: "POST", URL: messagesURL(t.BaseURL), Header: h, Body: body, Stream: req.Stream}, nil
}

// messagesURL appends /v1/messages to the base URL; a base URL that already ends in /v1
// is accepted too.
func messagesURL(base string) string {
	base = strings.TrimRight(base, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if strings.HasSuffix(base, "/v1") {
		return base + "/messages"
	}
	return base + "/v1/messages"
}

// Interface guards.
var (
	_ translate.Chat   = (*Translator)(nil)
	_ translate.Errors = (*Translator)(nil)
)
