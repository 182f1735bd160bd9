// Package openaisse writes stream events (translate/event) as OpenAI's Chat Completions
// event stream: "data: {chat.completion.chunk}\n\n" events, the usage chunk when the
// client set stream_options.include_usage, "data: [DONE]\n\n", and an error event in
// OpenAI's error shape. Stream joins a decoder, stream filters and this encoder into a
// translate.Stream. It does no I/O.
package openaisse

import (
	"bytes"
	"strconv"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/event"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
	"github.com/franca-gw/franca/translate/sse"
)

// Encoder is the event.Sink that appends the client's bytes to Out. It writes each
// event as it comes and allocates only when Out grows.
type Encoder struct {
	// Out is what has been written; the caller sets and takes it around each Feed.
	Out []byte
	// IncludeUsage writes a usage chunk for a Usage event, as
	// stream_options.include_usage asks.
	IncludeUsage bool

	// head is `data: {"id":…,"object":"chat.completion.chunk","created":…,"model":…,"choices":[`,
	// built at Start.
	head    []byte
	headBuf [160]byte // head's first backing array, so that a stream's head costs no allocation
	roles   [2]uint64 // a bit per choice below 128 whose role has been written
	more    []uint64  // the same for choices from 128 on
	failed  bool
}

// Failed reports whether an Error event was written.
func (w *Encoder) Failed() bool { return w.failed }

const (
	openDelta = `,"delta":{`
	nullTail  = `,"finish_reason":null}]}` + "\n\n"
	role      = `"role":"assistant"`
)

// Event writes e. Observed events are not written: the Chunk that holds them is.
func (w *Encoder) Event(e *event.Event) error {
	if e.Observed {
		return nil
	}
	switch e.Kind {
	case event.Text:
		w.open(e)
		w.Out = append(w.Out, `"content":`...)
		w.Out = appendStr(w.Out, e.Text, e.Lit&event.LitText != 0)
		w.close(e, "")
	case event.Reasoning:
		w.open(e)
		w.Out = append(w.Out, `"reasoning_content":`...)
		w.Out = appendStr(w.Out, e.Text, e.Lit&event.LitText != 0)
		w.close(e, "")
	case event.ToolCall:
		w.open(e)
		w.Out = append(w.Out, `"tool_calls":[{"index":`...)
		w.Out = jsonx.AppendInt(w.Out, e.Tool)
		w.Out = append(w.Out, `,"id":`...)
		w.Out = appendStr(w.Out, e.ID, e.Lit&event.LitID != 0)
		w.Out = append(w.Out, `,"type":"function","function":{"name":`...)
		w.Out = appendStr(w.Out, e.Name, e.Lit&event.LitName != 0)
		w.Out = append(w.Out, `,"arguments":`...)
		w.Out = appendStr(w.Out, e.Text, e.Lit&event.LitText != 0)
		w.Out = append(w.Out, "}}]"...)
		w.close(e, "")
	case event.ToolArgs:
		w.open(e)
		w.Out = append(w.Out, `"tool_calls":[{"index":`...)
		w.Out = jsonx.AppendInt(w.Out, e.Tool)
		w.Out = append(w.Out, `,"function":{"arguments":`...)
		w.Out = appendStr(w.Out, e.Text, e.Lit&event.LitText != 0)
		w.Out = append(w.Out, "}}]"...)
		w.close(e, "")
	case event.Finish:
		w.open(e)
		w.close(e, e.Reason)
	case event.Start:
		w.start(e)
	case event.Usage:
		if w.IncludeUsage {
			w.Out = append(w.Out, w.chunkHead()...)
			w.Out = append(w.Out, `],"usage":`...)
			if e.UsageJSON != nil {
				w.Out = append(w.Out, e.UsageJSON...)
			} else {
				w.Out = AppendUsage(w.Out, e.Usage)
			}
			w.Out = append(w.Out, "}\n\n"...)
		}
	case event.Done:
		w.Out = append(w.Out, sse.Done...)
	case event.Error:
		w.Out = append(w.Out, "data: "...)
		w.Out = append(w.Out, e.Err.JSON()...)
		w.Out = append(w.Out, "\n\n"...)
		w.failed = true
	case event.Chunk:
		w.Out = append(w.Out, "data: "...)
		w.Out = appendLines(w.Out, e.Raw[0])
		w.Out = appendLines(w.Out, e.Raw[1])
		w.Out = append(w.Out, '\n', '\n')
	}
	return nil
}

// start builds the head of every chunk from a Start event:
// `data: {"id":…,"object":"chat.completion.chunk","created":…,"model":…[,"system_fingerprint":…],"choices":[`.
func (w *Encoder) start(e *event.Event) {
	h := w.head[:0]
	if h == nil {
		h = w.headBuf[:0]
	}
	h = append(h, `data: {"id":`...)
	h = appendStr(h, e.ID, e.Lit&event.LitID != 0)
	h = append(h, `,"object":"chat.completion.chunk","created":`...)
	h = strconv.AppendInt(h, e.Created, 10)
	h = append(h, `,"model":`...)
	h = appendStr(h, e.Model, e.Lit&event.LitModel != 0)
	if e.Fingerprint != nil {
		h = append(h, `,"system_fingerprint":`...)
		h = appendStr(h, e.Fingerprint, e.Lit&event.LitFingerprint != 0)
	}
	w.head = append(h, `,"choices":[`...)
}

