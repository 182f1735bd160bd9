package caddymodule_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/openaifake"
)

// ptConfig routes models and model-less endpoints to one fake OpenAI; "claude" is
// served by Anthropic, which has no passthrough endpoints.
const ptConfig = `
providers:
  - name: openai
    type: openai
    base_url: {{A}}/v1
    keys:
      - id: main
        secret: ` + oaKey + `
  - name: claude
    type: anthropic
    base_url: http://127.0.0.1:1
    keys:
      - id: ant
        secret: sk-ant-upstream-0123456789
models:
  - name: image-gen
    targets: [{provider: openai, model: dall-e-3}]
  - name: whisper-1
    targets: [{provider: openai, model: whisper-1}]
  - name: mod
    targets: [{provider: openai, model: omni-moderation-2024-09-26}]
  - name: gpt-pt
    targets: [{provider: openai, model: gpt-4o-mini}]
  - name: claude
    targets: [{provider: claude, model: claude-sonnet-4-5}]
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
    permissions: [status]
passthrough:
  provider: openai
`

func ptSetup(t *testing.T) (*franca, *fake.Server) {
	t.Helper()
	a := fake.New(t, openaifake.Responder("/v1", oaKey))
	return start(t, strings.ReplaceAll(ptConfig, "{{A}}", a.URL)), a
}

// ptCheckHeaders checks that only the credential and the allowed client fields went up.
func ptCheckHeaders(t *testing.T, r fake.Recorded, contentType string) {
	t.Helper()
	if got := r.Header.Get("Content-Type"); got != contentType {
		t.Fatalf("upstream Content-Type %q, want %q", got, contentType)
	}
	if v := r.Header.Get("X-Client-Secret"); v != "" {
		t.Fatalf("a client header other than Content-Type, Accept and OpenAI-Beta went up: %q", v)
	}
}

func TestPassthroughImageGeneration(t *testing.T) {
	f, a := ptSetup(t)
	var cc oaCapture
	c := f.client(cc.option(), option.WithHeader("X-Client-Secret", "do-not-forward"))
	res, err := c.Images.Generate(context.Background(), openai.ImageGenerateParams{
		Model:          "image-gen",
		Prompt:         "a red cube on a table",
		N:              openai.Int(2),
		Size:           "1024x1024",
		ResponseFormat: "url",
	})
	if err != nil {
		t.Fatal(err)
	}
	up := a.Last(t)
	oaCheckUpstream(t, up, "POST", "/v1/images/generations", "", "Authorization", "Bearer "+oaKey)
	ptCheckHeaders(t, up, "application/json")
	if want := oaSwapModel(t, cc.last(t), "image-gen", "dall-e-3"); !bytes.Equal(up.Body, want) {
		t.Fatalf("upstream body\n got %s\nwant %s", up.Body, want)
	}
	if got, want := res.RawJSON(), string(oaReplay(openaifake.Responder("/v1", oaKey), up)); got != want {
		t.Fatalf("response\n got %s\nwant %s", got, want)
	}
	if len(res.Data) != 2 || res.Data[0].URL != "https://fake.invalid/images/img-fake.png" || res.Data[1].RevisedPrompt != "a red cube on a table" {
		t.Fatalf("images %s", res.RawJSON())
	}

	// An upstream rate limit keeps its status and Retry-After.
	a.Enqueue(openaifake.RateLimited())
	_, err = c.Images.Generate(context.Background(), openai.ImageGenerateParams{Model: "image-gen", Prompt: "x"})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Code != "rate_limit_exceeded" || apiErr.Response.Header.Get("Retry-After") != "1" {
		t.Fatalf("rate limit: %v", err)
	}

	// Anthropic has no images endpoint: refused, nothing sent anywhere.
	a.Reset()
	status, _, body := f.do(t, "POST", "/v1/images/generations", testKey, "application/json", `{"model":"claude","prompt":"a red cube"}`)
	want := `{"error":{"message":"model \"claude\" is served by provider type anthropic, which has no /v1/images/generations endpoint","type":"invalid_request_error","param":"model","code":"unsupported_endpoint"}}`
	if status != 400 || body != want {
		t.Fatalf("anthropic: %d %s", status, body)
	}
	if len(a.Requests()) != 0 {
		t.Fatalf("%d upstream calls", len(a.Requests()))
	}
}

