package gemini

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// Request builds the generateContent (or, for a stream, streamGenerateContent?alt=sse)
// request for req.
func (tr *Translator) Request(req *schema.ChatRequest, raw []byte, t *translate.Target) (*translate.Request, error) {
	if e := translate.CheckChatParams(raw, providerType); e != nil {
		return nil, e
	}
	if err := checkUnsupported(req); err != nil {
		return nil, err
	}
	body, err := chatBody(req, len(raw))
	if err != nil {
		return nil, err
	}
	u := ""
	if req.Stream {
		u = methodURL(t, "streamGenerateContent") + "?alt=sse"
	} else {
		u = methodURL(t, "generateContent")
	}
	return &translate.Request{Method: "POST", URL: u, Header: headers(t), Body: body, Stream: req.Stream}, nil
}

// chatBody writes the GenerateContentRequest body. sizeHint is the client body's size.
func chatBody(req *schema.ChatRequest, sizeHint int) ([]byte, error) {
	b := make([]byte, 0, sizeHint+256)
	b = append(b, '{')
	var err error
	if b, err = appendContents(b, req.Messages); err != nil {
		return nil, err
	}
	if b, err = appendSystem(b, req.Messages); err != nil {
		return nil, err
	}
	if b, err = appendTools(b, req); err != nil {
		return nil, err
	}
	if b, err = appendGenerationConfig(b, req); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// isSet reports whether a raw parameter was given with a value other than null.
func isSet(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && string(raw) != "null"
}

// checkUnsupported refuses the parameters Gemini cannot honour. user,
// safety_identifier, prompt_cache_key and metadata change no answer and Gemini has no
// place for them: they are accepted and not forwarded.
func checkUnsupported(req *schema.ChatRequest) error {
	switch {
	case isSet(req.LogitBias) && string(bytes.TrimSpace(req.LogitBias)) != "{}":
		return translate.Unsupported("logit_bias", providerType)
	case isSet(req.Audio):
		return translate.Unsupported("audio", providerType)
	case isSet(req.Prediction):
		return translate.Unsupported("prediction", providerType)
	case isSet(req.WebSearchOptions):
		return translate.Unsupported("web_search_options", providerType)
	case isSet(req.Functions):
		return translate.Unsupported("functions", providerType)
	case isSet(req.FunctionCall):
		return translate.Unsupported("function_call", providerType)
	case req.Store != nil && *req.Store:
		return translate.Unsupported("store", providerType)
	case req.ParallelToolCalls != nil && !*req.ParallelToolCalls && len(req.Tools) > 0:
		return translate.Unsupported("parallel_tool_calls", providerType)
	case req.Verbosity != "":
		return translate.Unsupported("verbosity", providerType)
	}
	switch req.ServiceTier {
	case "", "auto", "default":
	default:
		return translate.Unsupported("service_tier", providerType)
	}
	for i, m := range req.Modalities {
		if m != "text" {
			return translate.Unsupported("modalities["+strconv.Itoa(i)+"]", providerType)
		}
	}
	return nil
}

// contentsWriter writes the contents array, merging consecutive parts of the same role
// into one turn, and opening a turn only when it gets its first part.
type contentsWriter struct {
	b     []byte
	role  string // role of the open turn; "" when none is open
	turns int
}

// part starts a new part in a turn of role: it closes the open turn if its role differs,
// opens a turn if needed, and writes the separator.
func (w *contentsWriter) part(role string) {
	if w.role == role {
		w.b = append(w.b, ',')
		return
	}
	if w.role != "" {
		w.b = append(w.b, "]},"...)
	}
	w.b = append(w.b, `{"role":"`...)
	w.b = append(w.b, role...)
	w.b = append(w.b, `","parts":[`...)
	w.role = role
	w.turns++
}

func (w *contentsWriter) text(role, s string) {
	w.part(role)
	w.b = append(w.b, `{"text":`...)
	w.b = jsonx.AppendString(w.b, s)
	w.b = append(w.b, '}')
}

// appendContents writes "contents":[…] from the user, assistant and tool messages.
func appendContents(b []byte, msgs []schema.Message) ([]byte, error) {
	w := contentsWriter{b: append(b, `"contents":[`...)}
	last := -1
	for i := range msgs {
		m := &msgs[i]
		var err error
		switch m.Role {
		case "system", "developer":
			continue
		case "user":
			err = w.userMessage(i, m)
		case "assistant":
			err = w.assistantMessage(i, m)
		case "tool":
			err = w.toolMessage(i, m, msgs[:i])
		default:
			return nil, translate.BadRequest(msgParam(i)+".role",
				"role "+strconv.Quote(m.Role)+" is not supported; use system, developer, user, assistant or tool")
		}
		if err != nil {
			return nil, err
		}
		last = i
	}
	switch {
	case last < 0 || w.turns == 0:
		return nil, translate.BadRequest("messages", "messages must hold at least one user message with content")
	case msgs[last].Role == "assistant":
		return nil, translate.BadRequest(msgParam(last),
			"the last message is an assistant message: Gemini does not continue a partial assistant reply (prefill); end with a user or tool message")
	}
	if w.role != "" {
		w.b = append(w.b, "]}"...)
	}
	return append(w.b, ']'), nil
}

func msgParam(i int) string { return "messages[" + strconv.Itoa(i) + "]" }

func (w *contentsWriter) userMessage(i int, m *schema.Message) error {
	if !m.Content.IsParts {
		if m.Content.Text != "" {
			w.text("user", m.Content.Text)
		}
		return nil
	}
	for j := range m.Content.Parts {
		if err := w.userPart(i, j, &m.Content.Parts[j]); err != nil {
			return err
		}
	}
	return nil
}

func (w *contentsWriter) assistantMessage(i int, m *schema.Message) error {
	if m.Content.IsParts {
		for j, p := range m.Content.Parts {
			switch p.Type {
			case "text":
				if p.Text != "" {
					w.text("model", p.Text)
				}
			case "refusal":
				if p.Refusal != "" {
					w.text("model", p.Refusal)
				}
			default:
				return translate.BadRequest(partParam(i, j)+".type",
					"an assistant message may only hold text and refusal parts, not "+strconv.Quote(p.Type))
			}
		}
	} else if m.Content.Text != "" {
		w.text("model", m.Content.Text)
	} else if m.Refusal != nil && *m.Refusal != "" && len(m.ToolCalls) == 0 {
		w.text("model", *m.Refusal)
	}
	for j := range m.ToolCalls {
		if err := w.functionCall(i, j, &m.ToolCalls[j]); err != nil {
			return err
		}
	}
	return nil
}

// functionCall writes an assistant tool call as a functionCall part, with the thought
// signature that its id carries (see splitToolCallID).
func (w *contentsWriter) functionCall(i, j int, tc *schema.ToolCall) error {
	param := msgParam(i) + ".tool_calls[" + strconv.Itoa(j) + "]"
	if tc.Type != "" && tc.Type != "function" {
		return translate.BadRequest(param+".type", "only function tool calls are supported")
	}
	if tc.Function.Name == "" {
		return translate.BadRequest(param+".function.name", "a tool call needs a function name")
	}
	args := strings.TrimSpace(tc.Function.Arguments)
	if args == "" {
		args = "{}"
	}
	if args[0] != '{' || !json.Valid([]byte(args)) {
		return translate.BadRequest(param+".function.arguments", "arguments must be a JSON object")
	}
	_, sig := splitToolCallID(tc.ID)
	w.part("model")
	w.b = append(w.b, `{"functionCall":{"name":`...)
	w.b = jsonx.AppendString(w.b, tc.Function.Name)
	w.b = append(w.b, `,"args":`...)
	w.b = append(w.b, args...)
	w.b = append(w.b, '}')
	if sig != "" {
		w.b = append(w.b, `,"thoughtSignature":`...)
		w.b = jsonx.AppendString(w.b, sig)
	}
	w.b = append(w.b, '}')
	return nil
}

// toolMessage writes a tool result as a functionResponse part of a user turn. Gemini needs
// the function's name, which it finds on the assistant tool call the result answers.
func (w *contentsWriter) toolMessage(i int, m *schema.Message, earlier []schema.Message) error {
	param := msgParam(i)
	if m.ToolCallID == "" {
		return translate.BadRequest(param+".tool_call_id", "a tool message needs the tool_call_id it answers")
	}
	name := toolCallName(earlier, m.ToolCallID)
	if name == "" {
		return translate.BadRequest(param+".tool_call_id",
			"no earlier assistant message has a tool call with id "+strconv.Quote(m.ToolCallID))
	}
	var text string
	if m.Content.IsParts {
		for j, p := range m.Content.Parts {
			if p.Type != "text" {
				return translate.BadRequest(partParam(i, j)+".type", "a tool message may only hold text parts")
			}
			text += p.Text
		}
	} else {
		text = m.Content.Text
	}
	w.part("user")
	w.b = append(w.b, `{"functionResponse":{"name":`...)
	w.b = jsonx.AppendString(w.b, name)
	w.b = append(w.b, `,"response":`...)
	if t := strings.TrimSpace(text); len(t) > 0 && t[0] == '{' && json.Valid([]byte(t)) {
		w.b = append(w.b, t...)
	} else {
		w.b = append(w.b, `{"result":`...)
		w.b = jsonx.AppendString(w.b, text)
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, "}}"...)
	return nil
}

// toolCallName returns the function name of the latest tool call with id, or "".
func toolCallName(msgs []schema.Message, id string) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role != "assistant" {
			continue
		}
		for _, tc := range msgs[i].ToolCalls {
			if tc.ID == id {
				return tc.Function.Name
			}
		}
	}
	return ""
}

// appendSystem writes "systemInstruction" from all system and developer messages, in order.
func appendSystem(b []byte, msgs []schema.Message) ([]byte, error) {
	n := 0
	add := func(s string) {
		if s == "" {
			return
		}
		if n == 0 {
			b = append(b, `,"systemInstruction":{"parts":[`...)
		} else {
			b = append(b, ',')
		}
		b = append(b, `{"text":`...)
		b = jsonx.AppendString(b, s)
		b = append(b, '}')
		n++
	}
	for i := range msgs {
		m := &msgs[i]
		if m.Role != "system" && m.Role != "developer" {
			continue
		}
		if !m.Content.IsParts {
			add(m.Content.Text)
			continue
		}
		for j, p := range m.Content.Parts {
			if p.Type != "text" {
				return nil, translate.BadRequest(partParam(i, j)+".type", "a "+m.Role+" message may only hold text parts")
			}
			add(p.Text)
		}
	}
	if n > 0 {
		b = append(b, "]}"...)
	}
	return b, nil
}
