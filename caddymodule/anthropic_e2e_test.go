package caddymodule_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/shared"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/internal/fake/geminifake"
)

// This file holds the Anthropic end-to-end tests and the helpers that the Gemini and
// stream end-to-end tests share with them (all named pv…, for "provider families").

// Upstream credentials the fakes accept.
const (
	pvAnthropicKey = "sk-ant-e2e-0123456789"
	pvGeminiKey    = "AIzaSy-e2e-0123456789"
	pvClaudeModel  = anthropicfake.Model
	pvGeminiModel  = "gemini-2.5-flash"
)

// pvConfig serves Claude and Gemini from the fakes. "claude-stale" and "gemini-stale"
// send a key the fake rejects; "claude-then-gemini" and "stale-gemini-then-claude" fail
// over across families.
const pvConfig = `
providers:
  - name: anthropic
    type: anthropic
    base_url: {{ANTHROPIC_URL}}
    keys:
      - id: ant-main
        secret: ` + pvAnthropicKey + `
  - name: anthropic-stale
    type: anthropic
    base_url: {{ANTHROPIC_URL}}
    keys:
      - id: ant-revoked
        secret: sk-ant-revoked
  - name: gemini
    type: gemini
    base_url: {{GEMINI_URL}}
    keys:
      - id: gem-main
        secret: ` + pvGeminiKey + `
  - name: gemini-stale
    type: gemini
    base_url: {{GEMINI_URL}}
    keys:
      - id: gem-revoked
        secret: AIzaSy-revoked
models:
  - name: claude
    targets: [{provider: anthropic, model: ` + pvClaudeModel + `}]
  - name: claude-stale
    targets: [{provider: anthropic-stale, model: ` + pvClaudeModel + `}]
  - name: gemini-flash
    targets: [{provider: gemini, model: ` + pvGeminiModel + `}]
  - name: gemini-stale
    targets: [{provider: gemini-stale, model: ` + pvGeminiModel + `}]
  - name: gemini-embed
    targets: [{provider: gemini, model: text-embedding-004}]
  - name: claude-then-gemini
    targets:
      - {provider: anthropic, model: ` + pvClaudeModel + `}
      - {provider: gemini, model: ` + pvGeminiModel + `}
  - name: stale-gemini-then-claude
    targets:
      - {provider: gemini-stale, model: ` + pvGeminiModel + `}
      - {provider: anthropic, model: ` + pvClaudeModel + `}
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
`

// pvEnv is Franca in front of an Anthropic fake and a Gemini fake.
type pvEnv struct {
	f   *franca
	ant *fake.Server
	gem *fake.Server
	c   openai.Client
}

// pvStart starts both fakes and Caddy with pvConfig.
func pvStart(t *testing.T) *pvEnv {
	t.Helper()
	ant, gem := fake.New(t, anthropicfake.Responder(pvAnthropicKey)), fake.New(t, geminifake.Responder(pvGeminiKey))
	f := pvStartURLs(t, ant.URL, gem.URL)
	return &pvEnv{f: f, ant: ant, gem: gem, c: f.client()}
}

// pvStartURLs starts Caddy with pvConfig, its providers at the given base URLs.
func pvStartURLs(t *testing.T, anthropicURL, geminiURL string) *franca {
	t.Helper()
	return start(t, strings.NewReplacer("{{ANTHROPIC_URL}}", anthropicURL, "{{GEMINI_URL}}", geminiURL).Replace(pvConfig))
}

// pvQuickRetries is a routing section whose retries of a key already tried for the
// request wait at most a millisecond, for tests that count the attempts a failing key
// gets (a 5xx is retried on the same key when no other is left, up to max_attempts 3).
const pvQuickRetries = `
routing:
  backoff: 1ms
  max_backoff: 1ms
`

// pvStartQuick is pvStart with pvQuickRetries. Every call gets fresh fakes and a fresh
// key pool (the pool lives as long as its configuration file's path), so that a rate
// limit, rejected key or failure seen by an earlier request cannot change what a later
// one does.
func pvStartQuick(t *testing.T) *pvEnv {
	t.Helper()
	ant, gem := fake.New(t, anthropicfake.Responder(pvAnthropicKey)), fake.New(t, geminifake.Responder(pvGeminiKey))
	f := start(t, strings.NewReplacer("{{ANTHROPIC_URL}}", ant.URL, "{{GEMINI_URL}}", gem.URL).Replace(pvConfig+pvQuickRetries))
	return &pvEnv{f: f, ant: ant, gem: gem, c: f.client()}
}

// pvSameJSON fails the test unless got and want are the same JSON value.
func pvSameJSON(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: not JSON (%v): %s", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: the expected value is not JSON (%v): %s", what, err, want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s\n got %s\nwant %s", what, pvCompact(got), pvCompact([]byte(want)))
	}
}

