package gemini

import (
	"strconv"

	"github.com/franca-gw/franca/translate/jsonx"
)

// choice returns the state of choice k, growing the list as needed.
func (s *stream) choice(k int) *choiceState {
	for len(s.choices) <= k {
		s.choices = append(s.choices, choiceState{})
	}
	return &s.choices[k]
}

// open writes the start of a chunk for choice k up to the inside of its delta, with the
// role on the choice's first chunk.
func (s *stream) open(k int, c *choiceState) {
	s.out = append(s.out, s.head...)
	s.out = append(s.out, `{"index":`...)
	s.out = jsonx.AppendInt(s.out, k)
	s.out = append(s.out, `,"delta":{`...)
	if !c.started {
		c.started = true
		s.out = append(s.out, `"role":"assistant"`...)
	}
}

// sep writes a comma unless the delta object was just opened.
func (s *stream) sep() {
	if s.out[len(s.out)-1] != '{' {
		s.out = append(s.out, ',')
	}
}

// The members read from a part, a functionCall and a promptFeedback.
var (
	partKeys     = [...]string{"text", "thought", "functionCall", "thoughtSignature"}
	callKeys     = [...]string{"name", "args", "id"}
	feedbackKeys = [...]string{"blockReason"}
)

const chunkTail = "},\"finish_reason\":null}]}\n\n"

// candidates walks the candidates array sc is at, counting them in n.
func (s *stream) candidates(sc *jsonx.Scanner, n *int) error {
	if !sc.EnterArray() {
		return errMalformed("a malformed candidates list")
	}
	for sc.NextElem() {
		if err := s.candidate(sc, *n); err != nil {
			return err
		}
		*n++
	}
	if !sc.OK() {
		return errMalformed("a malformed candidates list")
	}
	return nil
}

// candidate handles the candidate sc is at, the pos-th of its event. Gemini writes a
// candidate's index and logprobs after its content, so the content is written as choice
// pos at once, and written again in the rare case that the index says otherwise or
// logprobs are to go with it.
func (s *stream) candidate(sc *jsonx.Scanner, pos int) error {
	k := pos
	if k >= maxChoices {
		return errMalformed("more than " + strconv.Itoa(maxChoices) + " candidates")
	}
	mark, saved := len(s.out), *s.choice(k)
	var reason, index, logprobs []byte
	var content jsonx.Scanner // at the content, to walk it again
	hasContent := false
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
			content, hasContent = *sc, true
			if _, err := s.content(sc, k, nil); err != nil {
				return err
			}
		case "finishReason":
			reason = sc.Value()
		case "index":
			index = sc.Value()
		case "logprobsResult":
			logprobs = sc.Value()
		default:
			sc.Skip()
		}
	}
	if !sc.OK() {
		return errMalformed("a malformed candidate")
	}
	if index != nil {
		n, ok := intValue(index)
		if !ok || n < 0 || n >= maxChoices {
			return errMalformed("a candidate index that is not a small number")
		}
		k = n
	}
	wroteLogprobs := false
	if k != pos || logprobs != nil {
		// Undo what was written as choice pos, and write the content again.
		*s.choice(pos) = saved
		s.out = s.out[:mark]
		if hasContent {
			var err error
			if wroteLogprobs, err = s.content(&content, k, logprobs); err != nil {
				return err
			}
		}
	}
	c := s.choice(k)
	if jsonx.IsString(reason) && string(reason) != `"FINISH_REASON_UNSPECIFIED"` && !c.finished {
		s.open(k, c)
		s.out = append(s.out, '}')
		if logprobs != nil && !wroteLogprobs {
			s.out = append(s.out, `,"logprobs":`...)
			s.out = appendLogprobsJSON(s.out, logprobs)
		}
		s.out = append(s.out, `,"finish_reason":"`...)
		s.out = append(s.out, finishReason(reason[1:len(reason)-1], c.calls > 0)...)
		s.out = append(s.out, "\"}]}\n\n"...)
		c.finished = true
	}
	return nil
}

// content writes the parts of the content object sc is at as chunks of choice k, the
// first text chunk with logprobs when they are given. It reports whether it wrote the
// logprobs.
func (s *stream) content(sc *jsonx.Scanner, k int, logprobs []byte) (bool, error) {
	wroteLogprobs := false
	if !sc.EnterObject() {
		return false, errMalformed("a malformed candidate content")
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
			return false, errMalformed("a malformed parts list")
		}
		for sc.NextElem() {
			wrote, err := s.part(sc, k, logprobs)
			if err != nil {
				return false, err
			}
			if wrote {
				logprobs, wroteLogprobs = nil, true
			}
		}
		if !sc.OK() {
			return false, errMalformed("a malformed parts list")
		}
	}
	if !sc.OK() {
		return false, errMalformed("a malformed candidate content")
	}
	return wroteLogprobs, nil
}

// part writes the chunk for the part sc is at: text, thought text or a function call.
// Parts with nothing to show (an empty text, a lone thought signature) write nothing, and
// nothing is written for a finished choice. It reports whether it wrote the logprobs.
func (s *stream) part(sc *jsonx.Scanner, k int, logprobs []byte) (bool, error) {
	var v [4][]byte
	if !fields(sc, partKeys[:], v[:]) {
		return false, errMalformed("a malformed part")
	}
	text, thought, call, sig := v[0], v[1], v[2], v[3]
	c := s.choice(k)
	wrote := false
	switch {
	case c.finished:
	case call != nil:
		if err := s.functionCall(call, sig, k, c); err != nil {
			return false, err
		}
	case jsonx.IsString(text) && len(text) > 2:
		s.open(k, c)
		s.sep()
		if string(thought) == "true" {
			s.out = append(s.out, `"reasoning_content":`...)
		} else {
			s.out = append(s.out, `"content":`...)
		}
		s.out = jsonx.AppendLiteral(s.out, text)
		if logprobs != nil {
			s.out = append(s.out, `},"logprobs":`...)
			s.out = appendLogprobsJSON(s.out, logprobs)
			s.out = append(s.out, chunkTail[1:]...)
			wrote = true
		} else {
			s.out = append(s.out, chunkTail...)
		}
	}
	return wrote, nil
}

// functionCall writes the functionCall object call (with the part's thoughtSignature
// sig) as one tool_calls delta.
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
	s.open(k, c)
	s.sep()
	s.out = append(s.out, `"tool_calls":[{"index":`...)
	s.out = jsonx.AppendInt(s.out, c.calls)
	s.out = append(s.out, `,"id":`...)
	s.out = jsonx.AppendString(s.out, s.idBuf)
	s.out = append(s.out, `,"type":"function","function":{"name":`...)
	s.out = jsonx.AppendLiteral(s.out, name)
	s.out = append(s.out, `,"arguments":`...)
	s.out = jsonx.AppendString(s.out, compact)
	s.out = append(s.out, "}}]"...)
	s.out = append(s.out, chunkTail...)
	c.calls++
	return nil
}

// promptBlocked answers a promptFeedback.blockReason that came without candidates: choice 0
// ends with content_filter.
func (s *stream) promptBlocked(feedback []byte) {
	var v [1][]byte
	sc := jsonx.NewScanner(feedback)
	fields(&sc, feedbackKeys[:], v[:])
	reason := v[0]
	if !jsonx.IsString(reason) || len(reason) <= 2 {
		return
	}
	c := s.choice(0)
	if c.finished {
		return
	}
	s.open(0, c)
	s.out = append(s.out, "},\"finish_reason\":\"content_filter\"}]}\n\n"...)
	c.finished = true
}
