package caddymodule_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/openaifake"
)

// azKey is the Azure resource key of these tests (Azure keys are 32 hex digits).
const azKey = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

const azConfig = `
providers:
  - name: azure-eu
    type: azure
    base_url: {{AZ}}
    api_version: "2024-06-01"
    keys:
      - id: az-main
        secret: ` + azKey + `
models:
  - name: gpt-az
    targets: [{provider: azure-eu, model: my-gpt4o}]
  - name: embed-az
    targets: [{provider: azure-eu, model: my-embed}]
  - name: dalle-az
    targets: [{provider: azure-eu, model: my-dalle}]
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
passthrough:
  provider: azure-eu
`

func azSetup(t *testing.T) (*franca, *fake.Server) {
	t.Helper()
	az := fake.New(t, openaifake.AzureResponder(azKey))
	return start(t, strings.ReplaceAll(azConfig, "{{AZ}}", az.URL)), az
}

// azCheckUpstream checks an Azure request: the deployment URL with api-version, the
// api-key header and no Authorization at all.
func azCheckUpstream(t *testing.T, r fake.Recorded, path string) {
	t.Helper()
	oaCheckUpstream(t, r, "POST", path, "api-version=2024-06-01", "Api-Key", azKey)
	if v := r.Header.Values("Authorization"); len(v) != 0 {
		t.Fatalf("Authorization sent to Azure: %q", v)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
}

func TestAzureChatAndStream(t *testing.T) {
	f, az := azSetup(t)
	var cc oaCapture
	c := f.client(cc.option())
	ctx := context.Background()
	params := openai.ChatCompletionNewParams{
		Model:       "gpt-az",
		Messages:    []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("Be brief."), openai.UserMessage("hello from Azure")},
		Temperature: openai.Float(0),
	}
	whole, err := c.Chat.Completions.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	up := az.Last(t)
	azCheckUpstream(t, up, "/openai/deployments/my-gpt4o/chat/completions")
	if want := oaSwapModel(t, cc.last(t), "gpt-az", "my-gpt4o"); !bytes.Equal(up.Body, want) {
		t.Fatalf("upstream body\n got %s\nwant %s", up.Body, want)
	}
	if got, want := whole.RawJSON(), string(oaReplay(openaifake.AzureResponder(azKey), up)); got != want {
		t.Fatalf("response\n got %s\nwant %s", got, want)
	}
	if whole.Model != openaifake.AzureModel || whole.Choices[0].Message.Content != openaifake.FakeText || whole.Usage.PromptTokens != 5 {
		t.Fatalf("completion %s", whole.RawJSON())
	}
	if !strings.HasPrefix(whole.JSON.ExtraFields["prompt_filter_results"].Raw(), `[{"prompt_index":0,`) ||
		!strings.HasPrefix(whole.Choices[0].JSON.ExtraFields["content_filter_results"].Raw(), `{"hate":`) {
		t.Fatalf("Azure's content-filter results were lost: %s", whole.RawJSON())
	}

	// Streamed with usage: the same answer. Azure's first chunk (no choices, prompt
	// filter results) reaches the SDK as Azure sent it.
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	acc, chunks := oaAccumulate(t, c.Chat.Completions.NewStreaming(ctx, params))
	up = az.Last(t)
	azCheckUpstream(t, up, "/openai/deployments/my-gpt4o/chat/completions")
	if want := oaSwapModel(t, cc.last(t), "gpt-az", "my-gpt4o"); !bytes.Equal(up.Body, want) {
		t.Fatalf("stream upstream body\n got %s\nwant %s", up.Body, want)
	}
	oaSameCompletion(t, acc.ChatCompletion, whole)
	if len(chunks[0].Choices) != 0 || !strings.HasPrefix(chunks[0].JSON.ExtraFields["prompt_filter_results"].Raw(), `[{"prompt_index":0,`) {
		t.Fatalf("first chunk %s", chunks[0].RawJSON())
	}

	// Streamed without usage, raw: exactly Azure's stream without usage, while
	// Franca asked Azure for it.
	body := `{"model":"gpt-az","messages":[{"role":"user","content":"hello from Azure"}],"stream":true}`
	status, _, out := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", body)
	if status != 200 {
		t.Fatalf("status %d: %s", status, out)
	}
	up = az.Last(t)
	oaJSONEqual(t, "upstream body", up.Body, []byte(`{"model":"my-gpt4o","messages":[{"role":"user","content":"hello from Azure"}],"stream":true,"stream_options":{"include_usage":true}}`))
	plain := up
	plain.Body = []byte(body)
	if want := string(oaReplay(openaifake.AzureResponder(azKey), plain)); out != want {
		t.Fatalf("client stream\n got %q\nwant %q", out, want)
	}
	if strings.Contains(out, `"usage"`) {
		t.Fatalf("usage reached the client: %s", out)
	}
}

