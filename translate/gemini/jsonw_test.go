package gemini

import (
	"encoding/json"
	"testing"
)

func TestAppendString(t *testing.T) {
	tests := map[string]string{
		"":                   `""`,
		"plain":              `"plain"`,
		"q\"b\\s/":           `"q\"b\\s/"`,
		"\n\r\t\b\f\x00\x1f": `"\n\r\t\b\f\u0000\u001f"`,
		"é😀<&>":              `"é😀<&>"`,
		"\u2028\u2029":       `"\u2028\u2029"`,
		"a\xffb\xc3":         `"a\ufffdb\ufffd"`,
		"\x7f":               "\"\x7f\"",
	}
	for in, want := range tests {
		if got := string(appendString(nil, in)); got != want {
			t.Errorf("appendString(%q) = %s, want %s", in, got, want)
		}
		if got := string(appendString(nil, []byte(in))); got != want {
			t.Errorf("appendString([]byte(%q)) = %s, want %s", in, got, want)
		}
	}
}

// FuzzAppendString checks that the escaper always writes valid JSON that reads back as
// encoding/json reads its own encoding of the same string.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x00\xff", "é\u2028", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendString(nil, s)
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("invalid JSON %q for %q: %v", out, s, err)
		}
		ref, _ := json.Marshal(s)
		var want string
		json.Unmarshal(ref, &want)
		if got != want {
			t.Fatalf("%q read back as %q, want %q", s, got, want)
		}
	})
}

func TestSkipValue(t *testing.T) {
	good := []string{`{}`, `[]`, `"x"`, `{"a":[1,-2.5e3,true,false,null,{"b":"\u00e9\n"}]}`, ` { "a" : 1 } `}
	for _, in := range good {
		sp, ok := skipValue([]byte(in), 0, 0)
		if !ok || skipWS([]byte(in), sp.e) != len(in) {
			t.Errorf("skipValue(%s) = %v %v", in, sp, ok)
		}
	}
	bad := []string{``, `{`, `[1,]`, `{"a"}`, `{"a":}`, `"\x"`, "\"a\x01\"", `"\u12"`, `tru`, `{1:2}`, `[1 2]`, `x`}
	for _, in := range bad {
		if _, ok := skipValue([]byte(in), 0, 0); ok {
			t.Errorf("skipValue(%q) accepted", in)
		}
	}
	deep := make([]byte, 0, 2*maxDepth+10)
	for i := 0; i < maxDepth+5; i++ {
		deep = append(deep, '[')
	}
	if _, ok := skipValue(deep, 0, 0); ok {
		t.Error("accepted nesting past maxDepth")
	}
}
