package gemini

import (
	"reflect"
	"testing"

	"github.com/franca-gw/franca/internal/fake/geminifake"
	"github.com/franca-gw/franca/translate/schema"
)

func TestResponse(t *testing.T) {
	tests := []struct {
		name, body, want string
		usage            *schema.Usage
	}{
		{"text", geminifake.ResponseText,
			`{"id":"chatcmpl-txtResp10","object":"chat.completion","created":1700000000,"model":"gemini-2.5-flash",
			  "choices":[{"index":0,"message":{"role":"assistant","content":"The capital of France is Paris.","refusal":null},"logprobs":null,"finish_reason":"stop"}],
			  "usage":{"prompt_tokens":8,"completion_tokens":7,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`,
			&schema.Usage{PromptTokens: 8, CompletionTokens: 7, TotalTokens: 15,
				PromptTokensDetails: &schema.PromptTokensDetails{}, CompletionTokensDetails: &schema.CompletionTokensDetails{}}},
		{"parallel function calls", geminifake.ResponseFunctionCalls,
			`{"id":"chatcmpl-fcResp11","object":"chat.completion","created":1700000000,"model":"gemini-2.5-flash",
			  "choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"tool_calls":[
				{"id":"call_0_0~ts~CqUBAcu98PBsig==","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"unit\":\"celsius\"}"}},
				{"id":"fc-2","type":"function","function":{"name":"get_time","arguments":"{\"tz\":\"Europe/Paris\"}"}}]},
				"logprobs":null,"finish_reason":"tool_calls"}],
			  "usage":{"prompt_tokens":40,"completion_tokens":18,"total_tokens":58,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`,
			nil},
		{"thinking", geminifake.ResponseThinking,
			`{"id":"chatcmpl-thinkResp12","object":"chat.completion","created":1700000000,"model":"gemini-2.5-pro",
			  "choices":[{"index":0,"message":{"role":"assistant","content":"42","refusal":null,"reasoning_content":"The user wants a number."},"logprobs":null,"finish_reason":"stop"}],
			  "usage":{"prompt_tokens":1200,"completion_tokens":49,"total_tokens":1249,"prompt_tokens_details":{"cached_tokens":1024},"completion_tokens_details":{"reasoning_tokens":48}}}`,
			&schema.Usage{PromptTokens: 1200, CompletionTokens: 49, TotalTokens: 1249,
				PromptTokensDetails: &schema.PromptTokensDetails{CachedTokens: 1024}, CompletionTokensDetails: &schema.CompletionTokensDetails{ReasoningTokens: 48}}},
		{"safety", geminifake.ResponseSafety,
			`{"id":"chatcmpl-safeResp13","object":"chat.completion","created":1700000000,"model":"gemini-2.5-flash",
			  "choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null},"logprobs":null,"finish_reason":"content_filter"}],
			  "usage":{"prompt_tokens":7,"completion_tokens":0,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`,
			nil},
		{"prompt blocked", geminifake.ResponsePromptBlocked,
			`{"id":"chatcmpl-blockResp14","object":"chat.completion","created":1700000000,"model":"gemini-2.5-flash",
			  "choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null},"logprobs":null,"finish_reason":"content_filter"}],
			  "usage":{"prompt_tokens":6,"completion_tokens":0,"total_tokens":6,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`,
			nil},
		{"two candidates", geminifake.ResponseTwoCandidates,
			`{"id":"chatcmpl-twoResp15","object":"chat.completion","created":1700000000,"model":"gemini-2.5-flash",
			  "choices":[
				{"index":0,"message":{"role":"assistant","content":"Red.","refusal":null},"logprobs":null,"finish_reason":"stop"},
				{"index":1,"message":{"role":"assistant","content":"Blue is","refusal":null},"logprobs":null,"finish_reason":"length"}],
			  "usage":{"prompt_tokens":5,"completion_tokens":4,"total_tokens":9,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`,
			nil},
		{"no model version, no id, no usage, other reasons", `{"candidates":[
				{"content":{"parts":[{"text":"a"},{"text":"b"}]},"finishReason":"MALFORMED_FUNCTION_CALL"},
				{"content":{"parts":[{"functionCall":{"name":"f"}},{"text":"","thoughtSignature":"c2ln"}]},"finishReason":"MAX_TOKENS"},
				{"content":{"parts":[{"text":"c"}]},"finishReason":"RECITATION"}]}`,
			`{"id":"chatcmpl-gemini-1700000000","object":"chat.completion","created":1700000000,"model":"gemini-2.5-flash",
			  "choices":[
				{"index":0,"message":{"role":"assistant","content":"ab","refusal":null},"logprobs":null,"finish_reason":"stop"},
				{"index":1,"message":{"role":"assistant","content":null,"refusal":null,"tool_calls":[{"id":"call_1_0","type":"function","function":{"name":"f","arguments":"{}"}}]},"logprobs":null,"finish_reason":"length"},
				{"index":2,"message":{"role":"assistant","content":"c","refusal":null},"logprobs":null,"finish_reason":"content_filter"}]}`,
			nil},
		{"empty text", `{"candidates":[{"content":{"parts":[{"text":""}]},"finishReason":"STOP","index":0}],"responseId":"e"}`,
			`{"id":"chatcmpl-e","object":"chat.completion","created":1700000000,"model":"gemini-2.5-flash",
			  "choices":[{"index":0,"message":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":"stop"}]}`,
			nil},
		{"logprobs", `{"candidates":[{"content":{"parts":[{"text":"Hi!"}]},"finishReason":"STOP","index":0,"avgLogprobs":-0.2,
				"logprobsResult":{"topCandidates":[{"candidates":[{"token":"Hi","tokenId":5,"logProbability":-0.1},{"token":"Hey","logProbability":-2.5}]},{"candidates":[{"token":"!","logProbability":-0.3}]}],
				"chosenCandidates":[{"token":"Hi","tokenId":5,"logProbability":-0.1},{"token":"!","logProbability":-0.3}]}}],"responseId":"lp"}`,
			`{"id":"chatcmpl-lp","object":"chat.completion","created":1700000000,"model":"gemini-2.5-flash",
			  "choices":[{"index":0,"message":{"role":"assistant","content":"Hi!","refusal":null},"logprobs":{"content":[
				{"token":"Hi","logprob":-0.1,"bytes":[72,105],"top_logprobs":[{"token":"Hi","logprob":-0.1,"bytes":[72,105]},{"token":"Hey","logprob":-2.5,"bytes":[72,101,121]}]},
				{"token":"!","logprob":-0.3,"bytes":[33],"top_logprobs":[{"token":"!","logprob":-0.3,"bytes":[33]}]}],"refusal":null},
				"finish_reason":"stop"}]}`,
			nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := chatRequest(t, `{"model":"public","messages":[{"role":"user","content":"x"}]}`)
			got, u, err := New().Response([]byte(tc.body), req, target())
			if err != nil {
				t.Fatal(err)
			}
			jsonEqual(t, got, tc.want)
			if tc.usage != nil && !reflect.DeepEqual(u, tc.usage) {
				t.Fatalf("usage = %+v, want %+v", u, tc.usage)
			}
		})
	}
}

func TestResponseMalformed(t *testing.T) {
	for _, body := range []string{``, `[]`, `{"candidates":[{"content":{"parts":[{"text":""}]},"finishReason":"STOP"}],"responseId":"e"}x`, `{"candidates":"x"}`, `{}`, `{"candidates":[]}`,
		`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":[1,}}]}}]}`} {
		req := chatRequest(t, `{"model":"m","messages":[{"role":"user","content":"x"}]}`)
		_, _, err := New().Response([]byte(body), req, target())
		wantError(t, err, 502, "", "bad_upstream_response")
	}
}
