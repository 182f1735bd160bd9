// Package ssetest checks stream transcoders against a recorded upstream stream cut at every
// byte offset. Test-only.
package ssetest

import (
	"bytes"
	"testing"

	"github.com/franca-gw/franca/translate"
)

// Run feeds in to a fresh transcoder from newStream in one piece and returns what it wrote,
// End included. It fails the test on an error.
func Run(t testing.TB, newStream func() translate.Stream, in []byte) []byte {
	t.Helper()
	out, err := feed(newStream(), [][]byte{in})
	if err != nil {
		t.Fatalf("transcode: %v", err)
	}
	return out
}

// EverySplit feeds in cut into two pieces at every offset, and also one byte at a time,
// and fails the test unless each run writes exactly want. It returns nothing: the whole
// output is compared, not only the events.
func EverySplit(t testing.TB, newStream func() translate.Stream, in, want []byte) {
	t.Helper()
	for i := 0; i <= len(in); i++ {
		got, err := feed(newStream(), [][]byte{in[:i], in[i:]})
		if err != nil {
			t.Fatalf("split at %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("split at %d of %d:\ngot:\n%s\nwant:\n%s", i, len(in), got, want)
		}
	}
	pieces := make([][]byte, len(in))
	for i := range in {
		pieces[i] = in[i : i+1]
	}
	got, err := feed(newStream(), pieces)
	if err != nil {
		t.Fatalf("byte by byte: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("byte by byte:\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func feed(s translate.Stream, pieces [][]byte) ([]byte, error) {
	var out []byte
	var err error
	for _, p := range pieces {
		// Copy each piece so that a transcoder keeping a reference to the caller's
		// buffer (a bug) shows up as corrupted output.
		c := append([]byte(nil), p...)
		if out, err = s.Feed(out, c); err != nil {
			return out, err
		}
		for i := range c {
			c[i] = 'X'
		}
	}
	return s.End(out)
}
