package caddymodule_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/shared"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/internal/fake/geminifake"
	"github.com/franca-gw/franca/internal/fake/openaifake"
	"github.com/franca-gw/franca/translate/sse"
)

// pvStreamCase is a recorded provider stream served through Franca.
type pvStreamCase struct {
	name   string
	family string // "anthropic" or "gemini"
	stream string
	params openai.ChatCompletionNewParams
	// want is what the SDK accumulates from the stream in one piece.
	want pvResult
	// wantErr is the data of the error event that ends the stream, or "".
	wantErr string
}

func pvRecordedStreams() []pvStreamCase {
	ask := func(model string) openai.ChatCompletionNewParams {
		return openai.ChatCompletionNewParams{
			Model:         model,
			Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hi")},
			StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
		}
	}
	jsonParams := ask("claude")
	jsonParams.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
		JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "weather_report", Schema: map[string]any{"type": "object"}},
	}}
	claude := func(id string, c pvChoice, u pvUsage) pvResult {
		c.Role = "assistant"
		return pvResult{ID: "chatcmpl-" + id, Object: "chat.completion", Model: pvClaudeModel, Choices: []pvChoice{c}, Usage: u}
	}
	gemini := func(id, model string, c pvChoice, u pvUsage) pvResult {
		c.Role = "assistant"
		return pvResult{ID: "chatcmpl-" + id, Object: "chat.completion", Model: model, Choices: []pvChoice{c}, Usage: u}
	}
	return []pvStreamCase{
		{name: "anthropic text", family: "anthropic", stream: anthropicfake.TextStream, params: ask("claude"),
			want: claude("msg_01XFDUDYJgAACzvnptvVoYEL", pvChoice{Content: "Hello! \"Café\" ünïcode ✓ 😀\nBye", FinishReason: "stop"},
				pvUsage{Prompt: 25, Completion: 15, Total: 40})},
		{name: "anthropic tool use", family: "anthropic", stream: anthropicfake.ToolUseStream, params: ask("claude"),
			want: claude("msg_014p7gG3wDgGV9EUtLvnow3U", pvChoice{Content: "Checking both.", FinishReason: "tool_calls", ToolCalls: []pvToolCall{
				{ID: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", Type: "function", Name: "get_weather", Args: `{"location":"Paris, France"}`},
				{ID: "toolu_01B8Vq2rBD3hAfJ2mV6f5hqX", Type: "function", Name: "get_time", Args: `{"timezone":"Europe/Paris"}`},
			}}, pvUsage{Prompt: 472, Completion: 89, Total: 561})},
		{name: "anthropic thinking", family: "anthropic", stream: anthropicfake.ThinkingStream, params: ask("claude"),
			want: claude("msg_01Thk9eM5qzVf4sVw3bCz6Xy", pvChoice{Content: "27 * 453 = 12,231",
				Reasoning: "Let me solve this step by step:\n\n1. First break down 27 * 453\n2. 453 = 400 + 50 + 3", FinishReason: "stop"},
				pvUsage{Prompt: 2042, Completion: 160, Total: 2202, Cached: 2000})},
		{name: "anthropic json", family: "anthropic", stream: anthropicfake.JSONStream, params: jsonParams,
			want: claude("msg_01Jsn8Kd3nR5tY7uI9oP2aS4", pvChoice{Content: `{"city": "Paris", "temperature": 21.5}`, FinishReason: "stop"},
				pvUsage{Prompt: 380, Completion: 41, Total: 421})},
		{name: "anthropic error", family: "anthropic", stream: anthropicfake.ErrorStream, params: ask("claude"),
			want:    claude("msg_01Err3Hq8vZ2xYb6Wc4nTt7R", pvChoice{Content: "Once upon"}, pvUsage{}),
			wantErr: `{"error":{"message":"Overloaded","type":"server_error","param":null,"code":"overloaded"}}`},
		{name: "gemini text", family: "gemini", stream: geminifake.StreamText, params: ask("gemini-flash"),
			want: gemini("mJ7aaPq5Ad6kz7IPq8fE8Q0", "gemini-2.5-flash", pvChoice{Content: "Hello, \"world\"!\nÇa va? <b> Bye.", FinishReason: "stop"},
				pvUsage{Prompt: 9, Completion: 12, Total: 21})},
		{name: "gemini thinking", family: "gemini", stream: geminifake.StreamThinking, params: ask("gemini-flash"),
			want: gemini("thinkResp01", "gemini-2.5-pro", pvChoice{Content: "42",
				Reasoning: "**Weighing the question**\n\nThe user asks for a number.", FinishReason: "stop"},
				pvUsage{Prompt: 12, Completion: 49, Total: 61, Cached: 8, Reasoning: 48})},
		{name: "gemini function call", family: "gemini", stream: geminifake.StreamFunctionCall, params: ask("gemini-flash"),
			want: gemini("fcResp02", "gemini-2.5-flash", pvChoice{FinishReason: "tool_calls", ToolCalls: []pvToolCall{
				{ID: "call_0_0~ts~CqUBAcu98PBsig==", Type: "function", Name: "get_weather", Args: `{"city":"Paris","unit":"celsius"}`},
				{ID: "fc-2", Type: "function", Name: "get_time", Args: `{"tz":"Europe/Paris"}`},
			}}, pvUsage{Prompt: 40, Completion: 18, Total: 58})},
		{name: "gemini safety", family: "gemini", stream: geminifake.StreamSafety, params: ask("gemini-flash"),
			want: gemini("safeResp03", "gemini-2.5-flash", pvChoice{Content: "Here is how", FinishReason: "content_filter"},
				pvUsage{Prompt: 7, Completion: 3, Total: 10})},
		{name: "gemini prompt blocked", family: "gemini", stream: geminifake.StreamPromptBlocked, params: ask("gemini-flash"),
			want: gemini("blockResp04", "gemini-2.5-flash", pvChoice{FinishReason: "content_filter"},
				pvUsage{Prompt: 6, Total: 6})},
		{name: "gemini error", family: "gemini", stream: geminifake.StreamError, params: ask("gemini-flash"),
			want:    gemini("errResp05", "gemini-2.5-flash", pvChoice{Content: "Partial"}, pvUsage{}),
			wantErr: `{"error":{"message":"The model is overloaded. Please try again later.","type":"server_error","param":null,"code":null}}`},
	}
}

