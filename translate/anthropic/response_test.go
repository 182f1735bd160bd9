package anthropic

import (
	"reflect"
	"testing"

	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

const usageZeroCache = `"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}`

func TestResponse(t *testing.T) {
	const weatherJSON = `{"model":"m","messages":[{"role":"user","content":"Weather?"}],"response_format":{"type":"json_schema",
		"json_schema":{"name":"weather_report","schema":{"type":"object"}}}}`
	tests := []struct {
		name  string
		req   string
		body  string
		want  string
		usage schema.Usage
	}{{
		name: "text",
		body: anthropicfake.TextMessage,
		want: `{"id":"chatcmpl-msg_013Zva2CMHLNnXjNJJKqJ2EF","object":"chat.completion","created":1700000000,
			"model":"claude-sonnet-4-5-20250929","choices":[{"index":0,"message":{"role":"assistant",
			"content":"Hi! My name is Claude.","refusal":null},"logprobs":null,"finish_reason":"stop"}],
			"usage":{"prompt_tokens":2095,"completion_tokens":503,"total_tokens":2598,` + usageZeroCache + `}}`,
		usage: schema.Usage{PromptTokens: 2095, CompletionTokens: 503, TotalTokens: 2598},
	}, {
		name: "two parallel tool calls",
		body: anthropicfake.ToolUseMessage,
		want: `{"id":"chatcmpl-msg_01Aq9w938a90dw8q","object":"chat.completion","created":1700000000,
			"model":"claude-sonnet-4-5-20250929","choices":[{"index":0,"message":{"role":"assistant",
			"content":"I'll check the weather and the time in Paris.","tool_calls":[
				{"id":"toolu_01A09q90qw90lq917835lq9","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"Paris, France\",\"unit\":\"celsius\"}"}},
				{"id":"toolu_01B8Vq2rBD3hAfJ2mV6f5hqX","type":"function","function":{"name":"get_time","arguments":"{\"timezone\":\"Europe/Paris\"}"}}],
			"refusal":null},"logprobs":null,"finish_reason":"tool_calls"}],
			"usage":{"prompt_tokens":472,"completion_tokens":119,"total_tokens":591,` + usageZeroCache + `}}`,
		usage: schema.Usage{PromptTokens: 472, CompletionTokens: 119, TotalTokens: 591},
	}, {
		name: "tool calls only have null content",
		body: `{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[
			{"type":"tool_use","id":"toolu_1","name":"f","input":{}}],"stop_reason":"tool_use","usage":{"input_tokens":3,"output_tokens":4}}`,
		want: `{"id":"chatcmpl-msg_1","object":"chat.completion","created":1700000000,"model":"claude-x",
			"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
				{"id":"toolu_1","type":"function","function":{"name":"f","arguments":"{}"}}],"refusal":null},
			"logprobs":null,"finish_reason":"tool_calls"}],
			"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,` + usageZeroCache + `}}`,
		usage: schema.Usage{PromptTokens: 3, CompletionTokens: 4, TotalTokens: 7},
	}, {
		name: "thinking",
		body: anthropicfake.ThinkingMessage,
		want: `{"id":"chatcmpl-msg_01Thk5Yq7bmRzZ3LdFz9sW4e","object":"chat.completion","created":1700000000,
			"model":"claude-sonnet-4-5-20250929","choices":[{"index":0,"message":{"role":"assistant",
			"content":"27 * 453 = 12,231","reasoning_content":"The user asks for 27 * 453. 27 * 453 = 12231.","refusal":null},
			"logprobs":null,"finish_reason":"stop"}],
			"usage":{"prompt_tokens":40,"completion_tokens":180,"total_tokens":220,` + usageZeroCache + `}}`,
		usage: schema.Usage{PromptTokens: 40, CompletionTokens: 180, TotalTokens: 220},
	}, {
		name: "cache usage",
		body: anthropicfake.CacheMessage,
		want: `{"id":"chatcmpl-msg_01Cch8kGm2uJ4qH7oQ2zX9pV","object":"chat.completion","created":1700000000,
			"model":"claude-sonnet-4-5-20250929","choices":[{"index":0,"message":{"role":"assistant",
			"content":"The document is about caching.","refusal":null},"logprobs":null,"finish_reason":"stop"}],
			"usage":{"prompt_tokens":2009,"completion_tokens":7,"total_tokens":2016,
			"prompt_tokens_details":{"cached_tokens":1800},"completion_tokens_details":{"reasoning_tokens":0}}}`,
		usage: schema.Usage{PromptTokens: 2009, CompletionTokens: 7, TotalTokens: 2016, PromptTokensDetails: &schema.PromptTokensDetails{CachedTokens: 1800}},
	}, {
		name: "json emulation",
		req:  weatherJSON,
		body: anthropicfake.JSONToolMessage,
		want: `{"id":"chatcmpl-msg_01Jsn4Vb2kW9xHq3eP7tL1mC","object":"chat.completion","created":1700000000,
			"model":"claude-sonnet-4-5-20250929","choices":[{"index":0,"message":{"role":"assistant",
			"content":"{\"city\":\"Paris\",\"temperature\":21.5,\"conditions\":[\"sunny\",\"windy\"]}","refusal":null},
			"logprobs":null,"finish_reason":"stop"}],
			"usage":{"prompt_tokens":380,"completion_tokens":41,"total_tokens":421,` + usageZeroCache + `}}`,
		usage: schema.Usage{PromptTokens: 380, CompletionTokens: 41, TotalTokens: 421},
	}, {
		name: "json emulation cut by max_tokens",
		req:  weatherJSON,
		body: `{"id":"msg_2","type":"message","role":"assistant","model":"claude-x","content":[
			{"type":"tool_use","id":"toolu_1","name":"weather_report","input":{"city":"Par"}}],"stop_reason":"max_tokens","usage":{"input_tokens":3,"output_tokens":4}}`,
		want: `{"id":"chatcmpl-msg_2","object":"chat.completion","created":1700000000,"model":"claude-x",
			"choices":[{"index":0,"message":{"role":"assistant","content":"{\"city\":\"Par\"}","refusal":null},
			"logprobs":null,"finish_reason":"length"}],
			"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,` + usageZeroCache + `}}`,
		usage: schema.Usage{PromptTokens: 3, CompletionTokens: 4, TotalTokens: 7},
	}, {
		name: "a tool named like the schema is an ordinary tool without response_format",
		body: anthropicfake.JSONToolMessage,
		want: `{"id":"chatcmpl-msg_01Jsn4Vb2kW9xHq3eP7tL1mC","object":"chat.completion","created":1700000000,
			"model":"claude-sonnet-4-5-20250929","choices":[{"index":0,"message":{"role":"assistant","content":null,
			"tool_calls":[{"id":"toolu_01Jsn7Rk2pQ4wE9tY6uI3oP0","type":"function","function":{"name":"weather_report",
				"arguments":"{\"city\":\"Paris\",\"temperature\":21.5,\"conditions\":[\"sunny\",\"windy\"]}"}}],"refusal":null},
			"logprobs":null,"finish_reason":"tool_calls"}],
			"usage":{"prompt_tokens":380,"completion_tokens":41,"total_tokens":421,` + usageZeroCache + `}}`,
		usage: schema.Usage{PromptTokens: 380, CompletionTokens: 41, TotalTokens: 421},
	}, {
		name: "empty content and no model",
		body: `{"id":"msg_3","type":"message","role":"assistant","content":[],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":0}}`,
		want: `{"id":"chatcmpl-msg_3","object":"chat.completion","created":1700000000,"model":"claude-sonnet-4-5",
			"choices":[{"index":0,"message":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":"stop"}],
			"usage":{"prompt_tokens":1,"completion_tokens":0,"total_tokens":1,` + usageZeroCache + `}}`,
		usage: schema.Usage{PromptTokens: 1, TotalTokens: 1},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := `{"model":"m","messages":[{"role":"user","content":"Hi"}]}`
			if tt.req != "" {
				req = tt.req
			}
			got, u, err := New().Response([]byte(tt.body), parseRequest(t, req), target())
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, got, tt.want)
			want := tt.usage
			if want.PromptTokensDetails == nil {
				want.PromptTokensDetails = &schema.PromptTokensDetails{}
			}
			want.CompletionTokensDetails = &schema.CompletionTokensDetails{}
			if !reflect.DeepEqual(*u, want) {
				t.Fatalf("usage %+v, want %+v", *u, want)
			}
		})
	}
}

