package anthropic

import (
	"bytes"
	"encoding/json"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// message is the part of an Anthropic message object that the translation reads.
type message struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Model      string         `json:"model"`
	Content    []contentBlock `json:"content"`
	StopReason string         `json:"stop_reason"`
	Usage      tokens         `json:"usage"`
	Error      *errorObject   `json:"error"`
}

type contentBlock struct {
	Type     string          `json:"type"`
	Text     string          `json:"text"`
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Input    json.RawMessage `json:"input"`
	Thinking string          `json:"thinking"`
}

// Response converts an Anthropic message into a chat.completion. Text blocks are joined
// into the content, tool_use blocks become tool_calls, thinking blocks become
// reasoning_content; redacted_thinking and blocks of unknown types are left out. The
// call of the response_format tool, if any, is written as content.
func (*Translator) Response(body []byte, req *schema.ChatRequest, t *translate.Target) ([]byte, *schema.Usage, error) {
	var m message
	if !decodeMessage(body, &m) {
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, nil, badUpstream("anthropic returned a message that is not valid JSON")
		}
	}
	if m.Type == "error" && m.Error != nil {
		return nil, nil, fromErrorObject(0, m.Error)
	}
	jsonName := jsonToolName(req)
	model := m.Model
	if model == "" {
		model = t.Model
	}

	var text, reasoning []byte
	hasText := false
	calls := 0
	for i := range m.Content {
		c := &m.Content[i]
		switch c.Type {
		case "text":
			text, hasText = append(text, c.Text...), true
		case "thinking":
			reasoning = append(reasoning, c.Thinking...)
		case "tool_use":
			if jsonName != "" && c.Name == jsonName {
				text, hasText = appendCompact(text, c.Input), true
			} else {
				calls++
			}
		}
	}

	b := make([]byte, 0, 256+len(text)+len(reasoning)+len(body)/2)
	b = append(b, `{"id":`...)
	b = jsonx.AppendString(b, "chatcmpl-"+m.ID)
	b = append(b, `,"object":"chat.completion","created":`...)
	b = jsonx.AppendInt(b, int(t.Created))
	b = append(b, `,"model":`...)
	b = jsonx.AppendString(b, model)
	b = append(b, `,"choices":[{"index":0,"message":{"role":"assistant","content":`...)
	if !hasText && calls > 0 {
		b = append(b, "null"...)
	} else {
		b = jsonx.AppendString(b, text)
	}
	if len(reasoning) > 0 {
		b = append(b, `,"reasoning_content":`...)
		b = jsonx.AppendString(b, reasoning)
	}
	if calls > 0 {
		b = append(b, `,"tool_calls":[`...)
		n := 0
		for i := range m.Content {
			c := &m.Content[i]
			if c.Type != "tool_use" || (jsonName != "" && c.Name == jsonName) {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = append(b, `{"id":`...)
			b = jsonx.AppendString(b, c.ID)
			b = append(b, `,"type":"function","function":{"name":`...)
			b = jsonx.AppendString(b, c.Name)
			b = append(b, `,"arguments":`...)
			b = jsonx.AppendString(b, appendCompact(nil, c.Input))
			b = append(b, "}}"...)
		}
		b = append(b, ']')
	}
	b = append(b, `,"refusal":null},"logprobs":null,"finish_reason":"`...)
	b = append(b, finishReason(m.StopReason, calls)...)
	b = append(b, `"}],"usage":`...)
	b = m.Usage.appendUsage(b)
	b = append(b, '}')
	return b, m.Usage.usage(), nil
}

// appendCompact appends a tool_use input as compact JSON text; a missing, null or
// malformed input is written as {}.
func appendCompact(dst []byte, input json.RawMessage) []byte {
	if !present(input) {
		return append(dst, "{}"...)
	}
	buf := bytes.NewBuffer(dst)
	if json.Compact(buf, input) != nil {
		return append(dst, "{}"...)
	}
	return buf.Bytes()
}

// badUpstream is the error for an upstream answer that cannot be understood.
func badUpstream(msg string) *translate.Error {
	return &translate.Error{Status: 502, Type: translate.TypeServer, Code: "bad_upstream_response", Message: msg}
}
