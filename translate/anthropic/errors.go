package anthropic

import (
	"encoding/json"
	"strconv"

	"github.com/franca-gw/franca/translate"
)

// errorObject is the error member of Anthropic's error body
// {"type":"error","error":{"type":"…","message":"…"},"request_id":"…"}, which is also the
// data of a stream's error event.
type errorObject struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

type errorBody struct {
	Error *errorObject `json:"error"`
}

// errorKind is how one Anthropic error type maps to OpenAI's.
type errorKind struct {
	status int // Anthropic's status for the type, used when none is known (stream errors)
	typ    string
	code   string
}

// errorKinds maps Anthropic's error types (https://docs.anthropic.com/en/api/errors).
var errorKinds = map[string]errorKind{
	"invalid_request_error": {400, translate.TypeInvalidRequest, ""},
	"authentication_error":  {401, translate.TypeAuthentication, "invalid_api_key"},
	"billing_error":         {402, translate.TypeInvalidRequest, "insufficient_quota"},
	"permission_error":      {403, translate.TypePermission, ""},
	"not_found_error":       {404, translate.TypeNotFound, ""},
	"request_too_large":     {413, translate.TypeInvalidRequest, "request_too_large"},
	"rate_limit_error":      {429, translate.TypeRateLimit, "rate_limit_exceeded"},
	"api_error":             {500, translate.TypeServer, ""},
	"timeout_error":         {504, translate.TypeServer, "timeout"},
	"overloaded_error":      {529, translate.TypeServer, "overloaded"},
}

// Error converts an Anthropic error reply. The status is kept, except that 529
// (overloaded) becomes 503, which OpenAI clients know to retry. The message is
// Anthropic's; a body that is not Anthropic's error shape gets a generic message. The
// Retry-After header is passed on.
func (*Translator) Error(status int, h translate.HeaderGetter, body []byte) *translate.Error {
	var eb errorBody
	var e *translate.Error
	if json.Unmarshal(body, &eb) == nil && eb.Error != nil && eb.Error.Type != "" {
		e = fromErrorObject(status, eb.Error)
	} else {
		e = fromErrorObject(status, &errorObject{Message: "anthropic returned HTTP " + strconv.Itoa(status)})
	}
	if h != nil {
		e.RetryAfter = h.Get("retry-after")
	}
	return e
}

// fromErrorObject maps an error object. status is the HTTP status it came with, or 0
// for an error event in a stream, where the type decides the status.
func fromErrorObject(status int, o *errorObject) *translate.Error {
	k, known := errorKinds[o.Type]
	if status < 400 {
		if !known {
			k = errorKinds["api_error"]
		}
		status = k.status
	} else if !known {
		k = kindOfStatus(status)
	}
	if status == 529 {
		status, k = 503, errorKinds["overloaded_error"]
	}
	msg := o.Message
	if msg == "" {
		msg = "anthropic returned HTTP " + strconv.Itoa(status)
	}
	return &translate.Error{Status: status, Type: k.typ, Code: k.code, Message: msg}
}

// kindOfStatus classifies an error of an unknown type by its status.
func kindOfStatus(status int) errorKind {
	switch status {
	case 401:
		return errorKinds["authentication_error"]
	case 403:
		return errorKinds["permission_error"]
	case 404:
		return errorKinds["not_found_error"]
	case 413:
		return errorKinds["request_too_large"]
	case 429:
		return errorKinds["rate_limit_error"]
	case 529:
		return errorKinds["overloaded_error"]
	}
	if status >= 500 {
		return errorKinds["api_error"]
	}
	return errorKinds["invalid_request_error"]
}
