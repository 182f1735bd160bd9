package anthropic

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// turnRole returns the Anthropic role a message joins: "user" for user and tool
// messages, "assistant", or "" for system and developer messages, which go to the
// top-level system member instead.
func turnRole(role string) string {
	switch role {
	case "user", "tool":
		return "user"
	case "assistant":
		return "assistant"
	}
	return ""
}

func checkRoles(msgs []schema.Message) error {
	for i := range msgs {
		switch msgs[i].Role {
		case "system", "developer", "user", "assistant", "tool":
		default:
			return translate.BadRequest(msgPath(i)+".role",
				"role must be one of system, developer, user, assistant or tool; got "+strconv.Quote(msgs[i].Role))
		}
	}
	return nil
}

func msgPath(i int) string { return "messages[" + strconv.Itoa(i) + "]" }

func partPath(i, j int) string { return msgPath(i) + ".content[" + strconv.Itoa(j) + "]" }

// appendSystem writes the system member from every system and developer message, in
// order: a string when there is one non-empty text, else an array of text blocks.
// Nothing is written when there is no system text.
func appendSystem(b []byte, msgs []schema.Message) ([]byte, error) {
	n, single := 0, ""
	err := eachSystemText(msgs, func(text string) {
		n++
		single = text
	})
	switch {
	case err != nil:
		return nil, err
	case n == 0:
		return b, nil
	case n == 1:
		b = append(b, `,"system":`...)
		return jsonx.AppendString(b, single), nil
	}
	b = append(b, `,"system":[`...)
	k := 0
	eachSystemText(msgs, func(text string) {
		if k > 0 {
			b = append(b, ',')
		}
		k++
		b = appendTextBlock(b, text)
	})
	return append(b, ']'), nil
}

// eachSystemText calls fn with each non-empty text of the system and developer messages.
func eachSystemText(msgs []schema.Message, fn func(string)) error {
	for i := range msgs {
		m := &msgs[i]
		if turnRole(m.Role) != "" {
			continue
		}
		if !m.Content.IsParts {
			if m.Content.Text != "" {
				fn(m.Content.Text)
			}
			continue
		}
		for j := range m.Content.Parts {
			p := &m.Content.Parts[j]
			if p.Type != "text" {
				return unsupportedPart(partPath(i, j), p.Type, "system and developer messages take only text")
			}
			if p.Text != "" {
				fn(p.Text)
			}
		}
	}
	return nil
}

// appendMessages writes the messages member. Consecutive messages that join the same
// Anthropic role (system messages between them aside) become one message whose content
// blocks are theirs in order. A message that stands alone with plain string content
// keeps the string form.
func appendMessages(b []byte, msgs []schema.Message) ([]byte, error) {
	b = append(b, `,"messages":[`...)
	turns := 0
	var err error
	for i := 0; i < len(msgs); {
		role := turnRole(msgs[i].Role)
		if role == "" {
			i++
			continue
		}
		j, count := i, 0
		for j < len(msgs) {
			r := turnRole(msgs[j].Role)
			if r != "" && r != role {
				break
			}
			if r != "" {
				count++
			}
			j++
		}
		if turns > 0 {
			b = append(b, ',')
		}
		turns++
		b = append(b, `{"role":"`...)
		b = append(b, role...)
		b = append(b, `","content":`...)
		if m := &msgs[i]; count == 1 && m.Role != "tool" && !m.Content.IsParts && !m.Content.Null && len(m.ToolCalls) == 0 {
			b = jsonx.AppendString(b, m.Content.Text)
		} else {
			b = append(b, '[')
			n := 0
			for k := i; k < j; k++ {
				if b, err = appendBlocks(b, &n, k, &msgs[k]); err != nil {
					return nil, err
				}
			}
			b = append(b, ']')
		}
		b = append(b, '}')
		i = j
	}
	return append(b, ']'), nil
}

// sep writes the comma before a block of a list that already holds *n blocks.
func sep(b []byte, n *int) []byte {
	if *n > 0 {
		b = append(b, ',')
	}
	*n++
	return b
}

// appendBlocks writes the content blocks of message i. Empty texts are left out: they
// carry nothing and Anthropic refuses empty text blocks.
func appendBlocks(b []byte, n *int, i int, m *schema.Message) ([]byte, error) {
	var err error
	switch m.Role {
	case "user":
		return appendContentBlocks(b, n, i, &m.Content, true)
	case "tool":
		if m.ToolCallID == "" {
			return nil, translate.BadRequest(msgPath(i)+".tool_call_id", "tool messages need a tool_call_id")
		}
		b = sep(b, n)
		b = append(b, `{"type":"tool_result","tool_use_id":`...)
		b = jsonx.AppendString(b, m.ToolCallID)
		switch {
		case m.Content.Null:
		case !m.Content.IsParts:
			b = append(b, `,"content":`...)
			b = jsonx.AppendString(b, m.Content.Text)
		default:
			b = append(b, `,"content":[`...)
			k := 0
			if b, err = appendContentBlocks(b, &k, i, &m.Content, true); err != nil {
				return nil, err
			}
			b = append(b, ']')
		}
		return append(b, '}'), nil
	case "assistant":
		if b, err = appendContentBlocks(b, n, i, &m.Content, false); err != nil {
			return nil, err
		}
		for j := range m.ToolCalls {
			if b, err = appendToolUse(b, n, i, j, &m.ToolCalls[j]); err != nil {
				return nil, err
			}
		}
	}
	return b, nil
}

