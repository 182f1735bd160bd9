package gateway

import (
	"encoding/json"
	"strings"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// decodeChatBody decodes a chat request body: in one pass when decodeChat can, else with
// encoding/json through decodeBody, which also words the errors. decodeChat accepts
// nothing chatShape refuses, so the shape needs no walk on the fast path.
func decodeChatBody(body []byte, req *schema.ChatRequest) *translate.Error {
	if decodeChat(body, req) {
		return nil
	}
	if e := decodeBody(body, req, chatShape); e != nil {
		*req = schema.ChatRequest{}
		return e
	}
	return nil
}

// decodeChat decodes a chat completions body into req in one pass, without reflection,
// for the shapes clients send. It returns false when the body holds anything it does
// not decode exactly as encoding/json would (see jsonx.Decoder), and for a named
// tool_choice; the caller then decodes the body with encoding/json. When it returns
// true, req is what json.Unmarshal would make of body (FuzzDecodeChat checks this),
// except that the json.RawMessage members share body's memory instead of copying it.
//
// This is the gateway's hottest step: encoding/json takes about 20 µs and 40 allocations
// for a 1.5 KB request, this a few µs (BenchmarkDecodeChat, BenchmarkDecodeChatJSON).
func decodeChat(body []byte, req *schema.ChatRequest) bool {
	*req = schema.ChatRequest{}
	ok := jsonx.Decode(body, func(d *jsonx.Decoder) bool {
		return d.Peek() == '{' && chatDecoder{d}.chatRequest(req)
	})
	if !ok {
		*req = schema.ChatRequest{}
	}
	return ok
}

// chatDecoder reads the schema's types with a jsonx.Decoder.
type chatDecoder struct{ *jsonx.Decoder }

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

// raw keeps the next value's bytes, null included, as json.RawMessage does. kinds are
// the first bytes the value may start with besides null's ("{" for an object): a value of
// another kind is left to decodeBody, whose chatShape walk names the parameter.
func (d chatDecoder) raw(dst *json.RawMessage, kinds string) bool {
	if c := d.Peek(); c != 'n' && strings.IndexByte(kinds, c) < 0 {
		return false
	}
	v, ok := d.Raw()
	*dst = v
	return ok
}

func (d chatDecoder) chatRequest(r *schema.ChatRequest) bool {
	return d.Object(chatNames[:], func(i int) bool {
		switch chatNames[i] {
		case "model":
			return d.Str(&r.Model)
		case "messages":
			return d.messages(&r.Messages)
		case "stream":
			return d.Bool(&r.Stream)
		case "stream_options":
			return d.streamOptions(&r.StreamOptions)
		case "temperature":
			return d.Float(&r.Temperature)
		case "top_p":
			return d.Float(&r.TopP)
		case "n":
			return d.IntPtr(&r.N)
		case "stop":
			return d.stop(&r.Stop)
		case "max_tokens":
			return d.IntPtr(&r.MaxTokens)
		case "max_completion_tokens":
			return d.IntPtr(&r.MaxCompletionTokens)
		case "presence_penalty":
			return d.Float(&r.PresencePenalty)
		case "frequency_penalty":
			return d.Float(&r.FrequencyPenalty)
		case "logit_bias":
			return d.raw(&r.LogitBias, "{")
		case "logprobs":
			return d.BoolPtr(&r.Logprobs)
		case "top_logprobs":
			return d.IntPtr(&r.TopLogprobs)
		case "seed":
			return d.Int64Ptr(&r.Seed)
		case "user":
			return d.Str(&r.User)
		case "tools":
			return d.tools(&r.Tools)
		case "tool_choice":
			return d.toolChoice(&r.ToolChoice)
		case "parallel_tool_calls":
			return d.BoolPtr(&r.ParallelToolCalls)
		case "response_format":
			return d.responseFormat(&r.ResponseFormat)
		case "reasoning_effort":
			return d.Str(&r.ReasoningEffort)
		case "metadata":
			return d.raw(&r.Metadata, "{")
		case "store":
			return d.BoolPtr(&r.Store)
		case "service_tier":
			return d.Str(&r.ServiceTier)
		case "modalities":
			return d.Strings(&r.Modalities)
		case "audio":
			return d.raw(&r.Audio, "{")
		case "prediction":
			return d.raw(&r.Prediction, "{")
		case "web_search_options":
			return d.raw(&r.WebSearchOptions, "{")
		case "functions":
			return d.raw(&r.Functions, "[")
		case "function_call":
			return d.raw(&r.FunctionCall, "\"{")
		case "safety_identifier":
			return d.Str(&r.SafetyIdentifier)
		case "prompt_cache_key":
			return d.Str(&r.PromptCacheKey)
		case "verbosity":
			return d.Str(&r.Verbosity)
		}
		return false
	})
}

// Arrays decode to non-nil slices, an empty array to an empty one, as encoding/json
// does; null leaves them nil. A null element is a zero value.

func (d chatDecoder) messages(dst *[]schema.Message) bool {
	if d.Null() {
		return true
	}
	out := make([]schema.Message, 0, 8)
	ok := d.Array(func() bool {
		out = append(out, schema.Message{})
		return d.message(&out[len(out)-1])
	})
	*dst = out
	return ok
}

func (d chatDecoder) message(m *schema.Message) bool {
	if d.Null() {
		return true
	}
	return d.Object(messageNames[:], func(i int) bool {
		switch messageNames[i] {
		case "role":
			return d.Str(&m.Role)
		case "content":
			return d.content(&m.Content)
		case "name":
			return d.Str(&m.Name)
		case "tool_calls":
			return d.toolCalls(&m.ToolCalls)
		case "tool_call_id":
			return d.Str(&m.ToolCallID)
		case "refusal":
			return d.StrPtr(&m.Refusal)
		case "reasoning_content":
			return d.Str(&m.ReasoningContent)
		}
		return false
	})
}

// content follows schema.Content's UnmarshalJSON: a string, an array of parts or null.
func (d chatDecoder) content(c *schema.Content) bool {
	switch d.Peek() {
	case 'n':
		*c = schema.Content{Null: true}
		return d.Null()
	case '"':
		*c = schema.Content{}
		return d.Str(&c.Text)
	case '[':
	default:
		return false
	}
	parts := make([]schema.ContentPart, 0, 1)
	ok := d.Array(func() bool {
		parts = append(parts, schema.ContentPart{})
		return d.part(&parts[len(parts)-1])
	})
	*c = schema.Content{IsParts: true, Parts: parts}
	return ok
}

func (d chatDecoder) part(p *schema.ContentPart) bool {
	if d.Null() {
		return true
	}
	return d.Object(partNames[:], func(i int) bool {
		switch partNames[i] {
		case "type":
			return d.Str(&p.Type)
		case "text":
			return d.Str(&p.Text)
		case "image_url":
			if d.Null() {
				return true
			}
			u := new(schema.ImageURL)
			p.ImageURL = u
			return d.Object(imageURLNames[:], func(i int) bool {
				if i == 0 {
					return d.Str(&u.URL)
				}
				return d.Str(&u.Detail)
			})
		case "input_audio":
			return d.raw(&p.InputAudio, "{")
		case "file":
			return d.raw(&p.File, "{")
		case "refusal":
			return d.Str(&p.Refusal)
		}
		return false
	})
}

func (d chatDecoder) toolCalls(dst *[]schema.ToolCall) bool {
	if d.Null() {
		return true
	}
	out := make([]schema.ToolCall, 0, 1)
	ok := d.Array(func() bool {
		out = append(out, schema.ToolCall{})
		c := &out[len(out)-1]
		if d.Null() {
			return true
		}
		return d.Object(toolCallNames[:], func(i int) bool {
			switch toolCallNames[i] {
			case "index":
				return d.IntPtr(&c.Index)
			case "id":
				return d.Str(&c.ID)
			case "type":
				return d.Str(&c.Type)
			case "function":
				if d.Null() {
					return true
				}
				return d.Object(functionCallNames[:], func(i int) bool {
					if i == 0 {
						return d.Str(&c.Function.Name)
					}
					return d.Str(&c.Function.Arguments)
				})
			}
			return false
		})
	})
	*dst = out
	return ok
}

func (d chatDecoder) tools(dst *[]schema.Tool) bool {
	if d.Null() {
		return true
	}
	out := make([]schema.Tool, 0, 2)
	ok := d.Array(func() bool {
		out = append(out, schema.Tool{})
		t := &out[len(out)-1]
		if d.Null() {
			return true
		}
		return d.Object(toolNames[:], func(i int) bool {
			if i == 0 {
				return d.Str(&t.Type)
			}
			if d.Null() {
				return true
			}
			f := &t.Function
			return d.Object(functionNames[:], func(i int) bool {
				switch functionNames[i] {
				case "name":
					return d.Str(&f.Name)
				case "description":
					return d.Str(&f.Description)
				case "parameters":
					return d.raw(&f.Parameters, "{")
				case "strict":
					return d.BoolPtr(&f.Strict)
				}
				return false
			})
		})
	})
	*dst = out
	return ok
}

// toolChoice reads a mode; a named function (an object) is left to encoding/json.
func (d chatDecoder) toolChoice(dst **schema.ToolChoice) bool {
	if d.Null() {
		return true
	}
	var mode string
	if d.Peek() != '"' || !d.Str(&mode) {
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
func (d chatDecoder) stop(dst *schema.Stop) bool {
	if d.Peek() == '"' {
		var s string
		if !d.Str(&s) {
			return false
		}
		*dst = schema.Stop{s}
		return true
	}
	var many []string
	if !d.Strings(&many) {
		return false
	}
	*dst = many
	return true
}

func (d chatDecoder) streamOptions(dst **schema.StreamOptions) bool {
	if d.Null() {
		return true
	}
	o := new(schema.StreamOptions)
	*dst = o
	return d.Object(streamOptNames[:], func(int) bool { return d.Bool(&o.IncludeUsage) })
}

func (d chatDecoder) responseFormat(dst **schema.ResponseFormat) bool {
	if d.Null() {
		return true
	}
	f := new(schema.ResponseFormat)
	*dst = f
	return d.Object(respFormatNames[:], func(i int) bool {
		if i == 0 {
			return d.Str(&f.Type)
		}
		if d.Null() {
			return true
		}
		s := new(schema.JSONSchema)
		f.JSONSchema = s
		return d.Object(jsonSchemaNames[:], func(i int) bool {
			switch jsonSchemaNames[i] {
			case "name":
				return d.Str(&s.Name)
			case "description":
				return d.Str(&s.Description)
			case "schema":
				return d.raw(&s.Schema, "{")
			case "strict":
				return d.BoolPtr(&s.Strict)
			}
			return false
		})
	})
}
