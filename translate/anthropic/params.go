package anthropic

import (
	"bytes"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

// checkUnsupported refuses the parameters the Messages API has no equivalent for.
// Values that ask for nothing beyond the default (n=1, penalties of 0, logprobs=false,
// store=false, an empty logit_bias or metadata, modalities ["text"], service_tier
// "auto" or "default") are accepted. prompt_cache_key, a cache-routing hint that
// changes no answer, is accepted and not forwarded (Anthropic caches by cache_control
// breakpoints, which have no key).
func checkUnsupported(req *schema.ChatRequest) error {
	param := ""
	switch {
	case req.N != nil && *req.N != 1:
		param = "n"
	case req.Seed != nil:
		param = "seed"
	case req.PresencePenalty != nil && *req.PresencePenalty != 0:
		param = "presence_penalty"
	case req.FrequencyPenalty != nil && *req.FrequencyPenalty != 0:
		param = "frequency_penalty"
	case hasValue(req.LogitBias):
		param = "logit_bias"
	case req.Logprobs != nil && *req.Logprobs:
		param = "logprobs"
	case req.TopLogprobs != nil:
		param = "top_logprobs"
	case present(req.Audio):
		param = "audio"
	case !textOnly(req.Modalities):
		param = "modalities"
	case present(req.Prediction):
		param = "prediction"
	case present(req.WebSearchOptions):
		param = "web_search_options"
	case present(req.Functions):
		param = "functions"
	case present(req.FunctionCall):
		param = "function_call"
	case req.Store != nil && *req.Store:
		param = "store"
	case hasValue(req.Metadata):
		param = "metadata"
	case req.ServiceTier != "" && req.ServiceTier != "auto" && req.ServiceTier != "default":
		param = "service_tier"
	case req.Verbosity != "":
		param = "verbosity"
	}
	if param != "" {
		return translate.Unsupported(param, ProviderType)
	}
	return nil
}

// present reports whether a raw member was given and is not null.
func present(raw []byte) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && !bytes.Equal(raw, []byte("null"))
}

// hasValue reports whether a raw member is present and not an empty object.
func hasValue(raw []byte) bool {
	if !present(raw) {
		return false
	}
	raw = bytes.TrimSpace(raw)
	if raw[0] == '{' {
		return len(bytes.TrimSpace(raw[1:len(raw)-1])) > 0
	}
	return true
}

func textOnly(modalities []string) bool {
	for _, m := range modalities {
		if m != "text" {
			return false
		}
	}
	return true
}

// Thinking budgets by reasoning_effort. "none" (and no effort at all) leaves extended
// thinking off, which is Anthropic's default.
var thinkingBudgets = map[string]int{
	"minimal": 1024,
	"low":     1024,
	"medium":  4096,
	"high":    16384,
	"xhigh":   32768,
}

// tokenLimits returns max_tokens and the thinking budget (0: thinking off).
//
// Without thinking, max_tokens is the client's max_completion_tokens or max_tokens, or
// DefaultMaxTokens. With thinking and no client limit, max_tokens is the budget plus
// DefaultMaxTokens, leaving room for the answer. With a client limit, that limit is kept
// (Anthropic's max_tokens, like OpenAI's max_completion_tokens, covers the reasoning too)
// and the budget is lowered to at most half of it, but not below MinThinkingBudget; a
// limit that cannot hold the minimum budget is refused.
func tokenLimits(req *schema.ChatRequest, jsonOn bool) (maxTokens, budget int, err error) {
	limit := req.MaxOutputTokens()
	switch req.ReasoningEffort {
	case "", "none":
	default:
		var ok bool
		if budget, ok = thinkingBudgets[req.ReasoningEffort]; !ok {
			return 0, 0, translate.BadRequest("reasoning_effort",
				`reasoning_effort must be one of "none", "minimal", "low", "medium", "high" or "xhigh"`)
		}
		if jsonOn {
			return 0, 0, translate.BadRequest("reasoning_effort",
				"reasoning_effort cannot be combined with response_format on provider type anthropic: "+
					"structured output is emulated with a forced tool call, which extended thinking does not allow")
		}
	}
	switch {
	case budget == 0 && limit == nil:
		return DefaultMaxTokens, 0, nil
	case budget == 0:
		return *limit, 0, nil
	case limit == nil:
		return budget + DefaultMaxTokens, budget, nil
	}
	if *limit <= MinThinkingBudget {
		param := "max_tokens"
		if req.MaxCompletionTokens != nil {
			param = "max_completion_tokens"
		}
		return 0, 0, translate.BadRequest(param,
			param+" must be greater than 1024 when reasoning_effort is set: Anthropic's smallest thinking budget is 1024 tokens")
	}
	budget = max(min(budget, *limit/2), MinThinkingBudget)
	return *limit, budget, nil
}
