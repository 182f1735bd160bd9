package mock

import (
	"encoding/json"
	"strings"

	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
	"github.com/franca-gw/franca/translate/sse"
)

var null = json.RawMessage("null")

// completionBody writes the chat.completion.
func completionBody(r reply, id, model string, created int64, usage *schema.Usage) []byte {
	msg := schema.Message{Role: "assistant", Content: schema.TextContent(r.text)}
	if r.tool != nil {
		msg.Content = schema.Content{Null: true}
		msg.ToolCalls = []schema.ToolCall{*r.tool}
	}
	resp := schema.ChatResponse{ID: id, Object: "chat.completion", Created: created, Model: model,
		Choices: make([]schema.Choice, r.n), Usage: usage, SystemFingerprint: Fingerprint}
	for i := range resp.Choices {
		resp.Choices[i] = schema.Choice{Index: i, Message: msg, FinishReason: r.finish(), Logprobs: null}
	}
	b, _ := json.Marshal(resp)
	return b
}

// streamBody writes the whole event stream: a role chunk per choice, the reply word
// by word (each word with the space after it) or the tool call, a finish chunk per
// choice, the usage chunk when asked for, and [DONE].
func streamBody(r reply, id, model string, created int64, includeUsage bool, usage *schema.Usage) []byte {
	var out []byte
	event := func(c schema.ChatChunk) {
		b, _ := json.Marshal(c)
		out = sse.AppendData(out, b)
	}
	chunk := func(i int, d schema.Delta, finish *string) schema.ChatChunk {
		return schema.ChatChunk{ID: id, Object: "chat.completion.chunk", Created: created, Model: model,
			SystemFingerprint: Fingerprint,
			Choices:           []schema.ChunkChoice{{Index: i, Delta: d, FinishReason: finish, Logprobs: null}}}
	}
	empty := ""
	for i := 0; i < r.n; i++ {
		if r.tool != nil {
			zero := 0
			tc := *r.tool
			tc.Index = &zero
			tc.Function.Arguments = ""
			event(chunk(i, schema.Delta{Role: "assistant", ToolCalls: []schema.ToolCall{tc}}, nil))
		} else {
			event(chunk(i, schema.Delta{Role: "assistant", Content: &empty}, nil))
		}
	}
	if r.tool != nil {
		for i := 0; i < r.n; i++ {
			zero := 0
			args := schema.ToolCall{Index: &zero, Function: schema.FunctionCall{Arguments: r.tool.Function.Arguments}}
			event(chunk(i, schema.Delta{ToolCalls: []schema.ToolCall{args}}, nil))
		}
	} else {
		for _, w := range strings.SplitAfter(r.text, " ") {
			if w == "" {
				continue
			}
			for i := 0; i < r.n; i++ {
				word := w
				event(chunk(i, schema.Delta{Content: &word}, nil))
			}
		}
	}
	finish := r.finish()
	for i := 0; i < r.n; i++ {
		event(chunk(i, schema.Delta{}, &finish))
	}
	if includeUsage {
		event(schema.ChatChunk{ID: id, Object: "chat.completion.chunk", Created: created, Model: model,
			SystemFingerprint: Fingerprint, Choices: []schema.ChunkChoice{}, Usage: usage})
	}
	return append(out, sse.Done...)
}

// objectFor builds a JSON object from a JSON schema's required properties: strings
// "mock", numbers 0, booleans false, arrays [], objects {}, null null, and the first
// value of an enum. A schema without required properties gives def.
func objectFor(schemaJSON json.RawMessage, def string) string {
	var s struct {
		Properties map[string]struct {
			Type json.RawMessage   `json:"type"`
			Enum []json.RawMessage `json:"enum"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	if json.Unmarshal(schemaJSON, &s) != nil || len(s.Required) == 0 {
		return def
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, name := range s.Required {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(jsonx.AppendString(nil, name))
		b.WriteByte(':')
		p := s.Properties[name]
		if len(p.Enum) > 0 {
			b.Write(p.Enum[0])
			continue
		}
		b.WriteString(valueFor(p.Type))
	}
	b.WriteByte('}')
	return b.String()
}

// valueFor is the placeholder for a JSON schema type: a name, or a list of names of
// which the first that is not "null" counts.
func valueFor(typ json.RawMessage) string {
	var name string
	if json.Unmarshal(typ, &name) != nil {
		var names []string
		json.Unmarshal(typ, &names)
		for _, n := range names {
			if n != "null" {
				name = n
				break
			}
		}
		if name == "" && len(names) > 0 {
			name = "null"
		}
	}
	switch name {
	case "number", "integer":
		return "0"
	case "boolean":
		return "false"
	case "array":
		return "[]"
	case "object":
		return "{}"
	case "null":
		return "null"
	}
	return `"mock"`
}
