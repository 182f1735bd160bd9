package caddymodule_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/openaifake"
)

// cpPreset is one openai-compatible preset played by a fake at the preset's own path.
type cpPreset struct {
	preset string // also the provider's name; the public model is preset+"-chat"
	prefix string // the path of the preset's default base URL, e.g. "/api/paas/v4"
	key    string // "" for a provider configured without a key
	model  string // the upstream model
}

var cpPresets = []cpPreset{
	{"deepseek", "/v1", "sk-upstream-deepseek-41d9c2", "deepseek-reasoner"},
	{"qwen", "/compatible-mode/v1", "sk-upstream-dashscope-8a7f", "qwen-plus"},
	{"zhipu", "/api/paas/v4", "zhipu-key.0b1c2d3e4f5a6b7c", "glm-4-flash"},
	{"moonshot", "/v1", "sk-upstream-moonshot-Zx3dQw9T", "moonshot-v1-8k"},
	{"qianfan", "/v2", "bce-v3/ALTAK-fake0123/abcdef0123456789", "ernie-4.0-turbo-8k"},
	{"mistral", "/v1", "mistral-upstream-key-0123456789", "mistral-small-latest"},
	{"groq", "/openai/v1", "gsk_upstream_groq_0123456789", "llama-3.3-70b-versatile"},
	{"xai", "/v1", "xai-upstream-0123456789abcdef", "grok-3"},
	{"openrouter", "/api/v1", "sk-or-v1-upstream-0123456789", "openai/gpt-4o"},
	{"ollama", "/v1", "", "llama3.2"},
	{"vllm", "/v1", "vllm-upstream-token-0123", "meta-llama/Llama-3.1-8B-Instruct"},
}

// cpResponder is the OpenAI fake at p's path; for a provider without a key it insists
// that no Authorization field arrives at all.
func cpResponder(p cpPreset) fake.Responder {
	if p.key != "" {
		return openaifake.Responder(p.prefix, p.key)
	}
	inner := openaifake.Responder(p.prefix, "local")
	return func(r *fake.Recorded) fake.Reply {
		if len(r.Header.Values("Authorization")) != 0 {
			return openaifake.JSONReply(401, `{"error":"unexpected Authorization"}`)
		}
		c := *r
		c.Header = r.Header.Clone()
		c.Header.Set("Authorization", "Bearer local")
		return inner(&c)
	}
}

// cpSetup starts one fake per preset and Franca with a provider and a model per preset.
func cpSetup(t *testing.T) (*franca, map[string]*fake.Server) {
	t.Helper()
	fakes := map[string]*fake.Server{}
	var providers, models strings.Builder
	for _, p := range cpPresets {
		s := fake.New(t, cpResponder(p))
		fakes[p.preset] = s
		providers.WriteString("  - name: " + p.preset + "\n    type: openai-compatible\n    preset: " + p.preset +
			"\n    base_url: " + s.URL + p.prefix + "\n")
		if p.key != "" {
			providers.WriteString("    keys:\n      - id: " + p.preset + "-key\n        secret: \"" + p.key + "\"\n")
		}
		models.WriteString("  - name: " + p.preset + "-chat\n    targets: [{provider: " + p.preset + ", model: \"" + p.model + "\"}]\n")
	}
	cfg := "providers:\n" + providers.String() + "models:\n" + models.String() +
		"virtual_keys:\n  - name: tests\n    hash: {{KEY_HASH}}\n"
	return start(t, cfg), fakes
}

// cpCheckUpstream checks the path, credential and exact body of the last request to p.
func cpCheckUpstream(t *testing.T, s *fake.Server, p cpPreset, wantBody string) fake.Recorded {
	t.Helper()
	up := s.Last(t)
	if p.key == "" {
		oaCheckUpstream(t, up, "POST", p.prefix+"/chat/completions", "", "", "")
		if v := up.Header.Values("Authorization"); len(v) != 0 {
			t.Fatalf("Authorization sent to a provider without a key: %q", v)
		}
	} else {
		oaCheckUpstream(t, up, "POST", p.prefix+"/chat/completions", "", "Authorization", "Bearer "+p.key)
	}
	oaJSONEqual(t, p.preset+" upstream body", up.Body, []byte(wantBody))
	return up
}

