package caddymodule_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/franca-gw/franca/internal/caddytest"
	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/openaifake"
)

// Upstream credentials of the OpenAI tests. They must never reach a client or a log.
const (
	oaKey       = "sk-upstream-openai-7Hq2Lm9Xv4Rt"
	oaKeyB      = "sk-upstream-backup-3Zp8Wn1Yc6Ks"
	oaWrongKey  = "sk-upstream-WRONG-5Gd0Fj2Qa8Vb"
	oaFakeWords = 9 // words in openaifake.FakeText, the fake's completion_tokens
)

// oaConfig serves models on two fake OpenAI servers (a and b) and on a closed port.
const oaConfig = `
providers:
  - name: openai
    type: openai
    base_url: {{A}}/v1
    keys:
      - id: main
        secret: ` + oaKey + `
  - name: backup
    type: openai
    base_url: {{B}}/v1
    keys:
      - id: backup-key
        secret: ` + oaKeyB + `
  - name: badkey
    type: openai
    base_url: {{A}}/v1
    keys:
      - id: stale
        secret: ` + oaWrongKey + `
  - name: dead
    type: openai
    base_url: http://127.0.0.1:{{DEAD}}/v1
    keys:
      - id: dead-key
        secret: ` + oaKey + `
models:
  - name: gpt
    targets: [{provider: openai, model: gpt-4o-mini}]
  - name: embed
    targets: [{provider: openai, model: text-embedding-3-small}]
  - name: gpt-badkey
    targets: [{provider: badkey, model: gpt-4o-mini}]
  - name: gpt-ha
    targets: [{provider: openai, model: gpt-4o}, {provider: backup, model: gpt-4o-mini-backup}]
  - name: gpt-dead-first
    targets: [{provider: dead, model: gpt-4o}, {provider: backup, model: gpt-4o-mini-backup}]
  - name: gpt-dead
    targets: [{provider: dead, model: gpt-4o}]
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
    permissions: [status]
`

// oaSetup starts fakes a and b and Franca in front of them.
func oaSetup(t *testing.T) (f *franca, a, b *fake.Server) {
	t.Helper()
	a, b, cfg := oaFakes(t)
	return start(t, cfg), a, b
}

// oaSetupLogged is oaSetup with the access log readable (see oaStartLogged).
func oaSetupLogged(t *testing.T) (f *franca, a *fake.Server, log func(n int) []map[string]any) {
	t.Helper()
	a, _, cfg := oaFakes(t)
	f, log = oaStartLogged(t, cfg)
	return f, a, log
}

func oaFakes(t *testing.T) (a, b *fake.Server, cfg string) {
	a = fake.New(t, openaifake.Responder("/v1", oaKey))
	b = fake.New(t, openaifake.Responder("/v1", oaKeyB))
	cfg = strings.NewReplacer("{{A}}", a.URL, "{{B}}", b.URL, "{{DEAD}}", fmt.Sprint(freePort(t))).Replace(oaConfig)
	return a, b, cfg
}

// oaCapture records the bodies the SDK sends, so that a test can compare what Franca
// sent upstream with what the client wrote.
type oaCapture struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (c *oaCapture) option() option.RequestOption {
	return option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		var b []byte
		if r.Body != nil {
			b, _ = io.ReadAll(r.Body)
			r.Body.Close()
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		}
		c.mu.Lock()
		c.bodies = append(c.bodies, b)
		c.mu.Unlock()
		return next(r)
	})
}

// last returns the last body the SDK sent.
func (c *oaCapture) last(t *testing.T) []byte {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.bodies) == 0 {
		t.Fatal("the SDK sent nothing")
	}
	return c.bodies[len(c.bodies)-1]
}

// oaSwapModel returns body with its one `"model":"from"` replaced by `"model":"to"`:
// what Franca must send upstream for a client body that needs no other edit.
func oaSwapModel(t *testing.T, body []byte, from, to string) []byte {
	t.Helper()
	old := []byte(`"model":"` + from + `"`)
	if n := bytes.Count(body, old); n != 1 {
		t.Fatalf("client body has %d %s: %s", n, old, body)
	}
	return bytes.Replace(body, old, []byte(`"model":"`+to+`"`), 1)
}

// oaJSONEqual fails unless got and want are the same JSON value.
func oaJSONEqual(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: not JSON: %v: %s", what, err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: want is not JSON: %v: %s", what, err, want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s\n got %s\nwant %s", what, got, want)
	}
}

