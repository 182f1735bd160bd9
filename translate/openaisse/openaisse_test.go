package openaisse_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/internal/fake/geminifake"
	"github.com/franca-gw/franca/internal/ssetest"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/anthropic"
	"github.com/franca-gw/franca/translate/event"
	"github.com/franca-gw/franca/translate/gemini"
	"github.com/franca-gw/franca/translate/openaisse"
	"github.com/franca-gw/franca/translate/schema"
)

const head = `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[`

func TestEncoder(t *testing.T) {
	start := event.Event{Kind: event.Start, ID: []byte("chatcmpl-1"), Model: []byte("m"), Created: 1700000000}
	usage := &schema.Usage{PromptTokens: 3, CompletionTokens: 4, TotalTokens: 7,
		PromptTokensDetails: &schema.PromptTokensDetails{CachedTokens: 1}, CompletionTokensDetails: &schema.CompletionTokensDetails{ReasoningTokens: 2}}
	tests := []struct {
		name         string
		includeUsage bool
		events       []event.Event
		want         string
	}{
		{"text, the role on each choice's first, escaped or literal", false, []event.Event{start,
			{Kind: event.Text, Role: true, Text: []byte("a \"b\"\n")},
			{Kind: event.Text, Choice: 2, Text: []byte(`"\u003c"`), Lit: event.LitText},
			{Kind: event.Text, Choice: 2, Text: []byte(`c`)}},
			head + `{"index":0,"delta":{"role":"assistant","content":"a \"b\"\n"},"finish_reason":null}]}` + "\n\n" +
				head + `{"index":2,"delta":{"role":"assistant","content":"\u003c"},"finish_reason":null}]}` + "\n\n" +
				head + `{"index":2,"delta":{"content":"c"},"finish_reason":null}]}` + "\n\n"},
		{"the role once for a choice past 128", false, []event.Event{start,
			{Kind: event.Text, Choice: 200, Text: []byte("a")},
			{Kind: event.Text, Choice: 200, Text: []byte("b")}},
			head + `{"index":200,"delta":{"role":"assistant","content":"a"},"finish_reason":null}]}` + "\n\n" +
				head + `{"index":200,"delta":{"content":"b"},"finish_reason":null}]}` + "\n\n"},
		{"reasoning and logprobs", false, []event.Event{start,
			{Kind: event.Reasoning, Text: []byte("hm"), Logprobs: []byte(`{"content":[]}`)}},
			head + `{"index":0,"delta":{"role":"assistant","reasoning_content":"hm"},"logprobs":{"content":[]},"finish_reason":null}]}` + "\n\n"},
		{"tool call and arguments", false, []event.Event{start,
			{Kind: event.ToolCall, Tool: 1, ID: []byte("call_1"), Name: []byte("f"), Role: true},
			{Kind: event.ToolArgs, Tool: 1, Text: []byte(`{"a":1}`)}},
			head + `{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":1,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null}]}` + "\n\n" +
				head + `{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"a\":1}"}}]},"finish_reason":null}]}` + "\n\n"},
		{"finish with and without the role", false, []event.Event{start,
			{Kind: event.Finish, Role: true, Reason: "content_filter"},
			{Kind: event.Text, Choice: 1, Text: []byte("x")},
			{Kind: event.Finish, Choice: 1, Reason: "stop"}},
			head + `{"index":0,"delta":{"role":"assistant"},"finish_reason":"content_filter"}]}` + "\n\n" +
				head + `{"index":1,"delta":{"role":"assistant","content":"x"},"finish_reason":null}]}` + "\n\n" +
				head + `{"index":1,"delta":{},"finish_reason":"stop"}]}` + "\n\n"},
		{"usage asked for", true, []event.Event{start, {Kind: event.Usage, Usage: usage}, {Kind: event.Done}},
			head + `],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":1},"completion_tokens_details":{"reasoning_tokens":2}}}` + "\n\n" +
				"data: [DONE]\n\n"},
		{"usage not asked for", false, []event.Event{start, {Kind: event.Usage, Usage: usage}, {Kind: event.Done}},
			"data: [DONE]\n\n"},
		{"observed events are not written, chunks are, line by line", true, []event.Event{
			{Kind: event.Text, Observed: true, Text: []byte("x")},
			{Kind: event.Usage, Observed: true, Usage: usage},
			{Kind: event.Chunk, Raw: [2][]byte{[]byte("{\"a\":\n1"), []byte(",\"b\":2}")}}},
			"data: {\"a\":\ndata: 1,\"b\":2}\n\n"},
		{"system_fingerprint in the head", false, []event.Event{
			{Kind: event.Start, ID: []byte("chatcmpl-1"), Model: []byte("m"), Created: 1700000000, Fingerprint: []byte(`"fp_1"`), Lit: event.LitFingerprint},
			{Kind: event.Finish, Reason: "stop"}},
			`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":"stop"}]}` + "\n\n"},
		{"error", false, []event.Event{start,
			{Kind: event.Error, Err: &translate.Error{Status: 500, Type: translate.TypeServer, Message: "boom"}}},
			`data: {"error":{"message":"boom","type":"server_error","param":null,"code":null}}` + "\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &openaisse.Encoder{IncludeUsage: tc.includeUsage}
			for i := range tc.events {
				if err := w.Event(&tc.events[i]); err != nil {
					t.Fatal(err)
				}
			}
			if string(w.Out) != tc.want {
				t.Fatalf("got:\n%s\nwant:\n%s", w.Out, tc.want)
			}
			if failed := tc.name == "error"; w.Failed() != failed {
				t.Fatalf("Failed() = %v", w.Failed())
			}
		})
	}
}

