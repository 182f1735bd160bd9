package caddymodule_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
)

func TestMockChatStreamEqualsNonStream(t *testing.T) {
	f := start(t, basicConfig)
	c := f.client()
	ctx := context.Background()
	params := openai.ChatCompletionNewParams{
		Model:    "mock-chat",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("be brief"), openai.UserMessage("hello there")},
	}
	whole, err := c.Chat.Completions.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	want := "Hello from Franca's mock provider. You said: hello there"
	if got := whole.Choices[0].Message.Content; got != want {
		t.Fatalf("content %q, want %q", got, want)
	}
	if whole.Choices[0].FinishReason != "stop" || whole.Usage.PromptTokens == 0 || whole.Usage.CompletionTokens == 0 {
		t.Fatalf("finish/usage: %+v %+v", whole.Choices[0].FinishReason, whole.Usage)
	}

	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	stream := c.Chat.Completions.NewStreaming(ctx, params)
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if got := acc.Choices[0].Message.Content; got != want {
		t.Fatalf("streamed content %q, want %q", got, want)
	}
	if acc.Choices[0].FinishReason != "stop" || acc.Usage.PromptTokens != whole.Usage.PromptTokens || acc.Usage.CompletionTokens != whole.Usage.CompletionTokens {
		t.Fatalf("streamed finish/usage %q %+v, want %+v", acc.Choices[0].FinishReason, acc.Usage, whole.Usage)
	}
}

func TestMockEmbeddings(t *testing.T) {
	f := start(t, basicConfig)
	c := f.client()
	res, err := c.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
		Model: "mock-embed",
		Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"a", "b"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Data) != 2 || len(res.Data[0].Embedding) != 8 || res.Data[1].Index != 1 {
		t.Fatalf("embeddings %+v", res.Data)
	}
	if res.Data[0].Embedding[0] == res.Data[1].Embedding[0] {
		t.Fatalf("different inputs gave the same vector")
	}
}