// oaWithMembers returns the JSON object body with members set (as JSON values).
func oaWithMembers(t *testing.T, body []byte, members map[string]string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range members {
		m[k] = json.RawMessage(v)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// oaCheckUpstream checks one request Franca sent: method, path, query, the exact
// credential field, and that the client's virtual key is nowhere in it.
func oaCheckUpstream(t *testing.T, r fake.Recorded, method, path, query, authName, authValue string) {
	t.Helper()
	if r.Method != method || r.Path != path || r.RawQuery != query {
		t.Fatalf("upstream request %s %s?%s, want %s %s?%s", r.Method, r.Path, r.RawQuery, method, path, query)
	}
	if authName != "" {
		if got := r.Header.Values(authName); len(got) != 1 || got[0] != authValue {
			t.Fatalf("upstream %s = %q, want %q", authName, got, authValue)
		}
	}
	for name, vs := range r.Header {
		for _, v := range vs {
			if strings.Contains(v, testKey) {
				t.Fatalf("the client's virtual key reached the upstream in %s: %q", name, v)
			}
		}
	}
	if bytes.Contains(r.Body, []byte(testKey)) {
		t.Fatalf("the client's virtual key reached the upstream body: %s", r.Body)
	}
}

// oaReplay returns what the fake's responder answers to rec: the bytes Franca received,
// which pass through to the client unchanged.
func oaReplay(responder fake.Responder, rec fake.Recorded) []byte {
	r := responder(&rec)
	if r.Chunks == nil {
		return r.Body
	}
	return bytes.Join(r.Chunks, nil)
}

// oaAccumulate reads a whole SDK stream, checking every chunk is accepted.
func oaAccumulate(t *testing.T, stream interface {
	Next() bool
	Current() openai.ChatCompletionChunk
	Err() error
}) (openai.ChatCompletionAccumulator, []openai.ChatCompletionChunk) {
	t.Helper()
	var acc openai.ChatCompletionAccumulator
	var chunks []openai.ChatCompletionChunk
	for stream.Next() {
		c := stream.Current()
		chunks = append(chunks, c)
		if !acc.AddChunk(c) {
			t.Fatalf("the accumulator refused chunk %d: %s", len(chunks), c.RawJSON())
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream: %v", err)
	}
	return acc, chunks
}

// oaSameCompletion fails unless the streamed result carries the same answer as whole:
// id, model, content, tool calls, finish reason and usage.
func oaSameCompletion(t *testing.T, streamed openai.ChatCompletion, whole *openai.ChatCompletion) {
	t.Helper()
	if len(streamed.Choices) != len(whole.Choices) || len(whole.Choices) == 0 {
		t.Fatalf("choices: streamed %d, whole %d", len(streamed.Choices), len(whole.Choices))
	}
	s, w := streamed.Choices[0], whole.Choices[0]
	if streamed.ID != whole.ID || streamed.Model != whole.Model {
		t.Errorf("id/model streamed %q %q, whole %q %q", streamed.ID, streamed.Model, whole.ID, whole.Model)
	}
	if s.Message.Content != w.Message.Content || s.FinishReason != w.FinishReason {
		t.Errorf("streamed %q/%q, whole %q/%q", s.Message.Content, s.FinishReason, w.Message.Content, w.FinishReason)
	}
	if len(s.Message.ToolCalls) != len(w.Message.ToolCalls) {
		t.Fatalf("tool calls: streamed %d, whole %d", len(s.Message.ToolCalls), len(w.Message.ToolCalls))
	}
	for i := range w.Message.ToolCalls {
		st, wt := s.Message.ToolCalls[i], w.Message.ToolCalls[i]
		if st.ID != wt.ID || st.Type != wt.Type || st.Function.Name != wt.Function.Name || st.Function.Arguments != wt.Function.Arguments {
			t.Errorf("tool call %d: streamed %+v, whole %+v", i, st.Function, wt.Function)
		}
	}
	su, wu := streamed.Usage, whole.Usage
	if su.PromptTokens != wu.PromptTokens || su.CompletionTokens != wu.CompletionTokens || su.TotalTokens != wu.TotalTokens {
		t.Errorf("usage streamed %d/%d/%d, whole %d/%d/%d", su.PromptTokens, su.CompletionTokens, su.TotalTokens,
			wu.PromptTokens, wu.CompletionTokens, wu.TotalTokens)
	}
}

// oaEvents splits a raw SSE body into its data payloads.
func oaEvents(t *testing.T, body string) []string {
	t.Helper()
	if !strings.HasSuffix(body, "\n\n") {
		t.Fatalf("stream does not end with a blank line: %q", body)
	}
	var out []string
	for _, ev := range strings.Split(strings.TrimSuffix(body, "\n\n"), "\n\n") {
		d, ok := strings.CutPrefix(ev, "data: ")
		if !ok || strings.Contains(d, "\n") {
			t.Fatalf("not a one-line data event: %q", ev)
		}
		out = append(out, d)
	}
	return out
}

// oaStartLogged is start with Caddy's log, Franca's access log among it, written as JSON
// to a file at level INFO. It returns a function that reads the access log lines once
// there are at least n of them, after checking that no secret is anywhere in the file.
// (Changing the log through the admin API instead would reload the server under the
// test's first request.)
func oaStartLogged(t *testing.T, yaml string) (*franca, func(n int) []map[string]any) {
	t.Helper()
	site := caddytest.Adapt(t, strings.ReplaceAll(yaml, "{{KEY_HASH}}", testHash()), true)
	site.Start(t)
	f, logPath := siteOf(site), site.LogPath
	return f, func(n int) []map[string]any {
		t.Helper()
		deadline := time.Now().Add(3 * time.Second)
		for {
			data, _ := os.ReadFile(logPath)
			var lines []map[string]any
			for _, l := range strings.Split(string(data), "\n") {
				var m map[string]any
				if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" && m["logger"] == "http.handlers.franca" {
					lines = append(lines, m)
				}
			}
			if len(lines) >= n || time.Now().After(deadline) {
				if len(lines) < n {
					t.Fatalf("%d access log lines, want %d; log:\n%s", len(lines), n, data)
				}
				for _, secret := range []string{oaKey, oaKeyB, oaWrongKey, testKey, strings.TrimPrefix(testHash(), "sha256:")} {
					if bytes.Contains(data, []byte(secret)) {
						t.Fatalf("the log contains the secret %q:\n%s", secret, data)
					}
				}
				return lines
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// oaLogFields checks fields of an access log line (numbers compare as float64).
func oaLogFields(t *testing.T, line map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if got, ok := line[k]; !ok || !reflect.DeepEqual(got, v) {
			t.Errorf("log field %s = %#v, want %#v (line %v)", k, got, v, line)
		}
	}
}

func TestOpenAIChatExactUpstream(t *testing.T) {
	f, a, _ := oaSetup(t)
	var cc oaCapture
	c := f.client(cc.option())
	res, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "gpt",
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("Be brief."),
			openai.UserMessage("Say hello to the team"),
		},
		Temperature:         openai.Float(0.25),
		MaxCompletionTokens: openai.Int(64),
		Stop:                openai.ChatCompletionNewParamsStopUnion{OfStringArray: []string{"END"}},
		Metadata:            shared.Metadata{"team": "gw"},
	}, option.WithJSONSet("top_k", 5)) // a provider extension passes through too
	if err != nil {
		t.Fatal(err)
	}
	up := a.Last(t)
	oaCheckUpstream(t, up, "POST", "/v1/chat/completions", "", "Authorization", "Bearer "+oaKey)
	if ct := up.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("upstream Content-Type %q", ct)
	}
	client := cc.last(t)
	if want := oaSwapModel(t, client, "gpt", "gpt-4o-mini"); !bytes.Equal(up.Body, want) {
		t.Fatalf("upstream body\n got %s\nwant %s", up.Body, want)
	}
	if !bytes.Contains(client, []byte(`"top_k":5`)) {
		t.Fatalf("the extension was not sent: %s", client)
	}

	// The answer passes through unchanged.
	if got, want := res.RawJSON(), string(oaReplay(openaifake.Responder("/v1", oaKey), up)); got != want {
		t.Fatalf("response\n got %s\nwant %s", got, want)
	}
	ch := res.Choices[0]
	if res.ID != "chatcmpl-fake" || res.Model != "gpt-4o-mini" || res.Created != openaifake.Created ||
		ch.Message.Content != openaifake.FakeText || ch.FinishReason != "stop" || ch.Message.Role != "assistant" {
		t.Fatalf("completion %+v", res)
	}
	if u := res.Usage; u.PromptTokens != 7 || u.CompletionTokens != oaFakeWords || u.TotalTokens != 7+oaFakeWords {
		t.Fatalf("usage %+v", u)
	}
	if res.SystemFingerprint != "fp_fake" || res.ServiceTier != "default" {
		t.Fatalf("fields lost: %s", res.RawJSON())
	}
}

func TestOpenAIStreamEqualsNonStream(t *testing.T) {
	f, a, _ := oaSetup(t)
	var cc oaCapture
	c := f.client(cc.option())
	ctx := context.Background()
	params := openai.ChatCompletionNewParams{
		Model:    "gpt",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hello there")},
	}
	whole, err := c.Chat.Completions.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	acc, chunks := oaAccumulate(t, c.Chat.Completions.NewStreaming(ctx, params))
	up := a.Last(t)
	oaCheckUpstream(t, up, "POST", "/v1/chat/completions", "", "Authorization", "Bearer "+oaKey)
	// The client asked for usage itself: its body goes up with only the model replaced.
	if want := oaSwapModel(t, cc.last(t), "gpt", "gpt-4o-mini"); !bytes.Equal(up.Body, want) {
		t.Fatalf("upstream body\n got %s\nwant %s", up.Body, want)
	}
	oaSameCompletion(t, acc.ChatCompletion, whole)
	if acc.Usage.CompletionTokens != oaFakeWords || acc.Choices[0].Message.Content != openaifake.FakeText {
		t.Fatalf("streamed %+v", acc.ChatCompletion)
	}
	last := chunks[len(chunks)-1]
	if len(last.Choices) != 0 || last.Usage.TotalTokens != whole.Usage.TotalTokens {
		t.Fatalf("the SDK did not get the usage chunk: %s", last.RawJSON())
	}
	// Content arrived in several chunks, not in one piece.
	if n := len(chunks); n < 5 {
		t.Fatalf("only %d chunks", n)
	}
}

func TestOpenAIStreamWithoutUsage(t *testing.T) {
	f, a, logLines := oaSetupLogged(t)
	const msgs = `[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello"}]`
	// Usage not asked for, and explicitly refused (merged into the client's object).
	for i, opts := range []string{``, `,"stream_options":{"include_usage":false}`} {
		body := `{"model":"gpt","messages":` + msgs + `,"stream":true` + opts + `}`
		status, h, out := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", body)
		if status != 200 || h.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("status %d %q: %s", status, h.Get("Content-Type"), out)
		}
		up := a.Last(t)
		oaCheckUpstream(t, up, "POST", "/v1/chat/completions", "", "Authorization", "Bearer "+oaKey)
		// Franca asks for usage so that it can account the tokens ...
		wantUp := `{"model":"gpt-4o-mini","messages":` + msgs + `,"stream":true,"stream_options":{"include_usage":true}}`
		oaJSONEqual(t, "upstream body", up.Body, []byte(wantUp))
		// ... and the client gets exactly the stream OpenAI sends when usage is not asked for.
		plain := up
		plain.Body = []byte(`{"model":"gpt-4o-mini","messages":` + msgs + `,"stream":true}`)
		if want := string(oaReplay(openaifake.Responder("/v1", oaKey), plain)); out != want {
			t.Fatalf("client stream\n got %q\nwant %q", out, want)
		}
		events := oaEvents(t, out)
		if events[len(events)-1] != "[DONE]" {
			t.Fatalf("no [DONE]: %q", out)
		}
		for _, ev := range events[:len(events)-1] {
			var m map[string]json.RawMessage
			if err := json.Unmarshal([]byte(ev), &m); err != nil {
				t.Fatalf("event %q: %v", ev, err)
			}
			if _, ok := m["usage"]; ok {
				t.Fatalf("the client did not ask for usage but got it: %s", ev)
			}
			if string(m["choices"]) == "[]" {
				t.Fatalf("usage-only chunk reached the client: %s", ev)
			}
		}
		// The tokens are accounted all the same.
		line := logLines(i + 1)[i]
		oaLogFields(t, line, map[string]any{
			"endpoint": "chat", "virtual_key": "tests", "model": "gpt", "stream": true, "status": float64(200),
			"provider": "openai", "upstream_model": "gpt-4o-mini", "upstream_key": "main",
			"prompt_tokens": float64(4), "completion_tokens": float64(oaFakeWords),
		})
	}
}

