package event

import "testing"

type record struct{ got []string }

func (r *record) Event(e *Event) error {
	r.got = append(r.got, e.Kind.String()+":"+string(e.AppendText(nil)))
	return nil
}

func TestChain(t *testing.T) {
	var last record
	if Chain(&last) != Sink(&last) {
		t.Fatal("a chain without filters is not its last sink")
	}
	tag := func(s string) Filter {
		return FilterFunc(func(e *Event, next Sink) error {
			e.Text = append(append([]byte(nil), e.Text...), s...)
			return next.Event(e)
		})
	}
	drop := FilterFunc(func(e *Event, next Sink) error {
		if e.Kind == Reasoning {
			return nil
		}
		return next.Event(e)
	})
	twice := FilterFunc(func(e *Event, next Sink) error {
		if err := next.Event(e); err != nil {
			return err
		}
		return next.Event(e)
	})
	s := Chain(&last, tag("a"), drop, twice, tag("b"))
	for _, e := range []Event{{Kind: Text, Text: []byte("x")}, {Kind: Reasoning}, {Kind: Done}} {
		if err := s.Event(&e); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"text:xab", "text:xabb", "done:ab", "done:abb"}
	if len(last.got) != len(want) {
		t.Fatalf("got %q, want %q", last.got, want)
	}
	for i := range want {
		if last.got[i] != want[i] {
			t.Fatalf("got %q, want %q", last.got, want)
		}
	}
}

func TestAppendText(t *testing.T) {
	lit := Event{Text: []byte(`"a\"\u003c\n"`), Lit: LitText}
	plain := Event{Text: []byte(`"a"`)}
	if got := string(lit.AppendText([]byte("x"))); got != "xa\"<\n" {
		t.Fatalf("literal: %q", got)
	}
	if got := string(plain.AppendText(nil)); got != `"a"` {
		t.Fatalf("plain: %q", got)
	}
}

func TestKindString(t *testing.T) {
	if Text.String() != "text" || ToolArgs.String() != "tool_args" || Kind(0).String() != "unknown" || Kind(200).String() != "unknown" {
		t.Fatal("kind names")
	}
}
