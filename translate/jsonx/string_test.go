package jsonx

import (
	"bytes"
	"encoding/json"
	"testing"
)

// marshalString is encoding/json's encoding of s without HTML escaping, which
// AppendString must match byte for byte.
func marshalString(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestAppendString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`"q" \b`, `"\"q\" \\b"`},
		{"q\"b\\s/", `"q\"b\\s/"`},
		{"\n\r\t\b\f", `"\n\r\t\b\f"`},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001f` + "\x7f" + `"`},
		{"é✓😀", `"é✓😀"`},
		{"\u2028\u2029", `"\u2028\u2029"`},
		{"a\xffb", `"a\ufffdb"`},
		{"a\xffb\xc3", `"a\ufffdb\ufffd"`},
		{"\xe2\x82", `"\ufffd\ufffd"`},
		{"\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`},
		{"<&>", `"<&>"`},
	}
	for _, tt := range tests {
		if got := string(AppendString(nil, tt.in)); got != tt.want {
			t.Errorf("AppendString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if got := string(AppendString(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("AppendString([]byte %q) = %s, want %s", tt.in, got, tt.want)
		}
		if got := string(marshalString(tt.in)); got != tt.want {
			t.Errorf("encoding/json disagrees on %q: %s", tt.in, got)
		}
	}
	if got := string(AppendString([]byte("x:"), "y")); got != `x:"y"` {
		t.Errorf("AppendString does not append: %s", got)
	}
}

func TestAppendStringAllocs(t *testing.T) {
	s := "text with \"quotes\", a\ttab, é, 😀, \u2028 and \xff"
	b := []byte(s)
	dst := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { dst = AppendString(dst[:0], s) }); n != 0 {
		t.Errorf("AppendString(string) allocates %v times with room in dst", n)
	}
	if n := testing.AllocsPerRun(100, func() { dst = AppendString(dst[:0], b) }); n != 0 {
		t.Errorf("AppendString([]byte) allocates %v times with room in dst", n)
	}
}

// FuzzAppendString checks AppendString against encoding/json byte for byte.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "abc", "\"\\\n\x00", "é😀\u2028", "\xff\xe2\x82", "\xed\xa0\x80", "a\"b", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := AppendString(nil, s)
		if want := marshalString(s); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, encoding/json %s", s, got, want)
		}
		if got2 := AppendString(nil, []byte(s)); !bytes.Equal(got2, got) {
			t.Fatalf("AppendString([]byte %q) = %s, string form %s", s, got2, got)
		}
	})
}
