package jsonx

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// valid reports whether the scanner accepts b as one JSON document.
func valid(b []byte) bool {
	sc := NewScanner(b)
	return sc.Skip() && sc.End()
}

func TestScannerValidity(t *testing.T) {
	good := []string{`{}`, `[]`, `"s"`, `0`, `-1.0E-2`, `true`, ` null `,
		` { "a" : [1, -0.5e+3, true, false, null, "x\u00e9\ud83d\ude00", {}] } `,
		`{"a":[1,-2.5e3,true,false,null,{"b":"\u00e9\n"}]}`,
		strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)}
	bad := []string{``, ` `, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `01`, `1.`, `.5`, `-`,
		`1e`, `+1`, `"\x"`, "\"\x01\"", `"\u12"`, `"abc`, `tru`, `nul`, `{"a":1}x`, `{,}`, `[1 2]`,
		`{1:2}`, `x`, `[{}{}]`, `{"a":1 "b":2}`, `[}`, `{]`,
		strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)}
	for _, s := range good {
		if !valid([]byte(s)) {
			t.Errorf("%.40s: rejected", s)
		}
	}
	for _, s := range bad {
		if valid([]byte(s)) {
			t.Errorf("%.40q: accepted", s)
		}
	}
}

func TestScannerWalk(t *testing.T) {
	doc := []byte(` {"\u0074ext": "a\"b\\c\/d\n\ud800\u0041\udc00", "n": -12, "list": [1, {"k": "v"}, []],
		"skip": {"x": [true]}, "raw": {"a" : 1} } `)
	sc := NewScanner(doc)
	var keyBuf []byte
	if !sc.EnterObject() {
		t.Fatal("EnterObject")
	}
	var got []string
	for {
		key, ok := sc.NextKey(&keyBuf)
		if !ok {
			break
		}
		switch string(key) {
		case "text":
			v, ok := sc.Str(nil)
			if want := "a\"b\\c/d\n\uFFFDA\uFFFD"; !ok || string(v) != want {
				t.Fatalf("text = %q, want %q", v, want)
			}
		case "n":
			if n, ok := sc.Int(); !ok || n != -12 {
				t.Fatalf("n = %d %v", n, ok)
			}
		case "list":
			sc.EnterArray()
			k := 0
			for sc.NextElem() {
				switch k {
				case 1:
					sc.EnterObject()
					if key, ok := sc.NextKey(nil); !ok || string(key) != "k" {
						t.Fatalf("list[1] key %q", key)
					}
					sc.Skip()
					if _, ok := sc.NextKey(nil); ok {
						t.Fatal("list[1] not closed")
					}
				default:
					sc.Skip()
				}
				k++
			}
			if k != 3 {
				t.Fatalf("list has %d elements", k)
			}
		case "raw":
			if v := sc.Value(); string(v) != `{"a" : 1}` {
				t.Fatalf("raw = %s", v)
			}
		default:
			sc.Skip()
		}
		got = append(got, string(key))
	}
	if !sc.End() {
		t.Fatalf("walk not ended cleanly at %d", sc.Pos())
	}
	if strings.Join(got, ",") != "text,n,list,skip,raw" {
		t.Fatalf("keys %v", got)
	}
}

func TestScannerFaults(t *testing.T) {
	tests := []struct {
		doc  string
		walk func(sc *Scanner) bool
	}{
		{`{"a":5}`, func(sc *Scanner) bool { sc.EnterObject(); sc.NextKey(nil); _, ok := sc.Str(nil); return ok }},
		{`{"a":1.5}`, func(sc *Scanner) bool { sc.EnterObject(); sc.NextKey(nil); _, ok := sc.Int(); return ok }},
		{`{"a":"1"}`, func(sc *Scanner) bool { sc.EnterObject(); sc.NextKey(nil); _, ok := sc.Int(); return ok }},
		{`[1]`, func(sc *Scanner) bool { return sc.EnterObject() }},
		{`{}`, func(sc *Scanner) bool { return sc.EnterArray() }},
		{`{"a":1 "b":2}`, func(sc *Scanner) bool {
			sc.EnterObject()
			sc.NextKey(nil)
			sc.Skip()
			_, ok := sc.NextKey(nil)
			return ok
		}},
	}
	for _, tc := range tests {
		sc := NewScanner([]byte(tc.doc))
		if tc.walk(&sc) || sc.OK() || sc.End() || sc.Peek() != 0 || sc.Value() != nil {
			t.Errorf("%s: fault not kept", tc.doc)
		}
	}
}

