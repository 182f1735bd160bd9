package anthropicfake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/franca-gw/franca/internal/fake"
)

// What the Responder answers.
const (
	// ReplyText is the text of every text answer.
	ReplyText = "Hello! I am a fake Claude, answering deterministically."
	// MessageID is the id of every answer.
	MessageID = "msg_01FakeXFDUDYJgAACzvnptvV"
	// ToolUseID is the id of every tool call.
	ToolUseID = "toolu_01FakeA09q90qw90lq917835"
	// InputTokens and OutputTokens are the usage of every answer.
	InputTokens  = 25
	OutputTokens = 12
	// RequestID is the request-id header of every reply.
	RequestID = "req_018EeWyXxfu5pfWkrYcMdjWG"
	// ChunkSize is the size of the pieces a streamed answer is written in.
	ChunkSize = 16
)

// Headers returns the headers of a JSON reply.
func Headers() http.Header {
	h := RateLimitHeaders()
	h.Set("Content-Type", "application/json")
	h.Set("Request-Id", RequestID)
	h.Set("Anthropic-Organization-Id", "5e2a1f0c-8c1d-4b8e-9d3a-0f6b7c2e4a19")
	h.Set("Via", "1.1 google")
	return h
}

// StreamHeaders returns the headers of an event-stream reply.
func StreamHeaders() http.Header {
	h := Headers()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	return h
}

// RateLimitHeaders returns the anthropic-ratelimit-* headers Anthropic sends with every
// reply (a 429 adds retry-after, see RateLimitReply).
func RateLimitHeaders() http.Header {
	h := http.Header{}
	h.Set("Anthropic-Ratelimit-Requests-Limit", "4000")
	h.Set("Anthropic-Ratelimit-Requests-Remaining", "3999")
	h.Set("Anthropic-Ratelimit-Requests-Reset", "2025-01-01T00:00:01Z")
	h.Set("Anthropic-Ratelimit-Tokens-Limit", "480000")
	h.Set("Anthropic-Ratelimit-Tokens-Remaining", "479000")
	h.Set("Anthropic-Ratelimit-Tokens-Reset", "2025-01-01T00:00:01Z")
	h.Set("Anthropic-Ratelimit-Input-Tokens-Limit", "400000")
	h.Set("Anthropic-Ratelimit-Input-Tokens-Remaining", "399000")
	h.Set("Anthropic-Ratelimit-Input-Tokens-Reset", "2025-01-01T00:00:01Z")
	h.Set("Anthropic-Ratelimit-Output-Tokens-Limit", "80000")
	h.Set("Anthropic-Ratelimit-Output-Tokens-Remaining", "80000")
	h.Set("Anthropic-Ratelimit-Output-Tokens-Reset", "2025-01-01T00:00:00Z")
	return h
}

// ErrorBody returns Anthropic's error body for an error type and message.
func ErrorBody(typ, msg string) []byte {
	b, _ := json.Marshal(map[string]any{
		"type":       "error",
		"error":      map[string]string{"type": typ, "message": msg},
		"request_id": RequestID,
	})
	return b
}

// ErrorReply is an error reply with Anthropic's headers and body.
func ErrorReply(status int, typ, msg string) fake.Reply {
	return fake.Reply{Status: status, Header: Headers(), Body: ErrorBody(typ, msg)}
}

