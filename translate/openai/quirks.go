package openai

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// openAIOnly are request fields that OpenAI defines but most compatible providers
// ignore; a preset lists those it accepts in Quirks.Extras.
var openAIOnly = []string{"store", "metadata", "service_tier", "modalities", "audio",
	"prediction", "web_search_options", "functions", "function_call"}

// check refuses the parameters of req that the provider would not honour.
func (q *Quirks) check(req *schema.ChatRequest, raw []byte, provider string) *translate.Error {
	unsupported := func(param string) *translate.Error { return translate.Unsupported(param, provider) }
	if req.N != nil && *req.N > 1 && !q.N {
		return unsupported("n")
	}
	if req.Seed != nil && q.Seed == "" {
		return unsupported("seed")
	}
	if !isNull(req.LogitBias) && !q.LogitBias {
		return unsupported("logit_bias")
	}
	if req.Logprobs != nil && *req.Logprobs && !q.Logprobs {
		return unsupported("logprobs")
	}
	if req.TopLogprobs != nil && !q.Logprobs {
		return unsupported("top_logprobs")
	}
	if req.PresencePenalty != nil && *req.PresencePenalty != 0 && !q.Penalties {
		return unsupported("presence_penalty")
	}
	if req.FrequencyPenalty != nil && *req.FrequencyPenalty != 0 && !q.Penalties {
		return unsupported("frequency_penalty")
	}
	if req.ParallelToolCalls != nil && !*req.ParallelToolCalls && !q.ParallelToolCalls {
		return unsupported("parallel_tool_calls")
	}
	if len(req.Tools) > 0 && !q.Tools {
		return unsupported("tools")
	}
	if tc := req.ToolChoice; tc != nil {
		switch {
		case tc.Function != "" && !q.ToolChoiceNamed,
			tc.Mode == "required" && q.ToolChoiceRequired == "",
			tc.Mode == "none" && !q.ToolChoiceNone:
			return unsupported("tool_choice")
		}
	}
	if rf := req.ResponseFormat; rf != nil {
		switch {
		case rf.Type == "json_object" && !q.JSONObject, rf.Type == "json_schema" && !q.JSONSchema:
			return unsupported("response_format")
		}
	}
	if q.MaxStop > 0 && len(req.Stop) > q.MaxStop {
		return translate.BadRequest("stop", "provider type "+provider+" accepts at most "+
			strconv.Itoa(q.MaxStop)+" stop sequence(s)")
	}
	if req.ReasoningEffort != "" && !q.ReasoningEffort {
		return unsupported("reasoning_effort")
	}
	if req.User != "" && q.User == "" {
		return unsupported("user")
	}
	if e := q.checkMessages(req.Messages, provider); e != nil {
		return e
	}
	return q.checkExtras(raw, provider)
}

// checkMessages refuses message names and content parts the provider does not take.
func (q *Quirks) checkMessages(msgs []schema.Message, provider string) *translate.Error {
	for i := range msgs {
		m := &msgs[i]
		if m.Name != "" && !q.MessageName {
			return translate.Unsupported("messages["+strconv.Itoa(i)+"].name", provider)
		}
		for j := range m.Content.Parts {
			ok := true
			switch m.Content.Parts[j].Type {
			case "image_url":
				ok = q.Images
			case "input_audio":
				ok = q.AudioInput
			case "file":
				ok = q.Files
			}
			if !ok {
				return translate.Unsupported("messages["+strconv.Itoa(i)+"].content["+strconv.Itoa(j)+"]", provider)
			}
		}
	}
	return nil
}

// checkExtras refuses OpenAI-only fields the preset does not list, unless they are
// null or false.
func (q *Quirks) checkExtras(raw []byte, provider string) *translate.Error {
	var bad string
	jsonx.EachMember(raw, func(m jsonx.Member) bool {
		for _, name := range openAIOnly {
			if !m.Is(raw, name) {
				continue
			}
			v := m.Value(raw)
			if isNull(v) || string(v) == "false" || slices.Contains(q.Extras, name) {
				return true
			}
			if name == "modalities" && isTextOnly(v) {
				return true
			}
			bad = name
			return false
		}
		return true
	})
	if bad != "" {
		return translate.Unsupported(bad, provider)
	}
	return nil
}

func isTextOnly(v []byte) bool {
	var m []string
	return json.Unmarshal(v, &m) == nil && len(m) == 1 && m[0] == "text"
}

// needsEdit reports whether the body must be decoded and rewritten for the preset:
// a field to rename, a tool_choice to respell, stream_options to remove, or, for a
// strict provider, a field it does not know.
func (q *Quirks) needsEdit(req *schema.ChatRequest, raw []byte) bool {
	switch {
	case req.Seed != nil && q.Seed != "seed",
		req.User != "" && q.User != "user",
		req.MaxCompletionTokens != nil && q.MaxCompletionTokens != "max_completion_tokens",
		req.ToolChoice != nil && req.ToolChoice.Mode == "required" && q.ToolChoiceRequired != "required":
		return true
	}
	if !q.StreamOptions && hasMember(raw, "stream_options") {
		return true
	}
	if q.Strict {
		extra := false
		jsonx.EachMember(raw, func(m jsonx.Member) bool {
			if !q.allowed(raw, m) {
				extra = true
			} else if m.Is(raw, "messages") {
				extra = unknownMessageKeys(m.Value(raw))
			}
			return !extra
		})
		return extra
	}
	return false
}

