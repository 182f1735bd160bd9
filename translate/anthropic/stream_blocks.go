package anthropic

import (
	"github.com/franca-gw/franca/translate/event"
	"github.com/franca-gw/franca/translate/jsonx"
)

// The events that come many times per stream are read with jsonx.Scanner, into the
// stream's scratch buffers, so that they cost no allocation.

// onBlockStart handles content_block_start: a tool_use block opens a tool call (unless
// it is the response_format tool); text and thinking blocks normally start empty.
func (s *stream) onBlockStart(data []byte) error {
	if !s.started {
		return outOfOrder("content_block_start")
	}
	s.id, s.name = s.id[:0], s.name[:0]
	index, valKind, ok := s.readIndexed(data, "content_block", &blockVals)
	if !ok {
		return malformed("content_block_start")
	}
	blk := block{index: index}
	var err error
	switch string(s.typ) {
	case "text":
		blk.kind = blockText
		if valKind == valText {
			err = s.sendText(event.Text, s.val)
		}
	case "thinking":
		blk.kind = blockThinking
		if valKind == valThinking {
			err = s.sendText(event.Reasoning, s.val)
		}
	case "tool_use":
		if s.jsonName != "" && string(s.name) == s.jsonName {
			blk.kind = blockJSON
			break
		}
		blk.kind, blk.call = blockTool, s.calls
		s.calls++
		s.ev = event.Event{Kind: event.ToolCall, Tool: blk.call, ID: s.id, Name: s.name, Text: s.val[:0]}
		err = s.send()
	}
	for i := range s.blocks {
		if s.blocks[i].index == blk.index {
			s.blocks[i] = blk
			return err
		}
	}
	s.blocks = append(s.blocks, blk)
	return err
}

// The members of a content_block and of a content_block_delta's delta that carry the
// value, by the kind of value (valText, valJSON, valThinking); "" is none.
var (
	blockVals = [4]string{valText: "text", valThinking: "thinking"}
	deltaVals = [4]string{valText: "text", valJSON: "partial_json", valThinking: "thinking"}
)

// readIndexed reads a content_block_start or content_block_delta event: its index, and
// the object named inner (content_block or delta) into s.typ and s.val (and, for a
// content_block, s.id and s.name), s.typ and s.val being reset first. It returns the
// index (-1 when there is none), the kind of the member that held the value, and whether
// the event is well formed.
func (s *stream) readIndexed(data []byte, inner string, vals *[4]string) (index, kind int, ok bool) {
	sc := jsonx.NewScanner(data)
	index, kind = -1, valNone
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
		case inner:
			kind = s.readInner(&sc, vals, inner == "content_block")
		default:
			sc.Skip()
		}
	}
	return index, kind, sc.End()
}

// readInner reads the content_block or delta object sc is at: its type into s.typ, the
// member named in vals into s.val, and, when block is true, a tool_use block's id and
// name into s.id and s.name. It says which member of vals held the value.
func (s *stream) readInner(sc *jsonx.Scanner, vals *[4]string, block bool) int {
	kind := valNone
	if !sc.EnterObject() {
		return valNone
	}
	for {
		key, ok := sc.NextKey(&s.key)
		if !ok {
			return kind
		}
		switch {
		case string(key) == "type":
			s.typ, _ = sc.Str(s.typ[:0])
		case block && string(key) == "id":
			s.id, _ = sc.Str(s.id[:0])
		case block && string(key) == "name":
			s.name, _ = sc.Str(s.name[:0])
		default:
			k := valNone + 1
			for k < len(vals) && (vals[k] == "" || vals[k] != string(key)) {
				k++
			}
			if k == len(vals) {
				sc.Skip() // input, signature, citations, …
				continue
			}
			s.val, _ = sc.Str(s.val[:0])
			kind = k
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
	index, valKind, ok := s.readIndexed(data, "delta", &deltaVals)
	if !ok {
		return malformed("content_block_delta")
	}
	if len(s.val) == 0 {
		return nil
	}
	switch string(s.typ) {
	case "text_delta":
		if valKind == valText {
			return s.sendText(event.Text, s.val)
		}
	case "thinking_delta":
		if valKind == valThinking {
			return s.sendText(event.Reasoning, s.val)
		}
	case "input_json_delta":
		if valKind != valJSON {
			return nil
		}
		switch blk := s.findBlock(index); blk.kind {
		case blockJSON:
			return s.sendText(event.Text, s.val)
		case blockTool:
			s.ev = event.Event{Kind: event.ToolArgs, Tool: blk.call, Text: s.val}
			return s.send()
		}
	}
	return nil
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
		return s.finish(string(s.typ))
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
