package openai

import (
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake/openaifake"
	"github.com/franca-gw/franca/translate"
)

func TestErrors(t *testing.T) {
	h := func(kv ...string) translate.Headers {
		var hs translate.Headers
		for i := 0; i < len(kv); i += 2 {
			hs = append(hs, translate.Header{Name: kv[i], Value: kv[i+1]})
		}
		return hs
	}
	tests := []struct {
		name       string
		status     int
		header     translate.Headers
		body       string
		want       string
		retryAfter string
	}{
		{name: "openai 401 with the masked key redacted", status: 401, body: openaifake.ErrInvalidKey,
			want: `{"error":{"message":"Incorrect API key provided: [redacted]. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`},
		{name: "openai 429 keeps its type, Retry-After", status: 429, header: h("Retry-After", "20", "retry-after-ms", "19500"),
			body:       openaifake.ErrRateLimit,
			want:       `{"error":{"message":"Rate limit reached for gpt-4o-mini in organization org-K7nQ2xv8 on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/rate-limits to learn more.","type":"requests","param":null,"code":"rate_limit_exceeded"}}`,
			retryAfter: "20"},
		{name: "openai 404 model", status: 404, body: openaifake.ErrModelNotFound,
			want: `{"error":{"message":"The model ` + "`gpt-9`" + ` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}`},
		{name: "openai 500", status: 500, body: openaifake.ErrServer,
			want: `{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}`},
		{name: "azure 429 retry-after-ms rounds up", status: 429, header: h("retry-after-ms", "5400", "x-ms-retry-after-ms", "5400"),
			body:       openaifake.ErrAzureRateLimit,
			want:       `{"error":{"message":"Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 6 seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}`,
			retryAfter: "6"},
		{name: "x-ms-retry-after-ms alone", status: 429, header: h("x-ms-retry-after-ms", "1000"), body: `{}`,
			want:       `{"error":{"message":"the provider answered HTTP 429","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}`,
			retryAfter: "1"},
		{name: "azure 401", status: 401, body: openaifake.ErrAzureAuth,
			want: `{"error":{"message":"Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.","type":"authentication_error","param":null,"code":"invalid_api_key"}}`},
		{name: "azure content filter", status: 400, body: openaifake.ErrAzureContentFilter,
			want: `{"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766","type":"invalid_request_error","param":"prompt","code":"content_filter"}}`},
		{name: "deepseek 401 is OpenAI-shaped, masked key redacted", status: 401, body: openaifake.ErrDeepSeekAuth,
			want: `{"error":{"message":"Authentication Fails, Your api key: [redacted] is invalid","type":"authentication_error","param":null,"code":"invalid_request_error"}}`},
		{name: "zhipu code and message", status: 400, body: openaifake.ErrZhipu,
			want: `{"error":{"message":"Prompt 超长","type":"invalid_request_error","param":null,"code":"1261"}}`},
		{name: "zhipu 401", status: 401, body: openaifake.ErrZhipuAuth,
			want: `{"error":{"message":"身份验证失败。","type":"authentication_error","param":null,"code":"invalid_api_key"}}`},
		{name: "mistral 422 validation detail", status: 422, body: openaifake.ErrMistralValidation,
			want: `{"error":{"message":"body.stream_options.include_usage: Extra inputs are not permitted","type":"invalid_request_error","param":null,"code":null}}`},
		{name: "mistral 401 message", status: 401, body: openaifake.ErrMistralUnauthorized,
			want: `{"error":{"message":"Unauthorized","type":"authentication_error","param":null,"code":"invalid_api_key"}}`},
		{name: "vllm top-level error", status: 400, body: openaifake.ErrVLLM,
			want: `{"error":{"message":"This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.","type":"invalid_request_error","param":null,"code":null}}`},
		{name: "fastapi detail", status: 404, body: openaifake.ErrFastAPI,
			want: `{"error":{"message":"Not Found","type":"not_found_error","param":null,"code":null}}`},
		{name: "fastapi detail list", status: 422, body: openaifake.ErrFastAPIList,
			want: `{"error":{"message":"body.messages.0.content: field required","type":"invalid_request_error","param":null,"code":null}}`},
		{name: "error string", status: 404, body: openaifake.ErrString,
			want: `{"error":{"message":"model 'llama3' not found, try pulling it first","type":"not_found_error","param":null,"code":null}}`},
		{name: "groq 401", status: 401, body: openaifake.ErrGroqAuth,
			want: `{"error":{"message":"Invalid API Key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`},
		{name: "moonshot 401 masked key", status: 401, body: openaifake.ErrMoonshotAuth,
			want: `{"error":{"message":"Invalid Authentication: [redacted]","type":"invalid_authentication_error","param":null,"code":null}}`},
		{name: "403", status: 403, body: `{"message":"Forbidden"}`,
			want: `{"error":{"message":"Forbidden","type":"permission_error","param":null,"code":null}}`},
		{name: "HTML 502", status: 502, body: `<html><body><h1>502 Bad Gateway</h1></body></html>`,
			want: `{"error":{"message":"the provider answered HTTP 502","type":"server_error","param":null,"code":null}}`},
		{name: "plain text 503", status: 503, body: "upstream connect error\n",
			want: `{"error":{"message":"upstream connect error","type":"server_error","param":null,"code":null}}`},
		{name: "empty 504", status: 504,
			want: `{"error":{"message":"the provider answered HTTP 504","type":"server_error","param":null,"code":null}}`},
		{name: "full key echoed", status: 400, body: `{"error":{"message":"key sk-proj-abcdefghijklmnop is not allowed; gsk_0123456789abcdef too","type":"invalid_request_error"}}`,
			want: `{"error":{"message":"key [redacted] is not allowed; [redacted] too","type":"invalid_request_error","param":null,"code":null}}`},
	}
	tr := mustNew(t, "")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := tr.Error(tc.status, tc.header, []byte(tc.body))
			if e.Status != tc.status {
				t.Fatalf("status %d, want %d", e.Status, tc.status)
			}
			jsonEqual(t, "error", e.JSON(), tc.want)
			if e.RetryAfter != tc.retryAfter {
				t.Fatalf("RetryAfter %q, want %q", e.RetryAfter, tc.retryAfter)
			}
			if strings.Contains(string(e.JSON()), "***") {
				t.Fatal("masked key left in the message")
			}
		})
	}
}

