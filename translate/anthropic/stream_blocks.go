package anthropic

import "github.com/franca-gw/franca/translate/jsonx"

// The events that come many times per stream are read with jsonx.Scanner, into the
// stream's scratch buffers, so that they cost no allocation.

// onBlockStart handles content_block_start: a tool_use block opens a tool call (unless
// it is the response_format tool); text and thinking blocks normally start empty.
func (s *stream) onBlockStart(data []byte) error {
	if !s.started {
		return outOfOrder("content_block_start")
	}
	sc := jsonx.NewScanner(data)
	blk := block{index: -1}
	valKind := valNone
	s.typ, s.val, s.id, s.name = s.typ[:0], s.val[:0], s.id[:0], s.name[:0]
	sc.EnterObject()
	for {
		key, ok := sc.NextKey(&s.key)
		if !ok {
			break
		}
		switch string(key) {
		case "index":
			blk.index, _ = sc.Int()
		case "content_block":
			valKind = s.readBlock(&sc)
		default:
			sc.Skip()
		}
	}
	if !sc.End() {
		return malformed("content_block_start")
	}
	switch string(s.typ) {
	case "text":
		blk.kind = blockText
		if valKind == valText {
			s.appendText(`{"content":`, s.val)
		}
	case "thinking":
		blk.kind = blockThinking
		if valKind == valThinking {
			s.appendText(`{"reasoning_content":`, s.val)
		}
	case "tool_use":
		if s.jsonName != "" && string(s.name) == s.jsonName {
			blk.kind = blockJSON
			break
		}
		blk.kind, blk.call = blockTool, s.calls
		s.calls++
		s.out = append(s.out, s.prefix...)
		s.out = append(s.out, `{"tool_calls":[{"index":`...)
		s.out = jsonx.AppendInt(s.out, blk.call)
		s.out = append(s.out, `,"id":`...)
		s.out = jsonx.AppendString(s.out, s.id)
		s.out = append(s.out, `,"type":"function","function":{"name":`...)
		s.out = jsonx.AppendString(s.out, s.name)
		s.out = append(s.out, `,"arguments":""}}]}`...)
		s.out = append(s.out, chunkTail...)
	}
	for i := range s.blocks {
		if s.blocks[i].index == blk.index {
			s.blocks[i] = blk
			return nil
		}
	}
	s.blocks = append(s.blocks, blk)
	return nil
}

// readBlock reads the content_block object of a content_block_start.
func (s *stream) readBlock(sc *jsonx.Scanner) int {
	kind := valNone
	if !sc.EnterObject() {
		return valNone
	}
	for {
		key, ok := sc.NextKey(&s.key)
		if !ok {
			return kind
		}
		switch string(key) {
		case "type":
			s.typ, _ = sc.Str(s.typ[:0])
		case "id":
			s.id, _ = sc.Str(s.id[:0])
		case "name":
			s.name, _ = sc.Str(s.name[:0])
		case "text":
			s.val, _ = sc.Str(s.val[:0])
			kind = valText
		case "thinking":
			s.val, _ = sc.Str(s.val[:0])
			kind = valThinking
		default: // input, signature, citations, …
			sc.Skip()
		}
	}
}

// findBlock returns the block with Anthropic index i; an unknown index is blockOther.
func (s *stream) findBlock(i int) block {
	for k := len(s.blocks) - 1; k >= 0; k-- {
		if s.blocks[k].index == i {
			return s.blocks[k]
		}
	}
	return block{index: i}
}