func TestResponseStopReasons(t *testing.T) {
	tests := map[string]string{
		"end_turn":                      "stop",
		"stop_sequence":                 "stop",
		"pause_turn":                    "stop",
		"max_tokens":                    "length",
		"tool_use":                      "tool_calls",
		"refusal":                       "content_filter",
		"model_context_window_exceeded": "length",
		"something_new":                 "stop",
	}
	for stop, want := range tests {
		t.Run(stop, func(t *testing.T) {
			body := `{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"x"},
				{"type":"tool_use","id":"toolu_1","name":"f","input":{"a":1}}],"stop_reason":"` + stop + `","usage":{"input_tokens":1,"output_tokens":2}}`
			if stop != "tool_use" {
				body = `{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"x"}],
					"stop_reason":"` + stop + `","usage":{"input_tokens":1,"output_tokens":2}}`
			}
			got, _, err := New().Response([]byte(body), parseRequest(t, `{"model":"m","messages":[]}`), target())
			if err != nil {
				t.Fatal(err)
			}
			var resp schema.ChatResponse
			if err := jsonUnmarshal(got, &resp); err != nil {
				t.Fatal(err)
			}
			if r := resp.Choices[0].FinishReason; r != want {
				t.Fatalf("finish_reason %q, want %q", r, want)
			}
		})
	}
}

func TestResponseErrors(t *testing.T) {
	_, _, err := New().Response([]byte(`{"id":`), parseRequest(t, `{"model":"m","messages":[]}`), target())
	assertError(t, err, 502, translate.TypeServer, "bad_upstream_response", "")
	_, _, err = New().Response([]byte(anthropicfake.ErrorBody("overloaded_error", "Overloaded")), parseRequest(t, `{"model":"m","messages":[]}`), target())
	e := assertError(t, err, 503, translate.TypeServer, "overloaded", "")
	if e.Message != "Overloaded" {
		t.Fatalf("message %q", e.Message)
	}
}