func TestAzureEmbeddings(t *testing.T) {
	f, az := azSetup(t)
	var cc oaCapture
	c := f.client(cc.option())
	res, err := c.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
		Model: "embed-az",
		Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("the quick brown fox")},
	})
	if err != nil {
		t.Fatal(err)
	}
	up := az.Last(t)
	azCheckUpstream(t, up, "/openai/deployments/my-embed/embeddings")
	if want := oaSwapModel(t, cc.last(t), "embed-az", "my-embed"); !bytes.Equal(up.Body, want) {
		t.Fatalf("upstream body\n got %s\nwant %s", up.Body, want)
	}
	if got, want := res.RawJSON(), string(oaReplay(openaifake.AzureResponder(azKey), up)); got != want {
		t.Fatalf("response\n got %s\nwant %s", got, want)
	}
	want := openaifake.FakeVector("the quick brown fox", openaifake.FakeDimensions)
	if len(res.Data) != 1 || len(res.Data[0].Embedding) != len(want) || res.Usage.PromptTokens != 4 {
		t.Fatalf("embeddings %s", res.RawJSON())
	}
	for i := range want {
		if float32(res.Data[0].Embedding[i]) != want[i] {
			t.Fatalf("embedding[%d] = %v, want %v", i, res.Data[0].Embedding[i], want[i])
		}
	}
}

// TestAzureErrors checks how Azure's errors reach the client. Each request runs on a
// fresh gateway (a fresh key pool): a 429 or a rejected key rests the only key, which
// would answer the next request with Franca's own 429.
func TestAzureErrors(t *testing.T) {
	az := fake.New(t, openaifake.AzureResponder(azKey))
	cfg := strings.ReplaceAll(azConfig, "{{AZ}}", az.URL)
	f := start(t, cfg)
	// Azure gives its delay in milliseconds only.
	az.Enqueue(openaifake.AzureRateLimited())
	status, h, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", `{"model":"gpt-az","messages":[{"role":"user","content":"hi"}]}`)
	want := `{"error":{"message":"Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 6 seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}`
	if status != 429 || body != want || h.Get("Retry-After") != "6" {
		t.Fatalf("rate limit: %d %q %s", status, h.Get("Retry-After"), body)
	}

	if n := len(az.Requests()); n != 1 {
		t.Fatalf("rate limit: %d upstream calls", n)
	}

	// A prompt the content filter refuses keeps Azure's code and param.
	f = start(t, cfg)
	c := f.client()
	_, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "gpt-az", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("azure:content_filter please")},
	})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Code != "content_filter" || apiErr.Param != "prompt" {
		t.Fatalf("content filter: %v", err)
	}
	var shape struct {
		Error map[string]json.RawMessage `json:"error"`
	}
	if json.Unmarshal([]byte(apiErr.RawJSON()), &shape.Error) != nil || len(shape.Error) != 4 {
		t.Fatalf("not OpenAI's four-member error: %s", apiErr.RawJSON())
	}

	// A rejected key is Franca's problem, not the client's.
	f = start(t, cfg)
	az.Reset()
	az.Enqueue(openaifake.JSONReply(401, openaifake.ErrAzureAuth))
	status, _, body = f.do(t, "POST", "/v1/embeddings", testKey, "application/json", `{"model":"embed-az","input":"x"}`)
	want = `{"error":{"message":"provider \"azure-eu\" rejected Franca's credential \"az-main\": Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.","type":"server_error","param":null,"code":"upstream_authentication_failed"}}`
	if status != 502 || body != want || len(az.Requests()) != 1 {
		t.Fatalf("bad key: %d %s, %d upstream calls", status, body, len(az.Requests()))
	}
}

func TestAzurePassthrough(t *testing.T) {
	f, az := azSetup(t)
	var cc oaCapture
	c := f.client(cc.option())
	ctx := context.Background()
	res, err := c.Images.Generate(ctx, openai.ImageGenerateParams{Model: "dalle-az", Prompt: "a lighthouse", ResponseFormat: "b64_json"})
	if err != nil {
		t.Fatal(err)
	}
	up := az.Last(t)
	azCheckUpstream(t, up, "/openai/deployments/my-dalle/images/generations")
	if want := oaSwapModel(t, cc.last(t), "dalle-az", "my-dalle"); !bytes.Equal(up.Body, want) {
		t.Fatalf("upstream body\n got %s\nwant %s", up.Body, want)
	}
	if len(res.Data) != 1 || res.Data[0].B64JSON == "" || res.Data[0].RevisedPrompt != "a lighthouse" {
		t.Fatalf("images %s", res.RawJSON())
	}

	// Files name no model: the passthrough provider, at /openai/files, with the
	// client's query after api-version.
	page, err := c.Files.List(ctx, openai.FileListParams{Limit: openai.Int(5)})
	if err != nil {
		t.Fatal(err)
	}
	up = az.Last(t)
	oaCheckUpstream(t, up, "GET", "/openai/files", "api-version=2024-06-01&limit=5", "Api-Key", azKey)
	if len(page.Data) != 1 || page.Data[0].ID != "file-abc123" {
		t.Fatalf("files %s", page.RawJSON())
	}
}
