package anthropic

import (
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// tokens are the counts Anthropic reports in a message's usage object.
type tokens struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
}

// usage converts Anthropic's counts to OpenAI's: Anthropic's input_tokens leaves out the
// tokens read from and written to the prompt cache, which OpenAI's prompt_tokens
// includes. Anthropic does not report reasoning tokens apart from output tokens, so
// reasoning_tokens is always 0.
func (k tokens) usage() *schema.Usage {
	prompt := k.InputTokens + k.CacheReadInputTokens + k.CacheCreationInputTokens
	return &schema.Usage{
		PromptTokens:            prompt,
		CompletionTokens:        k.OutputTokens,
		TotalTokens:             prompt + k.OutputTokens,
		PromptTokensDetails:     &schema.PromptTokensDetails{CachedTokens: k.CacheReadInputTokens},
		CompletionTokensDetails: &schema.CompletionTokensDetails{},
	}
}

// appendUsage writes the usage object for k.
func (k tokens) appendUsage(b []byte) []byte {
	prompt := k.InputTokens + k.CacheReadInputTokens + k.CacheCreationInputTokens
	b = append(b, `{"prompt_tokens":`...)
	b = jsonx.AppendInt(b, prompt)
	b = append(b, `,"completion_tokens":`...)
	b = jsonx.AppendInt(b, k.OutputTokens)
	b = append(b, `,"total_tokens":`...)
	b = jsonx.AppendInt(b, prompt+k.OutputTokens)
	b = append(b, `,"prompt_tokens_details":{"cached_tokens":`...)
	b = jsonx.AppendInt(b, k.CacheReadInputTokens)
	return append(b, `},"completion_tokens_details":{"reasoning_tokens":0}}`...)
}

// usageBuf holds a Usage and its details for a Usage event, so that sending one does
// not allocate.
type usageBuf struct {
	u   schema.Usage
	ptd schema.PromptTokensDetails
	ctd schema.CompletionTokensDetails
}

// set fills b from k as usage does and returns its Usage.
func (b *usageBuf) set(k tokens) *schema.Usage {
	prompt := k.InputTokens + k.CacheReadInputTokens + k.CacheCreationInputTokens
	b.ptd = schema.PromptTokensDetails{CachedTokens: k.CacheReadInputTokens}
	b.ctd = schema.CompletionTokensDetails{}
	b.u = schema.Usage{PromptTokens: prompt, CompletionTokens: k.OutputTokens, TotalTokens: prompt + k.OutputTokens,
		PromptTokensDetails: &b.ptd, CompletionTokensDetails: &b.ctd}
	return &b.u
}

// finishReason maps a stop_reason to OpenAI's finish_reason. A tool_use stop whose only
// tool call was the response_format tool is a plain "stop".
func finishReason(stop string, toolCalls int) string {
	switch stop {
	case "max_tokens", "model_context_window_exceeded":
		return "length"
	case "tool_use":
		if toolCalls > 0 {
			return "tool_calls"
		}
	case "refusal":
		return "content_filter"
	}
	return "stop" // end_turn, stop_sequence, pause_turn and anything new
}