func pvCompact(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
}

// pvUpstream checks the one request a fake received after the last Reset: method,
// path, query, the named headers (exactly) and the body (as JSON). It also checks that
// the client's virtual key did not travel upstream.
func pvUpstream(t *testing.T, srv *fake.Server, method, path, query string, header map[string]string, body string) {
	t.Helper()
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("the fake received %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != method || r.Path != path || r.RawQuery != query {
		t.Fatalf("upstream request %s %s?%s, want %s %s?%s", r.Method, r.Path, r.RawQuery, method, path, query)
	}
	for k, v := range header {
		if got := r.Header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("upstream header %s: %q, want %q", k, got, v)
		}
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			if strings.Contains(v, testKey) {
				t.Errorf("the virtual key went upstream in %s", k)
			}
		}
	}
	pvSameJSON(t, "upstream body", r.Body, body)
}

// pvResult is what a client gets from a chat completion, whole or accumulated from a
// stream, in a form that compares with reflect.DeepEqual.
type pvResult struct {
	ID      string
	Object  string
	Model   string
	Choices []pvChoice
	Usage   pvUsage
}

type pvChoice struct {
	Index        int64
	Role         string
	Content      string
	Reasoning    string
	Refusal      string
	FinishReason string
	ToolCalls    []pvToolCall
}

type pvToolCall struct {
	ID, Type, Name string
	// Args is the arguments JSON, compacted (a stream may space it differently).
	Args string
}

type pvUsage struct {
	Prompt, Completion, Total, Cached, Reasoning int64
}

// pvOfCompletion reads a whole chat completion.
func pvOfCompletion(cc *openai.ChatCompletion) pvResult {
	r := pvResult{ID: cc.ID, Object: string(cc.Object), Model: cc.Model, Usage: pvUsage{
		Prompt: cc.Usage.PromptTokens, Completion: cc.Usage.CompletionTokens, Total: cc.Usage.TotalTokens,
		Cached: cc.Usage.PromptTokensDetails.CachedTokens, Reasoning: cc.Usage.CompletionTokensDetails.ReasoningTokens,
	}}
	for _, ch := range cc.Choices {
		c := pvChoice{Index: ch.Index, Role: string(ch.Message.Role), Content: ch.Message.Content,
			Refusal: ch.Message.Refusal, FinishReason: ch.FinishReason,
			Reasoning: pvExtraString(ch.Message.JSON.ExtraFields["reasoning_content"].Raw())}
		for _, tc := range ch.Message.ToolCalls {
			c.ToolCalls = append(c.ToolCalls, pvToolCall{ID: tc.ID, Type: tc.Type, Name: tc.Function.Name, Args: pvCompact([]byte(tc.Function.Arguments))})
		}
		r.Choices = append(r.Choices, c)
	}
	return r
}

// pvExtraString decodes a JSON string field the SDK does not know, "" when absent or null.
func pvExtraString(raw string) string {
	var s string
	if raw == "" || json.Unmarshal([]byte(raw), &s) != nil {
		return ""
	}
	return s
}

// pvStreamed is a chat completion stream as the SDK delivered it.
type pvStreamed struct {
	pvResult
	// Chunks are the raw JSON of the chunks in order, "created" replaced by 0.
	Chunks []string
	// Created holds each chunk's created value.
	Created []int64
	Err     error
}

// pvStream runs a streamed chat completion through the SDK and accumulates it with
// openai.ChatCompletionAccumulator (plus reasoning_content, which the SDK does not know).
func pvStream(t *testing.T, c openai.Client, params openai.ChatCompletionNewParams) pvStreamed {
	t.Helper()
	stream := c.Chat.Completions.NewStreaming(context.Background(), params)
	defer stream.Close()
	var acc openai.ChatCompletionAccumulator
	reasoning := map[int64]string{}
	var out pvStreamed
	for stream.Next() {
		chunk := stream.Current()
		if !acc.AddChunk(chunk) {
			t.Fatalf("the accumulator refused chunk %s", chunk.RawJSON())
		}
		for _, ch := range chunk.Choices {
			reasoning[ch.Index] += pvExtraString(ch.Delta.JSON.ExtraFields["reasoning_content"].Raw())
		}
		out.Chunks = append(out.Chunks, pvZeroCreated(t, chunk.RawJSON()))
		out.Created = append(out.Created, chunk.Created)
	}
	out.Err = stream.Err()
	out.pvResult = pvOfCompletion(&acc.ChatCompletion)
	for i := range out.Choices {
		out.Choices[i].Reasoning = reasoning[out.Choices[i].Index]
	}
	return out
}