// TestRecordedStreamsAnySplit serves each recorded provider stream in one piece, in
// 1-byte and in 7-byte chunks (each flushed on its own), and checks that the SDK gets
// the same chunks, the same accumulated answer and the same ending every time.
func TestRecordedStreamsAnySplit(t *testing.T) {
	e := pvStart(t)
	for _, c := range pvRecordedStreams() {
		t.Run(c.name, func(t *testing.T) {
			srv, header := e.ant, anthropicfake.StreamHeaders()
			if c.family == "gemini" {
				srv, header = e.gem, http.Header{"Content-Type": {"text/event-stream"}}
			}
			run := func(chunks [][]byte) pvStreamed {
				t.Helper()
				srv.Reset()
				srv.Enqueue(fake.Reply{Header: header, Chunks: chunks})
				return pvStream(t, e.c, c.params)
			}
			whole := run([][]byte{[]byte(c.stream)})
			if !reflect.DeepEqual(whole.pvResult, c.want) {
				t.Fatalf("in one piece\n got %+v\nwant %+v", whole.pvResult, c.want)
			}
			pvStreamEnd(t, whole.Err, c.wantErr)
			for _, n := range []int{1, 7} {
				got := run(fake.SSE(c.stream, n))
				if !reflect.DeepEqual(got.pvResult, whole.pvResult) {
					t.Fatalf("in %d-byte chunks\n got %+v\nwant %+v", n, got.pvResult, whole.pvResult)
				}
				if !reflect.DeepEqual(got.Chunks, whole.Chunks) {
					t.Fatalf("in %d-byte chunks the SDK got other chunks\n got %q\nwant %q", n, got.Chunks, whole.Chunks)
				}
				pvStreamEnd(t, got.Err, c.wantErr)
			}
		})
	}
}

// pvStreamEnd checks how the SDK stream ended: without error, or with Franca's
// error event wantErr.
func pvStreamEnd(t *testing.T, err error, wantErr string) {
	t.Helper()
	if wantErr == "" {
		if err != nil {
			t.Fatalf("stream error %v", err)
		}
		return
	}
	var se *ssestream.StreamError
	if !errors.As(err, &se) {
		t.Fatalf("stream error %T %v, want the SDK's stream error", err, err)
	}
	pvSameJSON(t, "error event", se.Event.Data, wantErr)
}

// pvGatedUpstream plays a provider that sends the first part of a stream, then waits until
// release is closed before it sends the rest.
type pvGatedUpstream struct {
	header      http.Header
	first, rest string
	release     chan struct{}
}

func (g *pvGatedUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	for k, v := range g.header {
		w.Header()[k] = v
	}
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	io.WriteString(w, g.first)
	rc.Flush()
	select {
	case <-g.release:
	case <-r.Context().Done():
		return
	}
	io.WriteString(w, g.rest)
	rc.Flush()
}