// oaWeatherTool is a function tool whose required parameters make the fake's arguments
// {"location":"fake","unit":"celsius"}.
var oaWeatherTool = openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
	Name:        "get_weather",
	Description: openai.String("Current weather in a city"),
	Parameters: shared.FunctionParameters{
		"type": "object",
		"properties": map[string]any{
			"location": map[string]any{"type": "string"},
			"unit":     map[string]any{"type": "string", "enum": []string{"celsius", "fahrenheit"}},
			"days":     map[string]any{"type": "integer"},
		},
		"required": []string{"location", "unit"},
	},
})

func TestOpenAIToolCalls(t *testing.T) {
	f, a, _ := oaSetup(t)
	var cc oaCapture
	c := f.client(cc.option())
	ctx := context.Background()
	params := openai.ChatCompletionNewParams{
		Model:    "gpt",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather in Paris?")},
		Tools:    []openai.ChatCompletionToolUnionParam{oaWeatherTool},
		ToolChoice: openai.ChatCompletionToolChoiceOptionUnionParam{
			OfFunctionToolChoice: &openai.ChatCompletionNamedToolChoiceParam{Function: openai.ChatCompletionNamedToolChoiceFunctionParam{Name: "get_weather"}},
		},
		ParallelToolCalls: openai.Bool(false),
	}
	whole, err := c.Chat.Completions.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	up := a.Last(t)
	if want := oaSwapModel(t, cc.last(t), "gpt", "gpt-4o-mini"); !bytes.Equal(up.Body, want) {
		t.Fatalf("upstream body\n got %s\nwant %s", up.Body, want)
	}
	ch := whole.Choices[0]
	if ch.FinishReason != "tool_calls" || ch.Message.Content != "" || len(ch.Message.ToolCalls) != 1 {
		t.Fatalf("choice %s", ch.RawJSON())
	}
	tc := ch.Message.ToolCalls[0]
	if tc.ID != openaifake.FakeToolCallID || tc.Type != "function" || tc.Function.Name != "get_weather" ||
		tc.Function.Arguments != `{"location":"fake","unit":"celsius"}` {
		t.Fatalf("tool call %s", tc.RawJSON())
	}

	// Streamed, the arguments arrive in pieces; accumulated they are the same call.
	acc, chunks := oaAccumulate(t, c.Chat.Completions.NewStreaming(ctx, params))
	up = a.Last(t)
	wantUp := oaWithMembers(t, oaSwapModel(t, cc.last(t), "gpt", "gpt-4o-mini"), map[string]string{"stream_options": `{"include_usage":true}`})
	oaJSONEqual(t, "stream upstream body", up.Body, wantUp)
	pieces := 0
	for _, c := range chunks {
		if len(c.Choices) == 1 && len(c.Choices[0].Delta.ToolCalls) == 1 && c.Choices[0].Delta.ToolCalls[0].Function.Arguments != "" {
			pieces++
		}
	}
	if pieces < 3 {
		t.Fatalf("arguments came in %d pieces; the test wants them split", pieces)
	}
	// The client did not ask for usage, so the streamed usage is zero.
	if acc.Usage.TotalTokens != 0 {
		t.Fatalf("usage reached the client: %+v", acc.Usage)
	}
	acc.Usage = whole.Usage
	oaSameCompletion(t, acc.ChatCompletion, whole)

	// OpenAI's own recorded stream of two parallel calls, cut every 7 bytes.
	a.Enqueue(openaifake.StreamReply(openaifake.StreamToolCalls, 7))
	params.ParallelToolCalls = openai.Bool(true)
	params.ToolChoice = openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("auto")}
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	acc, _ = oaAccumulate(t, c.Chat.Completions.NewStreaming(ctx, params))
	got := acc.Choices[0]
	if len(got.Message.ToolCalls) != 2 || got.FinishReason != "tool_calls" {
		t.Fatalf("accumulated %s", acc.RawJSON())
	}
	want := [][3]string{
		{"call_DdmO9pD3xa9XTPNJ32zg2hcA", "get_weather", `{"location": "Paris"}`},
		{"call_5sZQmrgHLb1HQ5iAyhpBKrKl", "get_time", `{"tz": "Europe/Paris"}`},
	}
	for i, w := range want {
		tc := got.Message.ToolCalls[i]
		if tc.ID != w[0] || tc.Function.Name != w[1] || tc.Function.Arguments != w[2] {
			t.Errorf("tool call %d: %s %s %s, want %v", i, tc.ID, tc.Function.Name, tc.Function.Arguments, w)
		}
	}
	if u := acc.Usage; u.PromptTokens != 81 || u.CompletionTokens != 46 || u.TotalTokens != 127 {
		t.Fatalf("usage %+v", u)
	}
}

