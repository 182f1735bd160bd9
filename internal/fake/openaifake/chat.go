package openaifake

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/translate/schema"
)

// FakeText is the fake's reply when it neither calls a tool nor writes JSON.
const FakeText = "Hello from the fake OpenAI. How can I help?"

// FakeToolCallID is the id of the tool call the fake makes.
const FakeToolCallID = "call_fake_0"

const azureFilters = `{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}`

type answer struct {
	id, model, content, finish string
	tool                       *schema.ToolCall
	prompt, completion         int
	azure                      bool
}

func chat(body []byte, azure bool) fake.Reply {
	var req schema.ChatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return badRequest("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)", "")
	}
	if req.Model == "" && !azure {
		return badRequest("you must provide a model parameter", "")
	}
	if len(req.Messages) == 0 {
		return badRequest("[] is too short - 'messages'", "messages")
	}
	a := answer{id: "chatcmpl-fake", model: req.Model, content: FakeText, finish: "stop", azure: azure}
	if azure {
		a.model = AzureModel
	}
	for _, m := range req.Messages {
		a.prompt += len(strings.Fields(m.Content.String()))
	}
	text, isUser := lastUser(req.Messages)
	if azure && strings.Contains(text, "azure:content_filter") {
		return JSONReply(400, ErrAzureContentFilter)
	}
	tc := req.ToolChoice
	switch {
	case azure && strings.Contains(text, "azure:filtered"):
		a.content, a.finish = "", "content_filter"
	case len(req.Tools) > 0 && isUser && (tc == nil || tc.Mode != "none"):
		fn := req.Tools[0].Function
		if tc != nil && tc.Function != "" {
			for _, t := range req.Tools {
				if t.Function.Name == tc.Function {
					fn = t.Function
				}
			}
		}
		a.tool = &schema.ToolCall{ID: FakeToolCallID, Type: "function",
			Function: schema.FunctionCall{Name: fn.Name, Arguments: argsFor(fn.Parameters)}}
		a.content, a.finish = "", "tool_calls"
	case req.ResponseFormat != nil && req.ResponseFormat.Type == "json_object":
		a.content = `{"answer":"fake"}`
	case req.ResponseFormat != nil && req.ResponseFormat.Type == "json_schema" && req.ResponseFormat.JSONSchema != nil:
		a.content = argsFor(req.ResponseFormat.JSONSchema.Schema)
	}
	if a.tool != nil {
		a.completion = len(strings.Fields(a.tool.Function.Arguments))
	} else {
		a.completion = len(strings.Fields(a.content))
	}
	if req.Stream {
		return streamReply(a, req.IncludeUsage())
	}
	return withRateLimits(fake.Reply{Header: header("application/json"), Body: completionBody(a)})
}

func (a answer) usage() string {
	return `{"prompt_tokens":` + strconv.Itoa(a.prompt) + `,"completion_tokens":` + strconv.Itoa(a.completion) +
		`,"total_tokens":` + strconv.Itoa(a.prompt+a.completion) +
		`,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`
}

func completionBody(a answer) []byte {
	var msg string
	if a.tool != nil {
		tc, _ := json.Marshal([]schema.ToolCall{*a.tool})
		msg = `{"role":"assistant","content":null,"tool_calls":` + string(tc) + `,"refusal":null,"annotations":[]}`
	} else {
		msg = `{"role":"assistant","content":` + quote(a.content) + `,"refusal":null,"annotations":[]}`
	}
	choice := `{"index":0,"message":` + msg + `,"logprobs":null,"finish_reason":"` + a.finish + `"`
	if a.azure {
		choice += `,"content_filter_results":` + azureFilters
	}
	choice += "}"
	b := `{"id":"` + a.id + `","object":"chat.completion","created":` + strconv.Itoa(Created) +
		`,"model":` + quote(a.model) + `,"choices":[` + choice + `],"usage":` + a.usage()
	if a.azure {
		b += `,"prompt_filter_results":[{"prompt_index":0,"content_filter_results":` + azureFilters + `}]`
	}
	return []byte(b + `,"service_tier":"default","system_fingerprint":"fp_fake"}`)
}

// streamReply streams the answer as OpenAI does, cut into 17-byte pieces.
func streamReply(a answer, includeUsage bool) fake.Reply {
	var b strings.Builder
	usageNull := ""
	if includeUsage {
		usageNull = `,"usage":null`
	}
	head := `{"id":"` + a.id + `","object":"chat.completion.chunk","created":` + strconv.Itoa(Created) +
		`,"model":` + quote(a.model) + `,"system_fingerprint":"fp_fake","choices":[`
	event := func(delta, finish string) {
		if finish == "" {
			finish = "null"
		} else {
			finish = `"` + finish + `"`
		}
		b.WriteString("data: " + head + `{"index":0,"delta":` + delta + `,"logprobs":null,"finish_reason":` + finish + `}]` + usageNull + "}\n\n")
	}
	if a.azure {
		b.WriteString(`data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":` + azureFilters + `}]}` + "\n\n")
	}
	if a.tool != nil {
		event(`{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"`+a.tool.ID+`","type":"function","function":{"name":`+quote(a.tool.Function.Name)+`,"arguments":""}}],"refusal":null}`, "")
		args := a.tool.Function.Arguments
		for len(args) > 0 {
			n := min(5, len(args))
			event(`{"tool_calls":[{"index":0,"function":{"arguments":`+quote(args[:n])+`}}]}`, "")
			args = args[n:]
		}
	} else {
		event(`{"role":"assistant","content":"","refusal":null}`, "")
		for _, w := range strings.SplitAfter(a.content, " ") {
			if w != "" {
				event(`{"content":`+quote(w)+`}`, "")
			}
		}
	}
	event(`{}`, a.finish)
	if includeUsage {
		b.WriteString("data: " + head + `],"usage":` + a.usage() + "}\n\n")
	}
	b.WriteString("data: [DONE]\n\n")
	r := StreamReply(b.String(), 17)
	return withRateLimits(r)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// argsFor builds a JSON object holding the required properties of a JSON schema:
// strings "fake", numbers 1, booleans true, arrays [], objects {}.
func argsFor(schemaJSON json.RawMessage) string {
	var s struct {
		Properties map[string]struct {
			Type any   `json:"type"`
			Enum []any `json:"enum"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	if json.Unmarshal(schemaJSON, &s) != nil || len(s.Required) == 0 {
		return `{}`
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, name := range s.Required {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quote(name) + ":")
		p := s.Properties[name]
		if len(p.Enum) > 0 {
			v, _ := json.Marshal(p.Enum[0])
			b.Write(v)
			continue
		}
		t, _ := p.Type.(string)
		switch t {
		case "number", "integer":
			b.WriteString("1")
		case "boolean":
			b.WriteString("true")
		case "array":
			b.WriteString("[]")
		case "object":
			b.WriteString("{}")
		case "null":
			b.WriteString("null")
		default:
			b.WriteString(`"fake"`)
		}
	}
	b.WriteByte('}')
	return b.String()
}