func cpFind(name string) cpPreset {
	for _, p := range cpPresets {
		if p.preset == name {
			return p
		}
	}
	panic("no preset " + name)
}

func TestCompatPresetsChat(t *testing.T) {
	f, fakes := cpSetup(t)
	c := f.client()
	hi := []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("Be brief."), openai.UserMessage("Say hello")}
	const msgs = `[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello"}]`
	cases := []struct {
		preset string
		params openai.ChatCompletionNewParams
		opts   []option.RequestOption
		want   string // the upstream body, model and messages left out
	}{
		{"deepseek", openai.ChatCompletionNewParams{MaxCompletionTokens: openai.Int(50)}, nil, `"max_tokens":50`},
		{"qwen", openai.ChatCompletionNewParams{MaxCompletionTokens: openai.Int(50), Seed: openai.Int(7)},
			[]option.RequestOption{option.WithJSONSet("enable_thinking", false)}, `"max_tokens":50,"seed":7,"enable_thinking":false`},
		{"zhipu", openai.ChatCompletionNewParams{User: openai.String("user-42"), Temperature: openai.Float(0.5)}, nil, `"user_id":"user-42","temperature":0.5`},
		{"moonshot", openai.ChatCompletionNewParams{N: openai.Int(2)}, nil, `"n":2`},
		{"qianfan", openai.ChatCompletionNewParams{Seed: openai.Int(7), MaxCompletionTokens: openai.Int(50)}, nil, `"seed":7,"max_completion_tokens":50`},
		{"mistral", openai.ChatCompletionNewParams{Seed: openai.Int(7), MaxCompletionTokens: openai.Int(50)}, nil, `"random_seed":7,"max_tokens":50`},
		{"groq", openai.ChatCompletionNewParams{Seed: openai.Int(7), ServiceTier: "flex"}, nil, `"seed":7,"service_tier":"flex"`},
		{"xai", openai.ChatCompletionNewParams{Seed: openai.Int(7), ReasoningEffort: "low"}, nil, `"seed":7,"reasoning_effort":"low"`},
		{"openrouter", openai.ChatCompletionNewParams{Store: openai.Bool(true)},
			[]option.RequestOption{option.WithJSONSet("provider", map[string]any{"order": []string{"openai"}})}, `"store":true,"provider":{"order":["openai"]}`},
		{"ollama", openai.ChatCompletionNewParams{MaxCompletionTokens: openai.Int(50)}, nil, `"max_tokens":50`},
		{"vllm", openai.ChatCompletionNewParams{}, []option.RequestOption{option.WithJSONSet("guided_choice", []string{"yes", "no"})}, `"guided_choice":["yes","no"]`},
	}
	for _, tc := range cases {
		t.Run(tc.preset, func(t *testing.T) {
			p, s := cpFind(tc.preset), fakes[tc.preset]
			tc.params.Model, tc.params.Messages = tc.preset+"-chat", hi
			res, err := c.Chat.Completions.New(context.Background(), tc.params, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			up := cpCheckUpstream(t, s, p, `{"model":"`+p.model+`","messages":`+msgs+`,`+tc.want+`}`)
			if got, want := res.RawJSON(), string(oaReplay(cpResponder(p), up)); got != want {
				t.Fatalf("response\n got %s\nwant %s", got, want)
			}
			if res.Model != p.model || res.Choices[0].Message.Content != openaifake.FakeText || res.Usage.TotalTokens != 4+oaFakeWords {
				t.Fatalf("completion %s", res.RawJSON())
			}
			if n := len(s.Requests()); n != 1 {
				t.Fatalf("%d upstream calls", n)
			}
		})
	}
}

