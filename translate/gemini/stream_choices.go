package gemini

import (
	"strconv"

	"github.com/franca-gw/franca/translate/event"
	"github.com/franca-gw/franca/translate/jsonx"
)

// choice returns the state of choice k, growing the list as needed.
func (s *stream) choice(k int) *choiceState {
	for len(s.choices) <= k {
		s.choices = append(s.choices, choiceState{})
	}
	return &s.choices[k]
}

// open resets s.ev to an event of kind kind for choice k, with the role on the choice's
// first event.
func (s *stream) open(kind event.Kind, k int, c *choiceState) {
	s.ev = event.Event{Kind: kind, Choice: k, Role: !c.started}
	c.started = true
}

// The members read from a part, a functionCall and a promptFeedback.
var (
	partKeys     = [...]string{"text", "thought", "functionCall", "thoughtSignature"}
	callKeys     = [...]string{"name", "args", "id"}
	feedbackKeys = [...]string{"blockReason"}
)

// partVals are the members of a part that count: text, thought, functionCall and
// thoughtSignature, raw, pointing into the event.
type partVals [4][]byte

// candVals is what an event says about one candidate: its position in the event, its
// raw index, finishReason and logprobsResult, and its parts (s.parts[from:to]).
type candVals struct {
	pos                     int
	index, reason, logprobs []byte
	from, to                int
}

// candidates reads the candidates array sc is at into s.cands and s.parts. Nothing is
// sent yet: Gemini writes a candidate's index and logprobs after its content, and an
// event's error after its candidates.
func (s *stream) candidates(sc *jsonx.Scanner) error {
	if !sc.EnterArray() {
		return errMalformed("a malformed candidates list")
	}
	for sc.NextElem() {
		if err := s.candidate(sc, len(s.cands)); err != nil {
			return err
		}
	}
	if !sc.OK() {
		return errMalformed("a malformed candidates list")
	}
	return nil
}

// candidate reads the candidate sc is at, the pos-th of its event.
func (s *stream) candidate(sc *jsonx.Scanner, pos int) error {
	if pos >= maxChoices {
		return errMalformed("more than " + strconv.Itoa(maxChoices) + " candidates")
	}
	c := candVals{pos: pos, from: len(s.parts)}
	if !sc.EnterObject() {
		return errMalformed("a malformed candidate")
	}
	for {
		key, ok := sc.NextKey(nil)
		if !ok {
			break
		}
		switch string(key) {
		case "content":
			if err := s.content(sc); err != nil {
				return err
			}
		case "finishReason":
			c.reason = sc.Value()
		case "index":
			c.index = sc.Value()
		case "logprobsResult":
			c.logprobs = sc.Value()
		default:
			sc.Skip()
		}
	}
	if !sc.OK() {
		return errMalformed("a malformed candidate")
	}
	c.to = len(s.parts)
	s.cands = append(s.cands, c)
	return nil
}

// content reads the parts of the content object sc is at into s.parts.
func (s *stream) content(sc *jsonx.Scanner) error {
	if !sc.EnterObject() {
		return errMalformed("a malformed candidate content")
	}
	for {
		key, ok := sc.NextKey(nil)
		if !ok {
			break
		}
		if string(key) != "parts" {
			sc.Skip()
			continue
		}
		if !sc.EnterArray() {
			return errMalformed("a malformed parts list")
		}
		for sc.NextElem() {
			var v partVals
			if !fields(sc, partKeys[:], v[:]) {
				return errMalformed("a malformed part")
			}
			s.parts = append(s.parts, v)
		}
		if !sc.OK() {
			return errMalformed("a malformed parts list")
		}
	}
	if !sc.OK() {
		return errMalformed("a malformed candidate content")
	}
	return nil
}

