package gemini

import (
	"bytes"
	"errors"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/event"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/openaisse"
	"github.com/franca-gw/franca/translate/schema"
	"github.com/franca-gw/franca/translate/sse"
)

// maxChoices bounds the candidate index a stream may use (OpenAI's n is at most 128).
const maxChoices = 128

// Stream returns a transcoder for a streamGenerateContent?alt=sse body: StreamDecoder's
// events written by openaisse.
func (tr *Translator) Stream(req *schema.ChatRequest, t *translate.Target) translate.Stream {
	return openaisse.NewStream(tr.StreamDecoder(req, t), req.IncludeUsage())
}

// StreamDecoder returns the decoder of a streamGenerateContent?alt=sse body into typed
// events.
func (tr *Translator) StreamDecoder(req *schema.ChatRequest, t *translate.Target) event.Decoder {
	return &stream{created: t.Created, model: t.Model}
}

// stream turns Gemini's events, each a GenerateContentResponse whose parts are deltas,
// into typed events, sent to the sink of the running Feed or End in ev, reused.
type stream struct {
	created int64
	model   string

	rd      sse.Reader
	sink    event.Sink
	ev      event.Event
	started bool // Start sent
	choices []choiceState
	usage   usageMeta
	hasUse  bool
	stopped bool // an error event was sent; the rest of the body is ignored
	scratch bytes.Buffer
	idBuf   []byte
	strBuf  []byte
	cands   []candVals // the candidates of the event being read
	parts   []partVals // their parts
	// First backing arrays of cands and parts, enough for most events.
	candsBuf [2]candVals
	partsBuf [4]partVals
	lpBuf    []byte   // a candidate's logprobs in OpenAI's shape
	use      usageBuf // the Usage event's
}

type choiceState struct {
	started  bool // the role has been sent
	finished bool
	calls    int
}

// errStop ends event processing after an error event.
var errStop = errors.New("gemini: stream stopped")

// Feed implements event.Decoder.
func (s *stream) Feed(p []byte, sink event.Sink) error {
	if s.stopped {
		return nil
	}
	s.sink = sink
	err := s.rd.Feed(p, s.event)
	s.sink = nil
	if err == errStop {
		err = nil
	}
	return err
}

// End implements event.Decoder. After an error event it sends nothing: the client has
// its error. Otherwise every choice must have had its finishReason; then come Usage (the
// counts of the last usageMetadata, zero without one) and Done.
func (s *stream) End(sink event.Sink) error {
	s.sink = sink
	defer func() { s.sink = nil }()
	if !s.stopped {
		err := s.rd.Close(s.event)
		if err != nil && err != errStop {
			return err
		}
	}
	if s.stopped {
		return nil
	}
	finished := false
	for _, c := range s.choices {
		if c.started && !c.finished {
			return errIncomplete()
		}
		finished = finished || c.finished
	}
	if !finished {
		return errIncomplete()
	}
	s.ev = event.Event{Kind: event.Usage, Usage: s.use.set(&s.usage)}
	if err := s.send(); err != nil {
		return err
	}
	s.ev = event.Event{Kind: event.Done}
	return s.send()
}

// send sends s.ev to the sink.
func (s *stream) send() error { return s.sink.Event(&s.ev) }

// errIncomplete is a fresh error each time: callers may change what they get.
func errIncomplete() *translate.Error {
	return &translate.Error{Status: 502, Type: translate.TypeServer, Code: "stream_truncated",
		Message: "the gemini stream ended before a finishReason"}
}

// Usage implements translate.Stream.
func (s *stream) Usage() *schema.Usage {
	if !s.hasUse {
		return nil
	}
	return s.usage.usage()
}

