package openai

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

// jsonEqual fails the test unless got and want hold the same JSON value.
func jsonEqual(t testing.TB, what string, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: got invalid JSON %q: %v", what, got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: want invalid JSON %q: %v", what, want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\n got: %s\nwant: %s", what, got, want)
	}
}

func mustChat(t testing.TB, raw string) *schema.ChatRequest {
	t.Helper()
	var req schema.ChatRequest
	if err := json.Unmarshal([]byte(raw), &req); err != nil {
		t.Fatalf("decode request: %v", err)
	}
	return &req
}

func mustEmb(t testing.TB, raw string) *schema.EmbeddingsRequest {
	t.Helper()
	var req schema.EmbeddingsRequest
	if err := json.Unmarshal([]byte(raw), &req); err != nil {
		t.Fatalf("decode request: %v", err)
	}
	return &req
}

func mustNew(t testing.TB, preset string) *Translator {
	t.Helper()
	tr, err := New(preset)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// translatorFor returns the translator named "azure", "openai" or a preset name.
func translatorFor(t testing.TB, name string) *Translator {
	t.Helper()
	switch name {
	case "azure":
		return NewAzure()
	case "openai":
		return mustNew(t, "")
	}
	return mustNew(t, name)
}

// asError fails unless err is a *translate.Error and returns it.
func asError(t testing.TB, err error) *translate.Error {
	t.Helper()
	e, ok := err.(*translate.Error)
	if !ok {
		t.Fatalf("error %v (%T) is not a *translate.Error", err, err)
	}
	return e
}

func headersEqual(t testing.TB, got translate.Headers, want translate.Headers) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("headers:\n got: %q\nwant: %q", got, want)
	}
}
