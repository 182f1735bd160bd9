package openaifake

import (
	"net/http"

	"github.com/franca-gw/franca/internal/fake"
)

// Error bodies as the providers send them. OpenAI pretty-prints its errors with four
// spaces and a final newline.

// ErrInvalidKey is OpenAI's 401 for a wrong key; it echoes the key masked.
const ErrInvalidKey = `{
    "error": {
        "message": "Incorrect API key provided: sk-abc12***********************xyz9. You can find your API key at https://platform.openai.com/account/api-keys.",
        "type": "invalid_request_error",
        "param": null,
        "code": "invalid_api_key"
    }
}
`

// ErrRateLimit is OpenAI's 429 for a requests-per-minute limit.
const ErrRateLimit = `{
    "error": {
        "message": "Rate limit reached for gpt-4o-mini in organization org-K7nQ2xv8 on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/rate-limits to learn more.",
        "type": "requests",
        "param": null,
        "code": "rate_limit_exceeded"
    }
}
`

// ErrModelNotFound is OpenAI's 404 for an unknown model.
const ErrModelNotFound = `{
    "error": {
        "message": "The model ` + "`gpt-9`" + ` does not exist or you do not have access to it.",
        "type": "invalid_request_error",
        "param": null,
        "code": "model_not_found"
    }
}
`

// ErrServer is OpenAI's 500.
const ErrServer = `{
    "error": {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "server_error",
        "param": null,
        "code": null
    }
}
`

// Error bodies of OpenAI-compatible providers that do not use OpenAI's shape.
const (
	// ErrDeepSeekAuth is DeepSeek's 401 (OpenAI-shaped, with its own code).
	ErrDeepSeekAuth = `{"error":{"message":"Authentication Fails, Your api key: ****abcd is invalid","type":"authentication_error","param":null,"code":"invalid_request_error"}}`
	// ErrZhipu is Zhipu's error: a numeric code as a string and a message, no type.
	ErrZhipu = `{"error":{"code":"1261","message":"Prompt 超长"}}`
	// ErrZhipuAuth is Zhipu's 401.
	ErrZhipuAuth = `{"error":{"code":"1000","message":"身份验证失败。"}}`
	// ErrMistralValidation is Mistral's 422 for a field it does not know.
	ErrMistralValidation = `{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","stream_options","include_usage"],"msg":"Extra inputs are not permitted","input":true}]},"type":"invalid_request_error","param":null,"code":null}`
	// ErrMistralUnauthorized is Mistral's 401.
	ErrMistralUnauthorized = `{"message":"Unauthorized","request_id":"9d3f1c2b8a7e4f60b1c2d3e4f5a6b7c8"}`
	// ErrVLLM is vLLM's error object at the top level.
	ErrVLLM = `{"object":"error","message":"This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.","type":"BadRequestError","param":null,"code":400}`
	// ErrFastAPI is a FastAPI-style {"detail":…} body.
	ErrFastAPI = `{"detail":"Not Found"}`
	// ErrFastAPIList is FastAPI's validation error list.
	ErrFastAPIList = `{"detail":[{"loc":["body","messages",0,"content"],"msg":"field required","type":"value_error.missing"}]}`
	// ErrString is an {"error":"text"} body.
	ErrString = `{"error":"model 'llama3' not found, try pulling it first"}`
	// ErrGroqAuth is Groq's 401.
	ErrGroqAuth = `{"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}}`
	// ErrMoonshotAuth is Moonshot's 401, which echoes the key masked.
	ErrMoonshotAuth = `{"error":{"message":"Invalid Authentication: sk-Zx3d****************************Qw9T","type":"invalid_authentication_error"}}`
	// ErrAzureAuth is Azure OpenAI's 401.
	ErrAzureAuth = `{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."}}`
	// ErrAzureNotFound is Azure's 404 for a wrong path, deployment or missing api-version.
	ErrAzureNotFound = `{"error":{"code":"404","message":"Resource not found"}}`
	// ErrAzureRateLimit is Azure's 429.
	ErrAzureRateLimit = `{"error":{"code":"429","message":"Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 6 seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit."}}`
	// ErrAzureContentFilter is Azure's 400 when the prompt trips the content filter.
	ErrAzureContentFilter = `{"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":false,"detected":false},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":true,"severity":"medium"}}}}}`
)

// RateLimitHeaders returns the x-ratelimit-* fields OpenAI sends on every reply.
func RateLimitHeaders() http.Header {
	h := http.Header{}
	h.Set("x-ratelimit-limit-requests", "500")
	h.Set("x-ratelimit-limit-tokens", "200000")
	h.Set("x-ratelimit-remaining-requests", "499")
	h.Set("x-ratelimit-remaining-tokens", "199970")
	h.Set("x-ratelimit-reset-requests", "1s")
	h.Set("x-ratelimit-reset-tokens", "6m0s")
	return h
}

// RateLimited returns OpenAI's 429 reply: ErrRateLimit with the rate-limit fields,
// none remaining, and retry-after.
func RateLimited() fake.Reply {
	h := RateLimitHeaders()
	h.Set("x-ratelimit-remaining-requests", "0")
	h.Set("retry-after", "1")
	h.Set("Content-Type", "application/json")
	return fake.Reply{Status: 429, Header: h, Body: []byte(ErrRateLimit)}
}

// AzureRateLimited returns Azure's 429 reply, which gives the delay in milliseconds
// (retry-after-ms, x-ms-retry-after-ms) rather than in Retry-After.
func AzureRateLimited() fake.Reply {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("retry-after-ms", "5400")
	h.Set("x-ms-retry-after-ms", "5400")
	h.Set("x-ratelimit-remaining-requests", "0")
	h.Set("x-ratelimit-remaining-tokens", "0")
	return fake.Reply{Status: 429, Header: h, Body: []byte(ErrAzureRateLimit)}
}

// JSONReply returns a reply with status and a JSON body.
func JSONReply(status int, body string) fake.Reply {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return fake.Reply{Status: status, Header: h, Body: []byte(body)}
}

// StreamReply returns a 200 event-stream reply that writes stream in pieces of n
// bytes, so that it arrives cut at arbitrary places.
func StreamReply(stream string, n int) fake.Reply {
	h := RateLimitHeaders()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	return fake.Reply{Header: h, Chunks: fake.SSE(stream, n)}
}
