package anthropic

import (
	"bytes"
	"encoding/json"
	"testing"
)

// marshalString is encoding/json's encoding of s without HTML escaping, which
// appendString must match byte for byte.
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
		{"\n\r\t\b\f", `"\n\r\t\b\f"`},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001f` + "\x7f" + `"`},
		{"é✓😀", `"é✓😀"`},
		{"\u2028\u2029", `"\u2028\u2029"`},
		{"a\xffb", `"a\ufffdb"`},
		{"\xe2\x82", `"\ufffd\ufffd"`},
		{"<&>", `"<&>"`},
	}
	for _, tt := range tests {
		if got := string(appendString(nil, tt.in)); got != tt.want {
			t.Errorf("appendString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if got := string(appendString(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("appendString([]byte %q) = %s, want %s", tt.in, got, tt.want)
		}
		if got := string(marshalString(tt.in)); got != tt.want {
			t.Errorf("encoding/json disagrees on %q: %s", tt.in, got)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "abc", "\"\\\n\x00", "é😀\u2028", "\xff\xe2\x82", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)
		if want := marshalString(s); !bytes.Equal(got, want) {
			t.Fatalf("appendString(%q) = %s, encoding/json %s", s, got, want)
		}
	})
}

func TestScanner(t *testing.T) {
	valid := []string{`{}`, ` { "a" : [1, -0.5e+3, true, false, null, "x\u00e9\ud83d\ude00", {}] } `, `[]`, `"s"`, `0`, `-1.0E-2`}
	invalid := []string{``, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `01`, `1.`, `.5`, `-`, `"\x"`, "\"\x01\"", `"\u12"`, `tru`, `{"a":1}x`, `{,}`, `[1 2]`}
	for _, s := range valid {
		sc := scanner{b: []byte(s)}
		if !sc.skip() || !sc.end() {
			t.Errorf("%s: rejected", s)
		}
	}
	for _, s := range invalid {
		sc := scanner{b: []byte(s)}
		if sc.skip() && sc.end() {
			t.Errorf("%s: accepted", s)
		}
	}
	var key []byte
	sc := scanner{b: []byte(`{"\u0074ext": "a\"b\\c\/d\n\ud800\u0041\udc00"}`)}
	first := true
	if !sc.enter() {
		t.Fatal("enter")
	}
	k, ok := sc.next(&first, &key)
	if !ok || string(k) != "text" {
		t.Fatalf("key %q %v", k, ok)
	}
	v, ok := sc.str(nil)
	if want := "a\"b\\c/d\n\uFFFDA\uFFFD"; !ok || string(v) != want {
		t.Fatalf("value %q, want %q", v, want)
	}
	if _, ok := sc.next(&first, &key); ok || !sc.end() {
		t.Fatal("object not closed")
	}
}

func FuzzScanner(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"x\u00e9"`, `-0.5e1`, `[`, `{"a":"\ud83d\ude00"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sc := scanner{b: b}
		mine := sc.skip() && sc.end()
		if theirs := json.Valid(b); mine != theirs {
			if theirs && bytes.Count(b, []byte("["))+bytes.Count(b, []byte("{")) > maxDepth {
				return // deeper than the scanner goes
			}
			t.Fatalf("scanner says %v, json.Valid %v for %q", mine, theirs, b)
		}
		if !mine || bytes.TrimSpace(b)[0] != '"' {
			return
		}
		sc = scanner{b: b}
		got, ok := sc.str(nil)
		var want string
		if err := json.Unmarshal(b, &want); err != nil || !ok {
			t.Fatalf("str ok=%v, Unmarshal %v", ok, err)
		}
		// Invalid UTF-8 is kept by the scanner and repaired by appendString: compare
		// what the re-encoded text means.
		var decoded string
		if err := json.Unmarshal(appendString(nil, got), &decoded); err != nil || decoded != want {
			t.Fatalf("decoded %q (%v), encoding/json %q", decoded, err, want)
		}
	})
}
