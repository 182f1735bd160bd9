package sse

import (
	"errors"
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

// TestReaderEventLimitEverySplit checks the bound on one event, wherever the stream is
// cut: an event of exactly Max bytes of lines passes, one byte more is
// ErrEventTooLarge, and many events under the bound pass however long the stream.
func TestReaderEventLimitEverySplit(t *testing.T) {
	const max = 24
	ok := []struct{ in, want string }{
		// "data: " + 18 bytes = 24.
		{"data: 0123456789abcdefgh\n\n", "[|0123456789abcdefgh]"},
		// Two lines of 12: 24.
		{"data: 012345\ndata: 6789ab\n\n", "[|012345\n6789ab]"},
		// The bound is per event: the size starts again after each blank line.
		{strings.Repeat("data: 0123456789abcdefgh\r\n\r\n", 4) + ": keep-alive comment\n\n", strings.Repeat("[|0123456789abcdefgh]", 4)},
	}
	tooBig := []string{
		"data: 0123456789abcdefghi\n\n",
		"data: 012345\ndata: 6789abc\n\n",
		"event: big\ndata: 0123456789\n\n",
		": a comment line that goes on and on\n\ndata: x\n\n",
		"data: 0123456789abcdefghijklmnopqrstuvwxyz", // never ends
	}
	run := func(max int, chunks ...string) (string, error) {
		r := Reader{Max: max}
		var out strings.Builder
		fn := func(e Event) error {
			fmt.Fprintf(&out, "[%s|%s]", e.Name, e.Data)
			return nil
		}
		for _, c := range chunks {
			if err := r.Feed([]byte(c), fn); err != nil {
				if err2 := r.Feed([]byte("data: more\n\n"), fn); !errors.Is(err2, ErrEventTooLarge) {
					t.Fatalf("Feed after the error: %v", err2)
				}
				if r.Pending() {
					t.Fatalf("the reader still holds bytes after giving up")
				}
				if err2 := r.Close(fn); !errors.Is(err2, ErrEventTooLarge) {
					t.Fatalf("Close after the error: %v", err2)
				}
				return out.String(), err
			}
		}
		return out.String(), r.Close(fn)
	}
	for _, c := range ok {
		for i := 0; i <= len(c.in); i++ {
			for j := i; j <= len(c.in); j++ {
				got, err := run(max, c.in[:i], c.in[i:j], c.in[j:])
				if err != nil || got != c.want {
					t.Fatalf("%q split at %d,%d: got %q, %v; want %q", c.in, i, j, got, err, c.want)
				}
			}
		}
	}
	for _, in := range tooBig {
		for i := 0; i <= len(in); i++ {
			for j := i; j <= len(in); j++ {
				_, err := run(max, in[:i], in[i:j], in[j:])
				if !errors.Is(err, ErrEventTooLarge) || err.Error() != "an event of the stream is larger than the limit of 24 bytes" {
					t.Fatalf("%q split at %d,%d: err %v, want the event to be too large", in, i, j, err)
				}
			}
		}
	}
}

// TestReaderDefaultLimit checks the default bound, MaxEvent, with one event a byte over
// it, fed in the 32 KiB reads the Caddy adapter makes: the reader never holds more than
// the bound (and lets go of it when it gives up).
func TestReaderDefaultLimit(t *testing.T) {
	var r Reader
	fn := func(Event) error { return nil }
	in := []byte("data: " + strings.Repeat("x", MaxEvent-len("data: ")) + "\n\n")
	if err := r.Feed(in, fn); err != nil {
		t.Fatalf("an event of MaxEvent bytes: %v", err)
	}
	in = []byte("data: " + strings.Repeat("x", MaxEvent-len("data: ")+1) + "\n\n")
	var err error
	for len(in) > 0 && err == nil {
		n := min(32<<10, len(in))
		err = r.Feed(in[:n], fn)
		in = in[n:]
		if n := len(r.line) + len(r.data); n > MaxEvent {
			t.Fatalf("the reader holds %d bytes", n)
		}
	}
	if err != ErrEventTooLarge || err.Error() != "an event of the stream is larger than the limit of 1048576 bytes" {
		t.Fatalf("err %v", err)
	}
	if r.line != nil || r.data != nil {
		t.Fatalf("the reader keeps its buffers after giving up")
	}
}