// pvZeroCreated returns a chunk's JSON, compacted, with "created" set to 0.
func pvZeroCreated(t *testing.T, raw string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("chunk is not a JSON object: %s", raw)
	}
	if _, ok := m["created"]; ok {
		m["created"] = json.RawMessage("0")
	}
	b, _ := json.Marshal(m)
	return pvCompact(b)
}

// pvSame fails unless the streamed result equals the whole one.
func pvSame(t *testing.T, streamed, whole pvResult) {
	t.Helper()
	if !reflect.DeepEqual(streamed, whole) {
		t.Fatalf("streamed result differs from the whole one\nstreamed %+v\n   whole %+v", streamed, whole)
	}
}

// pvCheckCreated fails unless created lies in [from, to].
func pvCheckCreated(t *testing.T, created, from, to int64) {
	t.Helper()
	if created < from || created > to {
		t.Fatalf("created %d is not the time of the request (%d..%d)", created, from, to)
	}
}

// pvAPIError fails unless err is the SDK's API error with exactly this status, type,
// code, param and message (message "" is not checked), and returns it.
func pvAPIError(t *testing.T, err error, status int, typ, code, param, message string) *openai.Error {
	t.Helper()
	var e *openai.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an *openai.Error", err)
	}
	if e.StatusCode != status || e.Type != typ || e.Code != code || e.Param != param || (message != "" && e.Message != message) {
		t.Fatalf("got %d type=%q code=%q param=%q message=%q\nwant %d type=%q code=%q param=%q message=%q",
			e.StatusCode, e.Type, e.Code, e.Param, e.Message, status, typ, code, param, message)
	}
	if ct := e.Response.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("error Content-Type %q", ct)
	}
	return e
}

// pvRawStream posts a streamed request with raw HTTP and returns Franca's SSE body.
func pvRawStream(t *testing.T, f *franca, body string) (int, string) {
	t.Helper()
	status, h, out := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", body)
	if status == 200 && h.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream Content-Type %q", h.Get("Content-Type"))
	}
	return status, out
}

// antHeaders are the headers every Messages request carries, streamed or not.
func antHeaders(stream bool) map[string]string {
	h := map[string]string{
		"X-Api-Key":         pvAnthropicKey,
		"Anthropic-Version": "2023-06-01",
		"Content-Type":      "application/json",
	}
	if stream {
		h["Accept"] = "text/event-stream"
	}
	return h
}

// antUpstream checks the one request the Anthropic fake received: POST /v1/messages
// with antHeaders and exactly this body.
func antUpstream(t *testing.T, e *pvEnv, stream bool, body string) {
	t.Helper()
	pvUpstream(t, e.ant, "POST", "/v1/messages", "", antHeaders(stream), body)
	if got := e.ant.Last(t).Header.Values("Authorization"); len(got) != 0 {
		t.Fatalf("Authorization went upstream: %q", got)
	}
}

// TestAnthropicChat checks the Messages request a plain chat becomes and that the
// answer, whole and streamed, reaches the SDK the same.
func TestAnthropicChat(t *testing.T) {
	e := pvStart(t)
	params := openai.ChatCompletionNewParams{
		Model: "claude",
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("You are terse."),
			openai.UserMessage("Hello"),
		},
		Temperature: openai.Float(0.25),
		Stop:        openai.ChatCompletionNewParamsStopUnion{OfStringArray: []string{"END"}},
		User:        openai.String("user-42"),
	}
	from := time.Now().Unix()
	whole, err := e.c.Chat.Completions.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	to := time.Now().Unix()
	antUpstream(t, e, false, `{
		"model": "claude-sonnet-4-5-20250929",
		"system": "You are terse.",
		"messages": [{"role": "user", "content": "Hello"}],
		"max_tokens": 4096,
		"temperature": 0.25,
		"stop_sequences": ["END"],
		"metadata": {"user_id": "user-42"}
	}`)
	pvCheckCreated(t, whole.Created, from, to)
	pvSameJSON(t, "response", []byte(whole.RawJSON()), `{
		"id": "chatcmpl-msg_01FakeXFDUDYJgAACzvnptvV",
		"object": "chat.completion",
		"created": `+pvInt(whole.Created)+`,
		"model": "claude-sonnet-4-5-20250929",
		"choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello! I am a fake Claude, answering deterministically.", "refusal": null}, "logprobs": null, "finish_reason": "stop"}],
		"usage": {"prompt_tokens": 25, "completion_tokens": 12, "total_tokens": 37, "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 0}}
	}`)

	// The same answer streamed, with usage asked for.
	e.ant.Reset()
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	s := pvStream(t, e.c, params)
	if s.Err != nil {
		t.Fatal(s.Err)
	}
	antUpstream(t, e, true, `{
		"model": "claude-sonnet-4-5-20250929",
		"system": "You are terse.",
		"messages": [{"role": "user", "content": "Hello"}],
		"max_tokens": 4096,
		"temperature": 0.25,
		"stop_sequences": ["END"],
		"metadata": {"user_id": "user-42"},
		"stream": true
	}`)
	pvSame(t, s.pvResult, pvOfCompletion(whole))
	if last := s.Chunks[len(s.Chunks)-1]; !strings.Contains(last, `"choices":[]`) {
		t.Fatalf("the last chunk is not the usage chunk: %s", last)
	}

	// Without include_usage no chunk carries usage.
	e.ant.Reset()
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{}
	s = pvStream(t, e.c, params)
	if s.Err != nil || s.Usage != (pvUsage{}) {
		t.Fatalf("usage %+v without include_usage (err %v)", s.Usage, s.Err)
	}
	for _, c := range s.Chunks {
		if strings.Contains(c, `"usage":{`) {
			t.Fatalf("chunk with usage: %s", c)
		}
	}
}