func TestPassthroughAudioMultipart(t *testing.T) {
	f, a := ptSetup(t)
	var cc oaCapture
	var ct string
	c := f.client(cc.option(), option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		ct = r.Header.Get("Content-Type")
		return next(r)
	}))
	a.Enqueue(openaifake.JSONReply(200, `{"text":"Hello from the fake Whisper.","usage":{"type":"duration","seconds":2}}`))
	audio := append([]byte("RIFF\x24\x00\x00\x00WAVEfmt "), bytes.Repeat([]byte{0, 1, 2, 0xff}, 64)...)
	res, err := c.Audio.Transcriptions.New(context.Background(), openai.AudioTranscriptionNewParams{
		File:     openai.File(bytes.NewReader(audio), "hello.wav", "audio/wav"),
		Model:    "whisper-1",
		Language: openai.String("en"),
	})
	if err != nil {
		t.Fatal(err)
	}
	up := a.Last(t)
	oaCheckUpstream(t, up, "POST", "/v1/audio/transcriptions", "", "Authorization", "Bearer "+oaKey)
	if !strings.HasPrefix(ct, "multipart/form-data; boundary=") {
		t.Fatalf("the SDK sent %q", ct)
	}
	ptCheckHeaders(t, up, ct)
	// The upload goes up byte for byte.
	if client := cc.last(t); !bytes.Equal(up.Body, client) || !bytes.Contains(client, audio) {
		t.Fatalf("multipart body changed on the way (%d bytes sent, %d received)", len(client), len(up.Body))
	}
	if res.Text != "Hello from the fake Whisper." {
		t.Fatalf("transcription %s", res.RawJSON())
	}
}

