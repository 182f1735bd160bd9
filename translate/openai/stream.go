package openai

import (
	"bytes"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
	"github.com/franca-gw/franca/translate/sse"
)

// Stream returns the transcoder for a streamed chat completion. Events pass through
// byte for byte, re-framed as "data: …\n\n"; only usage is touched:
//
//   - usage is recorded wherever the provider reports it: a top-level "usage" member
//     (OpenAI, and providers that add it to the last chunk), choices[i].usage
//     (Moonshot) or x_groq.usage (Groq);
//   - when the client did not set stream_options.include_usage, every top-level
//     "usage" member is cut and a usage-only chunk (choices []) is dropped;
//   - when it did and no top-level usage reached it, a usage chunk in OpenAI's shape
//     is written before "data: [DONE]".
//
// An upstream error event ({"error":…}) is passed on in OpenAI's error shape.
func (t *Translator) Stream(req *schema.ChatRequest, tg *translate.Target) translate.Stream {
	s := &stream{wantUsage: req.IncludeUsage()}
	s.fn = s.onEvent
	return s
}

type stream struct {
	r         sse.Reader
	fn        func(sse.Event) error
	out       []byte
	wantUsage bool

	usageRaw    []byte
	usage       *schema.Usage
	usageDirty  bool
	sawTopUsage bool // a non-null top-level usage went to the client

	// id, created and model of the first chunk that has an id, for a usage chunk
	// Franca writes itself.
	id, created, model []byte
	gotMeta            bool

	done   bool // [DONE] seen
	failed bool // an error event was passed on
}

var (
	usageKey = []byte(`"usage"`)
	errorKey = []byte(`"error"`)
	doneData = []byte("[DONE]")
)

func (s *stream) Feed(dst, p []byte) ([]byte, error) {
	s.out = dst
	err := s.r.Feed(p, s.fn)
	return s.out, err
}

func (s *stream) End(dst []byte) ([]byte, error) {
	s.out = dst
	if err := s.r.Close(s.fn); err != nil {
		return s.out, err
	}
	if !s.done && !s.failed {
		return s.out, &translate.Error{Status: 502, Type: translate.TypeServer,
			Message: "the provider's stream ended before data: [DONE]"}
	}
	return s.out, nil
}

func (s *stream) Usage() *schema.Usage {
	if s.usageDirty {
		s.usage = decodeUsage(s.usageRaw)
		s.usageDirty = false
	}
	return s.usage
}

func (s *stream) onEvent(ev sse.Event) error {
	if s.done || s.failed {
		return nil
	}
	data := ev.Data
	if bytes.Equal(data, doneData) {
		if s.wantUsage && !s.sawTopUsage && len(s.usageRaw) > 0 {
			s.out = s.appendUsageChunk(s.out)
		}
		s.out = append(s.out, sse.Done...)
		s.done = true
		return nil
	}
	if string(ev.Name) == "error" || bytes.Contains(data, errorKey) && hasErrorMember(data) {
		e := mapError(500, nil, data)
		s.out = append(s.out, e.StreamErrorEvent()...)
		s.failed = true
		return nil
	}
	if !s.gotMeta || bytes.Contains(data, usageKey) {
		s.chunk(data)
		return nil
	}
	s.out = appendEvent(s.out, data, nil)
	return nil
}

