package anthropic

import (
	"reflect"
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/internal/ssetest"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// chunks writes the expected OpenAI events of one stream.
type chunks struct {
	id, model string
	b         strings.Builder
}

func (c *chunks) head() string {
	return `data: {"id":"chatcmpl-` + c.id + `","object":"chat.completion.chunk","created":1700000000,"model":"` + c.model + `",`
}

func (c *chunks) delta(d string) *chunks {
	c.b.WriteString(c.head() + `"choices":[{"index":0,"delta":` + d + `,"finish_reason":null}]}` + "\n\n")
	return c
}

func (c *chunks) finish(reason string) *chunks {
	c.b.WriteString(c.head() + `"choices":[{"index":0,"delta":{},"finish_reason":"` + reason + `"}]}` + "\n\n")
	return c
}

func (c *chunks) usage(prompt, cached, completion int) *chunks {
	c.b.WriteString(c.head() + `"choices":[],"usage":{"prompt_tokens":` + itoa(prompt) + `,"completion_tokens":` + itoa(completion) +
		`,"total_tokens":` + itoa(prompt+completion) + `,"prompt_tokens_details":{"cached_tokens":` + itoa(cached) +
		`},"completion_tokens_details":{"reasoning_tokens":0}}}` + "\n\n")
	return c
}

func (c *chunks) raw(s string) *chunks {
	c.b.WriteString(s)
	return c
}

func (c *chunks) done() string { return c.b.String() + "data: [DONE]\n\n" }

func itoa(n int) string { return string(jsonx.AppendInt(nil, n)) }

const (
	plainReq   = `{"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true}`
	usageReq   = `{"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true,"stream_options":{"include_usage":true}}`
	weatherReq = `{"model":"m","messages":[{"role":"user","content":"Weather?"}],"stream":true,
		"response_format":{"type":"json_schema","json_schema":{"name":"weather_report","schema":{"type":"object"}}}}`
)

func newStream(t testing.TB, req string) func() translate.Stream {
	r := parseRequest(t, req)
	return func() translate.Stream { return New().Stream(r, target()) }
}

const model = "claude-sonnet-4-5-20250929"

func textWant(usage bool) string {
	c := &chunks{id: "msg_01XFDUDYJgAACzvnptvVoYEL", model: model}
	c.delta(`{"role":"assistant","content":""}`).
		delta(`{"content":"Hello"}`).
		delta(`{"content":"! \"Café\" ünïcode ✓ 😀\nBye"}`).
		finish("stop")
	if usage {
		c.usage(25, 0, 15)
	}
	return c.done()
}

func toolWant(usage bool) string {
	c := &chunks{id: "msg_014p7gG3wDgGV9EUtLvnow3U", model: model}
	c.delta(`{"role":"assistant","content":""}`).
		delta(`{"content":"Checking both."}`).
		delta(`{"tool_calls":[{"index":0,"id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","type":"function","function":{"name":"get_weather","arguments":""}}]}`).
		delta(`{"tool_calls":[{"index":0,"function":{"arguments":"{\"location\":"}}]}`).
		delta(`{"tool_calls":[{"index":0,"function":{"arguments":" \"Paris, France\"}"}}]}`).
		delta(`{"tool_calls":[{"index":1,"id":"toolu_01B8Vq2rBD3hAfJ2mV6f5hqX","type":"function","function":{"name":"get_time","arguments":""}}]}`).
		delta(`{"tool_calls":[{"index":1,"function":{"arguments":"{\"timezone\": \"Europe/Paris\"}"}}]}`).
		finish("tool_calls")
	if usage {
		c.usage(472, 0, 89)
	}
	return c.done()
}

func thinkingWant(usage bool) string {
	c := &chunks{id: "msg_01Thk9eM5qzVf4sVw3bCz6Xy", model: model}
	c.delta(`{"role":"assistant","content":""}`).
		delta(`{"reasoning_content":"Let me solve this step by step:\n\n1. First break down 27 * 453"}`).
		delta(`{"reasoning_content":"\n2. 453 = 400 + 50 + 3"}`).
		delta(`{"content":"27 * 453 = 12,231"}`).
		finish("stop")
	if usage {
		c.usage(2042, 2000, 160)
	}
	return c.done()
}

func jsonWant(usage bool) string {
	c := &chunks{id: "msg_01Jsn8Kd3nR5tY7uI9oP2aS4", model: model}
	c.delta(`{"role":"assistant","content":""}`).
		delta(`{"content":"{\"city\": \"Paris\", "}`).
		delta(`{"content":"\"temperature\": 21.5}"}`).
		finish("stop")
	if usage {
		c.usage(380, 0, 41)
	}
	return c.done()
}

func errorWant() string {
	c := &chunks{id: "msg_01Err3Hq8vZ2xYb6Wc4nTt7R", model: model}
	c.delta(`{"role":"assistant","content":""}`).
		delta(`{"content":"Once upon"}`).
		raw(`data: {"error":{"message":"Overloaded","type":"server_error","param":null,"code":"overloaded"}}` + "\n\n")
	return c.b.String()
}

func withUsage(req string) string {
	return strings.Replace(req, `"stream":true`, `"stream":true,"stream_options":{"include_usage":true}`, 1)
}

func TestStream(t *testing.T) {
	tests := []struct {
		name  string
		req   string
		in    string
		want  func(usage bool) string
		usage schema.Usage
	}{
		{"text", plainReq, anthropicfake.TextStream, textWant, schema.Usage{PromptTokens: 25, CompletionTokens: 15, TotalTokens: 40}},
		{"two parallel tools", plainReq, anthropicfake.ToolUseStream, toolWant, schema.Usage{PromptTokens: 472, CompletionTokens: 89, TotalTokens: 561}},
		{"thinking and cache", plainReq, anthropicfake.ThinkingStream, thinkingWant,
			schema.Usage{PromptTokens: 2042, CompletionTokens: 160, TotalTokens: 2202, PromptTokensDetails: &schema.PromptTokensDetails{CachedTokens: 2000}}},
		{"json emulation", weatherReq, anthropicfake.JSONStream, jsonWant, schema.Usage{PromptTokens: 380, CompletionTokens: 41, TotalTokens: 421}},
		{"error mid-stream", plainReq, anthropicfake.ErrorStream, func(bool) string { return errorWant() }, schema.Usage{PromptTokens: 25, CompletionTokens: 1, TotalTokens: 26}},
		{"no event lines", plainReq, stripEventLines(anthropicfake.TextStream), textWant, schema.Usage{PromptTokens: 25, CompletionTokens: 15, TotalTokens: 40}},
		{"CRLF", plainReq, strings.ReplaceAll(anthropicfake.ToolUseStream, "\n", "\r\n"), toolWant, schema.Usage{PromptTokens: 472, CompletionTokens: 89, TotalTokens: 561}},
	}
	for _, tt := range tests {
		for _, usage := range []bool{false, true} {
			name := tt.name
			req := tt.req
			if usage {
				name += " with usage"
				req = withUsage(req)
			}
			t.Run(name, func(t *testing.T) {
				ssetest.EverySplit(t, newStream(t, req), []byte(tt.in), []byte(tt.want(usage)))
				s := newStream(t, req)()
				ssetest.Run(t, func() translate.Stream { return s }, []byte(tt.in))
				want := tt.usage
				if want.PromptTokensDetails == nil {
					want.PromptTokensDetails = &schema.PromptTokensDetails{}
				}
				want.CompletionTokensDetails = &schema.CompletionTokensDetails{}
				if u := s.Usage(); u == nil || !reflect.DeepEqual(*u, want) {
					t.Fatalf("usage %+v, want %+v", u, want)
				}
			})
		}
	}
}

func stripEventLines(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(line, "event:") {
			b.WriteString(line)
		}
	}
	return b.String()
}

