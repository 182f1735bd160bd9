package anthropic

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake/anthropicfake"
)

// TestDecodeMessageFields checks that decodeMessage knows every member of the types it
// fills, so that a field added to them is not silently left empty.
func TestDecodeMessageFields(t *testing.T) {
	cases := []struct {
		typ   any
		names []string
	}{
		{message{}, messageMembers[:]},
		{contentBlock{}, blockMembers[:]},
		{tokens{}, tokenMembers[:]},
		{errorObject{}, errorMembers[:]},
	}
	for _, c := range cases {
		rt := reflect.TypeOf(c.typ)
		var tags []string
		for i := 0; i < rt.NumField(); i++ {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			tags = append(tags, name)
		}
		if !slices.Equal(tags, c.names) {
			t.Errorf("%s: json names %q, decodeMessage knows %q", rt.Name(), tags, c.names)
		}
	}
}

var messageSeeds = []string{
	anthropicfake.TextMessage, anthropicfake.ToolUseMessage, anthropicfake.ThinkingMessage, anthropicfake.CacheMessage,
	`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`,
	`{"type":"message","content":[null,{"type":"text","text":null}],"usage":null,"error":null}`,
	`{"type":"message","Type":"x"}`,
	`{"usage":{"input_tokens":1.5}}`,
	`{"content":{}}`,
}

func TestDecodeMessage(t *testing.T) {
	fast := 0
	for _, s := range messageSeeds {
		if checkDecodeMessage(t, []byte(s)) {
			fast++
		}
	}
	if fast != 6 {
		t.Errorf("%d of the seeds decoded in one pass, want 6", fast)
	}
}

func checkDecodeMessage(t *testing.T, body []byte) bool {
	t.Helper()
	var got message
	ok := decodeMessage(body, &got)
	if !ok {
		if !reflect.DeepEqual(got, message{}) {
			t.Errorf("decodeMessage failed but left %+v", got)
		}
		return false
	}
	var want message
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatalf("decodeMessage accepted what encoding/json refuses (%v): %q", err, body)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeMessage differs from encoding/json for %q\n got %#v\nwant %#v", body, got, want)
	}
	return true
}

// FuzzDecodeMessage checks that whatever decodeMessage decodes, json.Unmarshal decodes
// to the same.
func FuzzDecodeMessage(f *testing.F) {
	for _, s := range messageSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkDecodeMessage(t, body) })
}
