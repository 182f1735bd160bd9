package caddymodule_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/shared"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/geminifake"
)

// gemUpstream checks the one request the Gemini fake received: a POST to the chat
// model's method (":generateContent" or ":streamGenerateContent") with the key in
// x-goog-api-key and exactly this body.
func gemUpstream(t *testing.T, e *pvEnv, method, query, body string) {
	t.Helper()
	pvUpstream(t, e.gem, "POST", "/v1beta/models/"+pvGeminiModel+method, query,
		map[string]string{"X-Goog-Api-Key": pvGeminiKey, "Content-Type": "application/json"}, body)
	last := e.gem.Last(t)
	if got := last.Header.Values("Authorization"); len(got) != 0 {
		t.Fatalf("Authorization went upstream: %q", got)
	}
	if strings.Contains(last.RawQuery, "key=") {
		t.Fatalf("the key went upstream in the query: %s", last.RawQuery)
	}
}

func TestGeminiChat(t *testing.T) {
	e := pvStart(t)
	params := openai.ChatCompletionNewParams{
		Model:               "gemini-flash",
		Messages:            []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("Be brief."), openai.UserMessage("Hello")},
		Temperature:         openai.Float(0.5),
		MaxCompletionTokens: openai.Int(100),
		Stop:                openai.ChatCompletionNewParamsStopUnion{OfString: openai.String("END")},
	}
	from := time.Now().Unix()
	whole, err := e.c.Chat.Completions.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	to := time.Now().Unix()
	wantBody := `{
		"contents": [{"role": "user", "parts": [{"text": "Hello"}]}],
		"systemInstruction": {"parts": [{"text": "Be brief."}]},
		"generationConfig": {"temperature": 0.5, "maxOutputTokens": 100, "stopSequences": ["END"]}
	}`
	gemUpstream(t, e, ":generateContent", "", wantBody)
	pvCheckCreated(t, whole.Created, from, to)
	pvSameJSON(t, "response", []byte(whole.RawJSON()), `{
		"id": "chatcmpl-fake-gemini-2.5-flash",
		"object": "chat.completion",
		"created": `+pvInt(whole.Created)+`,
		"model": "gemini-2.5-flash",
		"choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello from the Gemini fake. You said: Hello", "refusal": null}, "logprobs": null, "finish_reason": "stop"}],
		"usage": {"prompt_tokens": 1, "completion_tokens": 8, "total_tokens": 9, "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 0}}
	}`)

	e.gem.Reset()
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	s := pvStream(t, e.c, params)
	if s.Err != nil {
		t.Fatal(s.Err)
	}
	gemUpstream(t, e, ":streamGenerateContent", "alt=sse", wantBody)
	pvSame(t, s.pvResult, pvOfCompletion(whole))
	if len(s.Chunks) < 4 {
		t.Fatalf("the answer came in %d chunks; the fake streams it in several events", len(s.Chunks))
	}
	for _, c := range s.Created {
		pvCheckCreated(t, c, from, time.Now().Unix())
	}
}

func pvTimeTool() openai.ChatCompletionToolUnionParam {
	return openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
		Name:       "get_time",
		Parameters: shared.FunctionParameters{"type": "object", "properties": map[string]any{"tz": map[string]any{"type": "string"}}},
	})
}

const gemToolDecls = `[{"functionDeclarations": [
	{"name": "get_weather", "description": "Current weather of a city",
	 "parametersJsonSchema": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city", "days"]}},
	{"name": "get_time", "parametersJsonSchema": {"type": "object", "properties": {"tz": {"type": "string"}}}}
]}]`

