package anthropic

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

// parseRequest decodes a client body the way the gateway does.
func parseRequest(t testing.TB, body string) *schema.ChatRequest {
	t.Helper()
	var req schema.ChatRequest
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatalf("bad test request %s: %v", body, err)
	}
	return &req
}

func target() *translate.Target {
	return &translate.Target{BaseURL: "https://api.anthropic.com", Model: "claude-sonnet-4-5", Created: 1700000000}
}

// assertJSON fails unless got and want hold the same JSON value.
func assertJSON(t testing.TB, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v\n%s", err, want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("JSON differs\n got: %s\nwant: %s", compact(got), compact([]byte(want)))
	}
}

func compact(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
}

// assertError fails unless err is a *translate.Error with the given status, type, code
// and param.
func assertError(t testing.TB, err error, status int, typ, code, param string) *translate.Error {
	t.Helper()
	e, ok := err.(*translate.Error)
	if !ok {
		t.Fatalf("error %v (%T) is not a *translate.Error", err, err)
	}
	if e.Status != status || e.Type != typ || e.Code != code || e.Param != param {
		t.Fatalf("got error {status %d, type %q, code %q, param %q, %q}, want {%d, %q, %q, %q}",
			e.Status, e.Type, e.Code, e.Param, e.Message, status, typ, code, param)
	}
	return e
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