// pvInt writes n as JSON.
func pvInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// pvWeatherTool is a function tool the Anthropic and Gemini tests declare.
func pvWeatherTool() openai.ChatCompletionToolUnionParam {
	return openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
		Name:        "get_weather",
		Description: openai.String("Current weather of a city"),
		Parameters: shared.FunctionParameters{
			"type":       "object",
			"properties": map[string]any{"city": map[string]any{"type": "string"}, "days": map[string]any{"type": "integer"}},
			"required":   []string{"city", "days"},
		},
	})
}

func TestAnthropicToolCalls(t *testing.T) {
	e := pvStart(t)
	params := openai.ChatCompletionNewParams{
		Model:      "claude",
		Messages:   []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather in Paris?")},
		Tools:      []openai.ChatCompletionToolUnionParam{pvWeatherTool()},
		ToolChoice: openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("auto")},
	}
	whole, err := e.c.Chat.Completions.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	wantBody := `{
		"model": "claude-sonnet-4-5-20250929",
		"messages": [{"role": "user", "content": "Weather in Paris?"}],
		"max_tokens": 4096,
		"tools": [{"name": "get_weather", "description": "Current weather of a city",
			"input_schema": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city", "days"]}}],
		"tool_choice": {"type": "auto"}
	}`
	antUpstream(t, e, false, wantBody)
	want := pvResult{ID: "chatcmpl-" + anthropicfake.MessageID, Object: "chat.completion", Model: pvClaudeModel,
		Choices: []pvChoice{{Role: "assistant", FinishReason: "tool_calls", ToolCalls: []pvToolCall{
			{ID: anthropicfake.ToolUseID, Type: "function", Name: "get_weather", Args: `{"city":"fake","days":1}`},
		}}},
		Usage: pvUsage{Prompt: 25, Completion: 12, Total: 37}}
	pvSame(t, pvOfCompletion(whole), want)
	if !strings.Contains(whole.RawJSON(), `"content":null`) {
		t.Fatalf("a message with only tool calls must have content null: %s", whole.RawJSON())
	}

	e.ant.Reset()
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	s := pvStream(t, e.c, params)
	if s.Err != nil {
		t.Fatal(s.Err)
	}
	antUpstream(t, e, true, strings.Replace(wantBody, `"max_tokens": 4096,`, `"max_tokens": 4096, "stream": true,`, 1))
	pvSame(t, s.pvResult, want)
}

// antParallelMessage is the whole message that anthropicfake.ToolUseStream streams.
const antParallelMessage = `{
  "id": "msg_014p7gG3wDgGV9EUtLvnow3U", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
  "content": [
    {"type": "text", "text": "Checking both."},
    {"type": "tool_use", "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "name": "get_weather", "input": {"location": "Paris, France"}},
    {"type": "tool_use", "id": "toolu_01B8Vq2rBD3hAfJ2mV6f5hqX", "name": "get_time", "input": {"timezone": "Europe/Paris"}}
  ],
  "stop_reason": "tool_use", "stop_sequence": null,
  "usage": {"input_tokens": 472, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 89}
}`

