package gemini

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake/geminifake"
	"github.com/franca-gw/franca/internal/ssetest"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

// events builds the expected OpenAI stream: each entry is the part of a chunk after
// "choices":, written after the head of the given id and model.
func events(id, model string, chunks ...string) string {
	var b strings.Builder
	for _, c := range chunks {
		if c == "[DONE]" {
			b.WriteString("data: [DONE]\n\n")
			continue
		}
		b.WriteString(`data: {"id":"` + id + `","object":"chat.completion.chunk","created":1700000000,"model":"` + model + `","choices":`)
		b.WriteString(c)
		b.WriteString("}\n\n")
	}
	return b.String()
}

func newStream(t testing.TB, req string) func() translate.Stream {
	r := chatRequest(t, req)
	return func() translate.Stream { return New().Stream(r, target()) }
}

const (
	reqUsage   = `{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}`
	reqNoUsage = `{"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]}`
)

func TestStream(t *testing.T) {
	textUsage := `[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}`
	tests := []struct {
		name, req, in, want string
	}{
		{"text with usage", reqUsage, geminifake.StreamText, events("chatcmpl-mJ7aaPq5Ad6kz7IPq8fE8Q0", "gemini-2.5-flash",
			`[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]`,
			`[{"index":0,"delta":{"content":", \"world\"!\nÇa va? \u003cb\u003e"},"finish_reason":null}]`,
			`[{"index":0,"delta":{"content":" Bye."},"finish_reason":null}]`,
			`[{"index":0,"delta":{},"finish_reason":"stop"}]`,
			textUsage, "[DONE]")},
		{"text without usage", reqNoUsage, geminifake.StreamText, events("chatcmpl-mJ7aaPq5Ad6kz7IPq8fE8Q0", "gemini-2.5-flash",
			`[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]`,
			`[{"index":0,"delta":{"content":", \"world\"!\nÇa va? \u003cb\u003e"},"finish_reason":null}]`,
			`[{"index":0,"delta":{"content":" Bye."},"finish_reason":null}]`,
			`[{"index":0,"delta":{},"finish_reason":"stop"}]`,
			"[DONE]")},
		{"thinking", reqUsage, geminifake.StreamThinking, events("chatcmpl-thinkResp01", "gemini-2.5-pro",
			`[{"index":0,"delta":{"role":"assistant","reasoning_content":"**Weighing the question**\n\nThe user asks for a number."},"finish_reason":null}]`,
			`[{"index":0,"delta":{"content":"42"},"finish_reason":null}]`,
			`[{"index":0,"delta":{},"finish_reason":"stop"}]`,
			`[],"usage":{"prompt_tokens":12,"completion_tokens":49,"total_tokens":61,"prompt_tokens_details":{"cached_tokens":8},"completion_tokens_details":{"reasoning_tokens":48}}`,
			"[DONE]")},
		{"function calls", reqNoUsage, geminifake.StreamFunctionCall, events("chatcmpl-fcResp02", "gemini-2.5-flash",
			`[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_0_0~ts~CqUBAcu98PBsig==","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"unit\":\"celsius\"}"}}]},"finish_reason":null}]`,
			`[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"fc-2","type":"function","function":{"name":"get_time","arguments":"{\"tz\":\"Europe/Paris\"}"}}]},"finish_reason":null}]`,
			`[{"index":0,"delta":{},"finish_reason":"tool_calls"}]`,
			"[DONE]")},
		{"safety", reqUsage, geminifake.StreamSafety, events("chatcmpl-safeResp03", "gemini-2.5-flash",
			`[{"index":0,"delta":{"role":"assistant","content":"Here is how"},"finish_reason":null}]`,
			`[{"index":0,"delta":{},"finish_reason":"content_filter"}]`,
			`[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}`,
			"[DONE]")},
		{"prompt blocked", reqNoUsage, geminifake.StreamPromptBlocked, events("chatcmpl-blockResp04", "gemini-2.5-flash",
			`[{"index":0,"delta":{"role":"assistant"},"finish_reason":"content_filter"}]`,
			"[DONE]")},
		{"error mid-stream", reqUsage, geminifake.StreamError, events("chatcmpl-errResp05", "gemini-2.5-flash",
			`[{"index":0,"delta":{"role":"assistant","content":"Partial"},"finish_reason":null}]`) +
			`data: {"error":{"message":"The model is overloaded. Please try again later.","type":"server_error","param":null,"code":null}}` + "\n\n"},
		{"two candidates, no index on the first, last event unterminated", reqNoUsage,
			geminifake.Frame(
				`{"candidates": [{"content": {"parts": [{"text": "A"}],"role": "model"}},{"content": {"parts": [{"text": "B"}],"role": "model"},"index": 1}],"modelVersion": "gemini-x"}`,
				`{"candidates": [{"content": {"parts": [{"text": "A2"}],"role": "model"},"finishReason": "STOP","index": 0},{"finishReason": "MAX_TOKENS","index": 1}]}`,
			) + "data: {\"candidates\": [{\"finishReason\": \"STOP\",\"index\": 1}]}\r\n",
			events("chatcmpl-gemini-1700000000", "gemini-x",
				`[{"index":0,"delta":{"role":"assistant","content":"A"},"finish_reason":null}]`,
				`[{"index":1,"delta":{"role":"assistant","content":"B"},"finish_reason":null}]`,
				`[{"index":0,"delta":{"content":"A2"},"finish_reason":null}]`,
				`[{"index":0,"delta":{},"finish_reason":"stop"}]`,
				`[{"index":1,"delta":{},"finish_reason":"length"}]`,
				"[DONE]")},
		{"invalid UTF-8, comments, LF framing", reqNoUsage,
			": keep-alive\n\ndata: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"bad \xff byte\"}]},\"finishReason\":\"STOP\"}],\"responseId\":\"u\"}\n\n",
			events("chatcmpl-u", "gemini-2.5-flash",
				"[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"bad \ufffd byte\"},\"finish_reason\":null}]",
				`[{"index":0,"delta":{},"finish_reason":"stop"}]`,
				"[DONE]")},
		{"logprobs", reqNoUsage, geminifake.Frame(
			`{"candidates": [{"content": {"parts": [{"text": "Hi"}],"role": "model"},"index": 0,"logprobsResult": {"topCandidates": [{"candidates": [{"token": "Hi","logProbability": -0.5}]}],"chosenCandidates": [{"token": "Hi","logProbability": -0.5}]}}],"responseId": "lp"}`,
			`{"candidates": [{"content": {"parts": [{"text": ""}],"role": "model"},"finishReason": "STOP","index": 0,"logprobsResult": {"topCandidates": [],"chosenCandidates": []}}],"responseId": "lp"}`),
			events("chatcmpl-lp", "gemini-2.5-flash",
				`[{"index":0,"delta":{"role":"assistant","content":"Hi"},"logprobs":{"content":[{"token":"Hi","logprob":-0.5,"bytes":[72,105],"top_logprobs":[{"token":"Hi","logprob":-0.5,"bytes":[72,105]}]}],"refusal":null},"finish_reason":null}]`,
				`[{"index":0,"delta":{},"logprobs":{"content":[],"refusal":null},"finish_reason":"stop"}]`,
				"[DONE]")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ssetest.EverySplit(t, newStream(t, tc.req), []byte(tc.in), []byte(tc.want))
			checkChunks(t, []byte(tc.want))
		})
	}
}

