package gemini

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/franca-gw/franca/translate"
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
// the parts; only values it needs whole are skipped and looked at again.
func (s *stream) event(ev sse.Event) error {
	b := ev.Data
	i := skipWS(b, 0)
	if i == len(b) || string(b[i:]) == "[DONE]" {
		return nil
	}
	if s.head == nil && !s.start(b, i) {
		return errMalformed("a stream event that is not a JSON object")
	}
	mark := len(s.out)
	var feedback, errObj span
	n := 0
	it := membersAt(b, i, 0)
	for {
		key, v, ok := it.key()
		if !ok {
			break
		}
		switch string(key) {
		case "candidates":
			end, err := s.candidates(b, v, &n)
			if err != nil {
				return err
			}
			it.resume(end, true)
		case "usageMetadata":
			it.resume(s.readUsage(b, v))
		case "promptFeedback":
			feedback = it.span()
		case "error":
			errObj = it.span()
		default:
			it.skip()
		}
	}
	if it.bad || skipWS(b, it.end()) != len(b) {
		return errMalformed("a stream event that is not a JSON object")
	}
	if errObj.ok() {
		s.out = append(s.out[:mark], streamError(b[errObj.s:errObj.e]).StreamErrorEvent()...)
		s.stopped = true
		return errStop
	}
	if n == 0 && feedback.ok() {
		s.promptBlocked(b, feedback)
	}
	return nil
}

// start builds the chunk head from the first event's responseId and modelVersion, which
// Gemini writes after the candidates. It reports whether the event is an object.
func (s *stream) start(b []byte, i int) bool {
	var id, model span
	it := membersAt(b, i, 0)
	for {
		key, _, ok := it.key()
		if !ok {
			break
		}
		switch string(key) {
		case "responseId":
			id = it.span()
		case "modelVersion":
			model = it.span()
		default:
			it.skip()
		}
	}
	if it.bad {
		return false
	}
	h := make([]byte, 0, 160)
	h = append(h, `data: {"id":`...)
	if raw := unquote(s.strBuf, b, id); len(raw) > 0 {
		h = appendString(h, "chatcmpl-"+string(raw))
	} else {
		h = appendString(h, completionID("", s.created))
	}
	h = append(h, `,"object":"chat.completion.chunk","created":`...)
	h = strconv.AppendInt(h, s.created, 10)
	h = append(h, `,"model":`...)
	if isString(b, model) && model.e-model.s > 2 {
		h = appendLiteral(h, b, model)
	} else {
		h = appendString(h, s.model)
	}
	s.head = append(h, `,"choices":[`...)
	return true
}

// readUsage reads usageMetadata at b[i] and returns its end.
func (s *stream) readUsage(b []byte, i int) (int, bool) {
	it := membersAt(b, i, 1)
	var u usageMeta
	for {
		key, _, ok := it.key()
		if !ok {
			break
		}
		n, _ := intValue(b, it.span())
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
	if it.bad {
		return 0, false
	}
	s.usage, s.hasUse = u, true
	return it.end(), true
}
