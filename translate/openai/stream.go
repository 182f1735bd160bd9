package openai

import (
	"bytes"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/event"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/openaisse"
	"github.com/franca-gw/franca/translate/schema"
	"github.com/franca-gw/franca/translate/sse"
)

// Stream returns the transcoder for a streamed chat completion: StreamDecoder's events
// written by openaisse.
func (t *Translator) Stream(req *schema.ChatRequest, tg *translate.Target) translate.Stream {
	return openaisse.NewStream(t.StreamDecoder(req, tg), req.IncludeUsage())
}

// StreamDecoder returns the decoder of a streamed chat completion. It is the
// same-format path: each chunk is sent on as a Chunk event, byte for byte (re-framed as
// "data: …\n\n" by the encoder), after the typed events it holds, marked Observed, when
// they are asked for (SendTyped). Only usage is touched:
//
//   - usage is recorded wherever the provider reports it: a top-level "usage" member
//     (OpenAI, and providers that add it to the last chunk), choices[i].usage
//     (Moonshot) or x_groq.usage (Groq);
//   - when the client did not set stream_options.include_usage, every top-level
//     "usage" member is cut and a usage-only chunk (choices []) is dropped;
//   - when it did and no top-level usage reached it, a usage chunk in OpenAI's shape
//     is written before "data: [DONE]".
//
// An upstream error event ({"error":…}) becomes an Error event in OpenAI's error shape.
func (t *Translator) StreamDecoder(req *schema.ChatRequest, tg *translate.Target) event.Decoder {
	s := &stream{wantUsage: req.IncludeUsage()}
	s.fn = s.onEvent
	return s
}

type stream struct {
	r         sse.Reader
	fn        func(sse.Event) error
	sink      event.Sink  // while Feed or End runs
	ev        event.Event // the event being sent
	wantUsage bool
	typed     bool // send the typed events of each chunk (SendTyped)
	obs       observer
	chunkBuf  []byte // a usage chunk Franca writes

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

// SendTyped implements event.TypedChunks.
func (s *stream) SendTyped() { s.typed = true }

// Feed implements event.Decoder.
func (s *stream) Feed(p []byte, sink event.Sink) error {
	s.sink = sink
	err := s.r.Feed(p, s.fn)
	s.sink = nil
	return err
}

// End implements event.Decoder.
func (s *stream) End(sink event.Sink) error {
	s.sink = sink
	err := s.r.Close(s.fn)
	s.sink = nil
	if err != nil {
		return err
	}
	if !s.done && !s.failed {
		return &translate.Error{Status: 502, Type: translate.TypeServer,
			Message: "the provider's stream ended before data: [DONE]"}
	}
	return nil
}

func (s *stream) Usage() *schema.Usage {
	if s.usageDirty {
		s.usage = decodeUsage(s.usageRaw)
		s.usageDirty = false
	}
	return s.usage
}

// send sends s.ev to the sink.
func (s *stream) send() error { return s.sink.Event(&s.ev) }

// sendChunk sends the Chunk event whose JSON is a followed by b.
func (s *stream) sendChunk(a, b []byte) error {
	s.ev = event.Event{Kind: event.Chunk, Raw: [2][]byte{a, b}}
	return s.send()
}

func (s *stream) onEvent(ev sse.Event) error {
	if s.done || s.failed {
		return nil
	}
	data := ev.Data
	if bytes.Equal(data, doneData) {
		s.done = true
		if s.typed && len(s.usageRaw) > 0 {
			s.ev = event.Event{Kind: event.Usage, Observed: true, Usage: s.Usage(), UsageJSON: s.usageRaw}
			if err := s.send(); err != nil {
				return err
			}
		}
		if s.wantUsage && !s.sawTopUsage && len(s.usageRaw) > 0 {
			s.chunkBuf = s.appendUsageChunk(s.chunkBuf[:0])
			if err := s.sendChunk(s.chunkBuf, nil); err != nil {
				return err
			}
		}
		s.ev = event.Event{Kind: event.Done}
		return s.send()
	}
	if string(ev.Name) == "error" || bytes.Contains(data, errorKey) && hasErrorMember(data) {
		s.failed = true
		s.ev = event.Event{Kind: event.Error, Err: mapError(500, nil, data)}
		return s.send()
	}
	if s.typed {
		if err := s.obs.chunk(data, s); err != nil {
			return err
		}
	}
	if !s.gotMeta || bytes.Contains(data, usageKey) {
		return s.chunk(data)
	}
	return s.sendChunk(data, nil)
}

// chunk handles a chunk that may hold usage or the stream's id.
func (s *stream) chunk(data []byte) error {
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
		return s.sendChunk(data, nil)
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
		return s.sendChunk(data, nil)
	}
	v := usage.Value(data)
	real := !isNull(v) && v[0] == '{'
	if real {
		s.record(v)
	}
	if s.wantUsage {
		s.sawTopUsage = s.sawTopUsage || real
		return s.sendChunk(data, nil)
	}
	if real && (!hasChoices || isEmptyArray(choices.Value(data))) {
		return nil // a usage-only chunk the client did not ask for
	}
	from, to := cutRange(data, usage)
	return s.sendChunk(data[:from], data[to:])
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

// appendUsageChunk writes the JSON of the usage chunk a client asked for when the
// provider reported usage elsewhere.
func (s *stream) appendUsageChunk(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendOr(dst, s.id, `""`)
	dst = append(dst, `,"object":"chat.completion.chunk","created":`...)
	dst = appendOr(dst, s.created, `0`)
	dst = append(dst, `,"model":`...)
	dst = appendOr(dst, s.model, `""`)
	dst = append(dst, `,"choices":[],"usage":`...)
	dst = append(dst, s.usageRaw...)
	return append(dst, '}')
}

func appendOr(dst, v []byte, def string) []byte {
	if len(v) == 0 {
		return append(dst, def...)
	}
	return append(dst, v...)
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

var _ event.Source = (*Translator)(nil)
