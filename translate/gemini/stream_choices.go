package gemini

import "strconv"

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
	s.out = appendInt(s.out, k)
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

const chunkTail = "},\"finish_reason\":null}]}\n\n"

// candidates walks the candidates array at b[i], counting them in n, and returns its end.
func (s *stream) candidates(b []byte, i int, n *int) (int, error) {
	it := elementsAt(b, i, 1)
	for {
		v, ok := it.start()
		if !ok {
			break
		}
		end, err := s.candidate(b, v, *n)
		if err != nil {
			return 0, err
		}
		it.resume(end, true)
		*n++
	}
	if it.bad {
		return 0, errMalformed("a malformed candidates list")
	}
	return it.end(), nil
}

// candidate handles the candidate at b[i], the pos-th of its event, and returns its end.
// Gemini writes a candidate's index and logprobs after its content, so the content is
// written as choice pos at once, and written again in the rare case that the index says
// otherwise or logprobs are to go with it.
func (s *stream) candidate(b []byte, i, pos int) (int, error) {
	k := pos
	if k >= maxChoices {
		return 0, errMalformed("more than " + strconv.Itoa(maxChoices) + " candidates")
	}
	mark, saved := len(s.out), *s.choice(k)
	var reason, index, logprobs span
	content := -1
	it := membersAt(b, i, 2)
	for {
		key, v, ok := it.key()
		if !ok {
			break
		}
		switch string(key) {
		case "content":
			content = v
			end, _, err := s.content(b, v, k, span{})
			if err != nil {
				return 0, err
			}
			it.resume(end, true)
		case "finishReason":
			reason = it.span()
		case "index":
			index = it.span()
		case "logprobsResult":
			logprobs = it.span()
		default:
			it.skip()
		}
	}
	if it.bad {
		return 0, errMalformed("a malformed candidate")
	}
	if index.ok() {
		n, ok := intValue(b, index)
		if !ok || n < 0 || n >= maxChoices {
			return 0, errMalformed("a candidate index that is not a small number")
		}
		k = n
	}
	wroteLogprobs := false
	if k != pos || logprobs.ok() {
		// Undo what was written as choice pos, and write the content again.
		*s.choice(pos) = saved
		s.out = s.out[:mark]
		if content >= 0 {
			var err error
			if _, wroteLogprobs, err = s.content(b, content, k, logprobs); err != nil {
				return 0, err
			}
		}
	}
	c := s.choice(k)
	if isString(b, reason) && !strEquals(b, reason, "FINISH_REASON_UNSPECIFIED") && !c.finished {
		s.open(k, c)
		s.out = append(s.out, '}')
		if logprobs.ok() && !wroteLogprobs {
			s.out = append(s.out, `,"logprobs":`...)
			s.out = appendLogprobsJSON(s.out, b[logprobs.s:logprobs.e])
		}
		s.out = append(s.out, `,"finish_reason":"`...)
		s.out = append(s.out, finishReason(rawContent(b, reason), c.calls > 0)...)
		s.out = append(s.out, "\"}]}\n\n"...)
		c.finished = true
	}
	return it.end(), nil
}

// content writes the parts of the content object at b[i] as chunks of choice k, the first
// text chunk with logprobs when they are given. It returns the object's end and whether
// it wrote the logprobs.
func (s *stream) content(b []byte, i, k int, logprobs span) (int, bool, error) {
	wroteLogprobs := false
	it := membersAt(b, i, 3)
	for {
		key, v, ok := it.key()
		if !ok {
			break
		}
		if string(key) != "parts" {
			it.skip()
			continue
		}
		pi := elementsAt(b, v, 4)
		for {
			p, ok := pi.start()
			if !ok {
				break
			}
			end, wrote, err := s.part(b, p, k, logprobs)
			if err != nil {
				return 0, false, err
			}
			if wrote {
				logprobs, wroteLogprobs = span{}, true
			}
			pi.resume(end, true)
		}
		if pi.bad {
			return 0, false, errMalformed("a malformed parts list")
		}
		it.resume(pi.end(), true)
	}
	if it.bad {
		return 0, false, errMalformed("a malformed candidate content")
	}
	return it.end(), wroteLogprobs, nil
}

