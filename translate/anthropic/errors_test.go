package anthropic

import (
	"net/http"
	"testing"

	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/internal/ssetest"
	"github.com/franca-gw/franca/translate"
)

func TestError(t *testing.T) {
	rl := anthropicfake.RateLimitReply()
	tests := []struct {
		name       string
		status     int
		header     translate.HeaderGetter
		body       string
		want       translate.Error
		wantPrefix string
	}{
		{"invalid request", 400, nil, string(anthropicfake.ErrorBody("invalid_request_error", "messages: text content blocks must be non-empty")),
			translate.Error{Status: 400, Type: "invalid_request_error", Message: "messages: text content blocks must be non-empty"}, ""},
		{"authentication", 401, http.Header{}, string(anthropicfake.ErrorBody("authentication_error", "invalid x-api-key")),
			translate.Error{Status: 401, Type: "authentication_error", Code: "invalid_api_key", Message: "invalid x-api-key"}, ""},
		{"billing", 402, nil, string(anthropicfake.ErrorBody("billing_error", "Your credit balance is too low.")),
			translate.Error{Status: 402, Type: "invalid_request_error", Code: "insufficient_quota", Message: "Your credit balance is too low."}, ""},
		{"permission", 403, nil, string(anthropicfake.ErrorBody("permission_error", "Your API key does not have permission to use the specified resource.")),
			translate.Error{Status: 403, Type: "permission_error", Message: "Your API key does not have permission to use the specified resource."}, ""},
		{"not found", 404, nil, string(anthropicfake.ErrorBody("not_found_error", "model: claude-nope")),
			translate.Error{Status: 404, Type: "not_found_error", Message: "model: claude-nope"}, ""},
		{"too large", 413, nil, string(anthropicfake.ErrorBody("request_too_large", "Request exceeds the maximum allowed number of bytes.")),
			translate.Error{Status: 413, Type: "invalid_request_error", Code: "request_too_large", Message: "Request exceeds the maximum allowed number of bytes."}, ""},
		{"rate limit with retry-after", 429, rl.Header, string(rl.Body),
			translate.Error{Status: 429, Type: "rate_limit_error", Code: "rate_limit_exceeded", RetryAfter: "20"}, "Number of request tokens"},
		{"api error", 500, nil, string(anthropicfake.ErrorBody("api_error", "Internal server error")),
			translate.Error{Status: 500, Type: "server_error", Message: "Internal server error"}, ""},
		{"timeout", 504, nil, string(anthropicfake.ErrorBody("timeout_error", "Request timed out")),
			translate.Error{Status: 504, Type: "server_error", Code: "timeout", Message: "Request timed out"}, ""},
		{"overloaded 529 becomes 503", 529, translate.Headers{{Name: "Retry-After", Value: "5"}}, string(anthropicfake.ErrorBody("overloaded_error", "Overloaded")),
			translate.Error{Status: 503, Type: "server_error", Code: "overloaded", Message: "Overloaded", RetryAfter: "5"}, ""},
		{"529 without a body", 529, nil, "",
			translate.Error{Status: 503, Type: "server_error", Code: "overloaded", Message: "anthropic returned HTTP 529"}, ""},
		{"HTML from a proxy", 502, nil, "<html><body>Bad Gateway</body></html>",
			translate.Error{Status: 502, Type: "server_error", Message: "anthropic returned HTTP 502"}, ""},
		{"unknown 4xx type", 409, nil, string(anthropicfake.ErrorBody("conflict_error", "Conflict")),
			translate.Error{Status: 409, Type: "invalid_request_error", Message: "Conflict"}, ""},
		{"unknown type on 429", 429, nil, string(anthropicfake.ErrorBody("acceleration_error", "Slow down")),
			translate.Error{Status: 429, Type: "rate_limit_error", Code: "rate_limit_exceeded", Message: "Slow down"}, ""},
		{"JSON that is not an error", 401, nil, `{"detail":"nope"}`,
			translate.Error{Status: 401, Type: "authentication_error", Code: "invalid_api_key", Message: "anthropic returned HTTP 401"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := New().Error(tt.status, tt.header, []byte(tt.body))
			if tt.wantPrefix != "" {
				if len(got.Message) < len(tt.wantPrefix) || got.Message[:len(tt.wantPrefix)] != tt.wantPrefix {
					t.Fatalf("message %q, want prefix %q", got.Message, tt.wantPrefix)
				}
				tt.want.Message = got.Message
			}
			if *got != tt.want {
				t.Fatalf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestStreamErrorTypes(t *testing.T) {
	tests := []struct {
		typ  string
		want string
	}{
		{"overloaded_error", `{"error":{"message":"m","type":"server_error","param":null,"code":"overloaded"}}`},
		{"api_error", `{"error":{"message":"m","type":"server_error","param":null,"code":null}}`},
		{"rate_limit_error", `{"error":{"message":"m","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}`},
		{"invalid_request_error", `{"error":{"message":"m","type":"invalid_request_error","param":null,"code":null}}`},
		{"brand_new_error", `{"error":{"message":"m","type":"server_error","param":null,"code":null}}`},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			in := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"c\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n" +
				"event: error\ndata: " + string(anthropicfake.ErrorBody(tt.typ, "m")) + "\n\n"
			c := &chunks{id: "msg_1", model: "c"}
			c.delta(`{"role":"assistant","content":""}`).raw("data: " + tt.want + "\n\n")
			want := c.b.String()
			ssetest.EverySplit(t, newStream(t, plainReq), []byte(in), []byte(want))
		})
	}
}