// chunkHead returns the head, or one with an empty id and model when no Start came.
func (w *Encoder) chunkHead() []byte {
	if w.head == nil {
		w.start(&event.Event{})
	}
	return w.head
}

// open writes a chunk up to the inside of the choice's delta, the role first when it is
// the choice's first chunk. The encoder keeps track of that itself, rather than trust
// Event.Role, so that a filter that drops an event does not drop the role with it.
func (w *Encoder) open(e *event.Event) {
	w.Out = append(w.Out, w.chunkHead()...)
	w.Out = append(w.Out, `{"index":`...)
	w.Out = jsonx.AppendInt(w.Out, e.Choice)
	w.Out = append(w.Out, openDelta...)
	if w.firstOf(e.Choice) {
		w.Out = append(w.Out, role...)
		if e.Kind != event.Finish {
			w.Out = append(w.Out, ',')
		}
	}
}

// firstOf reports whether choice k has had no chunk yet, and notes that it has one now.
func (w *Encoder) firstOf(k int) bool {
	if k < 0 {
		k = 0
	}
	var word *uint64
	if k < 128 {
		word = &w.roles[k/64]
	} else {
		i := (k - 128) / 64
		for len(w.more) <= i {
			w.more = append(w.more, 0)
		}
		word = &w.more[i]
	}
	bit := uint64(1) << (k % 64)
	if *word&bit != 0 {
		return false
	}
	*word |= bit
	return true
}

// close ends the delta and the chunk: the logprobs if any, then the finish reason
// (null when reason is "").
func (w *Encoder) close(e *event.Event, reason string) {
	w.Out = append(w.Out, '}')
	if e.Logprobs != nil {
		w.Out = append(w.Out, `,"logprobs":`...)
		w.Out = append(w.Out, e.Logprobs...)
	}
	if reason == "" {
		w.Out = append(w.Out, nullTail...)
		return
	}
	w.Out = append(w.Out, `,"finish_reason":"`...)
	w.Out = append(w.Out, reason...)
	w.Out = append(w.Out, "\"}]}\n\n"...)
}

// appendStr writes v as a JSON string: as it is when it is already a literal.
func appendStr(dst, v []byte, literal bool) []byte {
	if literal {
		return jsonx.AppendLiteral(dst, v)
	}
	return jsonx.AppendString(dst, v)
}

// AppendUsage writes an OpenAI usage object with both details objects.
func AppendUsage(b []byte, u *schema.Usage) []byte {
	b = append(b, `{"prompt_tokens":`...)
	b = jsonx.AppendInt(b, u.PromptTokens)
	b = append(b, `,"completion_tokens":`...)
	b = jsonx.AppendInt(b, u.CompletionTokens)
	b = append(b, `,"total_tokens":`...)
	b = jsonx.AppendInt(b, u.TotalTokens)
	b = append(b, `,"prompt_tokens_details":{"cached_tokens":`...)
	b = jsonx.AppendInt(b, u.CachedTokens())
	b = append(b, `},"completion_tokens_details":{"reasoning_tokens":`...)
	b = jsonx.AppendInt(b, u.ReasoningTokens())
	return append(b, "}}"...)
}

// appendLines appends p, writing each line of a multi-line data as a data line of its own.
func appendLines(dst, p []byte) []byte {
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return append(dst, p...)
		}
		dst = append(dst, p[:i]...)
		dst = append(dst, "\ndata: "...)
		p = p[i+1:]
	}
}

// Stream is a translate.Stream made of a decoder, stream filters and the encoder.
type Stream struct {
	dec  event.Decoder
	enc  Encoder
	sink event.Sink
}

// NewStream returns the translate.Stream that decodes with dec, runs the events through
// filters in order and writes them in OpenAI's format; includeUsage is the client's
// stream_options.include_usage. With filters, a decoder of the same-format path is asked
// for its typed events (event.TypedChunks).
func NewStream(dec event.Decoder, includeUsage bool, filters ...event.Filter) *Stream {
	s := &Stream{dec: dec}
	s.enc.IncludeUsage = includeUsage
	s.sink = event.Chain(&s.enc, filters...)
	if tc, ok := dec.(event.TypedChunks); ok && len(filters) > 0 {
		tc.SendTyped()
	}
	return s
}

// Feed implements translate.Stream.
func (s *Stream) Feed(dst, p []byte) ([]byte, error) {
	s.enc.Out = dst
	err := s.dec.Feed(p, s.sink)
	dst, s.enc.Out = s.enc.Out, nil
	return dst, err
}

// End implements translate.Stream.
func (s *Stream) End(dst []byte) ([]byte, error) {
	s.enc.Out = dst
	err := s.dec.End(s.sink)
	dst, s.enc.Out = s.enc.Out, nil
	return dst, err
}

// Usage implements translate.Stream.
func (s *Stream) Usage() *schema.Usage { return s.dec.Usage() }

// Failed implements translate.Failer: the provider's error event was written.
func (s *Stream) Failed() bool { return s.enc.Failed() }

// Decoder returns the stream's decoder.
func (s *Stream) Decoder() event.Decoder { return s.dec }

var (
	_ translate.Stream = (*Stream)(nil)
	_ translate.Failer = (*Stream)(nil)
	_ event.Sink       = (*Encoder)(nil)
)
