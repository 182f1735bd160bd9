// Package sse reads Server-Sent Events incrementally, from bytes that may be cut anywhere,
// and writes OpenAI-style data events. It follows the HTML Living Standard's event stream
// parsing: lines end in LF, CRLF or CR; "data" lines of one event are joined by LF; a blank
// line dispatches the event; lines starting with ':' are comments.
package sse

import (
	"bytes"
	"errors"
	"strconv"
)

// MaxEvent is the default of Reader.Max, the most bytes the lines of one event may hold
// together (field names included, line ends not): 1 MiB, far more than any provider sends in one
// event (a chunk of a chat completion is hundreds of bytes; a whole non-streamed answer
// rarely reaches 100 KB). A Reader buffers at most this much, so that a broken or
// hostile upstream cannot grow it without bound (in Envoy, the worker VM's heap).
const MaxEvent = 1 << 20

// ErrEventTooLarge is returned by Feed for an event larger than the Reader's limit.
var ErrEventTooLarge = errors.New("an event of the stream is larger than the limit of " + strconv.Itoa(MaxEvent) + " bytes")

// errTooLarge is ErrEventTooLarge for a limit other than the default.
type errTooLarge int

func (e errTooLarge) Error() string {
	return "an event of the stream is larger than the limit of " + strconv.Itoa(int(e)) + " bytes"
}

func (e errTooLarge) Is(target error) bool { return target == ErrEventTooLarge }

// Event is one dispatched event. Its slices are valid only until the callback returns.
type Event struct {
	// Name is the event field ("" when absent, which the standard calls "message").
	Name []byte
	// Data is the event's data lines joined by LF.
	Data []byte
}

// Reader splits a byte stream into events. The zero value is ready to use.
type Reader struct {
	// Max is the most bytes one event's lines may hold together; 0 means MaxEvent.
	Max int

	line    []byte // the partial line carried over from the previous Feed
	name    []byte
	data    []byte
	hasData bool
	skipLF  bool // the previous chunk ended in CR: a leading LF belongs to that line end
	size    int  // the bytes of the current event's complete lines
	tooBig  bool // an event went over the limit: the stream is given up
}

// Feed consumes p and calls fn for every event it completes. It stops at the first error
// fn returns and returns it. An event whose lines hold more than Max bytes is an error
// that errors.Is ErrEventTooLarge, wherever the stream is cut: the Reader lets go of what
// it buffered, and later calls of Feed, and Close, return the same error.
func (r *Reader) Feed(p []byte, fn func(Event) error) error {
	if r.tooBig {
		return r.errTooLarge()
	}
	max := r.Max
	if max <= 0 {
		max = MaxEvent
	}
	for len(p) > 0 {
		if r.skipLF {
			r.skipLF = false
			if p[0] == '\n' {
				p = p[1:]
				continue
			}
		}
		i := indexEOL(p)
		if i < 0 {
			if r.size+len(r.line)+len(p) > max {
				return r.giveUp()
			}
			r.line = append(r.line, p...)
			return nil
		}
		if r.size+len(r.line)+i > max {
			return r.giveUp()
		}
		var line []byte
		if len(r.line) > 0 {
			r.line = append(r.line, p[:i]...)
			line = r.line
		} else {
			line = p[:i]
		}
		if p[i] == '\r' {
			if i+1 < len(p) {
				if p[i+1] == '\n' {
					i++
				}
			} else {
				r.skipLF = true
			}
		}
		p = p[i+1:]
		err := r.processLine(line, fn)
		r.line = r.line[:0]
		if err != nil {
			return err
		}
	}
	return nil
}

// giveUp drops what the reader holds and makes it fail from now on.
func (r *Reader) giveUp() error {
	*r = Reader{Max: r.Max, tooBig: true}
	return r.errTooLarge()
}

func (r *Reader) errTooLarge() error {
	if r.Max <= 0 || r.Max == MaxEvent {
		return ErrEventTooLarge
	}
	return errTooLarge(r.Max)
}

// Close dispatches an event whose data lines were complete when the stream ended without
// the final blank line, and resets the reader. A partial last line is dropped.
func (r *Reader) Close(fn func(Event) error) error {
	if r.tooBig {
		err := r.errTooLarge()
		*r = Reader{Max: r.Max}
		return err
	}
	var err error
	if r.hasData {
		err = fn(Event{Name: r.name, Data: r.data})
	}
	*r = Reader{Max: r.Max}
	return err
}

// Pending reports whether bytes of an unfinished event are buffered.
func (r *Reader) Pending() bool { return r.hasData || len(r.line) > 0 || len(r.name) > 0 }

func (r *Reader) processLine(line []byte, fn func(Event) error) error {
	if len(line) == 0 {
		r.size = 0
		if !r.hasData {
			r.name = r.name[:0]
			return nil
		}
		err := fn(Event{Name: r.name, Data: r.data})
		r.name, r.data, r.hasData = r.name[:0], r.data[:0], false
		return err
	}
	r.size += len(line)
	if line[0] == ':' {
		return nil
	}
	field, value := line, []byte(nil)
	for i, c := range line {
		if c == ':' {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
			break
		}
	}
	switch string(field) {
	case "data":
		if r.hasData {
			r.data = append(r.data, '\n')
		}
		r.data = append(r.data, value...)
		r.hasData = true
	case "event":
		r.name = append(r.name[:0], value...)
	}
	return nil
}

// indexEOL returns the index of the first CR or LF in p, or -1. bytes.IndexByte is
// vectorised, which matters: events are hundreds of bytes long.
func indexEOL(p []byte) int {
	i := bytes.IndexByte(p, '\n')
	if i < 0 {
		return bytes.IndexByte(p, '\r')
	}
	if j := bytes.IndexByte(p[:i], '\r'); j >= 0 {
		return j
	}
	return i
}

// AppendData appends the event "data: <json>\n\n" to dst.
func AppendData(dst, json []byte) []byte {
	dst = append(dst, "data: "...)
	dst = append(dst, json...)
	return append(dst, '\n', '\n')
}

// Done is the event that ends an OpenAI stream.
const Done = "data: [DONE]\n\n"