func TestPassthroughFiles(t *testing.T) {
	f, a := ptSetup(t)
	c := f.client(option.WithHeader("OpenAI-Beta", "assistants=v2"), option.WithHeader("X-Client-Secret", "do-not-forward"))
	page, err := c.Files.List(context.Background(), openai.FileListParams{Limit: openai.Int(2), Purpose: openai.String("assistants")})
	if err != nil {
		t.Fatal(err)
	}
	up := a.Last(t)
	oaCheckUpstream(t, up, "GET", "/v1/files", "limit=2&purpose=assistants", "Authorization", "Bearer "+oaKey)
	ptCheckHeaders(t, up, "")
	if up.Header.Get("OpenAI-Beta") != "assistants=v2" || len(up.Body) != 0 {
		t.Fatalf("upstream header %v body %q", up.Header, up.Body)
	}
	if len(page.Data) != 1 || page.Data[0].ID != "file-abc123" || page.Data[0].Filename != "salesOverview.pdf" || page.Data[0].Bytes != 120000 {
		t.Fatalf("files %s", page.RawJSON())
	}

	// An Azure-style client sends its virtual key as api-key; that never goes up either.
	req, err := http.NewRequest("GET", f.URL+"/v1/files", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("api-key", testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"file-abc123"`)) {
		t.Fatalf("api-key client: %d %s", resp.StatusCode, b)
	}
	up = a.Last(t)
	oaCheckUpstream(t, up, "GET", "/v1/files", "", "Authorization", "Bearer "+oaKey)
	if v := up.Header.Values("Api-Key"); len(v) != 0 {
		t.Fatalf("api-key went up: %q", v)
	}
}

// TestPassthroughUpstreamKeyRejected checks that a rejected upstream key is a 502 on
// passthrough endpoints too. Each request runs on a fresh gateway (a fresh key pool): the
// rejected key rests an hour, and the next request would get Franca's own 429.
func TestPassthroughUpstreamKeyRejected(t *testing.T) {
	a := fake.New(t, openaifake.Responder("/v1", "sk-the-right-key-0123456789"))
	cfg := strings.ReplaceAll(ptConfig, "{{A}}", a.URL)
	want := `{"error":{"message":"provider \"openai\" rejected Franca's credential \"main\": Incorrect API key provided: [redacted]. You can find your API key at https://platform.openai.com/account/api-keys.","type":"server_error","param":null,"code":"upstream_authentication_failed"}}`
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/files", ""},
		{"POST", "/v1/images/generations", `{"model":"image-gen","prompt":"x"}`},
	} {
		f := start(t, cfg)
		a.Reset()
		status, _, body := f.do(t, c.method, c.path, testKey, "application/json", c.body)
		if status != 502 || body != want || len(a.Requests()) != 1 {
			t.Fatalf("%s %s: %d %s, %d upstream calls", c.method, c.path, status, body, len(a.Requests()))
		}
	}
}

func TestPassthroughModerations(t *testing.T) {
	f, a := ptSetup(t)
	var cc oaCapture
	c := f.client(cc.option())
	ctx := context.Background()

	// With a model: that model's target, model replaced.
	res, err := c.Moderations.New(ctx, openai.ModerationNewParams{
		Model: "mod",
		Input: openai.ModerationNewParamsInputUnion{OfStringArray: []string{"I like cats", "so much"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	up := a.Last(t)
	oaCheckUpstream(t, up, "POST", "/v1/moderations", "", "Authorization", "Bearer "+oaKey)
	if want := oaSwapModel(t, cc.last(t), "mod", "omni-moderation-2024-09-26"); !bytes.Equal(up.Body, want) {
		t.Fatalf("upstream body\n got %s\nwant %s", up.Body, want)
	}
	if res.Model != "omni-moderation-2024-09-26" || len(res.Results) != 1 || res.Results[0].Flagged {
		t.Fatalf("moderation %s", res.RawJSON())
	}

	// Without one: the passthrough provider, body unchanged.
	res, err = c.Moderations.New(ctx, openai.ModerationNewParams{Input: openai.ModerationNewParamsInputUnion{OfString: openai.String("hello")}})
	if err != nil {
		t.Fatal(err)
	}
	up = a.Last(t)
	oaCheckUpstream(t, up, "POST", "/v1/moderations", "", "Authorization", "Bearer "+oaKey)
	if client := cc.last(t); !bytes.Equal(up.Body, client) {
		t.Fatalf("upstream body\n got %s\nwant %s", up.Body, client)
	}
	if res.Model != "omni-moderation-latest" || res.ID != "modr-fake" {
		t.Fatalf("moderation %s", res.RawJSON())
	}
}

func TestPassthroughStreamIsCopied(t *testing.T) {
	f, a := ptSetup(t)
	stream := "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"status\":\"in_progress\"}}\n\n" +
		"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n" +
		"event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"status\":\"completed\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1,\"total_tokens\":4}}}\n\n"
	a.Enqueue(openaifake.StreamReply(stream, 7))
	status, h, out := f.do(t, "POST", "/v1/responses", testKey, "application/json", `{"model":"gpt-pt","input":"hi","stream":true}`)
	if status != 200 || out != stream || !strings.HasPrefix(h.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("got %d %q\n%q", status, h.Get("Content-Type"), out)
	}
	up := a.Last(t)
	oaCheckUpstream(t, up, "POST", "/v1/responses", "", "Authorization", "Bearer "+oaKey)
	if string(up.Body) != `{"model":"gpt-4o-mini","input":"hi","stream":true}` {
		t.Fatalf("upstream body %s", up.Body)
	}
}