func TestScannerAllocs(t *testing.T) {
	doc := []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello, \"world\" \u00e9"}}`)
	var keyBuf, typ, text []byte
	typ, text = make([]byte, 0, 64), make([]byte, 0, 64)
	n := testing.AllocsPerRun(100, func() {
		sc := NewScanner(doc)
		sc.EnterObject()
		for {
			key, ok := sc.NextKey(&keyBuf)
			if !ok {
				break
			}
			if string(key) != "delta" {
				sc.Skip()
				continue
			}
			sc.EnterObject()
			for {
				key, ok := sc.NextKey(&keyBuf)
				if !ok {
					break
				}
				switch string(key) {
				case "type":
					typ, _ = sc.Str(typ[:0])
				case "text":
					text, _ = sc.Str(text[:0])
				default:
					sc.Skip()
				}
			}
		}
		if !sc.End() {
			panic("walk failed")
		}
	})
	if n != 0 {
		t.Errorf("a walk allocates %v times", n)
	}
}

func TestInt(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true}, {"42", 42, true}, {"-7", -7, true}, {"123456789012345678", 123456789012345678, true},
		{"1234567890123456789", 0, false}, {"", 0, false}, {"-", 0, false}, {"1.5", 0, false},
		{"1e3", 0, false}, {`"1"`, 0, false},
	}
	for _, tc := range tests {
		if n, ok := Int([]byte(tc.in)); n != tc.want || ok != tc.ok {
			t.Errorf("Int(%s) = %d %v, want %d %v", tc.in, n, ok, tc.want, tc.ok)
		}
	}
}

func TestAppendUnquotedAndLiteral(t *testing.T) {
	tests := []struct{ lit, text, literal string }{
		{`""`, "", `""`},
		{`"plain"`, "plain", `"plain"`},
		{`"\u00e9\/\n"`, "é/\n", `"\u00e9\/\n"`},
		{`"😀"`, "😀", `"😀"`},
		{"\"a\xffb\\n\"", "a\xffb\n", "\"a\uFFFDb\\n\""},
		{`"\ud83d\ude00\ud83d"`, "😀\uFFFD", `"\ud83d\ude00\ud83d"`},
	}
	for _, tc := range tests {
		got, ok := AppendUnquoted([]byte("x"), []byte(tc.lit))
		if !ok || string(got) != "x"+tc.text {
			t.Errorf("AppendUnquoted(%s) = %q %v, want %q", tc.lit, got, ok, "x"+tc.text)
		}
		if got := AppendLiteral(nil, []byte(tc.lit)); string(got) != tc.literal {
			t.Errorf("AppendLiteral(%s) = %s, want %s", tc.lit, got, tc.literal)
		}
	}
	for _, bad := range []string{``, `"`, `"a`, `a"`, `1`, `"a"b"`, `"\x"`, `"\u12"`, "\"\x01\""} {
		if got, ok := AppendUnquoted([]byte("x"), []byte(bad)); ok || string(got) != "x" {
			t.Errorf("AppendUnquoted(%q) = %q %v", bad, got, ok)
		}
		if got := AppendLiteral(nil, []byte(bad)); string(got) != `""` {
			t.Errorf("AppendLiteral(%q) = %s", bad, got)
		}
	}
}

func FuzzScanner(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"x\u00e9"`, `-0.5e1`, `[`, `{"a":"\ud83d\ude00"}`, `[{}{}]`, "\"\xff\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		mine := valid(b)
		if theirs := json.Valid(b); mine != theirs {
			if theirs && bytes.Count(b, []byte("["))+bytes.Count(b, []byte("{")) > MaxDepth {
				return // deeper than the scanner goes
			}
			t.Fatalf("scanner says %v, json.Valid %v for %q", mine, theirs, b)
		}
		if !mine {
			return
		}
		if v := bytes.TrimSpace(b); v[0] == '{' {
			checkMembers(t, b)
		}
		if bytes.TrimSpace(b)[0] != '"' {
			return
		}
		sc := NewScanner(b)
		got, ok := sc.Str(nil)
		var want string
		if err := json.Unmarshal(b, &want); err != nil || !ok {
			t.Fatalf("Str ok=%v, Unmarshal %v", ok, err)
		}
		// Invalid UTF-8 is kept by the scanner and repaired by AppendString: compare
		// what the re-encoded text means.
		var decoded string
		if err := json.Unmarshal(AppendString(nil, got), &decoded); err != nil || decoded != want {
			t.Fatalf("decoded %q (%v), encoding/json %q", decoded, err, want)
		}
		lit := AppendLiteral(nil, bytes.TrimSpace(b))
		if err := json.Unmarshal(lit, &decoded); err != nil || decoded != want {
			t.Fatalf("AppendLiteral gave %q (%v), encoding/json %q", lit, err, want)
		}
	})
}

// checkMembers compares EachMember on the valid object b with encoding/json.
func checkMembers(t *testing.T, b []byte) {
	var want map[string]json.RawMessage
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	got := map[string]json.RawMessage{}
	err := EachMember(b, func(m Member) bool {
		name := string(m.Name(b, nil))
		if !m.Is(b, name) {
			t.Fatalf("member %q is not itself", name)
		}
		// Name keeps invalid UTF-8 as it is; encoding/json makes each bad byte U+FFFD.
		got[string([]rune(name))] = m.Value(b)
		return true
	})
	if err != nil || len(got) != len(want) {
		t.Fatalf("EachMember: %v, %d members, want %d", err, len(got), len(want))
	}
	for k, v := range want {
		if !bytes.Equal(got[k], v) {
			t.Fatalf("member %q = %s, want %s", k, got[k], v)
		}
	}
}