// checkChunks decodes every data event of an OpenAI stream as a chunk or an error, so that
// the expected outputs above are themselves valid.
func checkChunks(t *testing.T, out []byte) {
	t.Helper()
	for _, ev := range bytes.Split(out, []byte("\n\n")) {
		data, ok := bytes.CutPrefix(ev, []byte("data: "))
		if !ok || string(data) == "[DONE]" {
			continue
		}
		var c schema.ChatChunk
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatalf("event is not a chunk: %v\n%s", err, data)
		}
	}
}

func TestStreamUsage(t *testing.T) {
	s := New().Stream(chatRequest(t, reqNoUsage), target())
	if s.Usage() != nil {
		t.Fatal("usage before any event")
	}
	out, err := s.Feed(nil, []byte(geminifake.StreamThinking))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.End(out); err != nil {
		t.Fatal(err)
	}
	want := &schema.Usage{PromptTokens: 12, CompletionTokens: 49, TotalTokens: 61,
		PromptTokensDetails:     &schema.PromptTokensDetails{CachedTokens: 8},
		CompletionTokensDetails: &schema.CompletionTokensDetails{ReasoningTokens: 48}}
	if got := s.Usage(); !reflect.DeepEqual(got, want) {
		t.Fatalf("usage = %+v, want %+v", got, want)
	}
}

func TestStreamIncomplete(t *testing.T) {
	for name, in := range map[string]string{
		"no finishReason": geminifake.StreamTruncated,
		"empty":           "",
		"one of two choices unfinished": geminifake.Frame(
			`{"candidates": [{"content": {"parts": [{"text": "A"}]},"finishReason": "STOP","index": 0},{"content": {"parts": [{"text": "B"}]},"index": 1}]}`),
	} {
		t.Run(name, func(t *testing.T) {
			s := New().Stream(chatRequest(t, reqUsage), target())
			out, err := s.Feed(nil, []byte(in))
			if err != nil {
				t.Fatal(err)
			}
			out, err = s.End(out)
			wantError(t, err, 502, "", "stream_truncated")
			if bytes.Contains(out, []byte("[DONE]")) {
				t.Fatalf("incomplete stream got [DONE]: %s", out)
			}
		})
	}
}

func TestStreamMalformed(t *testing.T) {
	for name, in := range map[string]string{
		"not an object":       "data: [1,2]\r\n\r\n",
		"broken JSON":         "data: {\"candidates\": [\r\n\r\n",
		"trailing bytes":      "data: {} {}\r\n\r\n",
		"bad index":           "data: {\"candidates\": [{\"index\": \"x\"}]}\r\n\r\n",
		"index out of range":  "data: {\"candidates\": [{\"index\": 500}]}\r\n\r\n",
		"functionCall broken": "data: {\"candidates\": [{\"content\": {\"parts\": [{\"functionCall\": {\"args\": {}}}]}}]}\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			s := New().Stream(chatRequest(t, reqUsage), target())
			_, err := s.Feed(nil, []byte(in))
			wantError(t, err, 502, "", "bad_upstream_response")
		})
	}
}

func TestStreamStopsAfterError(t *testing.T) {
	s := New().Stream(chatRequest(t, reqUsage), target())
	in := geminifake.StreamError + geminifake.StreamText
	out, err := s.Feed(nil, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err = s.Feed(out, []byte(geminifake.StreamText))
	if err != nil {
		t.Fatal(err)
	}
	out, err = s.End(out)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("Hello")) || bytes.Contains(out, []byte("[DONE]")) {
		t.Fatalf("output after the error event:\n%s", out)
	}
}
