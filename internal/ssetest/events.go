package ssetest

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/franca-gw/franca/translate/event"
)

// Recorder is an event.Sink that writes each event it gets as one line of text (see
// Format), so that tests can compare a decoder's events exactly.
type Recorder struct {
	Lines []string
}

// Event implements event.Sink.
func (r *Recorder) Event(e *event.Event) error {
	r.Lines = append(r.Lines, Format(e))
	return nil
}

// Format writes e as "kind" followed by the fields that are set, e.g.
// `text choice=0 role text="Hello"`; strings are Go-quoted plain text, literals decoded
// first, so that a literal and plain text with the same content look the same.
func Format(e *event.Event) string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	if e.Observed {
		b.WriteString(" observed")
	}
	str := func(name string, v []byte, lit bool) {
		if v == nil {
			return
		}
		ev := event.Event{Text: v}
		if lit {
			ev.Lit = event.LitText
		}
		b.WriteString(" " + name + "=" + strconv.Quote(string(ev.AppendText(nil))))
	}
	switch e.Kind {
	case event.Start:
		str("id", e.ID, e.Lit&event.LitID != 0)
		str("model", e.Model, e.Lit&event.LitModel != 0)
		str("fingerprint", e.Fingerprint, e.Lit&event.LitFingerprint != 0)
		b.WriteString(" created=" + strconv.FormatInt(e.Created, 10))
		return b.String()
	case event.Usage:
		if u := e.Usage; u != nil {
			b.WriteString(" prompt=" + strconv.Itoa(u.PromptTokens) + " completion=" + strconv.Itoa(u.CompletionTokens) +
				" total=" + strconv.Itoa(u.TotalTokens) + " cached=" + strconv.Itoa(u.CachedTokens()) +
				" reasoning=" + strconv.Itoa(u.ReasoningTokens()))
		}
		if e.UsageJSON != nil {
			b.WriteString(" json=" + string(e.UsageJSON))
		}
		return b.String()
	case event.Error:
		b.WriteString(" " + strconv.Quote(string(e.Err.JSON())))
		return b.String()
	case event.Chunk:
		b.WriteString(" " + string(e.Raw[0]) + string(e.Raw[1]))
		return b.String()
	case event.Done:
		return b.String()
	}
	b.WriteString(" choice=" + strconv.Itoa(e.Choice))
	if e.Kind == event.ToolCall || e.Kind == event.ToolArgs {
		b.WriteString(" tool=" + strconv.Itoa(e.Tool))
	}
	if e.Role {
		b.WriteString(" role")
	}
	str("id", e.ID, e.Lit&event.LitID != 0)
	str("name", e.Name, e.Lit&event.LitName != 0)
	if e.Kind != event.Finish {
		str("text", e.Text, e.Lit&event.LitText != 0)
		if e.Text == nil {
			b.WriteString(` text=""`)
		}
	}
	if e.Reason != "" {
		b.WriteString(" reason=" + e.Reason)
	}
	if e.Logprobs != nil {
		b.WriteString(" logprobs=" + string(e.Logprobs))
	}
	return b.String()
}

// Events feeds in to dec cut at every offset, and byte by byte, and fails the test
// unless each run sends the same events; it returns them. End's error is returned too.
func Events(t testing.TB, newDecoder func() event.Decoder, in []byte) ([]string, error) {
	t.Helper()
	run := func(pieces [][]byte) ([]string, error) {
		dec := newDecoder()
		var r Recorder
		for _, p := range pieces {
			c := append([]byte(nil), p...)
			if err := dec.Feed(c, &r); err != nil {
				return r.Lines, err
			}
			for i := range c {
				c[i] = 'X'
			}
		}
		err := dec.End(&r)
		return r.Lines, err
	}
	want, wantErr := run([][]byte{in})
	for i := 0; i <= len(in); i++ {
		got, err := run([][]byte{in[:i], in[i:]})
		if !slices.Equal(got, want) || (err == nil) != (wantErr == nil) {
			t.Fatalf("split at %d: events\n%s\nerror %v; in one piece:\n%s\nerror %v",
				i, strings.Join(got, "\n"), err, strings.Join(want, "\n"), wantErr)
		}
	}
	return want, wantErr
}