// cpDeepSeekAnswer is a deepseek-reasoner answer as DeepSeek documents it: the chain of
// thought in message.reasoning_content.
const cpDeepSeekAnswer = `{"id":"a8fb12e2-bc3d-4c5a-8b6f-0d2f5e0c9e11","object":"chat.completion","created":1738200000,"model":"deepseek-reasoner","choices":[{"index":0,"message":{"role":"assistant","content":"9.9 is greater.","reasoning_content":"9.11 vs 9.9: compare tenths, 9 > 1."},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":14,"completion_tokens":25,"total_tokens":39,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":19},"prompt_cache_hit_tokens":0,"prompt_cache_miss_tokens":14},"system_fingerprint":"fp_7e73fd9a08_prod0425fp8"}`

func TestCompatDeepSeekReasoning(t *testing.T) {
	f, fakes := cpSetup(t)
	ds, p := fakes["deepseek"], cpFind("deepseek")
	var cc oaCapture
	c := f.client(cc.option())
	ctx := context.Background()
	params := openai.ChatCompletionNewParams{
		Model:    "deepseek-chat",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("9.11 and 9.9, which is greater?")},
	}
	ds.Enqueue(openaifake.JSONReply(200, cpDeepSeekAnswer))
	whole, err := c.Chat.Completions.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	cpCheckUpstream(t, ds, p, string(oaSwapModel(t, cc.last(t), "deepseek-chat", p.model)))
	const reasoning = "9.11 vs 9.9: compare tenths, 9 > 1."
	msg := whole.Choices[0].Message
	if raw := msg.JSON.ExtraFields["reasoning_content"].Raw(); raw != `"`+reasoning+`"` || msg.Content != "9.9 is greater." {
		t.Fatalf("reasoning %q, content %q", raw, msg.Content)
	}
	if whole.Usage.CompletionTokensDetails.ReasoningTokens != 19 {
		t.Fatalf("usage %s", whole.Usage.RawJSON())
	}

	// Streamed with usage: the same answer, reasoning in the deltas.
	ds.Enqueue(openaifake.StreamReply(openaifake.StreamDeepSeekReasoning, 13))
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	acc, chunks := oaAccumulate(t, c.Chat.Completions.NewStreaming(ctx, params))
	cpCheckUpstream(t, ds, p, string(oaSwapModel(t, cc.last(t), "deepseek-chat", p.model)))
	var streamed strings.Builder
	for _, ch := range chunks {
		if len(ch.Choices) == 0 {
			continue
		}
		var s string
		if raw := ch.Choices[0].Delta.JSON.ExtraFields["reasoning_content"].Raw(); raw != "" && raw != "null" {
			if err := json.Unmarshal([]byte(raw), &s); err != nil {
				t.Fatal(err)
			}
		}
		streamed.WriteString(s)
	}
	if streamed.String() != reasoning {
		t.Fatalf("streamed reasoning %q", streamed.String())
	}
	oaSameCompletion(t, acc.ChatCompletion, whole)
	if acc.Usage.CompletionTokensDetails.ReasoningTokens != 19 {
		t.Fatalf("streamed usage %+v", acc.Usage)
	}

	// Without include_usage, the usage DeepSeek puts on its last chunk is cut.
	ds.Enqueue(openaifake.StreamReply(openaifake.StreamDeepSeekReasoning, 13))
	status, _, out := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json",
		`{"model":"deepseek-chat","messages":[{"role":"user","content":"hi"}],"stream":true}`)
	if status != 200 || strings.Contains(out, `"usage"`) || !strings.Contains(out, `"reasoning_content":", 9 > 1."`) || !strings.HasSuffix(out, "data: [DONE]\n\n") {
		t.Fatalf("stream without usage: %d %s", status, out)
	}
	cpCheckUpstream(t, ds, p, `{"model":"deepseek-reasoner","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}`)

	// DeepSeek cannot see images: refused before any call.
	ds.Reset()
	_, err = c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model: "deepseek-chat",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage([]openai.ChatCompletionContentPartUnionParam{
			openai.TextContentPart("what is this?"),
			openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{URL: "https://example.com/a.png"}),
		})},
	})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Param != "messages[0].content[1]" || apiErr.Code != "unsupported_parameter" || len(ds.Requests()) != 0 {
		t.Fatalf("image to deepseek: %v, %d calls", err, len(ds.Requests()))
	}
}

