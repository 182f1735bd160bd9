package gemini

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/openaisse"
	"github.com/franca-gw/franca/translate/schema"
)

// genResponse is a GenerateContentResponse.
type genResponse struct {
	Candidates     []candidate     `json:"candidates"`
	PromptFeedback *promptFeedback `json:"promptFeedback"`
	UsageMetadata  *usageMeta      `json:"usageMetadata"`
	ModelVersion   string          `json:"modelVersion"`
	ResponseID     string          `json:"responseId"`
}

type candidate struct {
	Content struct {
		Parts []part `json:"parts"`
	} `json:"content"`
	FinishReason   string          `json:"finishReason"`
	Index          *int            `json:"index"`
	LogprobsResult json.RawMessage `json:"logprobsResult"`
}

type part struct {
	Text             *string       `json:"text"`
	Thought          bool          `json:"thought"`
	ThoughtSignature string        `json:"thoughtSignature"`
	FunctionCall     *functionCall `json:"functionCall"`
}

type functionCall struct {
	ID   string          `json:"id"`
	Name string          `json:"name"`
	Args json.RawMessage `json:"args"`
}

type promptFeedback struct {
	BlockReason string `json:"blockReason"`
}

// errMalformed is returned for an upstream success body that is not a Gemini response.
func errMalformed(what string) *translate.Error {
	return &translate.Error{Status: 502, Type: translate.TypeServer, Code: "bad_upstream_response",
		Message: "gemini returned " + what}
}

// completionID returns the chat completion id for a Gemini responseId.
func completionID(responseID string, created int64) string {
	if responseID == "" {
		return "chatcmpl-gemini-" + strconv.FormatInt(created, 10)
	}
	return "chatcmpl-" + responseID
}

// Response converts a GenerateContentResponse into a chat.completion.
func (tr *Translator) Response(body []byte, req *schema.ChatRequest, t *translate.Target) ([]byte, *schema.Usage, error) {
	var r genResponse
	if !decodeResponse(body, &r) {
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, nil, errMalformed("a body that is not a GenerateContentResponse")
		}
	}
	blocked := r.PromptFeedback != nil && r.PromptFeedback.BlockReason != ""
	if len(r.Candidates) == 0 && !blocked {
		return nil, nil, errMalformed("no candidates")
	}
	model := r.ModelVersion
	if model == "" {
		model = t.Model
	}
	b := make([]byte, 0, len(body)/2+256)
	b = append(b, `{"id":`...)
	b = jsonx.AppendString(b, completionID(r.ResponseID, t.Created))
	b = append(b, `,"object":"chat.completion","created":`...)
	b = strconv.AppendInt(b, t.Created, 10)
	b = append(b, `,"model":`...)
	b = jsonx.AppendString(b, model)
	b = append(b, `,"choices":[`...)
	if len(r.Candidates) == 0 {
		b = append(b, `{"index":0,"message":{"role":"assistant","content":null,"refusal":null},"logprobs":null,"finish_reason":"content_filter"}`...)
	}
	var scratch bytes.Buffer
	for k := range r.Candidates {
		if k > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendChoice(b, &r.Candidates[k], k, &scratch); err != nil {
			return nil, nil, err
		}
	}
	b = append(b, ']')
	var u *schema.Usage
	if r.UsageMetadata != nil {
		u = r.UsageMetadata.usage()
		b = append(b, `,"usage":`...)
		b = openaisse.AppendUsage(b, u)
	}
	return append(b, '}'), u, nil
}

// appendChoice writes one choice from candidate c, the k-th of the response.
func appendChoice(b []byte, c *candidate, k int, scratch *bytes.Buffer) ([]byte, error) {
	index := k
	if c.Index != nil {
		index = *c.Index
	}
	var text, thoughts []byte
	hasText, hasThoughts, calls := false, false, 0
	for _, p := range c.Content.Parts {
		switch {
		case p.FunctionCall != nil:
			calls++
		case p.Text != nil && p.Thought:
			thoughts = append(thoughts, *p.Text...)
			hasThoughts = true
		case p.Text != nil:
			text = append(text, *p.Text...)
			hasText = true
		}
	}
	b = append(b, `{"index":`...)
	b = jsonx.AppendInt(b, index)
	b = append(b, `,"message":{"role":"assistant","content":`...)
	// Content is null when there is no text, and also when there are only empty texts
	// (a lone thought signature) beside function calls, as OpenAI writes tool calls.
	if hasText && (len(text) > 0 || calls == 0) {
		b = jsonx.AppendString(b, text)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"refusal":null`...)
	if hasThoughts {
		b = append(b, `,"reasoning_content":`...)
		b = jsonx.AppendString(b, thoughts)
	}
	if calls > 0 {
		b = append(b, `,"tool_calls":[`...)
		n := 0
		for _, p := range c.Content.Parts {
			fc := p.FunctionCall
			if fc == nil {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = jsonx.AppendString(b, toolCallID(fc.ID, p.ThoughtSignature, index, n))
			b = append(b, `,"type":"function","function":{"name":`...)
			b = jsonx.AppendString(b, fc.Name)
			b = append(b, `,"arguments":`...)
			args, err := compactArgs(scratch, fc.Args)
			if err != nil {
				return nil, err
			}
			b = jsonx.AppendString(b, args)
			b = append(b, "}}"...)
			n++
		}
		b = append(b, ']')
	}
	b = append(b, `},"logprobs":`...)
	if len(c.LogprobsResult) > 0 && string(c.LogprobsResult) != "null" {
		b = appendLogprobsJSON(b, c.LogprobsResult)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"finish_reason":`...)
	b = jsonx.AppendString(b, finishReason(c.FinishReason, calls > 0))
	return append(b, '}'), nil
}

// toolCallID returns the OpenAI id of the n-th function call of candidate k: Gemini's id,
// or call_<k>_<n> when it gave none, followed by the thought signature if there is one.
func toolCallID(id, sig string, k, n int) string {
	if id == "" {
		id = "call_" + strconv.Itoa(k) + "_" + strconv.Itoa(n)
	}
	if sig != "" {
		id += sigSep + sig
	}
	return id
}

// compactArgs returns function call args as compact JSON; absent args are {}.
func compactArgs(scratch *bytes.Buffer, args []byte) ([]byte, error) {
	scratch.Reset()
	args = bytes.TrimSpace(args)
	if len(args) == 0 || string(args) == "null" {
		return []byte("{}"), nil
	}
	if err := json.Compact(scratch, args); err != nil {
		return nil, errMalformed("function call args that are not JSON")
	}
	return scratch.Bytes(), nil
}
