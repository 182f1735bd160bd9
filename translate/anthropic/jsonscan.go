package anthropic

import (
	"unicode/utf16"
	"unicode/utf8"
)

// scanner walks one JSON document without building values, so that the stream
// transcoder can read the hot content_block_delta events without allocating. It checks
// the syntax of everything it passes over; after a failure ok() is false and every
// method returns a zero value.
type scanner struct {
	b   []byte
	i   int
	bad bool
}

// maxDepth bounds the nesting skip accepts, so that hostile input cannot exhaust the stack.
const maxDepth = 256

func (s *scanner) fail() bool {
	s.bad = true
	return false
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// enter consumes the '{' that opens an object.
func (s *scanner) enter() bool {
	if s.bad || s.peek() != '{' {
		return s.fail()
	}
	s.i++
	return true
}

// next reads the key of the next member of the object being walked and the ':' after
// it; the caller then consumes the value. first is true before the first member and is
// updated. next returns ok=false when it consumed the closing '}' or on a syntax error.
func (s *scanner) next(first *bool, keyBuf *[]byte) (key []byte, ok bool) {
	if s.bad {
		return nil, false
	}
	c := s.peek()
	if c == '}' {
		s.i++
		return nil, false
	}
	if !*first {
		if c != ',' {
			return nil, s.fail()
		}
		s.i++
		c = s.peek()
	}
	*first = false
	if c != '"' {
		return nil, s.fail()
	}
	key, ok = s.rawString()
	if !ok {
		return nil, false
	}
	if containsBackslash(key) {
		// A key written with escapes: decode it so that "\u0074ext" still reads as "text".
		*keyBuf = appendUnescaped((*keyBuf)[:0], key)
		key = *keyBuf
	}
	if s.peek() != ':' {
		return nil, s.fail()
	}
	s.i++
	return key, true
}

// end reports whether only white space follows.
func (s *scanner) end() bool {
	return !s.bad && s.peek() == 0 && s.i == len(s.b)
}

// str reads a string value and appends its decoded text to dst.
func (s *scanner) str(dst []byte) ([]byte, bool) {
	if s.bad || s.peek() != '"' {
		return dst, s.fail()
	}
	raw, ok := s.rawString()
	if !ok {
		return dst, false
	}
	return appendUnescaped(dst, raw), true
}

// int reads a non-negative integer value that fits comfortably in an int.
func (s *scanner) int() (int, bool) {
	if s.bad {
		return 0, false
	}
	s.ws()
	start, n := s.i, 0
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		if n > 1<<30 {
			return 0, s.fail()
		}
		n = n*10 + int(s.b[s.i]-'0')
		s.i++
	}
	if s.i == start || (s.b[start] == '0' && s.i-start > 1) {
		return 0, s.fail()
	}
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case '.', 'e', 'E':
			return 0, s.fail()
		}
	}
	return n, true
}

// rawString consumes a string literal at s.i and returns the bytes between its quotes,
// escapes undecoded, after checking them.
func (s *scanner) rawString() ([]byte, bool) {
	s.i++ // opening quote
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw := s.b[start:s.i]
			s.i++
			return raw, true
		case c == '\\':
			if s.i+1 >= len(s.b) {
				return nil, s.fail()
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) || !isHex4(s.b[s.i+2:s.i+6]) {
					return nil, s.fail()
				}
				s.i += 6
			default:
				return nil, s.fail()
			}
		case c < 0x20:
			return nil, s.fail()
		default:
			s.i++
		}
	}
	return nil, s.fail()
}

// skip consumes one value of any kind.
func (s *scanner) skip() bool { return s.skipDepth(0) }

func (s *scanner) skipDepth(depth int) bool {
	if s.bad || depth > maxDepth {
		return s.fail()
	}
	switch s.peek() {
	case '"':
		_, ok := s.rawString()
		return ok
	case '{':
		s.i++
		first := true
		var kb []byte
		for {
			_, ok := s.next(&first, &kb)
			if !ok {
				return !s.bad
			}
			if !s.skipDepth(depth + 1) {
				return false
			}
		}
	case '[':
		s.i++
		if s.peek() == ']' {
			s.i++
			return true
		}
		for {
			if !s.skipDepth(depth + 1) {
				return false
			}
			switch s.peek() {
			case ',':
				s.i++
			case ']':
				s.i++
				return true
			default:
				return s.fail()
			}
		}
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	return s.number()
}

func (s *scanner) literal(word string) bool {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.fail()
	}
	s.i += len(word)
	return true
}

// number consumes a number following JSON's grammar.
func (s *scanner) number() bool {
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.digits() == 0:
		return s.fail()
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return s.fail()
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return s.fail()
		}
	}
	return true
}

func (s *scanner) digits() int {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i - start
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if hexVal(c) < 0 {
			return false
		}
	}
	return true
}

func hexVal(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

func hex4(b []byte) rune {
	return hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3])
}

func containsBackslash(b []byte) bool {
	for _, c := range b {
		if c == '\\' {
			return true
		}
	}
	return false
}

// appendUnescaped decodes the body of a string literal that rawString has checked.
// Lone or mismatched surrogates become U+FFFD, as in encoding/json; invalid UTF-8 is
// copied as is (appendString repairs it on the way out).
func appendUnescaped(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			j := i + 1
			for j < len(raw) && raw[j] != '\\' {
				j++
			}
			dst = append(dst, raw[i:j]...)
			i = j
			continue
		}
		e := raw[i+1]
		i += 2
		switch e {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(raw[i:])
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2 = utf16.DecodeRune(r, hex4(raw[i+2:]))
					if r2 != utf8.RuneError {
						i += 6
					}
				}
				r = r2
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, e)
		}
	}
	return dst
}
