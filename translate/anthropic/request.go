package anthropic

import (
	"strconv"

	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// buildBody writes the Messages API body for req. Members are written in a fixed order:
// model, max_tokens, system, messages, metadata, stop_sequences, temperature, top_p,
// tools, tool_choice, thinking, stream.
func buildBody(req *schema.ChatRequest, model string) ([]byte, error) {
	if err := checkUnsupported(req); err != nil {
		return nil, err
	}
	if err := checkRoles(req.Messages); err != nil {
		return nil, err
	}
	jt, jsonOn, err := jsonToolFor(req)
	if err != nil {
		return nil, err
	}
	maxTokens, budget, err := tokenLimits(req, jsonOn)
	if err != nil {
		return nil, err
	}

	b := make([]byte, 0, estimateSize(req))
	b = append(b, `{"model":`...)
	b = jsonx.AppendString(b, model)
	b = append(b, `,"max_tokens":`...)
	b = jsonx.AppendInt(b, maxTokens)
	if b, err = appendSystem(b, req.Messages); err != nil {
		return nil, err
	}
	if b, err = appendMessages(b, req.Messages); err != nil {
		return nil, err
	}
	if id := endUserID(req); id != "" {
		b = append(b, `,"metadata":{"user_id":`...)
		b = jsonx.AppendString(b, id)
		b = append(b, '}')
	}
	if len(req.Stop) > 0 {
		b = append(b, `,"stop_sequences":[`...)
		for i, s := range req.Stop {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonx.AppendString(b, s)
		}
		b = append(b, ']')
	}
	if req.Temperature != nil {
		b = append(b, `,"temperature":`...)
		b = strconv.AppendFloat(b, *req.Temperature, 'g', -1, 64)
	}
	if req.TopP != nil {
		b = append(b, `,"top_p":`...)
		b = strconv.AppendFloat(b, *req.TopP, 'g', -1, 64)
	}
	if b, err = appendTools(b, req, jt, jsonOn); err != nil {
		return nil, err
	}
	if budget > 0 {
		b = append(b, `,"thinking":{"type":"enabled","budget_tokens":`...)
		b = jsonx.AppendInt(b, budget)
		b = append(b, '}')
	}
	if req.Stream {
		b = append(b, `,"stream":true`...)
	}
	return append(b, '}'), nil
}

// estimateSize guesses the body's size so that it is built in one allocation.
func estimateSize(req *schema.ChatRequest) int {
	n := 256
	for i := range req.Messages {
		m := &req.Messages[i]
		n += 48 + len(m.Content.Text)
		for j := range m.Content.Parts {
			p := &m.Content.Parts[j]
			n += 40 + len(p.Text) + len(p.Refusal)
			if p.ImageURL != nil {
				n += len(p.ImageURL.URL)
			}
		}
		for j := range m.ToolCalls {
			n += 64 + len(m.ToolCalls[j].ID) + len(m.ToolCalls[j].Function.Name) + len(m.ToolCalls[j].Function.Arguments)
		}
	}
	for i := range req.Tools {
		f := &req.Tools[i].Function
		n += 64 + len(f.Name) + len(f.Description) + len(f.Parameters)
	}
	if rf := req.ResponseFormat; rf != nil && rf.JSONSchema != nil {
		n += 128 + len(rf.JSONSchema.Schema) + len(rf.JSONSchema.Description)
	}
	return n
}

// endUserID returns the id of the application's end user for metadata.user_id:
// safety_identifier, OpenAI's successor of user for that purpose, else user.
func endUserID(req *schema.ChatRequest) string {
	if req.SafetyIdentifier != "" {
		return req.SafetyIdentifier
	}
	return req.User
}
