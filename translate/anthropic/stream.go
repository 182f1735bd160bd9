package anthropic

import (
	"encoding/json"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/event"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/openaisse"
	"github.com/franca-gw/franca/translate/schema"
	"github.com/franca-gw/franca/translate/sse"
)

// Stream returns a transcoder from Anthropic's event stream (message_start,
// content_block_start/delta/stop, message_delta, message_stop, ping, error) to
// chat.completion.chunk events: StreamDecoder's events written by openaisse.
func (tr *Translator) Stream(req *schema.ChatRequest, t *translate.Target) translate.Stream {
	return openaisse.NewStream(tr.StreamDecoder(req, t), req != nil && req.IncludeUsage())
}

// StreamDecoder returns the decoder of Anthropic's event stream into typed events.
func (*Translator) StreamDecoder(req *schema.ChatRequest, t *translate.Target) event.Decoder {
	s := &stream{created: t.Created, model: t.Model}
	if req != nil {
		s.jsonName = jsonToolName(req)
	}
	return s
}

// Kinds of content block.
const (
	blockOther = iota
	blockText
	blockThinking
	blockTool // a call of one of the client's tools
	blockJSON // the call of the response_format tool: its input is the content
)

type block struct {
	index int   // Anthropic's content block index
	kind  uint8 // one of the block kinds
	call  int   // for blockTool, the OpenAI tool call index
}

// Fields of a content_block_delta's delta that carry its value.
const (
	valNone = iota
	valText
	valJSON
	valThinking
)

// stream is the decoder. Each event is decoded on its own: message_start and error
// with encoding/json, the events that come many times per stream with scanner, without
// allocating. Typed events go to the sink of the running Feed or End in ev, reused.
type stream struct {
	r        sse.Reader
	created  int64
	model    string // the target's model, used if message_start names none
	jsonName string // the response_format tool, or ""

	sink event.Sink  // while Feed or End runs
	ev   event.Event // the event being sent
	u    usageBuf

	started  bool // message_start seen
	finished bool // the chunk with finish_reason written
	done     bool // message_stop seen and [DONE] written
	failed   bool // an error event written
	blocks   []block
	calls    int
	tok      tokens

	// Scratch buffers for the strings of one event, reused from event to event.
	val  []byte // a block's or delta's text
	typ  []byte // a block's or delta's type, or a stop_reason
	id   []byte // a tool_use block's id
	name []byte // a tool_use block's name
	key  []byte // a key written with escapes
}

// Feed decodes the events that p completes.
func (s *stream) Feed(p []byte, sink event.Sink) error {
	if s.done || s.failed {
		return nil
	}
	s.sink = sink
	err := s.r.Feed(p, s.event)
	s.sink = nil
	return err
}

// End finishes the stream: an event left without its blank line is handled, and a
// stream that ended before message_stop (and without an error event) is an error.
func (s *stream) End(sink event.Sink) error {
	if !s.done && !s.failed {
		s.sink = sink
		err := s.r.Close(s.event)
		s.sink = nil
		if err != nil {
			return err
		}
	}
	if s.done || s.failed {
		return nil
	}
	return &translate.Error{Status: 502, Type: translate.TypeServer, Code: "stream_truncated",
		Message: "the anthropic stream ended before message_stop"}
}

// Usage returns the tokens counted so far: input tokens from message_start, output
// tokens from message_delta.
func (s *stream) Usage() *schema.Usage {
	if !s.started {
		return nil
	}
	return s.tok.usage()
}

// send sends s.ev to the sink.
func (s *stream) send() error { return s.sink.Event(&s.ev) }

func (s *stream) event(ev sse.Event) error {
	if s.done || s.failed {
		return nil
	}
	name := ev.Name
	if len(name) == 0 {
		name = s.typeOf(ev.Data)
	}
	switch string(name) {
	case "content_block_delta":
		return s.onDelta(ev.Data)
	case "message_start":
		return s.onMessageStart(ev.Data)
	case "content_block_start":
		return s.onBlockStart(ev.Data)
	case "message_delta":
		return s.onMessageDelta(ev.Data)
	case "message_stop":
		return s.onMessageStop()
	case "error":
		return s.onError(ev.Data)
	}
	return nil // ping, content_block_stop, and event types added later
}

// typeOf reads the type member of an event that came without an event: line.
func (s *stream) typeOf(data []byte) []byte {
	sc := jsonx.NewScanner(data)
	if !sc.EnterObject() {
		return nil
	}
	for {
		key, ok := sc.NextKey(&s.key)
		if !ok {
			return nil
		}
		if string(key) == "type" {
			s.typ, ok = sc.Str(s.typ[:0])
			if !ok {
				return nil
			}
			return s.typ
		}
		if !sc.Skip() {
			return nil
		}
	}
}

func malformed(event string) error {
	return badUpstream("anthropic sent a malformed " + event + " event")
}

func outOfOrder(event string) error {
	return badUpstream("anthropic sent " + event + " before message_start")
}

func (s *stream) onMessageStart(data []byte) error {
	var v struct {
		Message struct {
			ID    string `json:"id"`
			Model string `json:"model"`
			Usage tokens `json:"usage"`
		} `json:"message"`
	}
	if json.Unmarshal(data, &v) != nil {
		return malformed("message_start")
	}
	if s.started {
		return nil
	}
	s.started = true
	s.tok = v.Message.Usage
	model := v.Message.Model
	if model == "" {
		model = s.model
	}
	s.id = append(append(s.id[:0], "chatcmpl-"...), v.Message.ID...)
	s.name = append(s.name[:0], model...)
	s.ev = event.Event{Kind: event.Start, ID: s.id, Model: s.name, Created: s.created}
	if err := s.send(); err != nil {
		return err
	}
	s.ev = event.Event{Kind: event.Text, Role: true}
	return s.send()
}

// sendText sends a Text or Reasoning event of choice 0. Empty text sends nothing.
func (s *stream) sendText(k event.Kind, text []byte) error {
	if len(text) == 0 {
		return nil
	}
	s.ev = event.Event{Kind: k, Text: text}
	return s.send()
}

// finish sends the Finish event, once.
func (s *stream) finish(stopReason string) error {
	if s.finished {
		return nil
	}
	s.finished = true
	s.ev = event.Event{Kind: event.Finish, Reason: finishReason(stopReason, s.calls)}
	return s.send()
}

// onMessageStop ends the stream: Finish if no message_delta said why, Usage, Done.
func (s *stream) onMessageStop() error {
	if !s.started {
		return outOfOrder("message_stop")
	}
	if err := s.finish("end_turn"); err != nil {
		return err
	}
	s.ev = event.Event{Kind: event.Usage, Usage: s.u.set(s.tok)}
	if err := s.send(); err != nil {
		return err
	}
	s.done = true
	s.ev = event.Event{Kind: event.Done}
	return s.send()
}

// onError sends the error in OpenAI's shape and stops the stream.
func (s *stream) onError(data []byte) error {
	var v errorBody
	if json.Unmarshal(data, &v) != nil || v.Error == nil {
		v.Error = &errorObject{Type: "api_error", Message: "anthropic reported an error in the stream"}
	}
	s.failed = true
	s.ev = event.Event{Kind: event.Error, Err: fromErrorObject(0, v.Error)}
	return s.send()
}

var _ event.Source = (*Translator)(nil)
