package gemini

import (
	"testing"

	"github.com/franca-gw/franca/internal/fake/geminifake"
	"github.com/franca-gw/franca/translate"
)

func TestError(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header translate.Headers
		body   string
		want   translate.Error
	}{
		{"api key invalid", 400, nil, geminifake.ErrorAPIKeyInvalid, translate.Error{Status: 401, Type: "authentication_error",
			Code: "invalid_api_key", Message: "API key not valid. Please pass a valid API key."}},
		{"invalid argument", 400, nil, geminifake.ErrorInvalidArgument, translate.Error{Status: 400, Type: "invalid_request_error",
			Message: "* GenerateContentRequest.contents: contents is not specified\n"}},
		{"failed precondition", 400, nil, `{"error":{"code":400,"message":"User location is not supported for the API use.","status":"FAILED_PRECONDITION"}}`,
			translate.Error{Status: 400, Type: "invalid_request_error", Message: "User location is not supported for the API use."}},
		{"unauthenticated", 401, nil, `{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`,
			translate.Error{Status: 401, Type: "authentication_error", Code: "invalid_api_key", Message: "Request had invalid authentication credentials."}},
		{"permission denied", 403, nil, geminifake.ErrorPermissionDenied, translate.Error{Status: 403, Type: "permission_error",
			Message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."}},
		{"not found", 404, nil, geminifake.ErrorNotFound, translate.Error{Status: 404, Type: "not_found_error", Code: "model_not_found",
			Message: "models/gemini-0.9-nonesuch is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods."}},
		{"rate limited with RetryInfo", 429, nil, geminifake.ErrorRateLimited, translate.Error{Status: 429, Type: "rate_limit_error",
			Code: "rate_limit_exceeded", RetryAfter: "29", Message: "You exceeded your current quota, please check your plan and billing details."}},
		{"Retry-After header wins", 429, translate.Headers{{Name: "retry-after", Value: "7"}}, geminifake.ErrorRateLimited, translate.Error{Status: 429,
			Type: "rate_limit_error", Code: "rate_limit_exceeded", RetryAfter: "7", Message: "You exceeded your current quota, please check your plan and billing details."}},
		{"internal", 500, nil, geminifake.ErrorInternal, translate.Error{Status: 500, Type: "server_error",
			Message: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"}},
		{"unavailable", 503, nil, geminifake.ErrorUnavailable, translate.Error{Status: 503, Type: "server_error",
			Message: "The model is overloaded. Please try again later."}},
		{"deadline", 504, nil, geminifake.ErrorDeadline, translate.Error{Status: 504, Type: "server_error",
			Message: "The request timed out. Please try again."}},
		{"array form", 429, nil, `[{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"2s"}]}}]`,
			translate.Error{Status: 429, Type: "rate_limit_error", Code: "rate_limit_exceeded", RetryAfter: "2", Message: "slow down"}},
		{"unparsable 502", 502, nil, `<html>Bad Gateway</html>`, translate.Error{Status: 502, Type: "server_error", Message: "gemini returned HTTP 502"}},
		{"unparsable 429 keeps header", 429, translate.Headers{{Name: "Retry-After", Value: "3"}}, ``, translate.Error{Status: 429,
			Type: "rate_limit_error", Code: "rate_limit_exceeded", RetryAfter: "3", Message: "gemini returned HTTP 429"}},
		{"unparsable 413", 413, nil, `{}`, translate.Error{Status: 413, Type: "invalid_request_error", Message: "gemini returned HTTP 413"}},
		{"403 key service blocked", 403, nil, `{"error":{"code":403,"message":"Requests to this API generativelanguage.googleapis.com method google.ai.generativelanguage.v1beta.GenerativeService.GenerateContent are blocked.","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_SERVICE_BLOCKED","domain":"googleapis.com"}]}}`,
			translate.Error{Status: 401, Type: "authentication_error", Code: "invalid_api_key", Message: "Requests to this API generativelanguage.googleapis.com method google.ai.generativelanguage.v1beta.GenerativeService.GenerateContent are blocked."}},
		{"403 consumer suspended", 403, nil, `{"error":{"code":403,"message":"Permission denied: Consumer 'api_key:[redacted]' has been suspended.","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"CONSUMER_SUSPENDED","domain":"googleapis.com"}]}}`,
			translate.Error{Status: 401, Type: "authentication_error", Code: "invalid_api_key", Message: "Permission denied: Consumer 'api_key:[redacted]' has been suspended."}},
		{"403 about the request", 403, nil, `{"error":{"code":403,"message":"You do not have permission to access tuned model tunedModels/x.","status":"PERMISSION_DENIED"}}`,
			translate.Error{Status: 403, Type: "permission_error", Message: "You do not have permission to access tuned model tunedModels/x."}},
		{"empty message", 500, nil, `{"error":{"code":500,"status":"INTERNAL"}}`, translate.Error{Status: 500, Type: "server_error", Message: "gemini returned INTERNAL"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h translate.HeaderGetter = tc.header
			got := New().Error(tc.status, h, []byte(tc.body))
			if *got != tc.want {
				t.Fatalf("got  %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	for in, want := range map[string]string{"30s": "30", "1.5s": "2", "0.000001s": "1", "0s": "0", "": "", "30": "", "xs": "", "-1s": "", "1e300s": "1000000000", "Infs": "1000000000", "NaNs": ""} {
		if got := retryAfter(in); got != want {
			t.Errorf("retryAfter(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStreamErrorStatusFromName(t *testing.T) {
	got := streamError([]byte(`{"message":"quota","status":"RESOURCE_EXHAUSTED"}`))
	want := translate.Error{Status: 429, Type: "rate_limit_error", Code: "rate_limit_exceeded", Message: "quota"}
	if *got != want {
		t.Fatalf("got %+v, want %+v", *got, want)
	}
}
