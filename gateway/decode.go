package gateway

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// decodeChat decodes a chat completions body into req in one pass, without reflection,
// for the shapes clients send. It returns false when the body holds anything it does
// not decode exactly as encoding/json would (see jsonx.Decoder), and for a named
// tool_choice; the caller then decodes the body with encoding/json, which also words the
// error. When it returns true, req is what json.Unmarshal would make of body
// (FuzzDecodeChat checks this), except that the json.RawMessage members share body's
// memory instead of copying it.
//
// This is the gateway's hottest step: encoding/json takes about 20 µs and 40 allocations
// for a 1.6 KB request, this a fraction of that (BenchmarkDecodeChat, BenchmarkDecodeChatJSON).
func decodeChat(body []byte, req *schema.ChatRequest) bool {
	*req = schema.ChatRequest{}
	ok := jsonx.Decode(body, func(d *jsonx.Decoder) bool {
		return d.Peek() == '{' && (*chatDecoder)(d).chatRequest(req)
	})
	if !ok {
		*req = schema.ChatRequest{}
	}
	return ok
}

// chatDecoder adds the schema's types to jsonx.Decoder.
type chatDecoder jsonx.Decoder

func (d *chatDecoder) jd() *jsonx.Decoder { return (*jsonx.Decoder)(d) }

// Member names of each decoded type, as their json tags spell them. TestDecodeChatFields
// checks them against the schema types, so that a field added there is not dropped here.
var (
	chatNames = [...]string{"model", "messages", "stream", "stream_options", "temperature", "top_p", "n", "stop",
		"max_tokens", "max_completion_tokens", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs",
		"top_logprobs", "seed", "user", "tools", "tool_choice", "parallel_tool_calls", "response_format",
		"reasoning_effort", "metadata", "store", "service_tier", "modalities", "audio", "prediction",
		"web_search_options", "functions", "function_call", "safety_identifier", "prompt_cache_key", "verbosity"}
	messageNames      = [...]string{"role", "content", "name", "tool_calls", "tool_call_id", "refusal", "reasoning_content"}
	partNames         = [...]string{"type", "text", "image_url", "input_audio", "file", "refusal"}
	imageURLNames     = [...]string{"url", "detail"}
	toolNames         = [...]string{"type", "function"}
	functionNames     = [...]string{"name", "description", "parameters", "strict"}
	toolCallNames     = [...]string{"index", "id", "type", "function"}
	functionCallNames = [...]string{"name", "arguments"}
	streamOptNames    = [...]string{"include_usage"}
	respFormatNames   = [...]string{"type", "json_schema"}
	jsonSchemaNames   = [...]string{"name", "description", "schema", "strict"}
)


func (d *chatDecoder) chatRequest(r *schema.ChatRequest) bool {
	return d.object(chatNames[:], func(i int) bool {
		switch chatNames[i] {
		case "model":
			return d.str(&r.Model)
		case "messages":
			return d.messages(&r.Messages)
		case "stream":
			return d.boolean(&r.Stream)
		case "stream_options":
			return d.streamOptions(&r.StreamOptions)
		case "temperature":
			return d.float(&r.Temperature)
		case "top_p":
			return d.float(&r.TopP)
		case "n":
			return d.int(&r.N)
		case "stop":
			return d.stop(&r.Stop)
		case "max_tokens":
			return d.int(&r.MaxTokens)
		case "max_completion_tokens":
			return d.int(&r.MaxCompletionTokens)
		case "presence_penalty":
			return d.float(&r.PresencePenalty)
		case "frequency_penalty":
			return d.float(&r.FrequencyPenalty)
		case "logit_bias":
			return d.raw(&r.LogitBias)
		case "logprobs":
			return d.boolPtr(&r.Logprobs)
		case "top_logprobs":
			return d.int(&r.TopLogprobs)
		case "seed":
			return d.int64(&r.Seed)
		case "user":
			return d.str(&r.User)
		case "tools":
			return d.tools(&r.Tools)
		case "tool_choice":
			return d.toolChoice(&r.ToolChoice)
		case "parallel_tool_calls":
			return d.boolPtr(&r.ParallelToolCalls)
		case "response_format":
			return d.responseFormat(&r.ResponseFormat)
		case "reasoning_effort":
			return d.str(&r.ReasoningEffort)
		case "metadata":
			return d.raw(&r.Metadata)
		case "store":
			return d.boolPtr(&r.Store)
		case "service_tier":
			return d.str(&r.ServiceTier)
		case "modalities":
			return d.strings(&r.Modalities)
		case "audio":
			return d.raw(&r.Audio)
		case "prediction":
			return d.raw(&r.Prediction)
		case "web_search_options":
			return d.raw(&r.WebSearchOptions)
		case "functions":
			return d.raw(&r.Functions)
		case "function_call":
			return d.raw(&r.FunctionCall)
		case "safety_identifier":
			return d.str(&r.SafetyIdentifier)
		case "prompt_cache_key":
			return d.str(&r.PromptCacheKey)
		case "verbosity":
			return d.str(&r.Verbosity)
		}
		return false
	})
}