// cpMistralToolAnswer is Mistral's answer with a tool call (9-character ids, content "").
const cpMistralToolAnswer = `{"id":"cf79f7daaee244b1a0ae5c7b1444d624","object":"chat.completion","created":1702256327,"model":"mistral-small-latest","choices":[{"index":0,"message":{"role":"assistant","content":"","tool_calls":[{"id":"D681PevKs","type":"function","function":{"name":"get_weather","arguments":"{\"location\": \"Paris\", \"unit\": \"celsius\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":94,"total_tokens":117,"completion_tokens":23}}`

func TestCompatMistral(t *testing.T) {
	f, fakes := cpSetup(t)
	ms, p := fakes["mistral"], cpFind("mistral")
	c := f.client()
	ctx := context.Background()
	ms.Enqueue(openaifake.JSONReply(200, cpMistralToolAnswer))
	res, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:      "mistral-chat",
		Messages:   []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather in Paris?")},
		Seed:       openai.Int(42),
		Tools:      []openai.ChatCompletionToolUnionParam{oaWeatherTool},
		ToolChoice: openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("required")},
	})
	if err != nil {
		t.Fatal(err)
	}
	cpCheckUpstream(t, ms, p, `{"model":"mistral-small-latest","messages":[{"role":"user","content":"Weather in Paris?"}],"random_seed":42,"tool_choice":"any",`+
		`"tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather in a city","parameters":{"type":"object","properties":{"location":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]},"days":{"type":"integer"}},"required":["location","unit"]}}}]}`)
	tc := res.Choices[0].Message.ToolCalls
	if len(tc) != 1 || tc[0].ID != "D681PevKs" || tc[0].Function.Arguments != `{"location": "Paris", "unit": "celsius"}` || res.Choices[0].FinishReason != "tool_calls" {
		t.Fatalf("answer %s", res.RawJSON())
	}

	// Mistral refuses stream_options: Franca never sends it, and the usage Mistral
	// puts on its last chunk reaches a client that asked for it.
	ms.Enqueue(openaifake.StreamReply(openaifake.StreamMistral, 9))
	acc, _ := oaAccumulate(t, c.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model:         "mistral-chat",
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Bonjour")},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}))
	cpCheckUpstream(t, ms, p, `{"model":"mistral-small-latest","messages":[{"role":"user","content":"Bonjour"}],"stream":true}`)
	if acc.Choices[0].Message.Content != "Bonjour" || acc.Usage.PromptTokens != 10 || acc.Usage.CompletionTokens != 2 || acc.Usage.TotalTokens != 12 {
		t.Fatalf("stream %s", acc.RawJSON())
	}
}

func TestCompatGroqRefusesN(t *testing.T) {
	f, fakes := cpSetup(t)
	gq := fakes["groq"]
	status, _, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json",
		`{"model":"groq-chat","messages":[{"role":"user","content":"hi"}],"n":2}`)
	want := `{"error":{"message":"parameter \"n\" is not supported by provider type openai-compatible (preset groq)","type":"invalid_request_error","param":"n","code":"unsupported_parameter"}}`
	if status != 400 || body != want {
		t.Fatalf("got %d %s", status, body)
	}
	c := f.client()
	_, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "groq-chat", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}, N: openai.Int(2),
	})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Param != "n" || apiErr.Code != "unsupported_parameter" {
		t.Fatalf("SDK: %v", err)
	}
	if n := len(gq.Requests()); n != 0 {
		t.Fatalf("%d upstream calls for a refused request", n)
	}
	// n: 1 means the default and is accepted.
	if _, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "groq-chat", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}, N: openai.Int(1),
	}); err != nil || len(gq.Requests()) != 1 {
		t.Fatalf("n=1: %v, %d calls", err, len(gq.Requests()))
	}
}