// RateLimitReply is Anthropic's 429 with retry-after: 20 and exhausted request limits.
func RateLimitReply() fake.Reply {
	r := ErrorReply(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit (https://docs.anthropic.com/en/api/rate-limits); see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.")
	r.Header.Set("Retry-After", "20")
	r.Header.Set("Anthropic-Ratelimit-Requests-Remaining", "0")
	return r
}

// OverloadedReply is Anthropic's 529 overloaded_error.
func OverloadedReply() fake.Reply {
	return ErrorReply(529, "overloaded_error", "Overloaded")
}

// JSONReply answers with a recorded message body such as TextMessage.
func JSONReply(body string) fake.Reply {
	return fake.Reply{Header: Headers(), Body: []byte(body)}
}

// StreamReply answers with a recorded stream such as TextStream, written in pieces of
// ChunkSize bytes.
func StreamReply(stream string) fake.Reply {
	return fake.Reply{Header: StreamHeaders(), Chunks: fake.SSE(stream, ChunkSize)}
}

// Message returns a message answering text, from model, with the fixed usage.
func Message(model, text string) []byte {
	return marshalMessage(model, []any{map[string]any{"type": "text", "text": text}}, "end_turn")
}

// ToolUse returns a message that calls tool name with input.
func ToolUse(model, name string, input json.RawMessage) []byte {
	return marshalMessage(model, []any{map[string]any{"type": "tool_use", "id": ToolUseID, "name": name, "input": input}}, "tool_use")
}

func marshalMessage(model string, content []any, stop string) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": MessageID, "type": "message", "role": "assistant", "model": model,
		"content": content, "stop_reason": stop, "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": InputTokens, "cache_creation_input_tokens": 0,
			"cache_read_input_tokens": 0, "output_tokens": OutputTokens, "service_tier": "standard"},
	})
	return b
}

// Stream returns the event stream of an answer with text, in word-sized deltas.
func Stream(model, text string) string {
	var b strings.Builder
	streamStart(&b, model)
	event(&b, "content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
	event(&b, "ping", `{"type": "ping"}`)
	for _, w := range words(text) {
		q, _ := json.Marshal(w)
		event(&b, "content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":`+string(q)+`}}`)
	}
	event(&b, "content_block_stop", `{"type":"content_block_stop","index":0}`)
	streamEnd(&b, "end_turn")
	return b.String()
}

// ToolUseStreamFor returns the event stream of a call of tool name with input, the input
// arriving in two input_json_delta fragments.
func ToolUseStreamFor(model, name string, input json.RawMessage) string {
	var b strings.Builder
	streamStart(&b, model)
	id, _ := json.Marshal(ToolUseID)
	n, _ := json.Marshal(name)
	event(&b, "content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":`+string(id)+`,"name":`+string(n)+`,"input":{}}}`)
	half := len(input) / 2
	for _, part := range []json.RawMessage{nil, input[:half], input[half:]} {
		q, _ := json.Marshal(string(part))
		event(&b, "content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":`+string(q)+`}}`)
	}
	event(&b, "content_block_stop", `{"type":"content_block_stop","index":0}`)
	streamEnd(&b, "tool_use")
	return b.String()
}

func streamStart(b *strings.Builder, model string) {
	m, _ := json.Marshal(model)
	event(b, "message_start", `{"type":"message_start","message":{"id":"`+MessageID+`","type":"message","role":"assistant","content":[],"model":`+string(m)+
		`,"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}`)
}

func streamEnd(b *strings.Builder, stop string) {
	event(b, "message_delta", `{"type":"message_delta","delta":{"stop_reason":"`+stop+`","stop_sequence":null},"usage":{"output_tokens":12}}`)
	event(b, "message_stop", `{"type":"message_stop"}`)
}

func event(b *strings.Builder, name, data string) {
	b.WriteString("event: ")
	b.WriteString(name)
	b.WriteString("\ndata: ")
	b.WriteString(data)
	b.WriteString("\n\n")
}

// words cuts text before each space, so that the pieces join back into text.
func words(text string) []string {
	var out []string
	for len(text) > 0 {
		i := strings.IndexByte(text[1:], ' ')
		if i < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i+1])
		text = text[i+1:]
	}
	return out
}

