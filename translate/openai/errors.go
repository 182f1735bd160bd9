package openai

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/franca-gw/franca/translate"
)

// Error converts a non-2xx upstream reply into the error the client gets, with the
// same status. An OpenAI-shaped body keeps its message, type, param and code; other
// shapes that compatible providers use ({"detail":…}, {"message":…},
// {"error":"text"}, {"error":{"code":"1261","message":…}} …) give their best message
// and a type (and code, for 401 and 429) chosen by status. Key fragments a provider
// echoes are redacted.
func (t *Translator) Error(status int, h translate.HeaderGetter, body []byte) *translate.Error {
	return mapError(status, h, body)
}

func mapError(status int, h translate.HeaderGetter, body []byte) *translate.Error {
	e := &translate.Error{Status: status}
	shaped := false
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) == nil && top != nil {
		if raw, ok := top["error"]; ok {
			var obj map[string]json.RawMessage
			if json.Unmarshal(raw, &obj) == nil && obj != nil {
				typ := jsonString(obj["type"])
				shaped = typ != "" && isJSONString(obj["message"])
				if shaped {
					e.Type = typ
				}
				e.Message = messageOf(obj, 0)
				e.Param = jsonString(obj["param"])
				e.Code = codeOf(obj["code"])
			} else {
				e.Message = jsonString(raw)
			}
		}
		if e.Message == "" {
			e.Message = messageOf(top, 0)
		}
	} else if len(body) > 0 && len(body) <= 300 && bytes.IndexByte(body, '<') < 0 && utf8.Valid(body) {
		e.Message = strings.TrimSpace(string(body))
	}
	if !shaped {
		e.Type = typeForStatus(status)
		if c := codeForStatus(status); c != "" {
			e.Code = c
		}
	}
	if e.Message == "" {
		e.Message = "the provider answered HTTP " + strconv.Itoa(status)
	}
	e.Message = redactKeys(e.Message)
	if h != nil {
		e.RetryAfter = retryAfter(h)
	}
	return e
}

// typeForStatus is OpenAI's error type for an HTTP status.
func typeForStatus(status int) string {
	switch {
	case status == 401:
		return translate.TypeAuthentication
	case status == 403:
		return translate.TypePermission
	case status == 404:
		return translate.TypeNotFound
	case status == 429:
		return translate.TypeRateLimit
	case status >= 500:
		return translate.TypeServer
	}
	return translate.TypeInvalidRequest
}

func codeForStatus(status int) string {
	switch status {
	case 401:
		return "invalid_api_key"
	case 429:
		return "rate_limit_exceeded"
	}
	return ""
}

// messageOf finds the most useful message in an error object: message, msg, detail
// (FastAPI's string or list of {loc, msg}), error_msg, errorMessage, description.
func messageOf(obj map[string]json.RawMessage, depth int) string {
	if depth > 4 {
		return ""
	}
	for _, k := range []string{"message", "msg", "detail", "error_msg", "errorMessage", "error_description", "description"} {
		v, ok := obj[k]
		if !ok || isNull(v) {
			continue
		}
		if s := jsonString(v); s != "" {
			return s
		}
		var inner map[string]json.RawMessage
		if json.Unmarshal(v, &inner) == nil && inner != nil {
			if s := messageOf(inner, depth+1); s != "" {
				return s
			}
			continue
		}
		if s := detailList(v); s != "" {
			return s
		}
	}
	return ""
}

// detailList formats a list of validation errors [{"loc":["body","x"],"msg":"…"}] as
// "body.x: …; …".
func detailList(v []byte) string {
	var list []struct {
		Loc []any  `json:"loc"`
		Msg string `json:"msg"`
	}
	if json.Unmarshal(v, &list) != nil {
		return ""
	}
	var b strings.Builder
	for _, d := range list {
		if d.Msg == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		for i, l := range d.Loc {
			if i > 0 {
				b.WriteByte('.')
			}
			switch x := l.(type) {
			case string:
				b.WriteString(x)
			case float64:
				b.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
			}
		}
		if len(d.Loc) > 0 {
			b.WriteString(": ")
		}
		b.WriteString(d.Msg)
	}
	return b.String()
}

// jsonString returns v's value if v is a JSON string, else "".
func jsonString(v []byte) string {
	if len(v) == 0 || v[0] != '"' {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return ""
	}
	return s
}

func isJSONString(v []byte) bool { return len(v) > 0 && v[0] == '"' }

// codeOf returns a code written as a string or a number.
func codeOf(v []byte) string {
	if s := jsonString(v); s != "" {
		return s
	}
	v = bytes.TrimSpace(v)
	if len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
		return string(v)
	}
	return ""
}

// retryAfter returns Retry-After, or else retry-after-ms / x-ms-retry-after-ms
// rounded up to whole seconds.
func retryAfter(h translate.HeaderGetter) string {
	if v := strings.TrimSpace(h.Get("retry-after")); v != "" {
		return v
	}
	for _, name := range []string{"retry-after-ms", "x-ms-retry-after-ms"} {
		v := strings.TrimSpace(h.Get(name))
		if v == "" {
			continue
		}
		ms, err := strconv.ParseFloat(v, 64)
		if err != nil || ms < 0 || ms > 1e12 {
			continue
		}
		s := int64(ms / 1000)
		if float64(s)*1000 < ms {
			s++
		}
		return strconv.FormatInt(s, 10)
	}
	return ""
}

// keyPrefixes start the credentials of the providers Franca talks to.
var keyPrefixes = []string{"sk-", "sk_", "gsk_", "xai-", "AIza"}

// redactKeys replaces every word of msg that looks like a credential, whole or
// masked ("sk-abc***xyz"), with "[redacted]".
func redactKeys(msg string) string {
	if !strings.Contains(msg, "**") && !containsKeyPrefix(msg) {
		return msg
	}
	var b strings.Builder
	rest := msg
	for len(rest) > 0 {
		i := strings.IndexAny(rest, " \t\n\r")
		var word, sep string
		if i < 0 {
			word, rest = rest, ""
		} else {
			word, sep, rest = rest[:i], rest[i:i+1], rest[i+1:]
		}
		core := strings.TrimLeft(word, `("'`+"`[")
		lead := word[:len(word)-len(core)]
		trimmed := strings.TrimRight(core, `.,;:)"'`+"`]")
		tail := core[len(trimmed):]
		if looksLikeKey(trimmed) {
			word = lead + "[redacted]" + tail
		}
		b.WriteString(word)
		b.WriteString(sep)
	}
	return b.String()
}

func containsKeyPrefix(s string) bool {
	for _, p := range keyPrefixes {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func looksLikeKey(w string) bool {
	if strings.Contains(w, "***") {
		return true
	}
	for _, p := range keyPrefixes {
		if strings.HasPrefix(w, p) && len(w) >= len(p)+8 && !strings.ContainsAny(w, "/@") {
			return true
		}
	}
	return false
}
