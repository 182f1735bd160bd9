// Package mock is Franca's built-in "mock" provider type: it answers chat completions
// and embeddings locally, deterministically and without a key, so that `make run`,
// the examples and tests work without network access.
//
// A chat reply echoes the last user message; tools, JSON response formats, n, streams
// and usage behave as OpenAI's do; "mock:error <status>" as the last user message
// answers that HTTP error. docs/providers/mock.md describes every behaviour.
package mock

import (
	"encoding/json"
	"hash/fnv"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

const (
	// ReplyPrefix starts every text reply; the echoed user text follows it.
	ReplyPrefix = "Hello from Franca's mock provider. You said: "
	// EmptyReply is the reply when there is no user text to echo.
	EmptyReply = "Hello from Franca's mock provider."
	// MaxEcho is the most runes of the user's text the reply echoes.
	MaxEcho = 200
	// ToolCallID is the id of the tool call the mock makes.
	ToolCallID = "call_mock_0"
	// JSONReply is the content answered for response_format json_object, or
	// json_schema whose schema has no required properties.
	JSONReply = `{"mock":true}`
	// ErrorTrigger, followed by a space and an HTTP status from 400 to 599, as the
	// whole last user message (or an embeddings input) answers that error.
	ErrorTrigger = "mock:error"
	// Fingerprint is the system_fingerprint of every answer.
	Fingerprint = "fp_mock"
	// MaxN is the largest n accepted.
	MaxN = 128
	// RateLimitRequests and RateLimitTokens are the limits a simulated 429 reports in
	// its x-ratelimit-limit-* fields.
	RateLimitRequests = 60
	RateLimitTokens   = 150000
)

// Mock is the mock provider. It has no state; the zero value is ready to use.
type Mock struct{}

// New returns the mock provider.
func New() *Mock { return &Mock{} }

var (
	jsonHeader = translate.Headers{{Name: "Content-Type", Value: "application/json"}}
	sseHeader  = translate.Headers{{Name: "Content-Type", Value: "text/event-stream"}, {Name: "Cache-Control", Value: "no-cache"}}
)

// reply is what the mock answers to a chat request.
type reply struct {
	text string // the text reply, when there is no tool call
	tool *schema.ToolCall
	n    int
}

// Chat answers a chat request: status, headers, body (a chat.completion, or the whole
// event stream when req.Stream) and usage. raw is the body req was decoded from, whose
// members are checked as OpenAI checks them (nil skips that check); a request OpenAI
// would refuse gets OpenAI's 400. created is written as "created".
func (m *Mock) Chat(req *schema.ChatRequest, raw []byte, model string, created int64) (int, translate.Headers, []byte, *schema.Usage) {
	if e := validateChat(req, raw); e != nil {
		return e.Status, jsonHeader, e.JSON(), nil
	}
	last, lastIsUser := lastUserText(req.Messages)
	if status, ok := errorStatus(last); ok {
		return errorReply(status)
	}
	n := 1
	if req.N != nil {
		n = *req.N
	}
	r := reply{n: n}
	switch tc := req.ToolChoice; {
	case len(req.Tools) > 0 && (tc == nil || tc.Mode != "none") && lastIsUser:
		fn := req.Tools[0].Function
		if tc != nil && tc.Function != "" {
			fn = schema.Function{Name: tc.Function}
			for _, t := range req.Tools {
				if t.Function.Name == tc.Function {
					fn = t.Function
					break
				}
			}
		}
		r.tool = &schema.ToolCall{ID: ToolCallID, Type: "function",
			Function: schema.FunctionCall{Name: fn.Name, Arguments: objectFor(fn.Parameters, "{}")}}
	case req.ResponseFormat != nil && req.ResponseFormat.Type == "json_object":
		r.text = JSONReply
	case req.ResponseFormat != nil && req.ResponseFormat.Type == "json_schema":
		var s json.RawMessage
		if req.ResponseFormat.JSONSchema != nil {
			s = req.ResponseFormat.JSONSchema.Schema
		}
		r.text = objectFor(s, JSONReply)
	default:
		r.text = EmptyReply
		if echo := truncate(last, MaxEcho); echo != "" {
			r.text = ReplyPrefix + echo
		}
	}
	usage := &schema.Usage{PromptTokens: promptWords(req.Messages), CompletionTokens: n * r.words()}
	usage.TotalTokens = usage.PromptTokens + usage.CompletionTokens
	id := chatID(req.Messages)
	if req.Stream {
		return 200, sseHeader, streamBody(r, id, model, created, req.IncludeUsage(), usage), usage
	}
	return 200, jsonHeader, completionBody(r, id, model, created, usage), usage
}

// words is the completion token count of one choice: the words of the text, or of
// the tool call's arguments.
func (r reply) words() int {
	if r.tool != nil {
		return len(strings.Fields(r.tool.Function.Arguments))
	}
	return len(strings.Fields(r.text))
}

// finish is the choice's finish_reason.
func (r reply) finish() string {
	if r.tool != nil {
		return "tool_calls"
	}
	return "stop"
}

// messageText joins a message's text: the string, or its text parts separated by
// spaces.
func messageText(c schema.Content) string {
	if !c.IsParts {
		return c.Text
	}
	var b strings.Builder
	for _, p := range c.Parts {
		if p.Type != "text" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.Text)
	}
	return b.String()
}