// request is what the Responder reads of a Messages request.
type request struct {
	Model     string `json:"model"`
	MaxTokens *int   `json:"max_tokens"`
	Stream    bool   `json:"stream"`
	Messages  []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Tools []struct {
		Name        string          `json:"name"`
		InputSchema json.RawMessage `json:"input_schema"`
	} `json:"tools"`
	ToolChoice *struct {
		Type string `json:"type"`
		Name string `json:"name"`
	} `json:"tool_choice"`
}

// Responder returns a fake.Responder that plays the Messages API. It checks the
// x-api-key header against key (401 authentication_error otherwise), the
// anthropic-version header (400 invalid_request_error when missing, as Anthropic
// answers), the method and path (POST /v1/messages), that the body is JSON with
// max_tokens and messages. It then answers, streamed when the body has "stream": true:
// with a call of the tool tool_choice names, or else of the first tool when the request
// has tools and ends with a user message that holds no tool_result; otherwise with
// ReplyText. Tool inputs are made from the tool's input_schema: "fake" for each string
// property, 1 for numbers, true for booleans.
func Responder(key string) fake.Responder {
	return func(r *fake.Recorded) fake.Reply {
		switch {
		case r.Header.Get("X-Api-Key") != key:
			return ErrorReply(401, "authentication_error", "invalid x-api-key")
		case r.Header.Get("Anthropic-Version") == "":
			return ErrorReply(400, "invalid_request_error", "anthropic-version: header is required")
		case r.Path != "/v1/messages":
			return ErrorReply(404, "not_found_error", "Not Found")
		case r.Method != http.MethodPost:
			return ErrorReply(405, "invalid_request_error", "Method Not Allowed")
		}
		var req request
		if err := json.Unmarshal(r.Body, &req); err != nil {
			return ErrorReply(400, "invalid_request_error", "There was an issue with your request body: "+err.Error())
		}
		if req.MaxTokens == nil {
			return ErrorReply(400, "invalid_request_error", "max_tokens: Field required")
		}
		if len(req.Messages) == 0 {
			return ErrorReply(400, "invalid_request_error", "messages: at least one message is required")
		}
		if name, schema := toolToCall(&req); name != "" {
			input := fakeInput(schema)
			if req.Stream {
				return StreamReply(ToolUseStreamFor(req.Model, name, input))
			}
			return fake.Reply{Header: Headers(), Body: ToolUse(req.Model, name, input)}
		}
		if req.Stream {
			return StreamReply(Stream(req.Model, ReplyText))
		}
		return fake.Reply{Header: Headers(), Body: Message(req.Model, ReplyText)}
	}
}

// toolToCall picks the tool the answer calls, or "".
func toolToCall(req *request) (string, json.RawMessage) {
	if len(req.Tools) == 0 {
		return "", nil
	}
	if tc := req.ToolChoice; tc != nil {
		switch tc.Type {
		case "none":
			return "", nil
		case "tool":
			for _, t := range req.Tools {
				if t.Name == tc.Name {
					return t.Name, t.InputSchema
				}
			}
			return "", nil
		}
	}
	last := req.Messages[len(req.Messages)-1]
	if last.Role != "user" || bytes.Contains(last.Content, []byte(`"tool_result"`)) {
		return "", nil
	}
	return req.Tools[0].Name, req.Tools[0].InputSchema
}

// fakeInput makes a tool input that fits a simple object schema.
func fakeInput(schema json.RawMessage) json.RawMessage {
	var s struct {
		Properties map[string]struct {
			Type any `json:"type"`
		} `json:"properties"`
	}
	json.Unmarshal(schema, &s)
	in := make(map[string]any, len(s.Properties))
	for n, p := range s.Properties { // json.Marshal sorts the keys
		switch p.Type {
		case "string":
			in[n] = "fake"
		case "number", "integer":
			in[n] = 1
		case "boolean":
			in[n] = true
		case "array":
			in[n] = []any{}
		case "object":
			in[n] = map[string]any{}
		default:
			in[n] = nil
		}
	}
	b, _ := json.Marshal(in)
	return b
}
