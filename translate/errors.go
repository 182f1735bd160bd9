package translate

import (
	"strconv"

	"github.com/franca-gw/franca/translate/jsonx"
)

// Error is an error in OpenAI's shape, with the HTTP status to answer it with.
// It is returned for bad requests a translator refuses and for provider errors it maps.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Type is OpenAI's error type, e.g. "invalid_request_error".
	Type string
	// Code is OpenAI's error code, e.g. "model_not_found", or "".
	Code string
	// Param names the request parameter the error is about, e.g. "messages[2].content", or "".
	Param string
	// Message says what went wrong, for a person to read.
	Message string
	// RetryAfter is the Retry-After value to send with the error, or "".
	RetryAfter string
}

// Error types used by OpenAI.
const (
	TypeInvalidRequest = "invalid_request_error"
	TypeAuthentication = "authentication_error"
	TypePermission     = "permission_error"
	TypeNotFound       = "not_found_error"
	TypeRateLimit      = "rate_limit_error"
	TypeServer         = "server_error"
	TypeUnavailable    = "service_unavailable_error"
)

func (e *Error) Error() string {
	if e.Param != "" {
		return e.Param + ": " + e.Message
	}
	return e.Message
}

// BadRequest returns a 400 invalid_request_error about param.
func BadRequest(param, format string) *Error {
	return &Error{Status: 400, Type: TypeInvalidRequest, Param: param, Message: format}
}

// Unsupported returns the 400 a translator answers when a provider cannot honour a
// request parameter: Franca never drops a parameter silently.
func Unsupported(param, provider string) *Error {
	return &Error{Status: 400, Type: TypeInvalidRequest, Code: "unsupported_parameter", Param: param,
		Message: "parameter " + strconv.Quote(param) + " is not supported by provider type " + provider}
}

// JSON returns the body {"error":{"message","type","param","code"}}; param and code are
// null when empty, as OpenAI writes them.
func (e *Error) JSON() []byte {
	b := make([]byte, 0, 96+len(e.Message))
	b = append(b, `{"error":{"message":`...)
	b = jsonx.AppendString(b, e.Message)
	b = append(b, `,"type":`...)
	b = jsonx.AppendString(b, e.Type)
	b = append(b, `,"param":`...)
	b = appendNullable(b, e.Param)
	b = append(b, `,"code":`...)
	b = appendNullable(b, e.Code)
	return append(b, "}}"...)
}

func appendNullable(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return jsonx.AppendString(b, s)
}

// StreamErrorEvent returns the SSE event that ends a stream broken after its first byte:
// an OpenAI error object as a data event (the OpenAI SDKs raise it as an API error).
func (e *Error) StreamErrorEvent() []byte {
	return append(append([]byte("data: "), e.JSON()...), "\n\n"...)
}