// strictMessageKeys are the message fields a strict provider (Mistral) knows.
var strictMessageKeys = []string{"role", "content", "tool_calls", "tool_call_id", "name", "prefix"}

// unknownMessageKeys reports whether a message of the array msgs has a field outside
// strictMessageKeys, such as the "refusal": null or "annotations": [] that OpenAI
// SDKs write when a response message is appended to the history.
func unknownMessageKeys(msgs []byte) bool {
	found := false
	jsonx.EachElement(msgs, func(start, end int) bool {
		el := msgs[start:end]
		jsonx.EachMember(el, func(m jsonx.Member) bool {
			known := false
			for _, k := range strictMessageKeys {
				known = known || m.Is(el, k)
			}
			found = !known
			return known
		})
		return !found
	})
	return found
}

// cleanMessages removes the empty fields a strict provider does not know from each
// message, and refuses the ones that hold a value.
func cleanMessages(body map[string]json.RawMessage, provider string) *translate.Error {
	raw, ok := body["messages"]
	if !ok || !unknownMessageKeys(raw) {
		return nil
	}
	var msgs []map[string]json.RawMessage
	if json.Unmarshal(raw, &msgs) != nil {
		return translate.BadRequest("messages", "must be an array of message objects")
	}
	for i, m := range msgs {
		for _, k := range sortedKeys(m) {
			if slices.Contains(strictMessageKeys, k) {
				continue
			}
			if !isEmptyValue(m[k]) {
				return translate.Unsupported("messages["+strconv.Itoa(i)+"]."+k, provider)
			}
			delete(m, k)
		}
	}
	b, err := json.Marshal(msgs)
	if err != nil {
		return translate.BadRequest("messages", "must be an array of message objects")
	}
	body["messages"] = b
	return nil
}

// isEmptyValue reports whether v is null, false, "", [] or {}.
func isEmptyValue(v []byte) bool {
	if isNull(v) {
		return true
	}
	switch string(v) {
	case "false", `""`:
		return true
	}
	return isEmptyArray(v) || isEmptyObject(v)
}

func isEmptyObject(v []byte) bool {
	v = bytes.TrimSpace(v)
	return len(v) >= 2 && v[0] == '{' && len(bytes.TrimSpace(v[1:len(v)-1])) == 0
}

func (q *Quirks) allowed(b []byte, m jsonx.Member) bool {
	for _, name := range q.Allowed {
		if m.Is(b, name) {
			return true
		}
	}
	return false
}

// hasMember reports whether the object b has a top-level member named key.
func hasMember(b []byte, key string) bool {
	found := false
	jsonx.EachMember(b, func(m jsonx.Member) bool {
		found = m.Is(b, key)
		return !found
	})
	return found
}

// edit applies the preset's renames and removals to the decoded body.
func (q *Quirks) edit(body map[string]json.RawMessage, req *schema.ChatRequest, provider string) *translate.Error {
	rename(body, "seed", q.Seed)
	rename(body, "user", q.User)
	rename(body, "max_completion_tokens", q.MaxCompletionTokens)
	if req.ToolChoice != nil && req.ToolChoice.Mode == "required" {
		body["tool_choice"] = json.RawMessage(strconv.Quote(q.ToolChoiceRequired))
	}
	if !q.StreamOptions {
		delete(body, "stream_options")
	}
	if !q.Strict {
		return nil
	}
	for _, k := range sortedKeys(body) {
		if slices.Contains(q.Allowed, k) {
			continue
		}
		v := body[k]
		if isNull(v) || string(v) == "false" || string(v) == `""` {
			delete(body, k)
			continue
		}
		return translate.Unsupported(k, provider)
	}
	return cleanMessages(body, provider)
}

// rename moves body[from] to body[to]; an empty to leaves the body alone (check has
// refused the parameter already).
func rename(body map[string]json.RawMessage, from, to string) {
	if to == "" || to == from {
		return
	}
	if v, ok := body[from]; ok {
		delete(body, from)
		body[to] = v
	}
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkEmbeddings refuses embeddings parameters the provider does not take and
// reports whether the body needs an edit.
func (q *Quirks) checkEmbeddings(req *schema.EmbeddingsRequest, provider string) (bool, *translate.Error) {
	if req.Dimensions != nil && q.Dimensions == "" {
		return false, translate.Unsupported("dimensions", provider)
	}
	if req.EncodingFormat == "base64" && !q.Base64 {
		return false, translate.Unsupported("encoding_format", provider)
	}
	if req.Input.Tokens != nil && !q.TokenInput {
		return false, translate.Unsupported("input", provider)
	}
	if req.User != "" && !q.EmbeddingsUser {
		return false, translate.Unsupported("user", provider)
	}
	return req.Dimensions != nil && q.Dimensions != "dimensions", nil
}