// onDelta handles content_block_delta, the hot path: text_delta, thinking_delta and
// input_json_delta become chunks; signature_delta, citations_delta and others are dropped.
func (s *stream) onDelta(data []byte) error {
	if !s.started {
		return outOfOrder("content_block_delta")
	}
	sc := jsonx.NewScanner(data)
	index, valKind := -1, valNone
	s.typ, s.val = s.typ[:0], s.val[:0]
	sc.EnterObject()
	for {
		key, ok := sc.NextKey(&s.key)
		if !ok {
			break
		}
		switch string(key) {
		case "index":
			index, _ = sc.Int()
		case "delta":
			valKind = s.readDelta(&sc)
		default:
			sc.Skip()
		}
	}
	if !sc.End() {
		return malformed("content_block_delta")
	}
	if len(s.val) == 0 {
		return nil
	}
	switch string(s.typ) {
	case "text_delta":
		if valKind == valText {
			s.appendText(`{"content":`, s.val)
		}
	case "thinking_delta":
		if valKind == valThinking {
			s.appendText(`{"reasoning_content":`, s.val)
		}
	case "input_json_delta":
		if valKind != valJSON {
			return nil
		}
		switch blk := s.findBlock(index); blk.kind {
		case blockJSON:
			s.appendText(`{"content":`, s.val)
		case blockTool:
			s.out = append(s.out, s.prefix...)
			s.out = append(s.out, `{"tool_calls":[{"index":`...)
			s.out = jsonx.AppendInt(s.out, blk.call)
			s.out = append(s.out, `,"function":{"arguments":`...)
			s.out = jsonx.AppendString(s.out, s.val)
			s.out = append(s.out, "}}]}"...)
			s.out = append(s.out, chunkTail...)
		}
	}
	return nil
}

// readDelta reads the delta object of a content_block_delta into s.typ and s.val and
// says which member held the value.
func (s *stream) readDelta(sc *jsonx.Scanner) int {
	kind := valNone
	if !sc.EnterObject() {
		return valNone
	}
	for {
		key, ok := sc.NextKey(&s.key)
		if !ok {
			return kind
		}
		switch string(key) {
		case "type":
			s.typ, _ = sc.Str(s.typ[:0])
		case "text":
			s.val, _ = sc.Str(s.val[:0])
			kind = valText
		case "partial_json":
			s.val, _ = sc.Str(s.val[:0])
			kind = valJSON
		case "thinking":
			s.val, _ = sc.Str(s.val[:0])
			kind = valThinking
		default:
			sc.Skip()
		}
	}
}

// onMessageDelta handles message_delta: the stop reason and the usage counts, which are
// cumulative; output_tokens is always there, the others only when they changed.
func (s *stream) onMessageDelta(data []byte) error {
	if !s.started {
		return outOfOrder("message_delta")
	}
	sc := jsonx.NewScanner(data)
	s.typ = s.typ[:0]
	sc.EnterObject()
	for {
		key, ok := sc.NextKey(&s.key)
		if !ok {
			break
		}
		switch string(key) {
		case "delta":
			s.readStopReason(&sc)
		case "usage":
			s.readUsage(&sc)
		default:
			sc.Skip()
		}
	}
	if !sc.End() {
		return malformed("message_delta")
	}
	if len(s.typ) > 0 {
		s.finish(string(s.typ))
	}
	return nil
}

// readStopReason reads delta.stop_reason (a string or null) into s.typ.
func (s *stream) readStopReason(sc *jsonx.Scanner) {
	if !sc.EnterObject() {
		return
	}
	for {
		key, ok := sc.NextKey(&s.key)
		if !ok {
			return
		}
		if string(key) == "stop_reason" && sc.Peek() == '"' {
			s.typ, _ = sc.Str(s.typ[:0])
		} else {
			sc.Skip()
		}
	}
}

// readUsage reads the counts of a message_delta's usage; null counts are left as they were.
func (s *stream) readUsage(sc *jsonx.Scanner) {
	if !sc.EnterObject() {
		return
	}
	for {
		key, ok := sc.NextKey(&s.key)
		if !ok {
			return
		}
		var dst *int
		switch string(key) {
		case "output_tokens":
			dst = &s.tok.OutputTokens
		case "input_tokens":
			dst = &s.tok.InputTokens
		case "cache_creation_input_tokens":
			dst = &s.tok.CacheCreationInputTokens
		case "cache_read_input_tokens":
			dst = &s.tok.CacheReadInputTokens
		}
		if dst == nil || sc.Peek() == 'n' {
			sc.Skip()
			continue
		}
		*dst, _ = sc.Int()
	}
}
