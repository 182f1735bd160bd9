package openai

import (
	"reflect"
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake/openaifake"
	"github.com/franca-gw/franca/internal/ssetest"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

// withoutEvents removes the events of stream that contain any of subs.
func withoutEvents(stream string, subs ...string) string {
	var b strings.Builder
	for _, ev := range strings.SplitAfter(stream, "\n\n") {
		drop := false
		for _, s := range subs {
			drop = drop || strings.Contains(ev, s)
		}
		if !drop {
			b.WriteString(ev)
		}
	}
	return b.String()
}

// insertBeforeDone puts event before "data: [DONE]".
func insertBeforeDone(stream, event string) string {
	return strings.Replace(stream, "data: [DONE]\n\n", event+"data: [DONE]\n\n", 1)
}

func TestStreams(t *testing.T) {
	usage := func(p, c int) *schema.Usage {
		return &schema.Usage{PromptTokens: p, CompletionTokens: c, TotalTokens: p + c}
	}
	openAIUsage := &schema.Usage{PromptTokens: 19, CompletionTokens: 10, TotalTokens: 29,
		PromptTokensDetails:     &schema.PromptTokensDetails{},
		CompletionTokensDetails: &schema.CompletionTokensDetails{}}
	toolUsage := &schema.Usage{PromptTokens: 81, CompletionTokens: 46, TotalTokens: 127,
		PromptTokensDetails:     &schema.PromptTokensDetails{},
		CompletionTokensDetails: &schema.CompletionTokensDetails{}}
	dsUsage := &schema.Usage{PromptTokens: 14, CompletionTokens: 25, TotalTokens: 39,
		PromptTokensDetails:     &schema.PromptTokensDetails{},
		CompletionTokensDetails: &schema.CompletionTokensDetails{ReasoningTokens: 19}}
	const dsUsageJSON = `,"usage":{"prompt_tokens":14,"completion_tokens":25,"total_tokens":39,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":19},"prompt_cache_hit_tokens":0,"prompt_cache_miss_tokens":14}`
	tests := []struct {
		name      string
		family    string
		wantUsage bool // the client set stream_options.include_usage
		in, out   string
		usage     *schema.Usage
	}{
		{name: "text without usage", family: "openai", in: openaifake.StreamText, out: openaifake.StreamText},
		{name: "usage added by Franca is stripped exactly", family: "openai",
			in: openaifake.StreamTextUsage, out: openaifake.StreamText, usage: openAIUsage},
		{name: "usage the client asked for passes", family: "openai", wantUsage: true,
			in: openaifake.StreamTextUsage, out: openaifake.StreamTextUsage, usage: openAIUsage},
		{name: "tool-call deltas, usage stripped", family: "openai",
			in:    openaifake.StreamToolCalls,
			out:   withoutEvents(strings.ReplaceAll(openaifake.StreamToolCalls, `,"usage":null`, ""), `"choices":[]`),
			usage: toolUsage},
		{name: "tool-call deltas, usage kept", family: "openai", wantUsage: true,
			in: openaifake.StreamToolCalls, out: openaifake.StreamToolCalls, usage: toolUsage},
		{name: "deepseek reasoning_content passes, usage cut from the last chunk", family: "deepseek",
			in:    openaifake.StreamDeepSeekReasoning,
			out:   strings.Replace(openaifake.StreamDeepSeekReasoning, dsUsageJSON, "", 1),
			usage: dsUsage},
		{name: "deepseek with usage asked", family: "deepseek", wantUsage: true,
			in: openaifake.StreamDeepSeekReasoning, out: openaifake.StreamDeepSeekReasoning, usage: dsUsage},
		{name: "moonshot usage in the choice, not asked", family: "moonshot",
			in: openaifake.StreamMoonshot, out: openaifake.StreamMoonshot, usage: usage(19, 13)},
		{name: "moonshot usage in the choice becomes a usage chunk", family: "moonshot", wantUsage: true,
			in: openaifake.StreamMoonshot,
			out: insertBeforeDone(openaifake.StreamMoonshot,
				`data: {"id":"cmpl-1305b94c570f447fbde3180560736287","object":"chat.completion.chunk","created":1698999575,"model":"moonshot-v1-8k","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":13,"total_tokens":32}}`+"\n\n"),
			usage: usage(19, 13)},
		{name: "groq usage chunk dropped, x_groq kept", family: "groq",
			in: openaifake.StreamGroq, out: withoutEvents(openaifake.StreamGroq, `"choices":[]`), usage: usage(23, 1)},
		{name: "groq usage asked", family: "groq", wantUsage: true,
			in: openaifake.StreamGroq, out: openaifake.StreamGroq, usage: usage(23, 1)},
		{name: "mistral usage on the last chunk, not asked", family: "mistral",
			in:    openaifake.StreamMistral,
			out:   strings.Replace(openaifake.StreamMistral, `,"usage":{"prompt_tokens":10,"total_tokens":12,"completion_tokens":2}`, "", 1),
			usage: usage(10, 2)},
		{name: "mistral usage asked", family: "mistral", wantUsage: true,
			in: openaifake.StreamMistral, out: openaifake.StreamMistral, usage: usage(10, 2)},
		{name: "azure filter chunk kept, usage stripped", family: "azure",
			in:    openaifake.StreamAzure,
			out:   withoutEvents(strings.ReplaceAll(openaifake.StreamAzure, `,"usage":null`, ""), `"usage":{`),
			usage: usage(8, 3)},
		{name: "azure usage asked", family: "azure", wantUsage: true,
			in: openaifake.StreamAzure, out: openaifake.StreamAzure, usage: usage(8, 3)},
		{name: "mid-stream error passes as an error event", family: "openai",
			in: openaifake.StreamMidError, out: openaifake.StreamMidError},
		{name: "openrouter error chunk becomes an OpenAI error event", family: "openrouter",
			in: openaifake.StreamOpenRouterError,
			out: `data: {"id":"gen-1741569952-abc","object":"chat.completion.chunk","created":1741569952,"model":"openai/gpt-4o","provider":"OpenAI","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}` + "\n\n" +
				`data: {"error":{"message":"Provider disconnected unexpectedly","type":"server_error","param":null,"code":"502"}}` + "\n\n"},
		{name: "CRLF framing and multi-line data are re-framed", family: "openai",
			in:  "data: {\"id\":\"c\",\"choices\":\r\ndata: []}\r\n\r\n: keep-alive\r\n\r\ndata: [DONE]\r\n\r\n",
			out: "data: {\"id\":\"c\",\"choices\":\ndata: []}\n\ndata: [DONE]\n\n"},
		{name: "a usage chunk Franca writes from usage on two data lines is framed line by line", family: "moonshot", wantUsage: true,
			in: "data: {\"id\":\"c\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":1,\ndata: \"completion_tokens\":2,\"total_tokens\":3}}]}\n\ndata: [DONE]\n\n",
			out: "data: {\"id\":\"c\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":1,\ndata: \"completion_tokens\":2,\"total_tokens\":3}}]}\n\n" +
				"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\ndata: \"completion_tokens\":2,\"total_tokens\":3}}\n\ndata: [DONE]\n\n",
			usage: usage(1, 2)},
		{name: "events after [DONE] are ignored", family: "openai",
			in: openaifake.StreamText + "data: {\"late\":true}\n\n", out: openaifake.StreamText},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := translatorFor(t, tc.family)
			req := &schema.ChatRequest{Stream: true}
			if tc.wantUsage {
				req.StreamOptions = &schema.StreamOptions{IncludeUsage: true}
			}
			var last translate.Stream
			newStream := func() translate.Stream {
				last = tr.Stream(req, &translate.Target{})
				return last
			}
			ssetest.EverySplit(t, newStream, []byte(tc.in), []byte(tc.out))
			if got := last.Usage(); !reflect.DeepEqual(got, tc.usage) {
				t.Fatalf("usage = %+v, want %+v", got, tc.usage)
			}
		})
	}
}

func TestStreamEndsEarly(t *testing.T) {
	tr := mustNew(t, "")
	in := withoutEvents(openaifake.StreamText, "[DONE]")
	s := tr.Stream(&schema.ChatRequest{Stream: true}, &translate.Target{})
	out, err := s.Feed(nil, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err = s.End(out)
	if string(out) != in {
		t.Fatalf("out = %q", out)
	}
	e := asError(t, err)
	if e.Status != 502 || e.Type != translate.TypeServer {
		t.Fatalf("error = %+v", e)
	}
}

func TestStreamDoneWithoutBlankLine(t *testing.T) {
	s := mustNew(t, "").Stream(&schema.ChatRequest{Stream: true}, &translate.Target{})
	out, _ := s.Feed(nil, []byte("data: {\"id\":\"x\",\"choices\":[]}\n\ndata: [DONE]\n"))
	out, err := s.End(out)
	if err != nil || string(out) != "data: {\"id\":\"x\",\"choices\":[]}\n\ndata: [DONE]\n\n" {
		t.Fatalf("out %q err %v", out, err)
	}
}