func TestGeminiFunctionCalls(t *testing.T) {
	e := pvStart(t)
	params := openai.ChatCompletionNewParams{
		Model:      "gemini-flash",
		Messages:   []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather in Paris?")},
		Tools:      []openai.ChatCompletionToolUnionParam{pvWeatherTool(), pvTimeTool()},
		ToolChoice: openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("required")},
	}
	whole, err := e.c.Chat.Completions.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	wantBody := `{
		"contents": [{"role": "user", "parts": [{"text": "Weather in Paris?"}]}],
		"tools": ` + gemToolDecls + `,
		"toolConfig": {"functionCallingConfig": {"mode": "ANY"}}
	}`
	gemUpstream(t, e, ":generateContent", "", wantBody)
	want := pvResult{ID: "chatcmpl-fake-gemini-2.5-flash", Object: "chat.completion", Model: pvGeminiModel,
		Choices: []pvChoice{{Role: "assistant", FinishReason: "tool_calls", ToolCalls: []pvToolCall{
			{ID: "call_0_0", Type: "function", Name: "get_weather", Args: `{"city":"test","days":1}`},
		}}},
		Usage: pvUsage{Prompt: 3, Completion: 5, Total: 8}}
	pvSame(t, pvOfCompletion(whole), want)

	e.gem.Reset()
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	s := pvStream(t, e.c, params)
	if s.Err != nil {
		t.Fatal(s.Err)
	}
	gemUpstream(t, e, ":streamGenerateContent", "alt=sse", wantBody)
	pvSame(t, s.pvResult, want)

	// Gemini's recorded parallel call: the thought signature rides in the first id.
	wantParallel := pvResult{Object: "chat.completion", Model: pvGeminiModel,
		Choices: []pvChoice{{Role: "assistant", FinishReason: "tool_calls", ToolCalls: []pvToolCall{
			{ID: "call_0_0~ts~CqUBAcu98PBsig==", Type: "function", Name: "get_weather", Args: `{"city":"Paris","unit":"celsius"}`},
			{ID: "fc-2", Type: "function", Name: "get_time", Args: `{"tz":"Europe/Paris"}`},
		}}},
		Usage: pvUsage{Prompt: 40, Completion: 18, Total: 58}}
	e.gem.Enqueue(geminifake.JSONReply(200, geminifake.ResponseFunctionCalls), geminifake.StreamReply(geminifake.StreamFunctionCall, 64))
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{}
	whole, err = e.c.Chat.Completions.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	wantParallel.ID = "chatcmpl-fcResp11"
	pvSame(t, pvOfCompletion(whole), wantParallel)
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	s = pvStream(t, e.c, params)
	if s.Err != nil {
		t.Fatal(s.Err)
	}
	wantParallel.ID = "chatcmpl-fcResp02"
	pvSame(t, s.pvResult, wantParallel)
}

func TestGeminiToolLoop(t *testing.T) {
	e := pvStart(t)
	tools := []openai.ChatCompletionToolUnionParam{pvWeatherTool(), pvTimeTool()}
	messages := []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather and time in Paris?")}
	e.gem.Enqueue(geminifake.JSONReply(200, geminifake.ResponseFunctionCalls))
	first, err := e.c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{Model: "gemini-flash", Messages: messages, Tools: tools})
	if err != nil {
		t.Fatal(err)
	}
	calls := first.Choices[0].Message.ToolCalls
	if len(calls) != 2 {
		t.Fatalf("tool calls %+v", calls)
	}
	messages = append(messages,
		first.Choices[0].Message.ToParam(),
		openai.ToolMessage(`{"temp_c": 21, "sky": "clear"}`, calls[0].ID),
		openai.ToolMessage("14:05", calls[1].ID),
	)
	e.gem.Reset()
	second, err := e.c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{Model: "gemini-flash", Messages: messages, Tools: tools})
	if err != nil {
		t.Fatal(err)
	}
	gemUpstream(t, e, ":generateContent", "", `{
		"contents": [
			{"role": "user", "parts": [{"text": "Weather and time in Paris?"}]},
			{"role": "model", "parts": [
				{"functionCall": {"name": "get_weather", "args": {"city": "Paris", "unit": "celsius"}}, "thoughtSignature": "CqUBAcu98PBsig=="},
				{"functionCall": {"name": "get_time", "args": {"tz": "Europe/Paris"}}}
			]},
			{"role": "user", "parts": [
				{"functionResponse": {"name": "get_weather", "response": {"temp_c": 21, "sky": "clear"}}},
				{"functionResponse": {"name": "get_time", "response": {"result": "14:05"}}}
			]}
		],
		"tools": `+gemToolDecls+`
	}`)
	if got := second.Choices[0].Message.Content; got != "Tool results received: get_weather, get_time" || second.Choices[0].FinishReason != "stop" {
		t.Fatalf("second turn: %s", second.RawJSON())
	}
}