// part writes the chunk for the part at b[i]: text, thought text or a function call. Parts
// with nothing to show (an empty text, a lone thought signature) write nothing, and
// nothing is written for a finished choice. It returns the part's end and whether it
// wrote the logprobs.
func (s *stream) part(b []byte, i, k int, logprobs span) (int, bool, error) {
	var text, thought, call, sig span
	it := membersAt(b, i, 5)
	for {
		key, _, ok := it.key()
		if !ok {
			break
		}
		switch string(key) {
		case "text":
			text = it.span()
		case "thought":
			thought = it.span()
		case "functionCall":
			call = it.span()
		case "thoughtSignature":
			sig = it.span()
		default:
			it.skip()
		}
	}
	if it.bad {
		return 0, false, errMalformed("a malformed part")
	}
	c := s.choice(k)
	wrote := false
	switch {
	case c.finished:
	case call.ok():
		if err := s.functionCall(b, call, sig, k, c); err != nil {
			return 0, false, err
		}
	case isString(b, text) && text.e-text.s > 2:
		s.open(k, c)
		s.sep()
		if isTrue(b, thought) {
			s.out = append(s.out, `"reasoning_content":`...)
		} else {
			s.out = append(s.out, `"content":`...)
		}
		s.out = appendLiteral(s.out, b, text)
		if logprobs.ok() {
			s.out = append(s.out, `},"logprobs":`...)
			s.out = appendLogprobsJSON(s.out, b[logprobs.s:logprobs.e])
			s.out = append(s.out, chunkTail[1:]...)
			wrote = true
		} else {
			s.out = append(s.out, chunkTail...)
		}
	}
	return it.end(), wrote, nil
}

// functionCall writes a whole function call as one tool_calls delta.
func (s *stream) functionCall(b []byte, sp, sig span, k int, c *choiceState) error {
	var name, args, id span
	it := members(b, sp, 6)
	for {
		key, v, ok := it.next()
		if !ok {
			break
		}
		switch string(key) {
		case "name":
			name = v
		case "args":
			args = v
		case "id":
			id = v
		}
	}
	if it.bad || !isString(b, name) {
		return errMalformed("a malformed functionCall")
	}
	s.idBuf = s.idBuf[:0]
	if raw := unquote(s.strBuf, b, id); len(raw) > 0 {
		s.idBuf = append(s.idBuf, raw...)
	} else {
		s.idBuf = append(s.idBuf, "call_"...)
		s.idBuf = appendInt(s.idBuf, k)
		s.idBuf = append(s.idBuf, '_')
		s.idBuf = appendInt(s.idBuf, c.calls)
	}
	if raw := unquote(s.strBuf, b, sig); len(raw) > 0 {
		s.idBuf = append(s.idBuf, sigSep...)
		s.idBuf = append(s.idBuf, raw...)
	}
	var argsRaw []byte
	if args.ok() {
		argsRaw = b[args.s:args.e]
	}
	compact, err := compactArgs(&s.scratch, argsRaw)
	if err != nil {
		return err
	}
	s.open(k, c)
	s.sep()
	s.out = append(s.out, `"tool_calls":[{"index":`...)
	s.out = appendInt(s.out, c.calls)
	s.out = append(s.out, `,"id":`...)
	s.out = appendString(s.out, s.idBuf)
	s.out = append(s.out, `,"type":"function","function":{"name":`...)
	s.out = appendLiteral(s.out, b, name)
	s.out = append(s.out, `,"arguments":`...)
	s.out = appendString(s.out, compact)
	s.out = append(s.out, "}}]"...)
	s.out = append(s.out, chunkTail...)
	c.calls++
	return nil
}

// promptBlocked answers a promptFeedback.blockReason that came without candidates: choice 0
// ends with content_filter.
func (s *stream) promptBlocked(b []byte, sp span) {
	var reason span
	it := members(b, sp, 1)
	for {
		key, v, ok := it.next()
		if !ok {
			break
		}
		if string(key) == "blockReason" {
			reason = v
		}
	}
	if !isString(b, reason) || reason.e-reason.s <= 2 {
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
