package anthropic

import (
	"encoding/json"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
	"github.com/franca-gw/franca/translate/sse"
)

// Stream returns a transcoder from Anthropic's event stream (message_start,
// content_block_start/delta/stop, message_delta, message_stop, ping, error) to
// chat.completion.chunk events.
func (*Translator) Stream(req *schema.ChatRequest, t *translate.Target) translate.Stream {
	s := &stream{created: t.Created, model: t.Model}
	if req != nil {
		s.jsonName = jsonToolName(req)
		s.includeUsage = req.IncludeUsage()
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

const chunkTail = `,"finish_reason":null}]}` + "\n\n"

// stream is the transcoder. Each event is decoded on its own: message_start and error
// with encoding/json, the events that come many times per stream with scanner, without
// allocating. Every chunk is appended to the output from a prefix built once at
// message_start.
type stream struct {
	r            sse.Reader
	created      int64
	model        string // the target's model, used if message_start names none
	jsonName     string // the response_format tool, or ""
	includeUsage bool

	// prefix is `data: {"id":…,"object":"chat.completion.chunk","created":…,"model":…,`
	// followed by `"choices":[{"index":0,"delta":`; head is the length of the first part.
	prefix []byte
	head   int

	started  bool // message_start seen
	finished bool // the chunk with finish_reason written
	done     bool // message_stop seen and [DONE] written
	failed   bool // an error event written
	blocks   []block
	calls    int
	tok      tokens

	// Scratch buffers for the strings of one event, reused from event to event.
	out  []byte // the output while Feed or End runs
	val  []byte // a block's or delta's text
	typ  []byte // a block's or delta's type, or a stop_reason
	id   []byte // a tool_use block's id
	name []byte // a tool_use block's name
	key  []byte // a key written with escapes
}

// Feed transcodes the events that p completes.
func (s *stream) Feed(dst, p []byte) ([]byte, error) {
	if s.done || s.failed {
		return dst, nil
	}
	s.out = dst
	err := s.r.Feed(p, s.event)
	dst, s.out = s.out, nil
	return dst, err
}

// End finishes the stream: an event left without its blank line is handled, and a
// stream that ended before message_stop (and without an error event) is an error.
func (s *stream) End(dst []byte) ([]byte, error) {
	if !s.done && !s.failed {
		s.out = dst
		err := s.r.Close(s.event)
		dst, s.out = s.out, nil
		if err != nil {
			return dst, err
		}
	}
	if s.done || s.failed {
		return dst, nil
	}
	return dst, &translate.Error{Status: 502, Type: translate.TypeServer, Code: "stream_truncated",
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
	p := make([]byte, 0, 128+len(v.Message.ID)+len(model))
	p = append(p, "data: {\"id\":"...)
	p = jsonx.AppendString(p, "chatcmpl-"+v.Message.ID)
	p = append(p, `,"object":"chat.completion.chunk","created":`...)
	p = jsonx.AppendInt(p, int(s.created))
	p = append(p, `,"model":`...)
	p = jsonx.AppendString(p, model)
	p = append(p, ',')
	s.head = len(p)
	s.prefix = append(p, `"choices":[{"index":0,"delta":`...)
	s.out = append(s.out, s.prefix...)
	s.out = append(s.out, `{"role":"assistant","content":""}`...)
	s.out = append(s.out, chunkTail...)
	return nil
}

// appendText writes a chunk whose delta opens with open (e.g. `{"content":`) and holds
// text. Empty text writes nothing.
func (s *stream) appendText(open string, text []byte) {
	if len(text) == 0 {
		return
	}
	s.out = append(s.out, s.prefix...)
	s.out = append(s.out, open...)
	s.out = jsonx.AppendString(s.out, text)
	s.out = append(s.out, '}')
	s.out = append(s.out, chunkTail...)
}

// finish writes the chunk with the finish reason, once.
func (s *stream) finish(stopReason string) {
	if s.finished {
		return
	}
	s.finished = true
	s.out = append(s.out, s.prefix...)
	s.out = append(s.out, `{},"finish_reason":"`...)
	s.out = append(s.out, finishReason(stopReason, s.calls)...)
	s.out = append(s.out, "\"}]}\n\n"...)
}

// onMessageStop ends the stream: the usage chunk if the client asked for it, then [DONE].
func (s *stream) onMessageStop() error {
	if !s.started {
		return outOfOrder("message_stop")
	}
	s.finish("end_turn")
	if s.includeUsage {
		s.out = append(s.out, s.prefix[:s.head]...)
		s.out = append(s.out, `"choices":[],"usage":`...)
		s.out = s.tok.appendUsage(s.out)
		s.out = append(s.out, "}\n\n"...)
	}
	s.out = append(s.out, sse.Done...)
	s.done = true
	return nil
}

// onError writes the error event in OpenAI's shape and stops the stream.
func (s *stream) onError(data []byte) error {
	var v errorBody
	if json.Unmarshal(data, &v) != nil || v.Error == nil {
		v.Error = &errorObject{Type: "api_error", Message: "anthropic reported an error in the stream"}
	}
	e := fromErrorObject(0, v.Error)
	s.out = append(s.out, e.StreamErrorEvent()...)
	s.failed = true
	return nil
}

// Failed reports whether the provider's error event was passed on.
func (s *stream) Failed() bool { return s.failed }