// chunk handles a chunk that may hold usage or the stream's id.
func (s *stream) chunk(data []byte) {
	var usage, choices, xgroq jsonx.Member
	var hasUsage, hasChoices, hasXGroq bool
	var id, created, model []byte
	err := jsonx.EachMember(data, func(m jsonx.Member) bool {
		switch string(m.Name(data, nil)) {
		case "usage":
			usage, hasUsage = m, true
		case "choices":
			choices, hasChoices = m, true
		case "x_groq":
			xgroq, hasXGroq = m, true
		case "id":
			id = m.Value(data)
		case "created":
			created = m.Value(data)
		case "model":
			model = m.Value(data)
		}
		return true
	})
	if err != nil {
		// Not a JSON object: pass it on untouched.
		s.out = appendEvent(s.out, data, nil)
		return
	}
	if !s.gotMeta && len(id) > 2 && id[0] == '"' {
		s.id = append(s.id[:0], id...)
		s.created = append(s.created[:0], created...)
		s.model = append(s.model[:0], model...)
		s.gotMeta = true
	}
	if !hasUsage {
		if hasChoices {
			s.nestedUsage(data, choices.Value(data))
		}
		if hasXGroq {
			s.recordIn(xgroq.Value(data))
		}
		s.out = appendEvent(s.out, data, nil)
		return
	}
	v := usage.Value(data)
	real := !isNull(v) && v[0] == '{'
	if real {
		s.record(v)
	}
	if s.wantUsage {
		s.sawTopUsage = s.sawTopUsage || real
		s.out = appendEvent(s.out, data, nil)
		return
	}
	if real && (!hasChoices || isEmptyArray(choices.Value(data))) {
		return // a usage-only chunk the client did not ask for
	}
	from, to := cutRange(data, usage)
	s.out = appendEvent(s.out, data[:from], data[to:])
}

// nestedUsage records a usage member inside a choice (Moonshot's place for it).
func (s *stream) nestedUsage(data, choices []byte) {
	if !bytes.Contains(choices, usageKey) {
		return
	}
	jsonx.EachElement(choices, func(start, end int) bool {
		s.recordIn(choices[start:end])
		return true
	})
}

// recordIn records the usage member of the object obj, if it has one.
func (s *stream) recordIn(obj []byte) {
	jsonx.EachMember(obj, func(m jsonx.Member) bool {
		if m.Is(obj, "usage") {
			if v := m.Value(obj); !isNull(v) && v[0] == '{' {
				s.record(v)
			}
			return false
		}
		return true
	})
}

func (s *stream) record(v []byte) {
	s.usageRaw = append(s.usageRaw[:0], v...)
	s.usageDirty = true
}

// appendUsageChunk writes the usage chunk a client asked for when the provider
// reported usage elsewhere.
func (s *stream) appendUsageChunk(dst []byte) []byte {
	dst = append(dst, `data: {"id":`...)
	dst = appendOr(dst, s.id, `""`)
	dst = append(dst, `,"object":"chat.completion.chunk","created":`...)
	dst = appendOr(dst, s.created, `0`)
	dst = append(dst, `,"model":`...)
	dst = appendOr(dst, s.model, `""`)
	dst = append(dst, `,"choices":[],"usage":`...)
	dst = append(dst, s.usageRaw...)
	return append(dst, "}\n\n"...)
}

func appendOr(dst, v []byte, def string) []byte {
	if len(v) == 0 {
		return append(dst, def...)
	}
	return append(dst, v...)
}

// appendEvent appends "data: " a b "\n\n", writing each line of a multi-line data
// as a data line of its own.
func appendEvent(dst, a, b []byte) []byte {
	dst = append(dst, "data: "...)
	dst = appendLines(dst, a)
	dst = appendLines(dst, b)
	return append(dst, '\n', '\n')
}

func appendLines(dst, p []byte) []byte {
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return append(dst, p...)
		}
		dst = append(dst, p[:i]...)
		dst = append(dst, "\ndata: "...)
		p = p[i+1:]
	}
}

// hasErrorMember reports whether the object data has a non-null top-level "error".
func hasErrorMember(data []byte) bool {
	found := false
	jsonx.EachMember(data, func(m jsonx.Member) bool {
		if m.Is(data, "error") {
			found = !isNull(m.Value(data))
			return false
		}
		return true
	})
	return found
}

func isEmptyArray(v []byte) bool {
	v = bytes.TrimSpace(v)
	if len(v) < 2 || v[0] != '[' {
		return false
	}
	return len(bytes.TrimSpace(v[1:len(v)-1])) == 0
}

// Failed reports whether the provider's error event was passed on.
func (s *stream) Failed() bool { return s.failed }