func (d *chatDecoder) messages(dst *[]schema.Message) bool {
	if d.null() {
		return true
	}
	if !d.sc.EnterArray() {
		return false
	}
	out := make([]schema.Message, 0, 8)
	for d.sc.NextElem() {
		out = append(out, schema.Message{})
		if !d.message(&out[len(out)-1]) {
			return false
		}
	}
	*dst = out
	return d.sc.OK()
}

func (d *chatDecoder) message(m *schema.Message) bool {
	if d.null() {
		return true
	}
	return d.object(messageNames[:], func(i int) bool {
		switch messageNames[i] {
		case "role":
			return d.str(&m.Role)
		case "content":
			return d.content(&m.Content)
		case "name":
			return d.str(&m.Name)
		case "tool_calls":
			return d.toolCalls(&m.ToolCalls)
		case "tool_call_id":
			return d.str(&m.ToolCallID)
		case "refusal":
			return d.strPtr(&m.Refusal)
		case "reasoning_content":
			return d.str(&m.ReasoningContent)
		}
		return false
	})
}

// content follows schema.Content's UnmarshalJSON: a string, an array of parts or null.
func (d *chatDecoder) content(c *schema.Content) bool {
	switch d.sc.Peek() {
	case 'n':
		*c = schema.Content{Null: true}
		return d.sc.Skip() && d.sc.OK()
	case '"':
		*c = schema.Content{}
		return d.str(&c.Text)
	case '[':
	default:
		return false
	}
	*c = schema.Content{IsParts: true}
	d.sc.EnterArray()
	parts := make([]schema.ContentPart, 0, 1)
	for d.sc.NextElem() {
		parts = append(parts, schema.ContentPart{})
		if !d.part(&parts[len(parts)-1]) {
			return false
		}
	}
	c.Parts = parts
	return d.sc.OK()
}

func (d *chatDecoder) part(p *schema.ContentPart) bool {
	if d.null() {
		return true
	}
	return d.object(partNames[:], func(i int) bool {
		switch partNames[i] {
		case "type":
			return d.str(&p.Type)
		case "text":
			return d.str(&p.Text)
		case "image_url":
			if d.null() {
				return true
			}
			u := new(schema.ImageURL)
			p.ImageURL = u
			return d.object(imageURLNames[:], func(i int) bool {
				if i == 0 {
					return d.str(&u.URL)
				}
				return d.str(&u.Detail)
			})
		case "input_audio":
			return d.raw(&p.InputAudio)
		case "file":
			return d.raw(&p.File)
		case "refusal":
			return d.str(&p.Refusal)
		}
		return false
	})
}

