// Package event is the typed model of a streamed chat answer. A provider family's stream
// decoder turns the provider's wire events into Events and hands them to a Sink; stream
// filters (a Chain of Filter) sit between the decoder and the encoder of the client's API,
// which writes the bytes the client gets (translate/openaisse for OpenAI's
// chat.completion.chunk events).
//
//	provider bytes ─► Decoder ─► Filter ─► … ─► encoder ─► client bytes
//
// One Event value is reused for every event of a stream and its byte slices point into
// the decoder's buffers, so that the text path allocates nothing: an Event and its slices
// are valid only until the Sink's Event method returns. A sink that keeps anything must
// copy it.
//
// It does no I/O and has no global mutable state.
package event

import (
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// Kind says what an Event is.
type Kind uint8

// The kinds of event, in the order a stream usually has them: Start once, then deltas
// of each choice (Text, Reasoning, ToolCall, ToolArgs), each choice's Finish, Usage,
// and Done; or Error, after which nothing follows.
const (
	// Start opens the answer: ID, Model, Created and Fingerprint name it. It comes
	// before any delta.
	Start Kind = iota + 1
	// Text is a piece of the answer's text (Text) for choice Choice.
	Text
	// Reasoning is a piece of the model's reasoning (Text) for choice Choice.
	Reasoning
	// ToolCall opens tool call Tool of choice Choice: its ID and function Name, and the
	// first piece of its arguments (Text, often empty).
	ToolCall
	// ToolArgs is a further piece of the arguments (Text) of tool call Tool of choice
	// Choice.
	ToolArgs
	// Finish ends choice Choice with OpenAI's finish_reason Reason.
	Finish
	// Usage reports the answer's token counts (Usage, and UsageJSON when the provider
	// wrote them in OpenAI's shape). It comes once, before Done; the encoder writes it
	// as a usage chunk when the client asked for one.
	Usage
	// Done ends a complete answer.
	Done
	// Error is the provider's error in the middle of the answer (Err); the stream ends
	// with it, without Done.
	Error
	// Chunk is an OpenAI chat.completion.chunk forwarded as the provider wrote it (the
	// same-format path of OpenAI-family providers): its JSON is Raw[0] followed by
	// Raw[1] (a member may have been cut from between them). When they are asked for
	// (TypedChunks), the typed events it holds come before it, marked Observed.
	Chunk
)

var kindNames = [...]string{Start: "start", Text: "text", Reasoning: "reasoning", ToolCall: "tool_call",
	ToolArgs: "tool_args", Finish: "finish", Usage: "usage", Done: "done", Error: "error", Chunk: "chunk"}

// String returns the kind's name, e.g. "text".
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// Literal flags say which byte fields of an Event hold a JSON string literal exactly as
// the provider wrote it (quotes and escapes included) instead of plain text. Decoders
// use them to pass strings on without decoding and re-escaping them, which keeps the
// client's bytes as the provider wrote them.
type Literal uint8

// The fields a Literal flag may name.
const (
	LitText Literal = 1 << iota
	LitName
	LitModel
	LitID
	LitFingerprint
)

// Event is one typed stream event. Which fields are set depends on Kind; the others are
// zero. Slices are valid only until the Sink that received the Event returns.
type Event struct {
	// Kind says what the event is.
	Kind Kind
	// Choice is the index of the choice a delta or Finish belongs to.
	Choice int
	// Tool is the index of the tool call within its choice (ToolCall, ToolArgs).
	Tool int
	// Role is true on a choice's first delta or Finish, which carries the role
	// "assistant". Encoders do not rely on it: they write the role with the first chunk
	// they write for a choice, whichever event that is.
	Role bool
	// Observed marks a typed event that a Chunk event still to come already holds:
	// filters may look at it, encoders write the Chunk instead.
	Observed bool
	// Lit says which of Text, Name, Model, ID and Fingerprint are JSON string literals.
	Lit Literal

	// Text is the text of Text and Reasoning and the arguments of ToolCall and ToolArgs.
	Text []byte
	// ID is the answer's id (Start, e.g. "chatcmpl-…") or the tool call's id (ToolCall).
	ID []byte
	// Name is the function name of a ToolCall.
	Name []byte
	// Model is the model that answers (Start).
	Model []byte
	// Created is the answer's time in Unix seconds (Start).
	Created int64
	// Fingerprint is the answer's system_fingerprint (Start), or nil.
	Fingerprint []byte
	// Reason is OpenAI's finish_reason (Finish): "stop", "length", "tool_calls",
	// "content_filter".
	Reason string
	// Logprobs is the choice's logprobs object in OpenAI's shape, raw JSON, to go with a
	// Text or Finish; nil when there are none.
	Logprobs []byte
	// Usage holds the token counts (Usage).
	Usage *schema.Usage
	// UsageJSON is the usage object as an OpenAI-family provider wrote it (Usage), or nil.
	UsageJSON []byte
	// Err is the provider's error in OpenAI's shape (Error).
	Err *translate.Error
	// Raw is the chunk's JSON in two pieces (Chunk).
	Raw [2][]byte
}

// AppendText appends e.Text as plain text, decoding it when it is a JSON literal.
func (e *Event) AppendText(dst []byte) []byte {
	if e.Lit&LitText == 0 {
		return append(dst, e.Text...)
	}
	dst, _ = jsonx.AppendUnquoted(dst, e.Text)
	return dst
}

// Sink receives events. Event may change *e (it is the sender's scratch) but must not
// keep it or its slices. An error stops the stream: the decoder returns it.
type Sink interface {
	Event(e *Event) error
}

// Decoder decodes one provider's streamed answer into events. Bytes may arrive cut
// anywhere, even inside a UTF-8 sequence or an event's field name; a decoder keeps what
// it cannot use yet for the next call.
type Decoder interface {
	// Feed consumes the next upstream bytes and sends the events they complete to sink.
	Feed(p []byte, sink Sink) error
	// End is called when the upstream body ends: it sends what remains (Usage and Done
	// among them), or returns an error if the stream ended before the provider said it
	// was complete.
	End(sink Sink) error
	// Usage returns the usage the stream has reported so far, or nil.
	Usage() *schema.Usage
}

// Source is implemented by the chat translators of every provider family: StreamDecoder
// returns the decoder of a successful streamed upstream body. (translate.Chat's Stream is
// that decoder joined to the OpenAI encoder by openaisse.NewStream.)
type Source interface {
	StreamDecoder(req *schema.ChatRequest, t *translate.Target) Decoder
}

// TypedChunks is implemented by a decoder of the same-format path, which forwards Chunk
// events and reads the typed events out of them only when asked to: reading them costs
// time that is wasted when no filter looks at them. SendTyped asks for them; a stream
// with filters calls it before the first Feed.
type TypedChunks interface {
	SendTyped()
}

// Filter is a stream filter: it sees every event between the decoder and the encoder
// and passes it on to next — changed, split into several, or not at all. A filter may
// send events of its own through next, with an Event value it owns. Filters hold the
// state of one stream; a new stream gets new filters.
type Filter interface {
	Filter(e *Event, next Sink) error
}

// FilterFunc is a Filter written as a function.
type FilterFunc func(e *Event, next Sink) error

// Filter calls f.
func (f FilterFunc) Filter(e *Event, next Sink) error { return f(e, next) }

// Chain returns the sink that runs filters in order and then last. With no filters it
// returns last itself, so that an unfiltered stream pays nothing.
func Chain(last Sink, filters ...Filter) Sink {
	s := last
	for i := len(filters) - 1; i >= 0; i-- {
		s = &link{f: filters[i], next: s}
	}
	return s
}

type link struct {
	f    Filter
	next Sink
}

func (l *link) Event(e *Event) error { return l.f.Filter(e, l.next) }