func TestOpenAIImagesIn(t *testing.T) {
	f, a, _ := oaSetup(t)
	var cc oaCapture
	c := f.client(cc.option())
	const dataURL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
	const httpURL = "https://example.com/images/cat.jpg?size=large&v=2"
	res, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "gpt",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage([]openai.ChatCompletionContentPartUnionParam{
			openai.TextContentPart("What is in these two images?"),
			openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{URL: dataURL}),
			openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{URL: httpURL, Detail: "high"}),
		})},
	})
	if err != nil {
		t.Fatal(err)
	}
	up := a.Last(t)
	client := cc.last(t)
	if want := oaSwapModel(t, client, "gpt", "gpt-4o-mini"); !bytes.Equal(up.Body, want) {
		t.Fatalf("upstream body\n got %s\nwant %s", up.Body, want)
	}
	var sent struct {
		Messages []struct {
			Content []struct {
				Type     string `json:"type"`
				ImageURL struct {
					URL    string `json:"url"`
					Detail string `json:"detail"`
				} `json:"image_url"`
			} `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(up.Body, &sent); err != nil || len(sent.Messages) != 1 || len(sent.Messages[0].Content) != 3 {
		t.Fatalf("upstream messages: %v %s", err, up.Body)
	}
	parts := sent.Messages[0].Content
	if parts[1].Type != "image_url" || parts[1].ImageURL.URL != dataURL || parts[2].ImageURL.URL != httpURL || parts[2].ImageURL.Detail != "high" {
		t.Fatalf("images changed on the way: %s", up.Body)
	}
	if res.Choices[0].Message.Content != openaifake.FakeText {
		t.Fatalf("answer %s", res.RawJSON())
	}
}

func TestOpenAIJSONMode(t *testing.T) {
	f, a, _ := oaSetup(t)
	var cc oaCapture
	c := f.client(cc.option())
	ctx := context.Background()
	msgs := []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Describe Paris as JSON")}

	res, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model: "gpt", Messages: msgs,
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONObject: &shared.ResponseFormatJSONObjectParam{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := oaSwapModel(t, cc.last(t), "gpt", "gpt-4o-mini"); !bytes.Equal(a.Last(t).Body, want) {
		t.Fatalf("upstream body\n got %s\nwant %s", a.Last(t).Body, want)
	}
	if !bytes.Contains(cc.last(t), []byte(`"response_format":{"type":"json_object"}`)) {
		t.Fatalf("client body: %s", cc.last(t))
	}
	if got := res.Choices[0].Message.Content; got != `{"answer":"fake"}` {
		t.Fatalf("json_object answer %q", got)
	}

	res, err = c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model: "gpt", Messages: msgs,
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{
				Name:   "city",
				Strict: openai.Bool(true),
				Schema: map[string]any{
					"type": "object",
					"properties": map[string]any{
						"name":       map[string]any{"type": "string"},
						"population": map[string]any{"type": "integer"},
						"capital":    map[string]any{"type": "boolean"},
					},
					"required":             []string{"name", "population", "capital"},
					"additionalProperties": false,
				},
			},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := oaSwapModel(t, cc.last(t), "gpt", "gpt-4o-mini"); !bytes.Equal(a.Last(t).Body, want) {
		t.Fatalf("upstream body\n got %s\nwant %s", a.Last(t).Body, want)
	}
	if got := res.Choices[0].Message.Content; got != `{"name":"fake","population":1,"capital":true}` {
		t.Fatalf("json_schema answer %q", got)
	}
}

func TestOpenAIEmbeddings(t *testing.T) {
	f, a, _ := oaSetup(t)
	var cc oaCapture
	c := f.client(cc.option())
	res, err := c.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
		Model:          "embed",
		Input:          openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"alpha beta", "gamma"}},
		Dimensions:     openai.Int(3),
		EncodingFormat: openai.EmbeddingNewParamsEncodingFormatFloat,
	})
	if err != nil {
		t.Fatal(err)
	}
	up := a.Last(t)
	oaCheckUpstream(t, up, "POST", "/v1/embeddings", "", "Authorization", "Bearer "+oaKey)
	if want := oaSwapModel(t, cc.last(t), "embed", "text-embedding-3-small"); !bytes.Equal(up.Body, want) {
		t.Fatalf("upstream body\n got %s\nwant %s", up.Body, want)
	}
	if got, want := res.RawJSON(), string(oaReplay(openaifake.Responder("/v1", oaKey), up)); got != want {
		t.Fatalf("response\n got %s\nwant %s", got, want)
	}
	if res.Model != "text-embedding-3-small" || len(res.Data) != 2 || res.Usage.PromptTokens != 3 || res.Usage.TotalTokens != 3 {
		t.Fatalf("embeddings %s", res.RawJSON())
	}
	for i, in := range []string{"alpha beta", "gamma"} {
		want := openaifake.FakeVector(in, 3)
		got := res.Data[i].Embedding
		if res.Data[i].Index != int64(i) || len(got) != len(want) {
			t.Fatalf("data[%d] %s", i, res.Data[i].RawJSON())
		}
		for j := range want {
			if float32(got[j]) != want[j] {
				t.Fatalf("data[%d][%d] = %v, want %v", i, j, got[j], want[j])
			}
		}
	}
}

// TestOpenAIUpstreamErrors checks how each upstream error reaches the client. Every
// request runs on a fresh gateway (a fresh key pool), since a 429 or a rejected key rests
// the key for the requests that follow. calls is how many upstream requests the error
// takes: a 429 or a rejected key rests the model's only key, so nothing is retried; a 500
// is retried on that key (after a backoff) until max_attempts (3).
func TestOpenAIUpstreamErrors(t *testing.T) {
	a, _, cfg := oaFakes(t)
	cfg += pvQuickRetries
	msRetry := openaifake.JSONReply(429, openaifake.ErrRateLimit)
	msRetry.Header.Set("retry-after-ms", "2500")
	const chat = `{"model":"gpt","messages":[{"role":"user","content":"hi"}]}`
	const rateLimitBody = `{"error":{"message":"Rate limit reached for gpt-4o-mini in organization org-K7nQ2xv8 on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/rate-limits to learn more.","type":"requests","param":null,"code":"rate_limit_exceeded"}}`
	cases := []struct {
		name       string
		reply      *fake.Reply
		calls      int
		body       string
		status     int
		retryAfter string
		want       string
	}{
		{"429 with retry-after", oaPtr(openaifake.RateLimited()), 1, chat, 429, "1", rateLimitBody},
		{"429 with retry-after-ms", &msRetry, 1, chat, 429, "3", rateLimitBody},
		{"429 on a stream", oaPtr(openaifake.RateLimited()), 1, strings.Replace(chat, "}]}", `}],"stream":true}`, 1), 429, "1", rateLimitBody},
		{"500", oaPtr(openaifake.JSONReply(500, openaifake.ErrServer)), 3, chat, 500, "",
			`{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}`},
		{"400 is the client's", oaPtr(openaifake.JSONReply(400, `{"error":{"message":"Invalid value for 'temperature': must be at most 2.","type":"invalid_request_error","param":"temperature","code":"invalid_value"}}`)), 1, chat, 400, "",
			`{"error":{"message":"Invalid value for 'temperature': must be at most 2.","type":"invalid_request_error","param":"temperature","code":"invalid_value"}}`},
		{"upstream rejects Franca's key", nil, 1, strings.Replace(chat, `"gpt"`, `"gpt-badkey"`, 1), 502, "",
			`{"error":{"message":"provider \"badkey\" rejected Franca's credential \"stale\": Incorrect API key provided: [redacted]. You can find your API key at https://platform.openai.com/account/api-keys.","type":"server_error","param":null,"code":"upstream_authentication_failed"}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := start(t, cfg)
			a.Reset()
			for i := 0; c.reply != nil && i < c.calls; i++ {
				a.Enqueue(*c.reply)
			}
			status, h, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", c.body)
			if status != c.status || body != c.want {
				t.Fatalf("got %d %s\nwant %d %s", status, body, c.status, c.want)
			}
			if got := h.Get("Retry-After"); got != c.retryAfter {
				t.Fatalf("Retry-After %q, want %q", got, c.retryAfter)
			}
			if h.Get("Content-Type") != "application/json" {
				t.Fatalf("Content-Type %q", h.Get("Content-Type"))
			}
			if n := len(a.Requests()); n != c.calls {
				t.Fatalf("%d upstream calls, want %d", n, c.calls)
			}
			for _, secret := range []string{oaKey, oaWrongKey, oaWrongKey[len(oaWrongKey)-4:], "***"} {
				if strings.Contains(body, secret) {
					t.Fatalf("the error shows %q: %s", secret, body)
				}
			}
		})
	}

	// The SDK raises the same errors, with the header. (The two models have different
	// keys: the rate limit of one does not touch the other.)
	f := start(t, cfg)
	a.Reset()
	a.Enqueue(openaifake.RateLimited())
	c := f.client()
	_, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "gpt", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
	})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Type != "requests" || apiErr.Code != "rate_limit_exceeded" ||
		apiErr.Response.Header.Get("Retry-After") != "1" {
		t.Fatalf("SDK error %v", err)
	}
	_, err = c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "gpt-badkey", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
	})
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 502 || apiErr.Code != "upstream_authentication_failed" || apiErr.Type != "server_error" {
		t.Fatalf("SDK error %v", err)
	}
}

