package openai

import (
	"encoding/json"
	"testing"

	"github.com/franca-gw/franca/translate/jsonx"
)

func TestSetMember(t *testing.T) {
	tests := []struct{ in, key, val, want string }{
		{`{}`, "model", `"m"`, `{"model":"m"}`},
		{` { } `, "model", `"m"`, ` { "model":"m"} `},
		{`{"a":1}`, "model", `"m"`, `{"a":1,"model":"m"}`},
		{`{"model":"x","a":{"model":"y"}}`, "model", `"m"`, `{"model":"m","a":{"model":"y"}}`},
		{`{"model" :  null , "b":[{"model":1}],"model":"dup"}`, "model", `"m"`, `{"model" :  "m" , "b":[{"model":1}],"model":"m"}`},
		{`{"mod\u0065l":"x"}`, "model", `"m"`, `{"mod\u0065l":"m"}`},
		{`{"s":"}\"model\":{","model":"x"}`, "model", `"m"`, `{"s":"}\"model\":{","model":"m"}`},
		{"{\n  \"a\": true\n}", "stream_options", `{"include_usage":true}`, "{\n  \"a\": true\n,\"stream_options\":{\"include_usage\":true}}"},
	}
	for _, tc := range tests {
		got, err := setMember([]byte(tc.in), tc.key, []byte(tc.val))
		if err != nil {
			t.Fatalf("setMember(%s): %v", tc.in, err)
		}
		if string(got) != tc.want {
			t.Errorf("setMember(%s) = %s, want %s", tc.in, got, tc.want)
		}
		if !json.Valid(got) {
			t.Errorf("setMember(%s) gave invalid JSON", tc.in)
		}
	}
	for _, bad := range []string{``, `[]`, `{"a"}`, `{"a":}`, `{"a":1`, `{"a":1}x`, `{"a":"x}`, `{a:1}`, `{"a":1,}`, `{"a":[}`} {
		if _, err := setMember([]byte(bad), "model", []byte(`"m"`)); err == nil {
			t.Errorf("setMember(%q) accepted malformed JSON", bad)
		}
	}
}

func TestCutRange(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"usage":null}`, `{}`},
		{`{"usage":null,"a":1}`, `{"a":1}`},
		{`{"a":1,"usage":null}`, `{"a":1}`},
		{`{"a":1 , "usage" : {"x":1} ,"b":2}`, `{"a":1  ,"b":2}`},
		{`{ "usage":1, "b":2}`, `{ "b":2}`},
	}
	for _, tc := range tests {
		b := []byte(tc.in)
		var m jsonx.Member
		jsonx.EachMember(b, func(x jsonx.Member) bool {
			if x.Is(b, "usage") {
				m = x
				return false
			}
			return true
		})
		from, to := cutRange(b, m)
		got := string(b[:from]) + string(b[to:])
		if got != tc.want {
			t.Errorf("cut(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