// sendCandidate sends the events of a candidate the event held: its parts as events of
// the choice its index names (the first text with the logprobs, if any), then Finish
// when it has a finishReason.
func (s *stream) sendCandidate(cv *candVals) error {
	k := cv.pos
	if cv.index != nil {
		n, ok := intValue(cv.index)
		if !ok || n < 0 || n >= maxChoices {
			return errMalformed("a candidate index that is not a small number")
		}
		k = n
	}
	var lp []byte // the logprobs in OpenAI's shape
	if cv.logprobs != nil {
		s.lpBuf = appendLogprobsJSON(s.lpBuf[:0], cv.logprobs)
		lp = s.lpBuf
	}
	for i := cv.from; i < cv.to; i++ {
		wrote, err := s.part(&s.parts[i], k, lp)
		if err != nil {
			return err
		}
		if wrote {
			lp = nil
		}
	}
	c := s.choice(k)
	if reason := cv.reason; jsonx.IsString(reason) && string(reason) != `"FINISH_REASON_UNSPECIFIED"` && !c.finished {
		s.open(event.Finish, k, c)
		s.ev.Logprobs = lp
		s.ev.Reason = finishReason(reason[1:len(reason)-1], c.calls > 0)
		c.finished = true
		return s.send()
	}
	return nil
}

// part sends the event for a part: text, thought text or a function call. Parts with
// nothing to show (an empty text, a lone thought signature) send nothing, and nothing is
// sent for a finished choice. It reports whether it sent the logprobs.
func (s *stream) part(v *partVals, k int, logprobs []byte) (bool, error) {
	text, thought, call, sig := v[0], v[1], v[2], v[3]
	c := s.choice(k)
	switch {
	case c.finished:
	case call != nil:
		return false, s.functionCall(call, sig, k, c)
	case jsonx.IsString(text) && len(text) > 2:
		kind := event.Text
		if string(thought) == "true" {
			kind = event.Reasoning
		}
		s.open(kind, k, c)
		s.ev.Text, s.ev.Lit, s.ev.Logprobs = text, event.LitText, logprobs
		return logprobs != nil, s.send()
	}
	return false, nil
}

// functionCall sends the functionCall object call (with the part's thoughtSignature
// sig) as one ToolCall event holding all its arguments.
func (s *stream) functionCall(call, sig []byte, k int, c *choiceState) error {
	var v [3][]byte
	sc := jsonx.NewScanner(call)
	fields(&sc, callKeys[:], v[:])
	name, args, id := v[0], v[1], v[2]
	if !sc.End() || !jsonx.IsString(name) {
		return errMalformed("a malformed functionCall")
	}
	s.idBuf = s.idBuf[:0]
	if raw := s.unquote(id); len(raw) > 0 {
		s.idBuf = append(s.idBuf, raw...)
	} else {
		s.idBuf = append(s.idBuf, "call_"...)
		s.idBuf = jsonx.AppendInt(s.idBuf, k)
		s.idBuf = append(s.idBuf, '_')
		s.idBuf = jsonx.AppendInt(s.idBuf, c.calls)
	}
	if raw := s.unquote(sig); len(raw) > 0 {
		s.idBuf = append(s.idBuf, sigSep...)
		s.idBuf = append(s.idBuf, raw...)
	}
	compact, err := compactArgs(&s.scratch, args)
	if err != nil {
		return err
	}
	s.open(event.ToolCall, k, c)
	s.ev.Tool, s.ev.ID, s.ev.Name, s.ev.Lit, s.ev.Text = c.calls, s.idBuf, name, event.LitName, compact
	c.calls++
	return s.send()
}

// promptBlocked answers a promptFeedback.blockReason that came without candidates: choice 0
// ends with content_filter.
func (s *stream) promptBlocked(feedback []byte) error {
	var v [1][]byte
	sc := jsonx.NewScanner(feedback)
	fields(&sc, feedbackKeys[:], v[:])
	reason := v[0]
	if !jsonx.IsString(reason) || len(reason) <= 2 {
		return nil
	}
	c := s.choice(0)
	if c.finished {
		return nil
	}
	s.open(event.Finish, 0, c)
	s.ev.Reason = "content_filter"
	c.finished = true
	return s.send()
}