// appendContentBlocks writes text and, where images are allowed, image blocks.
// Assistant messages may also hold refusal parts, which are written as text.
func appendContentBlocks(b []byte, n *int, i int, c *schema.Content, images bool) ([]byte, error) {
	if !c.IsParts {
		if c.Text != "" {
			b = appendTextBlock(sep(b, n), c.Text)
		}
		return b, nil
	}
	var err error
	for j := range c.Parts {
		p := &c.Parts[j]
		switch {
		case p.Type == "text":
			if p.Text != "" {
				b = appendTextBlock(sep(b, n), p.Text)
			}
		case p.Type == "refusal" && !images:
			if p.Refusal != "" {
				b = appendTextBlock(sep(b, n), p.Refusal)
			}
		case p.Type == "image_url" && images:
			if b, err = appendImage(sep(b, n), p.ImageURL, partPath(i, j)); err != nil {
				return nil, err
			}
		case p.Type == "image_url":
			return nil, unsupportedPart(partPath(i, j), p.Type, "images are accepted in user and tool messages only")
		default:
			return nil, unsupportedPart(partPath(i, j), p.Type, "")
		}
	}
	return b, nil
}

func unsupportedPart(path, typ, why string) error {
	e := translate.Unsupported(path, ProviderType)
	e.Message = "content part type " + strconv.Quote(typ) + " is not supported by provider type anthropic"
	if why != "" {
		e.Message += ": " + why
	}
	return e
}

func appendTextBlock(b []byte, text string) []byte {
	b = append(b, `{"type":"text","text":`...)
	b = jsonx.AppendString(b, text)
	return append(b, '}')
}

// appendImage writes an image block: a data: URL becomes a base64 source, an http(s)
// URL a url source. OpenAI's detail hint has no Anthropic counterpart and is ignored.
func appendImage(b []byte, img *schema.ImageURL, path string) ([]byte, error) {
	if img == nil || img.URL == "" {
		return nil, translate.BadRequest(path+".image_url.url", "image_url.url is required")
	}
	u := img.URL
	if rest, ok := cutPrefixFold(u, "data:"); ok {
		meta, data, ok := strings.Cut(rest, ",")
		if !ok || !strings.HasSuffix(meta, ";base64") {
			return nil, translate.BadRequest(path+".image_url.url",
				"data URLs must be base64-encoded: data:<media type>;base64,<data>")
		}
		mediaType, _, _ := strings.Cut(meta, ";")
		if mediaType == "" {
			return nil, translate.BadRequest(path+".image_url.url", "the data URL has no media type")
		}
		b = append(b, `{"type":"image","source":{"type":"base64","media_type":`...)
		b = jsonx.AppendString(b, mediaType)
		b = append(b, `,"data":`...)
		b = jsonx.AppendString(b, data)
		return append(b, "}}"...), nil
	}
	if _, ok := cutPrefixFold(u, "https://"); !ok {
		if _, ok := cutPrefixFold(u, "http://"); !ok {
			return nil, translate.BadRequest(path+".image_url.url", "image URLs must be http(s) or data: URLs")
		}
	}
	b = append(b, `{"type":"image","source":{"type":"url","url":`...)
	b = jsonx.AppendString(b, u)
	return append(b, "}}"...), nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// appendToolUse writes an assistant tool call as a tool_use block whose input is the
// call's arguments parsed as a JSON object ("" stands for {}).
func appendToolUse(b []byte, n *int, i, j int, tc *schema.ToolCall) ([]byte, error) {
	path := msgPath(i) + ".tool_calls[" + strconv.Itoa(j) + "]"
	if tc.Type != "" && tc.Type != "function" {
		return nil, translate.BadRequest(path+".type", `tool call type must be "function"`)
	}
	if tc.ID == "" {
		return nil, translate.BadRequest(path+".id", "tool calls need an id")
	}
	if tc.Function.Name == "" {
		return nil, translate.BadRequest(path+".function.name", "tool calls need a function name")
	}
	args := bytes.TrimSpace([]byte(tc.Function.Arguments))
	if len(args) == 0 {
		args = []byte("{}")
	}
	if args[0] != '{' || !json.Valid(args) {
		return nil, translate.BadRequest(path+".function.arguments", "arguments must be a JSON object")
	}
	b = sep(b, n)
	b = append(b, `{"type":"tool_use","id":`...)
	b = jsonx.AppendString(b, tc.ID)
	b = append(b, `,"name":`...)
	b = jsonx.AppendString(b, tc.Function.Name)
	b = append(b, `,"input":`...)
	b = append(b, args...)
	return append(b, '}'), nil
}