func TestAnthropicParallelToolCallsStream(t *testing.T) {
	e := pvStart(t)
	params := openai.ChatCompletionNewParams{
		Model:         "claude",
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather and time in Paris?")},
		Tools:         []openai.ChatCompletionToolUnionParam{pvWeatherTool()},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}
	e.ant.Enqueue(anthropicfake.StreamReply(anthropicfake.ToolUseStream), anthropicfake.JSONReply(antParallelMessage))
	s := pvStream(t, e.c, params)
	if s.Err != nil {
		t.Fatal(s.Err)
	}
	want := pvResult{ID: "chatcmpl-msg_014p7gG3wDgGV9EUtLvnow3U", Object: "chat.completion", Model: pvClaudeModel,
		Choices: []pvChoice{{Role: "assistant", Content: "Checking both.", FinishReason: "tool_calls", ToolCalls: []pvToolCall{
			{ID: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", Type: "function", Name: "get_weather", Args: `{"location":"Paris, France"}`},
			{ID: "toolu_01B8Vq2rBD3hAfJ2mV6f5hqX", Type: "function", Name: "get_time", Args: `{"timezone":"Europe/Paris"}`},
		}}},
		Usage: pvUsage{Prompt: 472, Completion: 89, Total: 561}}
	pvSame(t, s.pvResult, want)
	// The first call's arguments came in more than one delta, the second's in one.
	argDeltas := map[int64]int{}
	for _, c := range s.Chunks {
		var ch openai.ChatCompletionChunk
		if err := json.Unmarshal([]byte(c), &ch); err != nil {
			t.Fatal(err)
		}
		for _, choice := range ch.Choices {
			for _, tc := range choice.Delta.ToolCalls {
				if tc.Function.Arguments != "" {
					argDeltas[tc.Index]++
				}
			}
		}
	}
	if argDeltas[0] != 2 || argDeltas[1] != 1 {
		t.Fatalf("argument deltas per call %v, want map[0:2 1:1]", argDeltas)
	}

	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{}
	whole, err := e.c.Chat.Completions.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	pvSame(t, pvOfCompletion(whole), want)
}

func TestAnthropicImages(t *testing.T) {
	e := pvStart(t)
	_, err := e.c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "claude",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage([]openai.ChatCompletionContentPartUnionParam{
			openai.TextContentPart("What is in these pictures?"),
			openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{URL: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg=="}),
			openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{URL: "https://example.com/cat.jpg", Detail: "high"}),
		})},
	})
	if err != nil {
		t.Fatal(err)
	}
	antUpstream(t, e, false, `{
		"model": "claude-sonnet-4-5-20250929",
		"messages": [{"role": "user", "content": [
			{"type": "text", "text": "What is in these pictures?"},
			{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgoAAAANSUhEUg=="}},
			{"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}}
		]}],
		"max_tokens": 4096
	}`)
}

// antAnswerTool is the tool Franca declares for response_format "weather_report".
const antAnswerTool = `{"name": "weather_report",
	"description": "Give your final answer to the user by calling this tool: its input is the answer, a JSON value that matches the input schema.",
	"input_schema": {"type": "object", "properties": {"city": {"type": "string"}, "temperature": {"type": "number"}}}}`

func TestAnthropicJSONMode(t *testing.T) {
	e := pvStart(t)
	params := openai.ChatCompletionNewParams{
		Model:    "claude",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather report for Paris as JSON")},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{
				Name: "weather_report",
				Schema: map[string]any{
					"type":       "object",
					"properties": map[string]any{"city": map[string]any{"type": "string"}, "temperature": map[string]any{"type": "number"}},
				},
			},
		}},
	}
	whole, err := e.c.Chat.Completions.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	antUpstream(t, e, false, `{
		"model": "claude-sonnet-4-5-20250929",
		"messages": [{"role": "user", "content": "Weather report for Paris as JSON"}],
		"max_tokens": 4096,
		"tools": [`+antAnswerTool+`],
		"tool_choice": {"type": "tool", "name": "weather_report"}
	}`)
	want := pvResult{ID: "chatcmpl-" + anthropicfake.MessageID, Object: "chat.completion", Model: pvClaudeModel,
		Choices: []pvChoice{{Role: "assistant", Content: `{"city":"fake","temperature":1}`, FinishReason: "stop"}},
		Usage:   pvUsage{Prompt: 25, Completion: 12, Total: 37}}
	pvSame(t, pvOfCompletion(whole), want)

	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	s := pvStream(t, e.c, params)
	if s.Err != nil {
		t.Fatal(s.Err)
	}
	pvSame(t, s.pvResult, want)

	// With a tool of the client's, Claude must call one of the two.
	e.ant.Reset()
	withTool := params
	withTool.StreamOptions = openai.ChatCompletionStreamOptionsParam{}
	withTool.Tools = []openai.ChatCompletionToolUnionParam{pvWeatherTool()}
	whole, err = e.c.Chat.Completions.New(context.Background(), withTool)
	if err != nil {
		t.Fatal(err)
	}
	antUpstream(t, e, false, `{
		"model": "claude-sonnet-4-5-20250929",
		"messages": [{"role": "user", "content": "Weather report for Paris as JSON"}],
		"max_tokens": 4096,
		"tools": [{"name": "get_weather", "description": "Current weather of a city",
			"input_schema": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city", "days"]}},
			`+antAnswerTool+`],
		"tool_choice": {"type": "any"}
	}`)
	if c := whole.Choices[0]; c.FinishReason != "tool_calls" || len(c.Message.ToolCalls) != 1 || c.Message.ToolCalls[0].Function.Name != "get_weather" {
		t.Fatalf("a call of the client's tool: %s", whole.RawJSON())
	}

	// Anthropic's own recorded answers, whole and streamed.
	e.ant.Enqueue(anthropicfake.JSONReply(anthropicfake.JSONToolMessage), anthropicfake.StreamReply(anthropicfake.JSONStream))
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{}
	whole, err = e.c.Chat.Completions.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	if got := whole.Choices[0].Message.Content; got != `{"city":"Paris","temperature":21.5,"conditions":["sunny","windy"]}` || whole.Choices[0].FinishReason != "stop" || len(whole.Choices[0].Message.ToolCalls) != 0 {
		t.Fatalf("recorded JSON answer: %s", whole.RawJSON())
	}
	s = pvStream(t, e.c, params)
	if s.Err != nil {
		t.Fatal(s.Err)
	}
	if c := s.Choices[0]; c.Content != `{"city": "Paris", "temperature": 21.5}` || c.FinishReason != "stop" || len(c.ToolCalls) != 0 {
		t.Fatalf("recorded JSON stream: %+v", c)
	}
}