func TestCompatMoonshotStreamUsage(t *testing.T) {
	f, fakes := cpSetup(t)
	ms, p := fakes["moonshot"], cpFind("moonshot")
	ms.Enqueue(openaifake.StreamReply(openaifake.StreamMoonshot, 10))
	c := f.client()
	acc, chunks := oaAccumulate(t, c.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model:         "moonshot-chat",
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("你好")},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}))
	// Moonshot does not take stream_options; it reports usage inside the last choice.
	cpCheckUpstream(t, ms, p, `{"model":"moonshot-v1-8k","messages":[{"role":"user","content":"你好"}],"stream":true}`)
	if acc.Choices[0].Message.Content != "你好" || acc.Choices[0].FinishReason != "stop" {
		t.Fatalf("stream %s", acc.RawJSON())
	}
	// Franca writes the usage chunk OpenAI clients look for.
	last := chunks[len(chunks)-1]
	want := `{"id":"cmpl-1305b94c570f447fbde3180560736287","object":"chat.completion.chunk","created":1698999575,"model":"moonshot-v1-8k","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":13,"total_tokens":32}}`
	if last.RawJSON() != want {
		t.Fatalf("usage chunk\n got %s\nwant %s", last.RawJSON(), want)
	}
	if u := acc.Usage; u.PromptTokens != 19 || u.CompletionTokens != 13 || u.TotalTokens != 32 {
		t.Fatalf("usage %+v", u)
	}
}

// TestCompatMoonshotUsageOnTwoDataLines: the usage chunk Franca writes from usage that
// came on two data lines is itself framed as data lines (it used to carry a bare line
// the client could not read).
func TestCompatMoonshotUsageOnTwoDataLines(t *testing.T) {
	f, fakes := cpSetup(t)
	ms := fakes["moonshot"]
	stream := strings.Replace(openaifake.StreamMoonshot, `"usage":{"prompt_tokens":19,`, "\"usage\":{\"prompt_tokens\":19,\ndata: ", 1)
	ms.Enqueue(openaifake.StreamReply(stream, 10))
	c := f.client()
	acc, chunks := oaAccumulate(t, c.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model:         "moonshot-chat",
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("你好")},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}))
	want := "{\"id\":\"cmpl-1305b94c570f447fbde3180560736287\",\"object\":\"chat.completion.chunk\",\"created\":1698999575,\"model\":\"moonshot-v1-8k\",\"choices\":[],\"usage\":{\"prompt_tokens\":19,\n\"completion_tokens\":13,\"total_tokens\":32}}"
	if last := chunks[len(chunks)-1]; last.RawJSON() != want {
		t.Fatalf("usage chunk\n got %s\nwant %s", last.RawJSON(), want)
	}
	if u := acc.Usage; u.PromptTokens != 19 || u.CompletionTokens != 13 || u.TotalTokens != 32 {
		t.Fatalf("usage %+v", u)
	}
}

func TestCompatOllamaSendsNoKey(t *testing.T) {
	f, fakes := cpSetup(t)
	ol, p := fakes["ollama"], cpFind("ollama")
	var cc oaCapture
	c := f.client(cc.option())
	res, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "ollama-chat", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
	})
	if err != nil {
		t.Fatal(err)
	}
	up := cpCheckUpstream(t, ol, p, string(oaSwapModel(t, cc.last(t), "ollama-chat", "llama3.2")))
	for name := range up.Header {
		if strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Api-Key") {
			t.Fatalf("credential field %s sent to ollama", name)
		}
	}
	if up.Header.Get("Content-Type") != "application/json" || res.Model != "llama3.2" {
		t.Fatalf("header %v, answer %s", up.Header, res.RawJSON())
	}
}
