package caddymodule_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	// The example third-party policy, compiled in as a franca.policies module.
	_ "github.com/franca-gw/franca/examples/requireheader"
)

const policiesConfig = basicConfig + `
policies:
  - name: team
    type: require_header
    options: {header: X-Team, values: [search]}
  - name: cap
    type: max_output_tokens
    models: [mock-chat]
    options: {limit: 50}
`

// TestPoliciesThroughCaddy runs a built-in policy type and one added as a Caddy module
// (franca.policies.require_header) through Caddy, with the OpenAI SDK as the client.
func TestPoliciesThroughCaddy(t *testing.T) {
	f := start(t, policiesConfig)
	body := `{"model":"mock-chat","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`

	// No X-Team: refused by the module's policy, before the model's cap.
	status, _, got := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", body)
	if want := `{"error":{"message":"this request must carry the header X-Team","type":"invalid_request_error","param":null,"code":"missing_required_header"}}`; status != 400 || got != want {
		t.Errorf("without X-Team: %d %s\nwant 400 %s", status, got, want)
	}

	c := f.client(option.WithHeader("X-Team", "search"))
	res, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "mock-chat", MaxTokens: openai.Int(10), Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
	})
	if err != nil {
		t.Fatalf("allowed request: %v", err)
	}
	if got, want := res.Choices[0].Message.Content, "Hello from Franca's mock provider. You said: hi"; got != want {
		t.Errorf("content %q, want %q", got, want)
	}

	_, err = c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "mock-chat", MaxCompletionTokens: openai.Int(51), Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
	})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("over the cap: %v, want an API error", err)
	}
	if apiErr.StatusCode != http.StatusBadRequest || apiErr.Code != "invalid_value" || apiErr.Param != "max_completion_tokens" ||
		apiErr.Message != "max_completion_tokens is too large: 51; at most 50 is allowed here" {
		t.Errorf("over the cap: %d code=%q param=%q message=%q", apiErr.StatusCode, apiErr.Code, apiErr.Param, apiErr.Message)
	}

	// The cap is for mock-chat only; embeddings pass both policies' checks.
	if _, err := c.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
		Model: "mock-embed", Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("a")},
	}); err != nil {
		t.Errorf("embeddings: %v", err)
	}
}