func TestAnthropicThinking(t *testing.T) {
	e := pvStart(t)
	params := openai.ChatCompletionNewParams{
		Model:           "claude",
		Messages:        []openai.ChatCompletionMessageParamUnion{openai.UserMessage("What is 27 * 453?")},
		ReasoningEffort: shared.ReasoningEffortLow,
	}
	e.ant.Enqueue(anthropicfake.JSONReply(anthropicfake.ThinkingMessage))
	whole, err := e.c.Chat.Completions.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	antUpstream(t, e, false, `{
		"model": "claude-sonnet-4-5-20250929",
		"messages": [{"role": "user", "content": "What is 27 * 453?"}],
		"max_tokens": 5120,
		"thinking": {"type": "enabled", "budget_tokens": 1024}
	}`)
	pvSame(t, pvOfCompletion(whole), pvResult{ID: "chatcmpl-msg_01Thk5Yq7bmRzZ3LdFz9sW4e", Object: "chat.completion", Model: pvClaudeModel,
		Choices: []pvChoice{{Role: "assistant", Content: "27 * 453 = 12,231", Reasoning: "The user asks for 27 * 453. 27 * 453 = 12231.", FinishReason: "stop"}},
		Usage:   pvUsage{Prompt: 40, Completion: 180, Total: 220}})

	e.ant.Enqueue(anthropicfake.StreamReply(anthropicfake.ThinkingStream))
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	s := pvStream(t, e.c, params)
	if s.Err != nil {
		t.Fatal(s.Err)
	}
	pvSame(t, s.pvResult, pvResult{ID: "chatcmpl-msg_01Thk9eM5qzVf4sVw3bCz6Xy", Object: "chat.completion", Model: pvClaudeModel,
		Choices: []pvChoice{{Role: "assistant", Content: "27 * 453 = 12,231",
			Reasoning:    "Let me solve this step by step:\n\n1. First break down 27 * 453\n2. 453 = 400 + 50 + 3",
			FinishReason: "stop"}},
		Usage: pvUsage{Prompt: 2042, Completion: 160, Total: 2202, Cached: 2000}})
}

func TestAnthropicRefusesN(t *testing.T) {
	e := pvStart(t)
	_, err := e.c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    "claude",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hi")},
		N:        openai.Int(2),
	})
	pvAPIError(t, err, 400, "invalid_request_error", "unsupported_parameter", "n", `parameter "n" is not supported by provider type anthropic`)
	if n := len(e.ant.Requests()); n != 0 {
		t.Fatalf("the fake received %d requests", n)
	}
}