// lastUserText returns the text of the last user message and whether the last
// message is a user message.
func lastUserText(msgs []schema.Message) (string, bool) {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			return messageText(msgs[i].Content), i == len(msgs)-1
		}
	}
	return "", false
}

// promptWords counts the whitespace-separated words of every message's text.
func promptWords(msgs []schema.Message) int {
	n := 0
	for i := range msgs {
		n += len(strings.Fields(messageText(msgs[i].Content)))
	}
	return n
}

func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	i, n := 0, 0
	for i < len(s) && n < max {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return s[:i]
}

// chatID is "chatcmpl-mock-" and eight hex digits of an FNV-1a hash of the messages.
func chatID(msgs []schema.Message) string {
	b, _ := json.Marshal(msgs)
	h := fnv.New32a()
	h.Write(b)
	s := strconv.FormatUint(uint64(h.Sum32()), 16)
	return "chatcmpl-mock-" + strings.Repeat("0", 8-len(s)) + s
}

// errorStatus recognises "mock:error <status>" with a status from 400 to 599.
func errorStatus(text string) (int, bool) {
	rest, ok := strings.CutPrefix(text, ErrorTrigger+" ")
	if !ok || len(rest) != 3 {
		return 0, false
	}
	status, err := strconv.Atoi(rest)
	if err != nil || status < 400 || status > 599 {
		return 0, false
	}
	return status, true
}

// rateLimitHeader is the header of a 429, with the fields OpenAI sends: the request
// limit is used up and comes back in one second, which Retry-After says too.
var rateLimitHeader = translate.Headers{
	{Name: "Content-Type", Value: "application/json"},
	{Name: "Retry-After", Value: "1"},
	{Name: "X-Ratelimit-Limit-Requests", Value: strconv.Itoa(RateLimitRequests)},
	{Name: "X-Ratelimit-Remaining-Requests", Value: "0"},
	{Name: "X-Ratelimit-Reset-Requests", Value: "1s"},
	{Name: "X-Ratelimit-Limit-Tokens", Value: strconv.Itoa(RateLimitTokens)},
	{Name: "X-Ratelimit-Remaining-Tokens", Value: strconv.Itoa(RateLimitTokens)},
	{Name: "X-Ratelimit-Reset-Tokens", Value: "0s"},
}

// errorReply answers status with an OpenAI-shaped error.
func errorReply(status int) (int, translate.Headers, []byte, *schema.Usage) {
	e := &translate.Error{Status: status, Type: translate.TypeInvalidRequest,
		Message: "The mock provider answers HTTP " + strconv.Itoa(status) + " because the request asked for it (" + ErrorTrigger + " " + strconv.Itoa(status) + ")."}
	h := jsonHeader
	switch {
	case status == 401:
		e.Type, e.Code = translate.TypeAuthentication, "invalid_api_key"
	case status == 403:
		e.Type = translate.TypePermission
	case status == 404:
		e.Type, e.Code = translate.TypeNotFound, "model_not_found"
	case status == 429:
		e.Type, e.Code = translate.TypeRateLimit, "rate_limit_exceeded"
		h = rateLimitHeader
	case status >= 500:
		e.Type = translate.TypeServer
	}
	return status, h, e.JSON(), nil
}
