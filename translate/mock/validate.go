package mock

import (
	"slices"
	"strconv"
	"strings"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// chatParams are the members of a chat completions request OpenAI knows (the json names
// of schema.ChatRequest; TestChatParams keeps the two alike).
var chatParams = [...]string{"model", "messages", "stream", "stream_options", "temperature", "top_p", "n", "stop",
	"max_tokens", "max_completion_tokens", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs",
	"top_logprobs", "seed", "user", "tools", "tool_choice", "parallel_tool_calls", "response_format",
	"reasoning_effort", "metadata", "store", "service_tier", "modalities", "audio", "prediction",
	"web_search_options", "functions", "function_call", "safety_identifier", "prompt_cache_key", "verbosity"}

// embeddingsParams are the members of an embeddings request OpenAI knows.
var embeddingsParams = [...]string{"model", "input", "encoding_format", "dimensions", "user"}

// MaxTopLogprobs is the largest top_logprobs accepted, as OpenAI's.
const MaxTopLogprobs = 20

// validateChat refuses what OpenAI refuses, with OpenAI's error and param: members it
// does not know, a message without content (but for an assistant message with
// tool_calls), a tool message without tool_call_id, and sampling parameters out of
// their ranges. raw is the body the request was decoded from (nil skips the members).
func validateChat(req *schema.ChatRequest, raw []byte) *translate.Error {
	if e := unknownParams(raw, chatParams[:]); e != nil {
		return e
	}
	given := contentGiven(raw)
	for i := range req.Messages {
		m := &req.Messages[i]
		p := "messages[" + strconv.Itoa(i) + "]"
		noContent := m.Content.Null || (raw != nil && (i >= len(given) || !given[i]))
		if noContent && !(m.Role == "assistant" && len(m.ToolCalls) > 0) {
			return missing(p + ".content")
		}
		if m.Role == "tool" && m.ToolCallID == "" {
			return missing(p + ".tool_call_id")
		}
	}
	checks := []struct {
		param    string
		v        *float64
		min, max float64
	}{
		{"temperature", req.Temperature, 0, 2},
		{"top_p", req.TopP, 0, 1},
		{"presence_penalty", req.PresencePenalty, -2, 2},
		{"frequency_penalty", req.FrequencyPenalty, -2, 2},
	}
	for _, c := range checks {
		if c.v == nil {
			continue
		}
		if *c.v < c.min {
			return outOfRange(c.param, "decimal", "below minimum", ">=", c.min, *c.v)
		}
		if *c.v > c.max {
			return outOfRange(c.param, "decimal", "above maximum", "<=", c.max, *c.v)
		}
	}
	ints := []struct {
		param    string
		v        *int
		min, max int
	}{
		{"n", req.N, 1, MaxN},
		{"max_tokens", req.MaxTokens, 1, -1},
		{"max_completion_tokens", req.MaxCompletionTokens, 1, -1},
		{"top_logprobs", req.TopLogprobs, 0, MaxTopLogprobs},
	}
	for _, c := range ints {
		if c.v == nil {
			continue
		}
		if *c.v < c.min {
			return outOfRange(c.param, "integer", "below minimum", ">=", float64(c.min), float64(*c.v))
		}
		if c.max >= 0 && *c.v > c.max {
			return outOfRange(c.param, "integer", "above maximum", "<=", float64(c.max), float64(*c.v))
		}
	}
	return nil
}

// contentGiven reports for each message of raw whether it has a content that is not
// null: a decoded message cannot tell an absent content from "". Member names match as
// encoding/json matches them.
func contentGiven(raw []byte) []bool {
	var given []bool
	var buf [64]byte
	jsonx.EachMember(raw, func(m jsonx.Member) bool {
		if !strings.EqualFold(string(m.Name(raw, buf[:0])), "messages") {
			return true
		}
		msgs := m.Value(raw)
		given = given[:0]
		jsonx.EachElement(msgs, func(start, end int) bool {
			msg, ok := msgs[start:end], false
			jsonx.EachMember(msg, func(m jsonx.Member) bool {
				if strings.EqualFold(string(m.Name(msg, buf[:0])), "content") {
					ok = m.Value(msg)[0] != 'n'
				}
				return true
			})
			given = append(given, ok)
			return true
		})
		return true
	})
	return given
}

// unknownParams refuses the top-level members of raw that are not in known, in OpenAI's
// words: "Unrecognized request argument supplied: x" (or "arguments", sorted, for more).
// Names are compared exactly, as OpenAI does.
func unknownParams(raw []byte, known []string) *translate.Error {
	var unknown []string
	var buf [64]byte
	jsonx.EachMember(raw, func(m jsonx.Member) bool {
		if name := string(m.Name(raw, buf[:0])); !slices.Contains(known, name) && !slices.Contains(unknown, name) {
			unknown = append(unknown, name)
		}
		return true
	})
	switch len(unknown) {
	case 0:
		return nil
	case 1:
		return translate.BadRequest("", "Unrecognized request argument supplied: "+unknown[0])
	}
	slices.Sort(unknown)
	return translate.BadRequest("", "Unrecognized request arguments supplied: "+strings.Join(unknown, ", "))
}

// missing is OpenAI's error for a required parameter that is absent or null.
func missing(param string) *translate.Error {
	return &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "missing_required_parameter",
		Param: param, Message: "Missing required parameter: '" + param + "'."}
}

// outOfRange is OpenAI's error for a number outside its range, e.g. code
// "decimal_above_max_value" and "Invalid 'temperature': decimal above maximum value.
// Expected a value <= 2, but got 5 instead."
func outOfRange(param, kind, where, op string, limit, got float64) *translate.Error {
	code := kind + "_" + strings.Replace(strings.Replace(where, "minimum", "min", 1), "maximum", "max", 1)
	return &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Param: param,
		Code: strings.ReplaceAll(code, " ", "_") + "_value",
		Message: "Invalid '" + param + "': " + kind + " " + where + " value. Expected a value " + op + " " +
			strconv.FormatFloat(limit, 'g', -1, 64) + ", but got " + strconv.FormatFloat(got, 'g', -1, 64) + " instead."}
}
