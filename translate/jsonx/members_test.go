package jsonx

import (
	"strings"
	"testing"
)

func TestEachMember(t *testing.T) {
	b := []byte(` { "model" : "m", "mod\u0065l2":[1,{"a":"}"}], "e":{} ,"n":null} `)
	var got []string
	err := EachMember(b, func(m Member) bool {
		got = append(got, string(m.Name(b, nil))+"="+string(m.Value(b))+"@"+string(b[m.KeyStart:m.KeyEnd]))
		return true
	})
	want := `model="m"@"model" model2=[1,{"a":"}"}]@"mod\u0065l2" e={}@"e" n=null@"n"`
	if err != nil || strings.Join(got, " ") != want {
		t.Fatalf("EachMember = %v %v\nwant %s", err, got, want)
	}
	n := 0
	if err := EachMember(b, func(Member) bool { n++; return n < 2 }); err != nil || n != 2 {
		t.Fatalf("stopping early: %v after %d", err, n)
	}
	for _, bad := range []string{``, `[]`, `{"a"}`, `{"a":}`, `{"a":1`, `{"a":1}x`, `{"a":"x}`, `{a:1}`, `{"a":1,}`, `{"a":[}`, `{"a":1x}`} {
		if err := EachMember([]byte(bad), func(Member) bool { return true }); err == nil {
			t.Errorf("EachMember(%q) accepted malformed JSON", bad)
		}
	}
	if err := EachMember([]byte(" {} "), func(Member) bool { t.Fatal("member in {}"); return true }); err != nil {
		t.Fatal(err)
	}
}

func TestMemberIs(t *testing.T) {
	b := []byte(`{"model":1,"mod\u0065l":2,"\"q\"":3,"` + strings.Repeat(`\u0061`, 70) + `":4}`)
	var ms []Member
	EachMember(b, func(m Member) bool { ms = append(ms, m); return true })
	cases := []struct {
		m    Member
		name string
		want bool
	}{
		{ms[0], "model", true}, {ms[0], "mode", false}, {ms[1], "model", true}, {ms[1], "mod\\u0065l", false},
		{ms[2], `"q"`, true}, {ms[3], strings.Repeat("a", 70), true},
	}
	for _, c := range cases {
		if got := c.m.Is(b, c.name); got != c.want {
			t.Errorf("%s Is %q = %v", b[c.m.KeyStart:c.m.KeyEnd], c.name, got)
		}
	}
	buf := make([]byte, 0, 16)
	if n := testing.AllocsPerRun(50, func() { ms[1].Is(b, "model"); ms[0].Name(b, buf) }); n != 0 {
		t.Errorf("Is/Name allocate %v times", n)
	}
}

func TestEachElement(t *testing.T) {
	b := []byte(` [1, "a,]" ,{"b":[2]}, [] ] `)
	var got []string
	err := EachElement(b, func(s, e int) bool { got = append(got, string(b[s:e])); return true })
	if err != nil || strings.Join(got, "|") != `1|"a,]"|{"b":[2]}|[]` {
		t.Fatalf("EachElement = %v %q", err, got)
	}
	for _, bad := range []string{``, `{}`, `[1,]`, `[1 2]`, `[`, `[1]]`} {
		if err := EachElement([]byte(bad), func(int, int) bool { return true }); err == nil {
			t.Errorf("EachElement(%q) accepted malformed JSON", bad)
		}
	}
}
