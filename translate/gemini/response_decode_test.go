package gemini

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake/geminifake"
)

// TestDecodeResponseFields checks that decodeResponse knows every member of the types
// it fills, so that a field added to them is not silently left empty.
func TestDecodeResponseFields(t *testing.T) {
	cases := []struct {
		typ   any
		names []string
	}{
		{genResponse{}, responseMembers[:]},
		{candidate{}, candidateMembers[:]},
		{candidate{}.Content, contentMembers[:]},
		{part{}, partMembers[:]},
		{functionCall{}, callMembers[:]},
		{promptFeedback{}, feedbackMembers[:]},
		{usageMeta{}, usageMembers[:]},
	}
	for _, c := range cases {
		rt := reflect.TypeOf(c.typ)
		var tags []string
		for i := 0; i < rt.NumField(); i++ {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			tags = append(tags, name)
		}
		if !slices.Equal(tags, c.names) {
			t.Errorf("%s: json names %q, decodeResponse knows %q", rt, tags, c.names)
		}
	}
}

var responseSeeds = []string{
	geminifake.ResponseText, geminifake.ResponseFunctionCalls, geminifake.ResponseThinking, geminifake.ResponseSafety,
	geminifake.ResponsePromptBlocked, geminifake.ResponseTwoCandidates,
	`{"candidates":[null,{"content":null,"index":null,"logprobsResult":null},{"content":{"parts":[null,{"text":null,"functionCall":null}]}}],"promptFeedback":null,"usageMetadata":null}`,
	`{"candidates":[],"modelversion":"x"}`,
	`{"usageMetadata":{"totalTokenCount":1.5}}`,
	`{"candidates":{}}`,
}

func TestDecodeResponse(t *testing.T) {
	fast := 0
	for _, s := range responseSeeds {
		if checkDecodeResponse(t, []byte(s)) {
			fast++
		}
	}
	if fast != 7 {
		t.Errorf("%d of the seeds decoded in one pass, want 7", fast)
	}
}

func checkDecodeResponse(t *testing.T, body []byte) bool {
	t.Helper()
	var got genResponse
	ok := decodeResponse(body, &got)
	if !ok {
		if !reflect.DeepEqual(got, genResponse{}) {
			t.Errorf("decodeResponse failed but left %+v", got)
		}
		return false
	}
	var want genResponse
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatalf("decodeResponse accepted what encoding/json refuses (%v): %q", err, body)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeResponse differs from encoding/json for %q\n got %#v\nwant %#v", body, got, want)
	}
	return true
}

// FuzzDecodeResponse checks that whatever decodeResponse decodes, json.Unmarshal decodes
// to the same.
func FuzzDecodeResponse(f *testing.F) {
	for _, s := range responseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkDecodeResponse(t, body) })
}
