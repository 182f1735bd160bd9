package gemini

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

func target() *translate.Target {
	return &translate.Target{
		BaseURL: "https://generativelanguage.googleapis.com",
		Model:   "gemini-2.5-flash",
		Header:  translate.Headers{{Name: "X-Team", Value: "blue"}},
		Created: 1700000000,
	}
}

func chatRequest(t testing.TB, body string) *schema.ChatRequest {
	t.Helper()
	var r schema.ChatRequest
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("bad test request: %v\n%s", err, body)
	}
	return &r
}

// jsonEqual fails unless got and want hold the same JSON value.
func jsonEqual(t testing.TB, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON: %v\n%s", err, want)
	}
	if !reflect.DeepEqual(g, w) {
		var gi, wi bytes.Buffer
		json.Indent(&gi, got, "", "  ")
		json.Indent(&wi, []byte(want), "", "  ")
		t.Fatalf("JSON differs\ngot:\n%s\nwant:\n%s", gi.Bytes(), wi.Bytes())
	}
}

// wantError fails unless err is a *translate.Error with this status, param and code.
func wantError(t testing.TB, err error, status int, param, code string) *translate.Error {
	t.Helper()
	e, ok := err.(*translate.Error)
	if !ok {
		t.Fatalf("error = %v (%T), want *translate.Error", err, err)
	}
	if e.Status != status || e.Param != param || e.Code != code {
		t.Fatalf("error = {status %d, param %q, code %q, %q}, want {status %d, param %q, code %q}",
			e.Status, e.Param, e.Code, e.Message, status, param, code)
	}
	return e
}