func (d *chatDecoder) toolCalls(dst *[]schema.ToolCall) bool {
	if d.null() {
		return true
	}
	if !d.sc.EnterArray() {
		return false
	}
	out := make([]schema.ToolCall, 0, 1)
	for d.sc.NextElem() {
		out = append(out, schema.ToolCall{})
		c := &out[len(out)-1]
		if d.null() {
			continue
		}
		ok := d.object(toolCallNames[:], func(i int) bool {
			switch toolCallNames[i] {
			case "index":
				return d.int(&c.Index)
			case "id":
				return d.str(&c.ID)
			case "type":
				return d.str(&c.Type)
			case "function":
				if d.null() {
					return true
				}
				return d.object(functionCallNames[:], func(i int) bool {
					if i == 0 {
						return d.str(&c.Function.Name)
					}
					return d.str(&c.Function.Arguments)
				})
			}
			return false
		})
		if !ok {
			return false
		}
	}
	*dst = out
	return d.sc.OK()
}

func (d *chatDecoder) tools(dst *[]schema.Tool) bool {
	if d.null() {
		return true
	}
	if !d.sc.EnterArray() {
		return false
	}
	out := make([]schema.Tool, 0, 2)
	for d.sc.NextElem() {
		out = append(out, schema.Tool{})
		t := &out[len(out)-1]
		if d.null() {
			continue
		}
		ok := d.object(toolNames[:], func(i int) bool {
			if i == 0 {
				return d.str(&t.Type)
			}
			if d.null() {
				return true
			}
			f := &t.Function
			return d.object(functionNames[:], func(i int) bool {
				switch functionNames[i] {
				case "name":
					return d.str(&f.Name)
				case "description":
					return d.str(&f.Description)
				case "parameters":
					return d.raw(&f.Parameters)
				case "strict":
					return d.boolPtr(&f.Strict)
				}
				return false
			})
		})
		if !ok {
			return false
		}
	}
	*dst = out
	return d.sc.OK()
}

// toolChoice reads a mode; a named function (an object) is left to encoding/json.
func (d *chatDecoder) toolChoice(dst **schema.ToolChoice) bool {
	if d.null() {
		return true
	}
	var mode string
	if d.sc.Peek() != '"' || !d.str(&mode) {
		return false
	}
	switch mode {
	case "auto", "none", "required":
		*dst = &schema.ToolChoice{Mode: mode}
		return true
	}
	return false
}

// stop follows schema.Stop's UnmarshalJSON: a string, an array of strings or null.
func (d *chatDecoder) stop(dst *schema.Stop) bool {
	if d.sc.Peek() == '"' {
		var s string
		if !d.str(&s) {
			return false
		}
		*dst = schema.Stop{s}
		return true
	}
	var many []string
	if !d.strings(&many) {
		return false
	}
	*dst = many
	return true
}

func (d *chatDecoder) streamOptions(dst **schema.StreamOptions) bool {
	if d.null() {
		return true
	}
	o := new(schema.StreamOptions)
	*dst = o
	return d.object(streamOptNames[:], func(int) bool { return d.boolean(&o.IncludeUsage) })
}

func (d *chatDecoder) responseFormat(dst **schema.ResponseFormat) bool {
	if d.null() {
		return true
	}
	f := new(schema.ResponseFormat)
	*dst = f
	return d.object(respFormatNames[:], func(i int) bool {
		if i == 0 {
			return d.str(&f.Type)
		}
		if d.null() {
			return true
		}
		s := new(schema.JSONSchema)
		f.JSONSchema = s
		return d.object(jsonSchemaNames[:], func(i int) bool {
			switch jsonSchemaNames[i] {
			case "name":
				return d.str(&s.Name)
			case "description":
				return d.str(&s.Description)
			case "schema":
				return d.raw(&s.Schema)
			case "strict":
				return d.boolPtr(&s.Strict)
			}
			return false
		})
	})
}

// decodeChatBody decodes a chat request body: in one pass when decodeChat can, else with
// encoding/json through decodeBody, which also words the errors.
func decodeChatBody(body []byte, req *schema.ChatRequest) *translate.Error {
	if decodeChat(body, req) {
		return nil
	}
	return decodeBody(body, req)
}
