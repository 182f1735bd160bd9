package gemini

import (
	"github.com/franca-gw/franca/translate/schema"
)

// usageMeta is Gemini's usageMetadata.
type usageMeta struct {
	PromptTokenCount        int `json:"promptTokenCount"`
	CandidatesTokenCount    int `json:"candidatesTokenCount"`
	TotalTokenCount         int `json:"totalTokenCount"`
	CachedContentTokenCount int `json:"cachedContentTokenCount"`
	ThoughtsTokenCount      int `json:"thoughtsTokenCount"`
}

// usage converts usageMetadata: completion tokens are the candidates' plus the thoughts'
// (OpenAI counts reasoning as completion); Gemini's prompt count already includes the
// cached tokens, as OpenAI's does.
func (m *usageMeta) usage() *schema.Usage {
	var b usageBuf
	return b.set(m)
}

// usageBuf holds a Usage and its details, so that a stream's Usage event does not
// allocate.
type usageBuf struct {
	u   schema.Usage
	ptd schema.PromptTokensDetails
	ctd schema.CompletionTokensDetails
}

// set fills b from m as usage describes and returns its Usage, which points into b.
func (b *usageBuf) set(m *usageMeta) *schema.Usage {
	total := m.TotalTokenCount
	if total == 0 {
		total = m.PromptTokenCount + m.CandidatesTokenCount + m.ThoughtsTokenCount
	}
	b.ptd = schema.PromptTokensDetails{CachedTokens: m.CachedContentTokenCount}
	b.ctd = schema.CompletionTokensDetails{ReasoningTokens: m.ThoughtsTokenCount}
	b.u = schema.Usage{
		PromptTokens:            m.PromptTokenCount,
		CompletionTokens:        m.CandidatesTokenCount + m.ThoughtsTokenCount,
		TotalTokens:             total,
		PromptTokensDetails:     &b.ptd,
		CompletionTokensDetails: &b.ctd,
	}
	return &b.u
}

// finishReason maps a Gemini finishReason to OpenAI's. toolCalls tells whether the
// candidate called functions. Reasons with no OpenAI counterpart (MALFORMED_FUNCTION_CALL,
// OTHER, LANGUAGE, …) become "stop", the reason OpenAI gives when the model stopped of
// its own accord.
func finishReason[S ~string | ~[]byte](reason S, toolCalls bool) string {
	switch string(reason) {
	case "MAX_TOKENS":
		return "length"
	case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
		"IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION":
		return "content_filter"
	}
	if toolCalls {
		return "tool_calls"
	}
	return "stop"
}