func oaPtr[T any](v T) *T { return &v }

// TestOpenAIFailover checks failover between targets. Each scenario runs on a fresh
// gateway (a fresh key pool) so that it starts with every key usable; the follow-up
// requests within a scenario show the state its failures left.
func TestOpenAIFailover(t *testing.T) {
	a, b, cfg := oaFakes(t)
	cfg += pvQuickRetries
	fresh := func() (*franca, openai.Client) {
		a.Reset()
		b.Reset()
		f := start(t, cfg)
		return f, f.client()
	}
	ctx := context.Background()
	msgs := []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}
	const ha = `{"model":"gpt-ha","messages":[{"role":"user","content":"hi"}]}`

	// A rate-limited first target: the second answers.
	f, c := fresh()
	a.Enqueue(openaifake.RateLimited())
	res, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-ha", Messages: msgs})
	if err != nil {
		t.Fatal(err)
	}
	if res.Model != "gpt-4o-mini-backup" || res.Choices[0].Message.Content != openaifake.FakeText {
		t.Fatalf("answer %s", res.RawJSON())
	}
	ra, rb := a.Requests(), b.Requests()
	if len(ra) != 1 || len(rb) != 1 {
		t.Fatalf("calls: first %d, second %d", len(ra), len(rb))
	}
	oaJSONEqual(t, "first target body", ra[0].Body, []byte(`{"messages":[{"content":"hi","role":"user"}],"model":"gpt-4o"}`))
	oaJSONEqual(t, "second target body", rb[0].Body, []byte(`{"messages":[{"content":"hi","role":"user"}],"model":"gpt-4o-mini-backup"}`))
	oaCheckUpstream(t, ra[0], "POST", "/v1/chat/completions", "", "Authorization", "Bearer "+oaKey)
	oaCheckUpstream(t, rb[0], "POST", "/v1/chat/completions", "", "Authorization", "Bearer "+oaKeyB)
	// The first target's key rests for the second it asked for: the next request goes
	// straight to the second target.
	if status, _, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", ha); status != 200 || len(a.Requests()) != 1 || len(b.Requests()) != 2 {
		t.Fatalf("during the cooldown: %d %s, calls %d %d", status, body, len(a.Requests()), len(b.Requests()))
	}

	// A 500 before a stream started: the second target streams.
	_, c = fresh()
	a.Enqueue(openaifake.JSONReply(500, openaifake.ErrServer))
	acc, _ := oaAccumulate(t, c.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "gpt-ha", Messages: msgs}))
	if acc.Model != "gpt-4o-mini-backup" || acc.Choices[0].Message.Content != openaifake.FakeText || len(a.Requests()) != 1 || len(b.Requests()) != 1 {
		t.Fatalf("stream failover: %q %q, calls %d %d", acc.Model, acc.Choices[0].Message.Content, len(a.Requests()), len(b.Requests()))
	}

	// A client error is not retried elsewhere.
	_, c = fresh()
	a.Enqueue(openaifake.JSONReply(400, `{"error":{"message":"bad","type":"invalid_request_error","param":null,"code":null}}`))
	_, err = c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-ha", Messages: msgs})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || len(a.Requests()) != 1 || len(b.Requests()) != 0 {
		t.Fatalf("400: %v, calls %d %d", err, len(a.Requests()), len(b.Requests()))
	}

	// Every target rate-limited: the client gets the last one's 429, with the Retry-After
	// of the key that comes back first (the first target's, after 1s; Azure asked 5.4s).
	f, _ = fresh()
	a.Enqueue(openaifake.RateLimited())
	b.Enqueue(openaifake.AzureRateLimited())
	status, h, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", ha)
	if status != 429 || h.Get("Retry-After") != "1" || !strings.Contains(body, "ChatCompletions_Create") || len(a.Requests()) != 1 || len(b.Requests()) != 1 {
		t.Fatalf("all rate-limited: %d %q %s, calls %d %d", status, h.Get("Retry-After"), body, len(a.Requests()), len(b.Requests()))
	}
	// Both keys rest now: Franca answers at once, without an upstream call.
	status, h, body = f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", ha)
	if status != 429 || h.Get("Retry-After") != "1" || len(a.Requests()) != 1 || len(b.Requests()) != 1 ||
		body != `{"error":{"message":"every upstream key for model \"gpt-ha\" is rate-limited; try again in 1s","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}` {
		t.Fatalf("all resting: %d %q %s, calls %d %d", status, h.Get("Retry-After"), body, len(a.Requests()), len(b.Requests()))
	}

	// Connection refused on the first target.
	_, c = fresh()
	res, err = c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-dead-first", Messages: msgs})
	if err != nil {
		t.Fatal(err)
	}
	if res.Model != "gpt-4o-mini-backup" || len(b.Requests()) != 1 {
		t.Fatalf("after a refused connection: %s, %d calls", res.RawJSON(), len(b.Requests()))
	}

	// Nothing else to try: the only key is tried max_attempts times, then 502
	// upstream_unreachable, without the upstream URL.
	f, _ = fresh()
	status, _, body = f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", `{"model":"gpt-dead","messages":[{"role":"user","content":"hi"}]}`)
	var e struct {
		Error struct{ Message, Type, Code string }
	}
	if status != 502 || json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != "upstream_unreachable" || e.Error.Type != "server_error" ||
		!strings.HasPrefix(e.Error.Message, `provider "dead" could not be reached: `) || strings.Contains(body, "http://") {
		t.Fatalf("unreachable: %d %s", status, body)
	}
}