func TestGeminiImages(t *testing.T) {
	e := pvStart(t)
	_, err := e.c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "gemini-flash",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage([]openai.ChatCompletionContentPartUnionParam{
			openai.TextContentPart("What is in these pictures?"),
			openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{URL: "data:image/webp;base64,UklGRiQAAABXRUJQ"}),
			openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{URL: "https://example.com/cat.png", Detail: "low"}),
			openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{URL: "https://example.com/photo?id=7"}),
		})},
	})
	if err != nil {
		t.Fatal(err)
	}
	gemUpstream(t, e, ":generateContent", "", `{"contents": [{"role": "user", "parts": [
		{"text": "What is in these pictures?"},
		{"inlineData": {"mimeType": "image/webp", "data": "UklGRiQAAABXRUJQ"}},
		{"fileData": {"mimeType": "image/png", "fileUri": "https://example.com/cat.png"}},
		{"fileData": {"mimeType": "image/jpeg", "fileUri": "https://example.com/photo?id=7"}}
	]}]}`)
}

func TestGeminiJSONMode(t *testing.T) {
	e := pvStart(t)
	schema := map[string]any{"type": "object", "properties": map[string]any{"answer": map[string]any{"type": "string"}, "ok": map[string]any{"type": "boolean"}}}
	cases := []struct {
		name   string
		format openai.ChatCompletionNewParamsResponseFormatUnion
		config string
	}{
		{"json_object", openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONObject: &shared.ResponseFormatJSONObjectParam{}},
			`{"responseMimeType": "application/json"}`},
		{"json_schema", openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "verdict", Schema: schema, Strict: openai.Bool(true)}}},
			`{"responseMimeType": "application/json", "responseJsonSchema": {"type": "object", "properties": {"answer": {"type": "string"}, "ok": {"type": "boolean"}}}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.gem.Reset()
			params := openai.ChatCompletionNewParams{
				Model:          "gemini-flash",
				Messages:       []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Is it fine?")},
				ResponseFormat: c.format,
			}
			whole, err := e.c.Chat.Completions.New(context.Background(), params)
			if err != nil {
				t.Fatal(err)
			}
			gemUpstream(t, e, ":generateContent", "", `{"contents": [{"role": "user", "parts": [{"text": "Is it fine?"}]}], "generationConfig": `+c.config+`}`)
			want := pvResult{ID: "chatcmpl-fake-gemini-2.5-flash", Object: "chat.completion", Model: pvGeminiModel,
				Choices: []pvChoice{{Role: "assistant", Content: `{"answer":"fake","ok":true}`, FinishReason: "stop"}},
				Usage:   pvUsage{Prompt: 3, Completion: 1, Total: 4}}
			pvSame(t, pvOfCompletion(whole), want)
			params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
			s := pvStream(t, e.c, params)
			if s.Err != nil {
				t.Fatal(s.Err)
			}
			pvSame(t, s.pvResult, want)
		})
	}
}

func TestGeminiEmbeddings(t *testing.T) {
	e := pvStart(t)
	res, err := e.c.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
		Model: "gemini-embed",
		Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"hello", "world, again"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	pvUpstream(t, e.gem, "POST", "/v1beta/models/text-embedding-004:batchEmbedContents", "",
		map[string]string{"X-Goog-Api-Key": pvGeminiKey, "Content-Type": "application/json"}, `{"requests": [
			{"model": "models/text-embedding-004", "content": {"parts": [{"text": "hello"}]}},
			{"model": "models/text-embedding-004", "content": {"parts": [{"text": "world, again"}]}}
		]}`)
	if len(res.Data) != 2 || res.Object != "list" || res.Model != "text-embedding-004" {
		t.Fatalf("embeddings: %s", res.RawJSON())
	}
	for i, n := range []int{5, 12} {
		d := res.Data[i]
		if d.Index != int64(i) || d.Object != "embedding" || len(d.Embedding) != 8 {
			t.Fatalf("data[%d]: %+v", i, d)
		}
		for k, v := range d.Embedding {
			if v != geminifake.Value(n, k) {
				t.Fatalf("data[%d].embedding[%d] = %v, want %v", i, k, v, geminifake.Value(n, k))
			}
		}
	}
	if res.Usage.PromptTokens != 0 || res.Usage.TotalTokens != 0 {
		t.Fatalf("usage %+v", res.Usage)
	}

	// dimensions, and Gemini's recorded vectors.
	e.gem.Reset()
	e.gem.Enqueue(geminifake.JSONReply(200, geminifake.ResponseEmbeddings))
	res, err = e.c.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
		Model:      "gemini-embed",
		Input:      openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"a", "b"}},
		Dimensions: openai.Int(3),
	})
	if err != nil {
		t.Fatal(err)
	}
	pvSameJSON(t, "upstream body", e.gem.Last(t).Body, `{"requests": [
		{"model": "models/text-embedding-004", "content": {"parts": [{"text": "a"}]}, "outputDimensionality": 3},
		{"model": "models/text-embedding-004", "content": {"parts": [{"text": "b"}]}, "outputDimensionality": 3}
	]}`)
	want := [][]float64{{0.013168523, -0.008711934, -0.046782676}, {-0.0123, 0.5, 1e-05}}
	for i := range want {
		if got := res.Data[i].Embedding; len(got) != 3 || got[0] != want[i][0] || got[1] != want[i][1] || got[2] != want[i][2] {
			t.Fatalf("data[%d].embedding = %v, want %v", i, got, want[i])
		}
	}
}

func TestGeminiSafetyBlock(t *testing.T) {
	e := pvStart(t)
	params := openai.ChatCompletionNewParams{Model: "gemini-flash", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("How do I …")}}
	e.gem.Enqueue(geminifake.JSONReply(200, geminifake.ResponseSafety), geminifake.StreamReply(geminifake.StreamSafety, 64),
		geminifake.JSONReply(200, geminifake.ResponsePromptBlocked))
	whole, err := e.c.Chat.Completions.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	pvSame(t, pvOfCompletion(whole), pvResult{ID: "chatcmpl-safeResp13", Object: "chat.completion", Model: pvGeminiModel,
		Choices: []pvChoice{{Role: "assistant", FinishReason: "content_filter"}},
		Usage:   pvUsage{Prompt: 7, Total: 7}})
	if !strings.Contains(whole.RawJSON(), `"content":null`) {
		t.Fatalf("a blocked answer has content null: %s", whole.RawJSON())
	}
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	s := pvStream(t, e.c, params)
	if s.Err != nil {
		t.Fatal(s.Err)
	}
	pvSame(t, s.pvResult, pvResult{ID: "chatcmpl-safeResp03", Object: "chat.completion", Model: pvGeminiModel,
		Choices: []pvChoice{{Role: "assistant", Content: "Here is how", FinishReason: "content_filter"}},
		Usage:   pvUsage{Prompt: 7, Completion: 3, Total: 10}})

	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{}
	whole, err = e.c.Chat.Completions.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	if c := whole.Choices; len(c) != 1 || c[0].FinishReason != "content_filter" || c[0].Message.Content != "" {
		t.Fatalf("blocked prompt: %s", whole.RawJSON())
	}
}

// TestGeminiErrors checks how each Gemini error reaches the client. Every request runs on
// a fresh gateway, since a rate limit or a rejected key rests the key for the requests
// that follow. calls is how many upstream requests the error takes: a rate limit or a
// rejected key rests the provider's only key, so nothing is retried; a 5xx is retried on
// that key (after a backoff) until max_attempts (3).
func TestGeminiErrors(t *testing.T) {
	cases := []struct {
		name                      string
		model                     string
		reply                     *fake.Reply
		calls                     int
		status                    int
		typ, code, message, retry string
	}{
		{"rate limited", "gemini-flash", pvPtr(geminifake.JSONReply(429, geminifake.ErrorRateLimited)), 1, 429, "rate_limit_error", "rate_limit_exceeded",
			"You exceeded your current quota, please check your plan and billing details.", "29"},
		{"key invalid", "gemini-stale", nil, 1, 502, "server_error", "upstream_authentication_failed",
			`provider "gemini-stale" rejected Franca's credential "gem-revoked": API key not valid. Please pass a valid API key.`, ""},
		// A 403 without a reason that names the key is the provider refusing the request.
		{"permission denied", "gemini-flash", pvPtr(geminifake.JSONReply(403, geminifake.ErrorPermissionDenied)), 1, 403, "permission_error", "upstream_permission_denied",
			`provider "gemini" refused the request: Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.`, ""},
		{"invalid argument", "gemini-flash", pvPtr(geminifake.JSONReply(400, geminifake.ErrorInvalidArgument)), 1, 400, "invalid_request_error", "",
			"* GenerateContentRequest.contents: contents is not specified\n", ""},
		{"internal", "gemini-flash", pvPtr(geminifake.JSONReply(500, geminifake.ErrorInternal)), 3, 500, "server_error", "",
			"An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting", ""},
		{"unavailable", "gemini-flash", pvPtr(geminifake.JSONReply(503, geminifake.ErrorUnavailable)), 3, 503, "server_error", "",
			"The model is overloaded. Please try again later.", ""},
		{"deadline", "gemini-flash", pvPtr(geminifake.JSONReply(504, geminifake.ErrorDeadline)), 3, 504, "server_error", "",
			"The request timed out. Please try again.", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			params := openai.ChatCompletionNewParams{Model: c.model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hi")}}
			for _, stream := range []bool{false, true} {
				e := pvStartQuick(t)
				for i := 0; c.reply != nil && i < c.calls; i++ {
					e.gem.Enqueue(*c.reply)
				}
				var err error
				if stream {
					s := pvStream(t, e.c, params)
					if len(s.Chunks) != 0 {
						t.Fatalf("chunks before the error: %v", s.Chunks)
					}
					err = s.Err
				} else {
					_, err = e.c.Chat.Completions.New(context.Background(), params)
				}
				apiErr := pvAPIError(t, err, c.status, c.typ, c.code, "", c.message)
				if got := apiErr.Response.Header.Get("Retry-After"); got != c.retry {
					t.Fatalf("stream %v: Retry-After %q, want %q", stream, got, c.retry)
				}
				if n := len(e.gem.Requests()); n != c.calls {
					t.Fatalf("stream %v: %d upstream requests, want %d", stream, n, c.calls)
				}
			}
		})
	}
}

func TestGeminiErrorEventMidStream(t *testing.T) {
	e := pvStart(t)
	e.gem.Enqueue(geminifake.StreamReply(geminifake.StreamError, 64))
	s := pvStream(t, e.c, openai.ChatCompletionNewParams{Model: "gemini-flash", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hi")}})
	want := `{"error":{"message":"The model is overloaded. Please try again later.","type":"server_error","param":null,"code":null}}`
	var se *ssestream.StreamError
	if !errors.As(s.Err, &se) {
		t.Fatalf("stream error %T %v, want the SDK's stream error", s.Err, s.Err)
	}
	pvSameJSON(t, "error event", se.Event.Data, want)
	if len(s.Choices) != 1 || s.Choices[0].Content != "Partial" {
		t.Fatalf("before the error: %+v", s.Choices)
	}
	e.gem.Enqueue(geminifake.StreamReply(geminifake.StreamError, 64))
	status, body := pvRawStream(t, e.f, `{"model":"gemini-flash","stream":true,"messages":[{"role":"user","content":"Hi"}]}`)
	if status != 200 || !strings.HasSuffix(body, "data: "+want+"\n\n") || strings.Contains(body, "[DONE]") {
		t.Fatalf("raw stream %d:\n%s", status, body)
	}
}