// TestAnthropicErrors checks how each Anthropic error reaches the client. Every request
// runs on a fresh gateway, since a 429, a 529 or a rejected key rests the key for the
// requests that follow. calls is how many upstream requests the error takes: a rate
// limit, an overload or a rejected key rests the provider's only key, so nothing is
// retried; a 5xx is retried on that key (after a backoff) until max_attempts (3).
func TestAnthropicErrors(t *testing.T) {
	hi := openai.ChatCompletionNewParams{Model: "claude", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hi")}}
	cases := []struct {
		name                      string
		model                     string
		reply                     *fake.Reply
		calls                     int
		status                    int
		typ, code, message, retry string
	}{
		{"rate limited", "claude", pvPtr(anthropicfake.RateLimitReply()), 1, 429, "rate_limit_error", "rate_limit_exceeded",
			"Number of request tokens has exceeded your per-minute rate limit (https://docs.anthropic.com/en/api/rate-limits); see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.", "20"},
		{"server error", "claude", pvPtr(anthropicfake.ErrorReply(500, "api_error", "Internal server error")), 3, 500, "server_error", "", "Internal server error", ""},
		// The 529 rests the only key for routing.cooldown (10s ± 20% jitter): the 503
		// says when it comes back.
		{"overloaded", "claude", pvPtr(anthropicfake.OverloadedReply()), 1, 503, "server_error", "overloaded", "Overloaded", "8-12"},
		{"upstream key rejected", "claude-stale", nil, 1, 502, "server_error", "upstream_authentication_failed",
			`provider "anthropic-stale" rejected Franca's credential "ant-revoked": invalid x-api-key`, ""},
		{"bad request", "claude", pvPtr(anthropicfake.ErrorReply(400, "invalid_request_error", "messages.0.content: too long")), 1, 400, "invalid_request_error", "", "messages.0.content: too long", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := hi
			p.Model = c.model
			// A streamed request fails the same way, before any event.
			for _, stream := range []bool{false, true} {
				e := pvStartQuick(t)
				for i := 0; c.reply != nil && i < c.calls; i++ {
					e.ant.Enqueue(*c.reply)
				}
				var err error
				if stream {
					s := pvStream(t, e.c, p)
					if len(s.Chunks) != 0 {
						t.Fatalf("chunks before the error: %v", s.Chunks)
					}
					err = s.Err
				} else {
					_, err = e.c.Chat.Completions.New(context.Background(), p)
				}
				apiErr := pvAPIError(t, err, c.status, c.typ, c.code, "", c.message)
				if got := apiErr.Response.Header.Get("Retry-After"); !pvRetryAfterIs(got, c.retry) {
					t.Fatalf("stream %v: Retry-After %q, want %q", stream, got, c.retry)
				}
				if n := len(e.ant.Requests()); n != c.calls {
					t.Fatalf("stream %v: %d upstream requests, want %d", stream, n, c.calls)
				}
			}
		})
	}
}

// pvRetryAfterIs reports whether got matches want: the same text, or, for want "lo-hi",
// whole seconds in that range (a cooldown with jitter).
func pvRetryAfterIs(got, want string) bool {
	lo, hi, isRange := strings.Cut(want, "-")
	if !isRange {
		return got == want
	}
	n, err := strconv.Atoi(got)
	l, _ := strconv.Atoi(lo)
	h, _ := strconv.Atoi(hi)
	return err == nil && n >= l && n <= h
}

// pvPtr returns a pointer to a copy of v.
func pvPtr[T any](v T) *T { return &v }