// event handles one upstream event. It walks the JSON once, noting where the parts and
// the values it needs are, and then sends the events. Keys are read with NextKey(nil):
// only a key written with escapes, which Gemini does not write, costs an allocation.
func (s *stream) event(ev sse.Event) error {
	b := ev.Data
	sc := jsonx.NewScanner(b)
	sc.Peek()
	if i := sc.Pos(); i == len(b) || string(b[i:]) == "[DONE]" {
		return nil
	}
	if !s.started {
		if err := s.start(sc); err != nil {
			return err
		}
	}
	if s.cands == nil {
		s.cands, s.parts = s.candsBuf[:0], s.partsBuf[:0]
	}
	s.cands, s.parts = s.cands[:0], s.parts[:0]
	var feedback, errObj []byte
	sc.EnterObject()
	for {
		key, ok := sc.NextKey(nil)
		if !ok {
			break
		}
		switch string(key) {
		case "candidates":
			if err := s.candidates(&sc); err != nil {
				return err
			}
		case "usageMetadata":
			s.readUsage(&sc)
		case "promptFeedback":
			feedback = sc.Value()
		case "error":
			errObj = sc.Value()
		default:
			sc.Skip()
		}
	}
	if !sc.End() {
		return errMalformed("a stream event that is not a JSON object")
	}
	if errObj != nil {
		// The error alone reaches the client, whatever else the event holds.
		s.stopped = true
		s.ev = event.Event{Kind: event.Error, Err: streamError(errObj)}
		if err := s.send(); err != nil {
			return err
		}
		return errStop
	}
	for i := range s.cands {
		if err := s.sendCandidate(&s.cands[i]); err != nil {
			return err
		}
	}
	if len(s.cands) == 0 && feedback != nil {
		return s.promptBlocked(feedback)
	}
	return nil
}

// start sends Start from the first event's responseId and modelVersion, which Gemini
// writes after the candidates. sc is a copy of the event's scanner, at its start. It
// fails when the event is not an object.
func (s *stream) start(sc jsonx.Scanner) error {
	var v [2][]byte
	if !fields(&sc, headKeys[:], v[:]) {
		return errMalformed("a stream event that is not a JSON object")
	}
	id, model := v[0], v[1]
	s.started = true
	s.ev = event.Event{Kind: event.Start, Created: s.created}
	if raw := s.unquote(id); len(raw) > 0 {
		s.idBuf = append(append(s.idBuf[:0], "chatcmpl-"...), raw...)
	} else {
		s.idBuf = append(s.idBuf[:0], completionID("", s.created)...)
	}
	s.ev.ID = s.idBuf
	if jsonx.IsString(model) && len(model) > 2 {
		s.ev.Model, s.ev.Lit = model, event.LitModel
	} else {
		s.strBuf = append(s.strBuf[:0], s.model...)
		s.ev.Model = s.strBuf
	}
	return s.send()
}

// headKeys are the members of an event that name the response.
var headKeys = [...]string{"responseId", "modelVersion"}

// fields reads the object sc is at, setting vals[i] to the raw value of the member
// named names[i] (the last one when a name comes twice) and skipping other members. It
// reports whether the walk met no fault; vals holds what was read up to a fault.
func fields(sc *jsonx.Scanner, names []string, vals [][]byte) bool {
	if !sc.EnterObject() {
		return false
	}
	for {
		key, ok := sc.NextKey(nil)
		if !ok {
			return sc.OK()
		}
		i := 0
		for i < len(names) && names[i] != string(key) {
			i++
		}
		if i < len(names) {
			vals[i] = sc.Value()
		} else {
			sc.Skip()
		}
	}
}

// readUsage reads the usageMetadata object sc is at.
func (s *stream) readUsage(sc *jsonx.Scanner) {
	var u usageMeta
	if !sc.EnterObject() {
		return
	}
	for {
		key, ok := sc.NextKey(nil)
		if !ok {
			break
		}
		n, _ := intValue(sc.Value())
		switch string(key) {
		case "promptTokenCount":
			u.PromptTokenCount = n
		case "candidatesTokenCount":
			u.CandidatesTokenCount = n
		case "totalTokenCount":
			u.TotalTokenCount = n
		case "cachedContentTokenCount":
			u.CachedContentTokenCount = n
		case "thoughtsTokenCount":
			u.ThoughtsTokenCount = n
		}
	}
	if sc.OK() {
		s.usage, s.hasUse = u, true
	}
}

// unquote returns the decoded text of the string literal v (as the scanner returned
// it): its content as it is when it has no escape, else decoded into the stream's
// scratch buffer. It returns nothing when v is not a string.
func (s *stream) unquote(v []byte) []byte {
	if jsonx.IsString(v) && bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1]
	}
	s.strBuf, _ = jsonx.AppendUnquoted(s.strBuf[:0], v)
	return s.strBuf
}

// intValue parses an integer number, or an integer in a string (proto3 JSON writes int64
// that way). ok is false for anything else.
func intValue(v []byte) (int, bool) {
	if jsonx.IsString(v) && len(v) >= 2 {
		v = v[1 : len(v)-1]
	}
	return jsonx.Int(v)
}

// Failed reports whether the provider's error event was passed on.
func (s *stream) Failed() bool { return s.stopped }

var _ event.Source = (*Translator)(nil)