// TestStreamFlushesPerEvent proves that Franca passes each event on as soon as it has
// it: the provider holds back the rest of its stream until the client has received the
// first content through Caddy. The first part ends inside the next event, which Franca
// must keep until it is complete.
func TestStreamFlushesPerEvent(t *testing.T) {
	antStream := anthropicfake.TextStream
	antCut := strings.Index(antStream, "event: content_block_delta\ndata: {\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\"type\": \"text_delta\", \"text\": \"!") + 40
	gemStream := geminifake.StreamText
	gemCut := strings.Index(gemStream, "\r\n\r\n") + 4 + 25
	cases := []struct {
		name, model string
		upstream    *pvGatedUpstream
		firstText   string
		wantText    string
	}{
		{"anthropic", "claude", &pvGatedUpstream{header: anthropicfake.StreamHeaders(), first: antStream[:antCut], rest: antStream[antCut:]},
			"Hello", "Hello! \"Café\" ünïcode ✓ 😀\nBye"},
		{"gemini", "gemini-flash", &pvGatedUpstream{header: http.Header{"Content-Type": {"text/event-stream"}}, first: gemStream[:gemCut], rest: gemStream[gemCut:]},
			"Hello", "Hello, \"world\"!\nÇa va? <b> Bye."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.upstream.release = make(chan struct{})
			released := false
			release := func() {
				if !released {
					released = true
					close(c.upstream.release)
				}
			}
			up := httptest.NewServer(c.upstream)
			t.Cleanup(up.Close)
			t.Cleanup(release) // runs before up.Close
			f := pvStartURLs(t, up.URL, up.URL)
			client := f.client()

			type first struct {
				stream *ssestream.Stream[openai.ChatCompletionChunk]
				acc    *openai.ChatCompletionAccumulator
				text   string
			}
			got := make(chan first, 1)
			go func() {
				s := client.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
					Model:    c.model,
					Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hi")},
				})
				acc := new(openai.ChatCompletionAccumulator)
				for s.Next() {
					acc.AddChunk(s.Current())
					if len(acc.Choices) > 0 && acc.Choices[0].Message.Content != "" {
						got <- first{s, acc, acc.Choices[0].Message.Content}
						return
					}
				}
				got <- first{s, acc, ""}
			}()
			var fst first
			select {
			case fst = <-got:
			case <-time.After(10 * time.Second):
				release()
				t.Fatal("the first event did not reach the client while the provider held back the rest: Franca does not flush per event")
			}
			if fst.text != c.firstText {
				release()
				t.Fatalf("before the rest was sent the client had %q (stream error %v), want %q", fst.text, fst.stream.Err(), c.firstText)
			}
			release()
			for fst.stream.Next() {
				fst.acc.AddChunk(fst.stream.Current())
			}
			if err := fst.stream.Err(); err != nil {
				t.Fatal(err)
			}
			if ch := fst.acc.Choices[0]; ch.Message.Content != c.wantText || ch.FinishReason != "stop" {
				t.Fatalf("whole answer %q %q, want %q stop", ch.Message.Content, ch.FinishReason, c.wantText)
			}
		})
	}
}

// TestStreamEventTooLarge: a provider event larger than the SSE reader's bound (1 MiB)
// ends the stream cleanly with an error event after what came before it, instead of
// being buffered without limit; the attempt counts as a broken stream against the key.
func TestStreamEventTooLarge(t *testing.T) {
	f, a, _ := oaSetup(t)
	first := `data: {"id":"chatcmpl-big","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}` + "\n\n"
	big := `data: {"id":"chatcmpl-big","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"` +
		strings.Repeat("x", sse.MaxEvent) + `"},"finish_reason":null}]}` + "\n\n" + "data: [DONE]\n\n"
	h := openaifake.RateLimitHeaders()
	h.Set("Content-Type", "text/event-stream")
	a.Enqueue(fake.Reply{Header: h, Chunks: fake.SSE(first+big, 16<<10)})
	status, _, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json",
		`{"model":"gpt","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	want := first + `data: {"error":{"message":"the stream from provider \"openai\" broke off: an event of the stream is larger than the limit of 1048576 bytes","type":"server_error","param":null,"code":"stream_interrupted"}}` + "\n\n"
	if status != 200 || body != want {
		if len(body) > 2000 {
			body = body[:2000] + "…"
		}
		t.Fatalf("got %d\n%s\nwant\n%s", status, body, want)
	}
	_, _, raw := f.do(t, "GET", "/v1/status", testKey, "", "")
	var st rtStatus
	rtDecode(t, "status", []byte(raw), &st)
	if k := st.key(t, "openai", "main"); k.Recent != 1 || k.ErrorRate != 1 || k.InFlight != 0 {
		t.Fatalf("the key after a broken stream: %+v", k)
	}
}
