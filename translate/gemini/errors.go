package gemini

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/franca-gw/franca/translate"
)

// apiError is the error object of a Google API error body {"error":{…}}.
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Details []struct {
		Type       string `json:"@type"`
		Reason     string `json:"reason"`
		RetryDelay string `json:"retryDelay"`
	} `json:"details"`
}

// statusCodes gives the HTTP status of a google.rpc.Code name, for errors that arrive
// inside a stream without an HTTP status of their own.
var statusCodes = map[string]int{
	"INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 400, "OUT_OF_RANGE": 400,
	"UNAUTHENTICATED": 401, "PERMISSION_DENIED": 403, "NOT_FOUND": 404,
	"ALREADY_EXISTS": 409, "ABORTED": 409, "RESOURCE_EXHAUSTED": 429, "CANCELLED": 499,
	"INTERNAL": 500, "UNKNOWN": 500, "DATA_LOSS": 500, "UNIMPLEMENTED": 501,
	"UNAVAILABLE": 503, "DEADLINE_EXCEEDED": 504,
}

// Error converts a non-2xx Gemini reply into the OpenAI-shaped error the client gets.
func (tr *Translator) Error(status int, h translate.HeaderGetter, body []byte) *translate.Error {
	e, ok := parseAPIError(body)
	if !ok {
		out := mapError(status, nil)
		out.Message = "gemini returned HTTP " + strconv.Itoa(status)
		if h != nil {
			out.RetryAfter = h.Get("Retry-After")
		}
		return out
	}
	out := mapError(status, e)
	if h != nil {
		if ra := h.Get("Retry-After"); ra != "" {
			out.RetryAfter = ra
		}
	}
	return out
}

// streamError converts the error object of an error event inside a stream.
func streamError(raw []byte) *translate.Error {
	var e apiError
	if json.Unmarshal(raw, &e) != nil {
		return &translate.Error{Status: 502, Type: translate.TypeServer, Message: "gemini sent an unreadable error in the stream"}
	}
	status := e.Code
	if status < 400 || status > 599 {
		status = statusCodes[e.Status]
		if status == 0 {
			status = 500
		}
	}
	return mapError(status, &e)
}

// parseAPIError reads {"error":{…}}, also in the one-element array that
// streamGenerateContent without alt=sse answers with.
func parseAPIError(body []byte) (*apiError, bool) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var list []struct {
			Error *apiError `json:"error"`
		}
		if json.Unmarshal(body, &list) != nil || len(list) == 0 || list[0].Error == nil {
			return nil, false
		}
		return list[0].Error, true
	}
	var wrap struct {
		Error *apiError `json:"error"`
	}
	if json.Unmarshal(body, &wrap) != nil || wrap.Error == nil {
		return nil, false
	}
	return wrap.Error, true
}

// keyReasons are the google.rpc.ErrorInfo reasons that say the API key itself cannot be
// used, whatever the request: invalid or expired (400), or blocked for this API, its
// project suspended or unknown, or the API disabled on it (403). Other 403s
// (PERMISSION_DENIED on a tuned model or a file of another project) are about the request.
var keyReasons = map[string]bool{
	"API_KEY_INVALID": true, "API_KEY_EXPIRED": true, "API_KEY_SERVICE_BLOCKED": true,
	"API_KEY_HTTP_REFERRER_BLOCKED": true, "API_KEY_IP_ADDRESS_BLOCKED": true,
	"API_KEY_ANDROID_APP_BLOCKED": true, "API_KEY_IOS_APP_BLOCKED": true,
	"CONSUMER_SUSPENDED": true, "CONSUMER_INVALID": true, "SERVICE_DISABLED": true,
}

// mapError maps an HTTP status and the Google error (nil when unreadable) to OpenAI's shape.
func mapError(status int, e *apiError) *translate.Error {
	out := &translate.Error{Status: status}
	if e != nil {
		out.Message = e.Message
		for _, d := range e.Details {
			switch {
			case strings.HasSuffix(d.Type, "google.rpc.ErrorInfo") && keyReasons[d.Reason]:
				// Gemini answers a bad key with 400 INVALID_ARGUMENT, a blocked or suspended
				// one with 403 PERMISSION_DENIED; OpenAI clients expect 401, and the key
				// pool reads 401 as "this key is unusable".
				out.Status = 401
			case strings.HasSuffix(d.Type, "google.rpc.RetryInfo"):
				out.RetryAfter = retryAfter(d.RetryDelay)
			}
		}
		if out.Message == "" {
			out.Message = "gemini returned " + e.Status
		}
	}
	switch s := out.Status; {
	case s == 401:
		out.Type, out.Code = translate.TypeAuthentication, "invalid_api_key"
	case s == 403:
		out.Type = translate.TypePermission
	case s == 404:
		out.Type, out.Code = translate.TypeNotFound, "model_not_found"
	case s == 429:
		out.Type, out.Code = translate.TypeRateLimit, "rate_limit_exceeded"
	case s >= 500:
		out.Type = translate.TypeServer
	default:
		out.Type = translate.TypeInvalidRequest
	}
	return out
}

// retryAfter turns a google.protobuf.Duration ("30s", "1.5s") into whole seconds, rounded
// up, as Retry-After wants; "" when it cannot be read.
func retryAfter(d string) string {
	v, ok := strings.CutSuffix(strings.TrimSpace(d), "s")
	if !ok {
		return ""
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || math.IsNaN(f) {
		return ""
	}
	// A huge delay is read as a large one, which the key pool caps (routing.max_cooldown).
	f = min(f, 1e9)
	return strconv.FormatInt(int64(math.Ceil(f)), 10)
}
