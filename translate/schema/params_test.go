package schema

import (
	"reflect"
	"strings"
	"testing"
)

// TestKnownChatParam checks that KnownChatParam knows exactly the JSON keys of
// ChatRequest: a field added to ChatRequest must be added there too, and a name known
// without a field would be dropped silently.
func TestKnownChatParam(t *testing.T) {
	typ := reflect.TypeFor[ChatRequest]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			t.Fatalf("field %s has no JSON name", typ.Field(i).Name)
		}
		if !KnownChatParam(name) {
			t.Errorf("KnownChatParam(%q) = false for field %s", name, typ.Field(i).Name)
		}
	}
	for _, name := range []string{"", "Model", "TEMPERATURE", "temperature ", "safety_identifiers",
		"prompt_cache_retention", "moderation", "top_k", "extra_body", "max_token"} {
		if KnownChatParam(name) {
			t.Errorf("KnownChatParam(%q) = true", name)
		}
	}
	if len(chatParams) != typ.NumField() {
		t.Errorf("KnownChatParam knows %d names, ChatRequest has %d fields", len(chatParams), typ.NumField())
	}
}