func TestRedactKeys(t *testing.T) {
	tests := map[string]string{
		"no key here":                         "no key here",
		"(sk-abc***xyz).":                     "([redacted]).",
		`"sk-abcdefghijkl", ok`:               `"[redacted]", ok`,
		"see https://x/sk-abcdefghij for it":  "see https://x/sk-abcdefghij for it",
		"task-abcdefghijklmn and sk-short":    "task-abcdefghijklmn and sk-short",
		"xai-0123456789abcdefgh\tend":         "[redacted]\tend",
		"AIzaSyA-0123456789 leaked":           "[redacted] leaked",
		"***":                                 "[redacted]",
		"multi  space sk-abcdefghijklmno end": "multi  space [redacted] end",
	}
	for in, want := range tests {
		if got := redactKeys(in); got != want {
			t.Errorf("redactKeys(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResponsePassesThrough(t *testing.T) {
	body := `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"hi","refusal":null},"logprobs":null,"finish_reason":"stop"}],` +
		`"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6,"prompt_tokens_details":{"cached_tokens":2,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"system_fingerprint":"fp_1"}`
	tr := mustNew(t, "")
	got, u, err := tr.Response([]byte(body), nil, &translate.Target{Model: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != body {
		t.Fatalf("body changed: %s", got)
	}
	if u == nil || u.PromptTokens != 5 || u.CompletionTokens != 1 || u.TotalTokens != 6 || u.CachedTokens() != 2 {
		t.Fatalf("usage %+v", u)
	}
	// Azure's content-filter finish passes as is.
	filtered := `{"id":"c","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":"content_filter","content_filter_results":{"violence":{"filtered":true,"severity":"medium"}}}]}`
	got, u, err = NewAzure().Response([]byte(filtered), nil, &translate.Target{})
	if err != nil || string(got) != filtered || u != nil {
		t.Fatalf("azure filtered: %s %v %v", got, u, err)
	}
	// A 200 that carries only an error is that error.
	_, _, err = mustNew(t, "qianfan").Response([]byte(`{"error":{"code":"rate_limit","message":"too many"}}`), nil, &translate.Target{})
	jsonEqual(t, "200 error", asError(t, err).JSON(), `{"error":{"message":"too many","type":"server_error","param":null,"code":"rate_limit"}}`)
	_, _, err = tr.Response([]byte(`not json`), nil, &translate.Target{})
	if asError(t, err).Status != 502 {
		t.Fatal(err)
	}
}

func TestEmbeddingsResponse(t *testing.T) {
	body := `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,-0.2]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":3,"total_tokens":3}}`
	got, u, err := mustNew(t, "").EmbeddingsResponse([]byte(body), nil, &translate.Target{})
	if err != nil || string(got) != body || u == nil || u.PromptTokens != 3 || u.TotalTokens != 3 {
		t.Fatalf("%s %+v %v", got, u, err)
	}
}
