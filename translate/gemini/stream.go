package gemini

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
	"github.com/franca-gw/franca/translate/sse"
)

// maxChoices bounds the candidate index a stream may use (OpenAI's n is at most 128).
const maxChoices = 128

// Stream returns a transcoder for a streamGenerateContent?alt=sse body.
func (tr *Translator) Stream(req *schema.ChatRequest, t *translate.Target) translate.Stream {
	return &stream{
		created:      t.Created,
		model:        t.Model,
		includeUsage: req.IncludeUsage(),
	}
}

// stream turns Gemini's events, each a GenerateContentResponse whose parts are deltas,
// into chat.completion.chunk events.
type stream struct {
	created      int64
	model        string
	includeUsage bool

	rd      sse.Reader
	head    []byte // `data: {"id":…,"object":"chat.completion.chunk","created":…,"model":…,"choices":[`
	choices []choiceState
	usage   usageMeta
	hasUse  bool
	stopped bool // an error event was written; the rest of the body is ignored
	out     []byte
	scratch bytes.Buffer
	idBuf   []byte
	strBuf  []byte
}

type choiceState struct {
	started  bool // the role has been sent
	finished bool
	calls    int
}

// errStop ends event processing after an error event.
var errStop = errors.New("gemini: stream stopped")

// Feed implements translate.Stream.
func (s *stream) Feed(dst, p []byte) ([]byte, error) {
	if s.stopped {
		return dst, nil
	}
	s.out = dst
	err := s.rd.Feed(p, s.event)
	dst, s.out = s.out, nil
	if err == errStop {
		err = nil
	}
	return dst, err
}

// End implements translate.Stream. After an error event it adds nothing: the client has
// its error. Otherwise every choice must have had its finishReason.
func (s *stream) End(dst []byte) ([]byte, error) {
	if !s.stopped {
		s.out = dst
		err := s.rd.Close(s.event)
		dst, s.out = s.out, nil
		if err != nil && err != errStop {
			return dst, err
		}
	}
	if s.stopped {
		return dst, nil
	}
	finished := false
	for _, c := range s.choices {
		if c.started && !c.finished {
			return dst, errIncomplete()
		}
		finished = finished || c.finished
	}
	if !finished {
		return dst, errIncomplete()
	}
	if s.includeUsage {
		dst = append(dst, s.head...)
		dst = append(dst, `],"usage":`...)
		dst = appendUsage(dst, s.usage.usage())
		dst = append(dst, "}\n\n"...)
	}
	return append(dst, sse.Done...), nil
}

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

// event handles one upstream event. It walks the JSON once, writing chunks as it meets
// the parts; only values it needs whole are kept aside and looked at again. Keys are
// read with NextKey(nil): only a key written with escapes, which Gemini does not write,
// costs an allocation.
func (s *stream) event(ev sse.Event) error {
	b := ev.Data
	sc := jsonx.NewScanner(b)
	sc.Peek()
	if i := sc.Pos(); i == len(b) || string(b[i:]) == "[DONE]" {
		return nil
	}
	if s.head == nil && !s.start(sc) {
		return errMalformed("a stream event that is not a JSON object")
	}
	mark := len(s.out)
	var feedback, errObj []byte
	n := 0
	sc.EnterObject()
	for {
		key, ok := sc.NextKey(nil)
		if !ok {
			break
		}
		switch string(key) {
		case "candidates":
			if err := s.candidates(&sc, &n); err != nil {
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
		s.out = append(s.out[:mark], streamError(errObj).StreamErrorEvent()...)
		s.stopped = true
		return errStop
	}
	if n == 0 && feedback != nil {
		s.promptBlocked(feedback)
	}
	return nil
}

// start builds the chunk head from the first event's responseId and modelVersion, which
// Gemini writes after the candidates. sc is a copy of the event's scanner, at its
// start. It reports whether the event is an object.
func (s *stream) start(sc jsonx.Scanner) bool {
	var v [2][]byte
	if !fields(&sc, headKeys[:], v[:]) {
		return false
	}
	id, model := v[0], v[1]
	h := make([]byte, 0, 160)
	h = append(h, `data: {"id":`...)
	if raw := s.unquote(id); len(raw) > 0 {
		h = jsonx.AppendString(h, "chatcmpl-"+string(raw))
	} else {
		h = jsonx.AppendString(h, completionID("", s.created))
	}
	h = append(h, `,"object":"chat.completion.chunk","created":`...)
	h = strconv.AppendInt(h, s.created, 10)
	h = append(h, `,"model":`...)
	if jsonx.IsString(model) && len(model) > 2 {
		h = jsonx.AppendLiteral(h, model)
	} else {
		h = jsonx.AppendString(h, s.model)
	}
	s.head = append(h, `,"choices":[`...)
	return true
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