// mockKeyUntil returns the state of the mock provider's key and when it comes back, from
// /v1/status.
func mockKeyUntil(t *testing.T, f *franca) (string, time.Time) {
	t.Helper()
	status, _, body := f.do(t, "GET", "/v1/status", testKey, "", "")
	if status != 200 {
		t.Fatalf("status: %d %s", status, body)
	}
	var st struct {
		Providers []struct {
			Name string `json:"name"`
			Keys []struct {
				State  string     `json:"state"`
				Until  *time.Time `json:"until"`
				Models []struct {
					State string    `json:"state"`
					Until time.Time `json:"until"`
				} `json:"models"`
			} `json:"keys"`
		} `json:"providers"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	for _, p := range st.Providers {
		if p.Name == "mock" && len(p.Keys) == 1 {
			k := p.Keys[0]
			if k.Until != nil {
				return k.State, *k.Until
			}
			// A rate limit rests the key for the upstream model only.
			for _, m := range k.Models {
				return m.State, m.Until
			}
			return k.State, time.Time{}
		}
	}
	t.Fatalf("no mock key in %s", body)
	return "", time.Time{}
}

// TestMockRateLimitRestsAsLongAsItSays: a simulated 429 carries the rate-limit fields a
// real provider sends, and the key rests for the one second its Retry-After says, not
// Franca's default cooldown.
func TestMockRateLimitRestsAsLongAsItSays(t *testing.T) {
	f := start(t, basicConfig)
	before := time.Now().Truncate(time.Second) // the status reports whole seconds at most
	status, h, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json",
		`{"model":"mock-chat","messages":[{"role":"user","content":"mock:error 429"}]}`)
	after := time.Now()
	want := `{"error":{"message":"The mock provider answers HTTP 429 because the request asked for it (mock:error 429).","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}`
	if status != 429 || body != want {
		t.Fatalf("got %d %s", status, body)
	}
	for name, v := range map[string]string{"Retry-After": "1", "X-Ratelimit-Limit-Requests": "60", "X-Ratelimit-Remaining-Requests": "0",
		"X-Ratelimit-Reset-Requests": "1s", "X-Ratelimit-Limit-Tokens": "150000", "X-Ratelimit-Remaining-Tokens": "150000", "X-Ratelimit-Reset-Tokens": "0s"} {
		if got := h.Get(name); got != v {
			t.Errorf("%s: %q, want %q", name, got, v)
		}
	}
	state, until := mockKeyUntil(t, f)
	if state != "cooling" || until.Before(before.Add(time.Second)) || until.After(after.Add(time.Second)) {
		t.Fatalf("the mock key is %s until %v; want cooling until 1s after the 429 (between %v and %v)", state, until, before.Add(time.Second), after.Add(time.Second))
	}
}

// TestMockSimulated401IsThisRequestsAlone: "mock:error 401" answers as a real rejected
// upstream key does (502 upstream_authentication_failed), and the mock's key stays usable
// for every other request and model.
func TestMockSimulated401IsThisRequestsAlone(t *testing.T) {
	f := start(t, basicConfig)
	status, _, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json",
		`{"model":"mock-chat","messages":[{"role":"user","content":"mock:error 401"}]}`)
	want := `{"error":{"message":"provider \"mock\" rejected Franca's credential \"-\": The mock provider answers HTTP 401 because the request asked for it (mock:error 401).","type":"server_error","param":null,"code":"upstream_authentication_failed"}}`
	if status != 502 || body != want {
		t.Fatalf("got %d %s", status, body)
	}
	if state, _ := mockKeyUntil(t, f); state != "ok" {
		t.Fatalf("after a simulated 401 the mock key is %s", state)
	}
	status, _, body = f.do(t, "POST", "/v1/embeddings", testKey, "application/json", `{"model":"mock-embed","input":"x"}`)
	if status != 200 {
		t.Fatalf("another mock model after a simulated 401: %d %s", status, body)
	}
	status, _, body = f.do(t, "POST", "/v1/chat/completions", testKey, "application/json",
		`{"model":"mock-chat","messages":[{"role":"user","content":"hi"}]}`)
	if status != 200 {
		t.Fatalf("the same model after a simulated 401: %d %s", status, body)
	}
}

// TestMockValidatesLikeOpenAI: the mock refuses what OpenAI refuses, in OpenAI's words.
func TestMockValidatesLikeOpenAI(t *testing.T) {
	f := start(t, basicConfig)
	cases := []struct{ body, want string }{
		{`{"model":"mock-chat","messages":[{"role":"user","content":"hi"}],"temperature":5}`,
			`{"error":{"message":"Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 5 instead.","type":"invalid_request_error","param":"temperature","code":"decimal_above_max_value"}}`},
		{`{"model":"mock-chat","messages":[{"role":"user","content":"hi"}],"max_tokens":-1}`,
			`{"error":{"message":"Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got -1 instead.","type":"invalid_request_error","param":"max_tokens","code":"integer_below_min_value"}}`},
		{`{"model":"mock-chat","messages":[{"role":"user","content":"hi"}],"top_p":2}`,
			`{"error":{"message":"Invalid 'top_p': decimal above maximum value. Expected a value <= 1, but got 2 instead.","type":"invalid_request_error","param":"top_p","code":"decimal_above_max_value"}}`},
		{`{"model":"mock-chat","messages":[{"role":"user","content":"hi"}],"n":0}`,
			`{"error":{"message":"Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.","type":"invalid_request_error","param":"n","code":"integer_below_min_value"}}`},
		{`{"model":"mock-chat","messages":[{"role":"user","content":"hi"}],"presence_penalty":-3}`,
			`{"error":{"message":"Invalid 'presence_penalty': decimal below minimum value. Expected a value >= -2, but got -3 instead.","type":"invalid_request_error","param":"presence_penalty","code":"decimal_below_min_value"}}`},
		{`{"model":"mock-chat","messages":[{"role":"user","content":"hi"}],"top_k":40}`,
			`{"error":{"message":"Unrecognized request argument supplied: top_k","type":"invalid_request_error","param":null,"code":null}}`},
		{`{"model":"mock-chat","messages":[{"role":"user"}]}`,
			`{"error":{"message":"Missing required parameter: 'messages[0].content'.","type":"invalid_request_error","param":"messages[0].content","code":"missing_required_parameter"}}`},
		{`{"model":"mock-chat","messages":[{"role":"user","content":"q"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","content":"r"}]}`,
			`{"error":{"message":"Missing required parameter: 'messages[2].tool_call_id'.","type":"invalid_request_error","param":"messages[2].tool_call_id","code":"missing_required_parameter"}}`},
		{`{"model":"mock-embed","input":"x","truncate":"END"}`,
			`{"error":{"message":"Unrecognized request argument supplied: truncate","type":"invalid_request_error","param":null,"code":null}}`},
	}
	for _, c := range cases {
		path := "/v1/chat/completions"
		if c.body[10:20] == "mock-embed" {
			path = "/v1/embeddings"
		}
		status, _, body := f.do(t, "POST", path, testKey, "application/json", c.body)
		if status != 400 || body != c.want {
			t.Errorf("%s:\n got %d %s\nwant 400 %s", c.body, status, body, c.want)
		}
	}
	// An assistant message with tool_calls needs no content.
	status, _, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json",
		`{"model":"mock-chat","messages":[{"role":"user","content":"q"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"r"}]}`)
	if status != 200 {
		t.Errorf("tool round trip: %d %s", status, body)
	}
}