func TestOpenAISecretsStayHidden(t *testing.T) {
	f, a, logLines := oaSetupLogged(t)
	c := f.client()
	ctx := context.Background()
	msgs := []openai.ChatCompletionMessageParamUnion{openai.UserMessage("one two three")}
	if _, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt", Messages: msgs}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-badkey", Messages: msgs}); err == nil {
		t.Fatal("bad upstream key: no error")
	}
	if _, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-dead", Messages: msgs}); err == nil {
		t.Fatal("dead upstream: no error")
	}
	a.Enqueue(openaifake.StreamReply(openaifake.StreamMidError, 11))
	acc := c.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "gpt", Messages: msgs})
	for acc.Next() {
	}
	if acc.Err() == nil {
		t.Fatal("broken stream: no error")
	}
	lines := logLines(4) // also checks that no secret is anywhere in the log
	oaLogFields(t, lines[0], map[string]any{"status": float64(200), "upstream_key": "main", "prompt_tokens": float64(3), "completion_tokens": float64(oaFakeWords)})
	oaLogFields(t, lines[1], map[string]any{"status": float64(502), "provider": "badkey", "upstream_key": "stale"})
	oaLogFields(t, lines[2], map[string]any{"status": float64(502), "provider": "dead", "upstream_key": "dead-key"})
	oaLogFields(t, lines[3], map[string]any{"status": float64(200), "stream": true, "upstream_key": "main"})

	resp, err := http.Get(f.Admin + "/franca/config")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	admin, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Contains(admin, []byte(`"stale"`)) {
		t.Fatalf("admin: %d %s", resp.StatusCode, admin)
	}
	for _, secret := range []string{oaKey, oaKeyB, oaWrongKey, "sk-upstream", strings.TrimPrefix(testHash(), "sha256:")[:16]} {
		if bytes.Contains(admin, []byte(secret)) {
			t.Fatalf("admin output contains %q: %s", secret, admin)
		}
	}
}