func TestStreamTruncated(t *testing.T) {
	in := anthropicfake.TextStream[:strings.Index(anthropicfake.TextStream, "event: message_stop")]
	s := newStream(t, plainReq)()
	out, err := s.Feed(nil, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err = s.End(out)
	assertError(t, err, 502, translate.TypeServer, "stream_truncated", "")
	if strings.Contains(string(out), "[DONE]") {
		t.Fatalf("[DONE] written for a truncated stream:\n%s", out)
	}
}

func TestStreamLastEventWithoutBlankLine(t *testing.T) {
	in := strings.TrimSuffix(anthropicfake.TextStream, "\n")
	ssetest.EverySplit(t, newStream(t, plainReq), []byte(in), []byte(textWant(false)))
}

func TestStreamUsageBeforeStart(t *testing.T) {
	if u := newStream(t, plainReq)().Usage(); u != nil {
		t.Fatalf("usage %+v before message_start", u)
	}
}

func TestStreamMalformed(t *testing.T) {
	tests := map[string]string{
		"delta before message_start": "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n",
		"bad delta JSON":             anthropicfake.TextStream[:strings.Index(anthropicfake.TextStream, "event: ping")] + "event: content_block_delta\ndata: {\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x}}\n\n",
		"bad message_start":          "event: message_start\ndata: {\"message\":\n\n",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := newStream(t, plainReq)().Feed(nil, []byte(in))
			assertError(t, err, 502, translate.TypeServer, "bad_upstream_response", "")
		})
	}
}

// TestStreamFake checks the streams the fake provider makes up.
func TestStreamFake(t *testing.T) {
	c := &chunks{id: anthropicfake.MessageID, model: "claude-x"}
	c.delta(`{"role":"assistant","content":""}`)
	for _, w := range []string{"Hello!", " I", " am", " a", " fake", " Claude,", " answering", " deterministically."} {
		c.delta(`{"content":"` + w + `"}`)
	}
	c.finish("stop").usage(anthropicfake.InputTokens, 0, anthropicfake.OutputTokens)
	ssetest.EverySplit(t, newStream(t, usageReq), []byte(anthropicfake.Stream("claude-x", anthropicfake.ReplyText)), []byte(c.done()))

	c = &chunks{id: anthropicfake.MessageID, model: "claude-x"}
	c.delta(`{"role":"assistant","content":""}`).
		delta(`{"tool_calls":[{"index":0,"id":"` + anthropicfake.ToolUseID + `","type":"function","function":{"name":"f","arguments":""}}]}`).
		delta(`{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\""}}]}`).
		delta(`{"tool_calls":[{"index":0,"function":{"arguments":":\"x\"}"}}]}`).
		finish("tool_calls")
	ssetest.EverySplit(t, newStream(t, plainReq), []byte(anthropicfake.ToolUseStreamFor("claude-x", "f", []byte(`{"a":"x"}`))), []byte(c.done()))
}

// TestStreamCumulativeUsage: message_delta may restate every count (they are
// cumulative); null counts leave the earlier value.
func TestStreamCumulativeUsage(t *testing.T) {
	in := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"c\",\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":5,\"output_tokens\":1}}}\n\n" +
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":null},\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":3,\"cache_read_input_tokens\":null,\"output_tokens\":7,\"server_tool_use\":{\"web_search_requests\":1}}}\n\n" +
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
	c := &chunks{id: "msg_1", model: "c"}
	c.delta(`{"role":"assistant","content":""}`).finish("stop").usage(20, 5, 7)
	ssetest.EverySplit(t, newStream(t, usageReq), []byte(in), []byte(c.done()))
}
