package sse

import (
	"fmt"
	"strings"
	"testing"
)

func collect(t *testing.T, chunks ...string) string {
	t.Helper()
	var r Reader
	var out strings.Builder
	fn := func(e Event) error {
		fmt.Fprintf(&out, "[%s|%s]", e.Name, e.Data)
		return nil
	}
	for _, c := range chunks {
		if err := r.Feed([]byte(c), fn); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(fn); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestReaderEverySplit(t *testing.T) {
	cases := []struct{ in, want string }{
		{"data: a\n\ndata: b\n\n", "[|a][|b]"},
		{"event: x\ndata: 1\ndata: 2\n\n", "[x|1\n2]"},
		{"event: x\r\ndata: {\"k\":1}\r\n\r\n: ping\r\n\r\ndata:raw\r\rdata: é\n\n", `[x|{"k":1}][|raw][|é]`},
		{"id: 3\nretry: 10\ndata\n\n", "[|]"},
		{"event: a\n\nevent: b\ndata: c\n\n", "[b|c]"},
		{"data: tail-without-blank-line\n", "[|tail-without-blank-line]"},
		{"data: x\n\ndata: partial", "[|x]"},
	}
	for _, c := range cases {
		for i := 0; i <= len(c.in); i++ {
			for j := i; j <= len(c.in); j++ {
				got := collect(t, c.in[:i], c.in[i:j], c.in[j:])
				if got != c.want {
					t.Fatalf("%q split at %d,%d: got %q, want %q", c.in, i, j, got, c.want)
				}
			}
		}
	}
}

func TestReaderStopsOnCallbackError(t *testing.T) {
	var r Reader
	n := 0
	err := r.Feed([]byte("data: 1\n\ndata: 2\n\n"), func(Event) error { n++; return fmt.Errorf("stop") })
	if err == nil || n != 1 {
		t.Fatalf("err=%v n=%d", err, n)
	}
}