// upper is a test filter that upper-cases the answer's text (not reasoning, not tool
// arguments), decoding literals first.
type upper struct{ buf []byte }

func (u *upper) Filter(e *event.Event, next event.Sink) error {
	if e.Kind == event.Text {
		u.buf = bytes.ToUpper(e.AppendText(u.buf[:0]))
		e.Text, e.Lit = u.buf, e.Lit&^event.LitText
	}
	return next.Event(e)
}

// counter is a test filter that counts the events by kind.
type counter map[event.Kind]int

func (c counter) Filter(e *event.Event, next event.Sink) error {
	c[e.Kind]++
	return next.Event(e)
}

// dropReasoning is a test filter that drops reasoning.
func dropReasoning(e *event.Event, next event.Sink) error {
	if e.Kind == event.Reasoning {
		return nil
	}
	return next.Event(e)
}

// TestFilters runs recorded streams through a chain of filters, the streams cut at every
// offset: the client's bytes show each filter's work, and only it.
func TestFilters(t *testing.T) {
	anthropicReq := &schema.ChatRequest{Stream: true}
	geminiReq := &schema.ChatRequest{Stream: true}
	tests := []struct {
		name    string
		dec     func() event.Decoder
		in      string
		replace []string // pairs: what the unfiltered stream has, what the filtered one has
		counts  map[event.Kind]int
	}{
		{"anthropic", func() event.Decoder {
			return anthropic.New().StreamDecoder(anthropicReq, &translate.Target{Model: "m", Created: 1700000000})
		}, anthropicfake.TextStream,
			[]string{`"content":"Hello"`, `"content":"HELLO"`, `ünïcode ✓ 😀\nBye"`, `ÜNÏCODE ✓ 😀\nBYE"`, `"Café\"`, `"CAFÉ\"`},
			map[event.Kind]int{event.Start: 1, event.Text: 3, event.Finish: 1, event.Usage: 1, event.Done: 1}},
		{"gemini, literals decoded by the filter", func() event.Decoder {
			return gemini.New().StreamDecoder(geminiReq, &translate.Target{Model: "m", Created: 1700000000})
		}, geminifake.StreamText,
			[]string{`"content":"Hello"`, `"content":"HELLO"`, `"content":", \"world\"!\nÇa va? \u003cb\u003e"`, `"content":", \"WORLD\"!\nÇA VA? <B>"`, `" Bye."`, `" BYE."`},
			map[event.Kind]int{event.Start: 1, event.Text: 3, event.Finish: 1, event.Usage: 1, event.Done: 1}},
		{"gemini reasoning dropped", func() event.Decoder {
			return gemini.New().StreamDecoder(geminiReq, &translate.Target{Model: "m", Created: 1700000000})
		}, geminifake.StreamThinking,
			[]string{`"reasoning_content":"**Weighing the question**\n\nThe user asks for a number."},"finish_reason":null}]}` + "\n\n" +
				`data: {"id":"chatcmpl-thinkResp01","object":"chat.completion.chunk","created":1700000000,"model":"gemini-2.5-pro","choices":[{"index":0,"delta":{"content":"42"`,
				`"content":"42"`},
			map[event.Kind]int{event.Start: 1, event.Reasoning: 1, event.Text: 1, event.Finish: 1, event.Usage: 1, event.Done: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.in)
			plain := ssetest.Run(t, func() translate.Stream { return openaisse.NewStream(tc.dec(), false) }, in)
			want := string(plain)
			for i := 0; i < len(tc.replace); i += 2 {
				if !strings.Contains(want, tc.replace[i]) {
					t.Fatalf("the unfiltered stream lacks %s:\n%s", tc.replace[i], want)
				}
				want = strings.Replace(want, tc.replace[i], tc.replace[i+1], 1)
			}
			var c counter
			ssetest.EverySplit(t, func() translate.Stream {
				c = counter{}
				return openaisse.NewStream(tc.dec(), false, c, event.FilterFunc(dropReasoning), &upper{})
			}, in, []byte(want))
			if len(c) != len(tc.counts) {
				t.Fatalf("counts %v, want %v", c, tc.counts)
			}
			for k, n := range tc.counts {
				if c[k] != n {
					t.Fatalf("counts %v, want %v", c, tc.counts)
				}
			}
		})
	}
}