func TestAnthropicErrorEventMidStream(t *testing.T) {
	e := pvStart(t)
	e.ant.Enqueue(anthropicfake.StreamReply(anthropicfake.ErrorStream))
	s := pvStream(t, e.c, openai.ChatCompletionNewParams{Model: "claude", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Tell me a story")}})
	want := `{"error":{"message":"Overloaded","type":"server_error","param":null,"code":"overloaded"}}`
	var se *ssestream.StreamError
	if !errors.As(s.Err, &se) {
		t.Fatalf("stream error %T %v, want the SDK's stream error", s.Err, s.Err)
	}
	if !strings.Contains(se.Error(), "Overloaded") {
		t.Fatalf("stream error %q lacks the upstream message", se.Error())
	}
	pvSameJSON(t, "error event", se.Event.Data, want)
	if len(s.Choices) != 1 || s.Choices[0].Content != "Once upon" || s.Choices[0].FinishReason != "" {
		t.Fatalf("before the error: %+v", s.Choices)
	}

	e.ant.Enqueue(anthropicfake.StreamReply(anthropicfake.ErrorStream))
	status, body := pvRawStream(t, e.f, `{"model":"claude","stream":true,"messages":[{"role":"user","content":"Tell me a story"}]}`)
	if status != 200 || !strings.HasSuffix(body, "data: "+want+"\n\n") || strings.Contains(body, "[DONE]") {
		t.Fatalf("raw stream %d:\n%s", status, body)
	}
}

func TestAnthropicConnectionResetMidStream(t *testing.T) {
	e := pvStart(t)
	full := anthropicfake.TextStream
	cut := strings.Index(full, "event: content_block_stop")
	e.ant.Enqueue(fake.Reply{Header: anthropicfake.StreamHeaders(), Chunks: fake.SSE(full[:cut], 64), Hijack: true})
	status, body := pvRawStream(t, e.f, `{"model":"claude","stream":true,"messages":[{"role":"user","content":"Hi"}]}`)
	wantEnd := "data: " + `{"error":{"message":"the stream from provider \"anthropic\" broke off: unexpected EOF","type":"server_error","param":null,"code":"stream_interrupted"}}` + "\n\n"
	if status != 200 || !strings.HasSuffix(body, wantEnd) || strings.Contains(body, "[DONE]") {
		t.Fatalf("raw stream %d:\n%s", status, body)
	}
	if !strings.Contains(body, `"content":"Hello"`) {
		t.Fatalf("the events before the reset are missing:\n%s", body)
	}

	// A stream that ends cleanly but before message_stop is incomplete too.
	e.ant.Enqueue(fake.Reply{Header: anthropicfake.StreamHeaders(), Chunks: fake.SSE(full[:cut], 64)})
	status, body = pvRawStream(t, e.f, `{"model":"claude","stream":true,"messages":[{"role":"user","content":"Hi"}]}`)
	if status != 200 || strings.Contains(body, "[DONE]") || !strings.Contains(body[strings.LastIndex(body, "data: "):], `{"error":{`) {
		t.Fatalf("truncated stream %d:\n%s", status, body)
	}
}

// TestCrossProviderFailover checks failover from one provider family to another. Each
// scenario runs on a fresh gateway: a 529 rests the Anthropic key and a rejected Gemini
// key rests an hour, which the follow-up requests of a scenario then show.
func TestCrossProviderFailover(t *testing.T) {
	params := openai.ChatCompletionNewParams{Model: "claude-then-gemini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello there")}}
	want := pvResult{ID: "chatcmpl-fake-gemini-2.5-flash", Object: "chat.completion", Model: pvGeminiModel,
		Choices: []pvChoice{{Role: "assistant", Content: "Hello from the Gemini fake. You said: Hello there", FinishReason: "stop"}},
		Usage:   pvUsage{Prompt: 2, Completion: 9, Total: 11}}
	streamed := params
	streamed.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}

	// Anthropic overloaded: Gemini answers.
	e := pvStartQuick(t)
	e.ant.Enqueue(anthropicfake.OverloadedReply())
	whole, err := e.c.Chat.Completions.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.ant.Requests()); n != 1 {
		t.Fatalf("anthropic got %d requests", n)
	}
	gemUpstream(t, e, ":generateContent", "", `{"contents":[{"role":"user","parts":[{"text":"Hello there"}]}]}`)
	pvSame(t, pvOfCompletion(whole), want)
	// The overloaded key now rests (10s by default): the next request goes straight to
	// Gemini.
	e.ant.Reset()
	e.gem.Reset()
	if s := pvStream(t, e.c, streamed); s.Err != nil {
		t.Fatal(s.Err)
	}
	if n, m := len(e.ant.Requests()), len(e.gem.Requests()); n != 0 || m != 1 {
		t.Fatalf("during the cooldown: anthropic got %d requests, gemini %d", n, m)
	}

	// Streamed: the failover happens before the first byte.
	e = pvStartQuick(t)
	e.ant.Enqueue(anthropicfake.OverloadedReply())
	s := pvStream(t, e.c, streamed)
	if s.Err != nil {
		t.Fatal(s.Err)
	}
	if n := len(e.ant.Requests()); n != 1 {
		t.Fatalf("anthropic got %d requests", n)
	}
	gemUpstream(t, e, ":streamGenerateContent", "alt=sse", `{"contents":[{"role":"user","parts":[{"text":"Hello there"}]}]}`)
	pvSame(t, s.pvResult, want)

	// Gemini's 400 API_KEY_INVALID is a rejected credential too: the next target answers,
	// and the rejected key is not tried again.
	e = pvStartQuick(t)
	stale := openai.ChatCompletionNewParams{Model: "stale-gemini-then-claude", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello there")}}
	for i, wantGem := range []int{1, 0} {
		e.ant.Reset()
		e.gem.Reset()
		whole, err = e.c.Chat.Completions.New(context.Background(), stale)
		if err != nil {
			t.Fatal(err)
		}
		if n, m := len(e.gem.Requests()), len(e.ant.Requests()); n != wantGem || m != 1 || whole.Choices[0].Message.Content != anthropicfake.ReplyText {
			t.Fatalf("request %d: gemini got %d requests, anthropic %d; answer %s", i, n, m, whole.RawJSON())
		}
	}

	// When both fail, the client gets the last one's error. The overloaded Anthropic key
	// rests, so the third attempt goes to Gemini again.
	e = pvStartQuick(t)
	e.ant.Enqueue(anthropicfake.OverloadedReply())
	e.gem.Enqueue(geminifake.JSONReply(503, geminifake.ErrorUnavailable), geminifake.JSONReply(503, geminifake.ErrorUnavailable))
	_, err = e.c.Chat.Completions.New(context.Background(), params)
	pvAPIError(t, err, 503, "server_error", "", "", "The model is overloaded. Please try again later.")
	if n, m := len(e.ant.Requests()), len(e.gem.Requests()); n != 1 || m != 2 {
		t.Fatalf("both failing: anthropic got %d requests, gemini %d", n, m)
	}
}
