package jsonx

import "bytes"

// Scanner walks one JSON document in place, for code that reads a few members of a
// message and skips the rest: a stream event, a response. It checks the syntax of all it
// passes over and builds nothing, so a walk costs no allocation. After a fault OK is
// false and every method returns a zero value.
//
// A walk of an object looks like this:
//
//	sc := jsonx.NewScanner(data)
//	sc.EnterObject()
//	for {
//		key, ok := sc.NextKey(&keyBuf)
//		if !ok {
//			break
//		}
//		switch string(key) {
//		case "text":
//			text, _ = sc.Str(text[:0])
//		default:
//			sc.Skip()
//		}
//	}
//	if !sc.End() { … malformed … }
//
// Every member's value must be consumed (Skip, Value, Str, Int, or a nested walk that
// goes to its end) before the next NextKey. A Scanner is a small value: a copy taken
// before a value is read can walk it again later.
type Scanner struct {
	b     []byte
	i     int
	first bool // nothing was read yet in the object or array just entered
	bad   bool
}

// NewScanner returns a Scanner at the start of b.
func NewScanner(b []byte) Scanner { return Scanner{b: b} }

func (s *Scanner) fail() bool {
	s.bad = true
	return false
}

// OK reports whether the walk has met no syntax error (or other fault) so far.
func (s *Scanner) OK() bool { return !s.bad }

// Pos returns the index in the document that the scanner is at.
func (s *Scanner) Pos() int { return s.i }

// Peek skips white space and returns the next byte, or 0 at the end or after a fault.
func (s *Scanner) Peek() byte {
	if s.bad {
		return 0
	}
	s.i = SkipWS(s.b, s.i)
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// End reports whether the walk went without fault and only white space is left.
func (s *Scanner) End() bool {
	return !s.bad && SkipWS(s.b, s.i) == len(s.b)
}

// EnterObject consumes the '{' that opens an object; anything else is a fault.
func (s *Scanner) EnterObject() bool { return s.enter('{') }

// EnterArray consumes the '[' that opens an array; anything else is a fault.
func (s *Scanner) EnterArray() bool { return s.enter('[') }

func (s *Scanner) enter(c byte) bool {
	if s.Peek() != c {
		return s.fail()
	}
	s.i++
	s.first = true
	return true
}

// NextKey reads the key of the next member of the object being walked, and the ':'
// after it; the caller then consumes the value. It returns ok=false when it consumed the
// closing '}' or met a fault. A key written with escapes is decoded into *buf (a new
// slice when buf is nil), so that "\u0074ext" reads as "text"; other keys are slices
// of the document.
func (s *Scanner) NextKey(buf *[]byte) (key []byte, ok bool) {
	ks, ke, ok := s.nextKey()
	if !ok {
		return nil, false
	}
	key = s.b[ks+1 : ke-1]
	if bytes.IndexByte(key, '\\') >= 0 {
		var dst []byte
		if buf != nil {
			dst = (*buf)[:0]
		}
		dst = unescape(dst, key)
		if buf != nil {
			*buf = dst
		}
		key = dst
	}
	return key, true
}

// nextKey is NextKey returning the range of the key literal, quotes included.
func (s *Scanner) nextKey() (ks, ke int, ok bool) {
	c := s.Peek()
	if s.bad {
		return 0, 0, false
	}
	if c == '}' {
		// Back in the enclosing object or array, which has had an entry: this one.
		s.i++
		s.first = false
		return 0, 0, false
	}
	if !s.first {
		if c != ',' {
			return 0, 0, s.fail()
		}
		s.i++
		c = s.Peek()
	}
	s.first = false
	if c != '"' {
		return 0, 0, s.fail()
	}
	ks = s.i
	if ke = scanString(s.b, ks); ke < 0 {
		return 0, 0, s.fail()
	}
	s.i = ke
	if s.Peek() != ':' {
		return 0, 0, s.fail()
	}
	s.i++
	return ks, ke, true
}

// NextElem moves to the next element of the array being walked; the caller then
// consumes it. It returns false when it consumed the closing ']' or met a fault.
func (s *Scanner) NextElem() bool {
	c := s.Peek()
	if s.bad {
		return false
	}
	if c == ']' {
		s.i++
		s.first = false
		return false
	}
	if !s.first {
		if c != ',' {
			return s.fail()
		}
		s.i++
	}
	s.first = false
	return true
}

// Skip consumes the next value, whatever its kind.
func (s *Scanner) Skip() bool {
	_, ok := s.value()
	return ok
}

// Value consumes the next value and returns its bytes, a slice of the document, or nil
// after a fault.
func (s *Scanner) Value() []byte {
	start, ok := s.value()
	if !ok {
		return nil
	}
	return s.b[start:s.i]
}

func (s *Scanner) value() (start int, ok bool) {
	s.Peek()
	if s.bad {
		return 0, false
	}
	start = s.i
	end := skipValue(s.b, start, 0)
	if end < 0 {
		return 0, s.fail()
	}
	s.i = end
	return start, true
}

// Str consumes the next value, which must be a string, and appends its decoded text to
// dst. Lone surrogate escapes become U+FFFD, as in encoding/json; invalid UTF-8 is copied
// as it is (AppendString repairs it on the way out). A value of another kind is a fault.
func (s *Scanner) Str(dst []byte) ([]byte, bool) {
	if s.Peek() != '"' {
		return dst, s.fail()
	}
	start := s.i
	end := scanString(s.b, start)
	if end < 0 {
		return dst, s.fail()
	}
	s.i = end
	return unescape(dst, s.b[start+1:end-1]), true
}

// Int consumes the next value, which must be an integer (see Int); anything else is a
// fault.
func (s *Scanner) Int() (int, bool) {
	v := s.Value()
	if v == nil {
		return 0, false
	}
	n, ok := Int(v)
	if !ok {
		return 0, s.fail()
	}
	return n, true
}
