package gemini

import (
	"encoding/json"
	"unicode/utf8"
)

// This file is a small JSON scanner for the stream hot path. It finds the values the
// transcoder needs by position, without decoding into maps or structs and without
// allocating. A span is the half-open range of one value; a zero span is an absent value.

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 256

type span struct{ s, e int }

// ok reports whether the span holds a value.
func (sp span) ok() bool { return sp.e > sp.s }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipWS returns the index of the first non-space byte at or after i.
func skipWS(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// strPlain[c] is true for the bytes that a string literal holds as they are: printable
// ASCII other than the quote and the backslash.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString reads the string literal starting at b[i] == '"'. It returns the index after
// the closing quote and whether the literal can be copied verbatim into JSON output
// (verbatim is false only when it holds invalid UTF-8). ok is false for malformed input.
func scanString(b []byte, i int) (end int, verbatim, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, false, false
	}
	verbatim = true
	i++
	for {
		for i < len(b) && strPlain[b[i]] {
			i++
		}
		if i >= len(b) {
			return 0, false, false
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, verbatim, true
		case c == '\\':
			if i+1 >= len(b) {
				return 0, false, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return 0, false, false
				}
				i += 6
			default:
				return 0, false, false
			}
		case c < 0x20:
			return 0, false, false
		default:
			// A run of bytes >= 0x80 holds whole UTF-8 sequences when it is valid, since
			// no ASCII byte can sit inside one.
			j := i + 1
			for j < len(b) && b[j] >= utf8.RuneSelf {
				j++
			}
			if verbatim && !utf8.Valid(b[i:j]) {
				verbatim = false
			}
			i = j
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// skipValue returns the span of the value that starts at or after i (after spaces).
func skipValue(b []byte, i, depth int) (span, bool) {
	i = skipWS(b, i)
	if i >= len(b) || depth > maxDepth {
		return span{}, false
	}
	start := i
	switch c := b[i]; {
	case c == '"':
		end, _, ok := scanString(b, i)
		return span{start, end}, ok
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == closer {
			return span{start, i + 1}, true
		}
		for {
			if c == '{' {
				end, _, ok := scanString(b, i)
				if !ok {
					return span{}, false
				}
				i = skipWS(b, end)
				if i >= len(b) || b[i] != ':' {
					return span{}, false
				}
				i++
			}
			v, ok := skipValue(b, i, depth+1)
			if !ok {
				return span{}, false
			}
			i = skipWS(b, v.e)
			if i >= len(b) {
				return span{}, false
			}
			if b[i] == closer {
				return span{start, i + 1}, true
			}
			if b[i] != ',' {
				return span{}, false
			}
			i = skipWS(b, i+1)
		}
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	case c == '-' || '0' <= c && c <= '9':
		for i < len(b) && (b[i] == '-' || b[i] == '+' || b[i] == '.' || b[i] == 'e' || b[i] == 'E' || '0' <= b[i] && b[i] <= '9') {
			i++
		}
		return span{start, i}, true
	}
	return span{}, false
}

func literal(b []byte, i int, lit string) (span, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return span{}, false
	}
	return span{i, i + len(lit)}, true
}

// iter walks the members of an object or the elements of an array.
type iter struct {
	b      []byte
	i      int
	closer byte
	first  bool
	done   bool
	bad    bool
	depth  int
}

// members starts walking the object in sp; it is marked bad if sp is not an object.
func members(b []byte, sp span, depth int) iter {
	return open(b, sp, '{', '}', depth)
}

// elements starts walking the array in sp; it is marked bad if sp is not an array.
func elements(b []byte, sp span, depth int) iter {
	return open(b, sp, '[', ']', depth)
}

func open(b []byte, sp span, opener, closer byte, depth int) iter {
	if !sp.ok() || b[sp.s] != opener {
		return iter{done: true, bad: true}
	}
	return iter{b: b[:sp.e], i: sp.s + 1, closer: closer, first: true, depth: depth}
}

// membersAt starts walking the object that starts at b[i], whose end is not known yet;
// when the walk is done and not bad, end returns the index after it.
func membersAt(b []byte, i, depth int) iter {
	return openAt(b, i, '{', '}', depth)
}

// elementsAt is membersAt for an array.
func elementsAt(b []byte, i, depth int) iter {
	return openAt(b, i, '[', ']', depth)
}

func openAt(b []byte, i int, opener, closer byte, depth int) iter {
	if i >= len(b) || b[i] != opener || depth > maxDepth {
		return iter{done: true, bad: true}
	}
	return iter{b: b, i: i + 1, closer: closer, first: true, depth: depth}
}

// key returns the next member's raw key and the index where its value starts. The caller
// must then call skip, span, or walk the value itself and call resume with its end.
func (it *iter) key() (key []byte, v int, ok bool) {
	if !it.advance() {
		return nil, 0, false
	}
	i := skipWS(it.b, it.i)
	end, _, ok := scanString(it.b, i)
	if !ok {
		it.done, it.bad = true, true
		return nil, 0, false
	}
	key = it.b[i+1 : end-1]
	i = skipWS(it.b, end)
	if i >= len(it.b) || it.b[i] != ':' {
		it.done, it.bad = true, true
		return nil, 0, false
	}
	it.i = skipWS(it.b, i+1)
	return key, it.i, true
}

// start returns the index where the next element starts, with the same contract as key.
func (it *iter) start() (int, bool) {
	if !it.advance() {
		return 0, false
	}
	it.i = skipWS(it.b, it.i)
	return it.i, true
}

// span skips the current value and returns it.
func (it *iter) span() span {
	v, ok := skipValue(it.b, it.i, it.depth+1)
	if !ok {
		it.done, it.bad = true, true
		return span{}
	}
	it.i = v.e
	return v
}

// skip skips the current value.
func (it *iter) skip() { it.span() }

// resume continues after a value the caller walked itself, which ended at end; a walk
// that went bad makes the iterator bad.
func (it *iter) resume(end int, ok bool) {
	if !ok {
		it.done, it.bad = true, true
		return
	}
	it.i = end
}

// end returns the index after the walked object or array, once the walk is done.
func (it *iter) end() int { return it.i + 1 }

// advance moves past the separator before the next entry and reports whether one follows.
func (it *iter) advance() bool {
	if it.done {
		return false
	}
	it.i = skipWS(it.b, it.i)
	if it.i >= len(it.b) {
		it.done, it.bad = true, true
		return false
	}
	if it.b[it.i] == it.closer {
		it.done = true
		return false
	}
	if !it.first {
		if it.b[it.i] != ',' {
			it.done, it.bad = true, true
			return false
		}
		it.i++
	}
	it.first = false
	return true
}

// next returns the next member's raw key (without quotes) and value span.
func (it *iter) next() (key []byte, v span, ok bool) {
	if !it.advance() {
		return nil, span{}, false
	}
	i := skipWS(it.b, it.i)
	end, _, ok := scanString(it.b, i)
	if !ok {
		it.done, it.bad = true, true
		return nil, span{}, false
	}
	key = it.b[i+1 : end-1]
	i = skipWS(it.b, end)
	if i >= len(it.b) || it.b[i] != ':' {
		it.done, it.bad = true, true
		return nil, span{}, false
	}
	v, ok = skipValue(it.b, i+1, it.depth+1)
	if !ok {
		it.done, it.bad = true, true
		return nil, span{}, false
	}
	it.i = v.e
	return key, v, true
}

// elem returns the next element's span.
func (it *iter) elem() (span, bool) {
	if !it.advance() {
		return span{}, false
	}
	v, ok := skipValue(it.b, it.i, it.depth+1)
	if !ok {
		it.done, it.bad = true, true
		return span{}, false
	}
	it.i = v.e
	return v, true
}

// isString reports whether sp holds a string literal.
func isString(b []byte, sp span) bool { return sp.ok() && b[sp.s] == '"' }

// strEquals reports whether sp is a string literal whose raw content is s.
func strEquals(b []byte, sp span, s string) bool {
	return isString(b, sp) && sp.e-sp.s == len(s)+2 && string(b[sp.s+1:sp.e-1]) == s
}

// rawContent returns the bytes between the quotes of a string literal, or nil.
func rawContent(b []byte, sp span) []byte {
	if !isString(b, sp) {
		return nil
	}
	return b[sp.s+1 : sp.e-1]
}

// appendLiteral appends the string literal in sp as JSON: verbatim when it is valid UTF-8,
// else decoded and escaped again (invalid bytes become U+FFFD).
func appendLiteral(dst, b []byte, sp span) []byte {
	if !isString(b, sp) {
		return append(dst, `""`...)
	}
	if _, verbatim, ok := scanString(b, sp.s); ok && verbatim {
		return append(dst, b[sp.s:sp.e]...)
	}
	var s string
	if json.Unmarshal(b[sp.s:sp.e], &s) != nil {
		return append(dst, `""`...)
	}
	return appendString(dst, s)
}

// unquote returns the decoded content of the string literal in sp, using buf when the
// literal holds escapes.
func unquote(buf, b []byte, sp span) []byte {
	raw := rawContent(b, sp)
	for _, c := range raw {
		if c == '\\' || c >= utf8.RuneSelf {
			var s string
			if json.Unmarshal(b[sp.s:sp.e], &s) != nil {
				return nil
			}
			return append(buf[:0], s...)
		}
	}
	return raw
}

// intValue parses an integer number, or an integer in a string (proto3 JSON writes int64
// that way). ok is false for anything else.
func intValue(b []byte, sp span) (int, bool) {
	if !sp.ok() {
		return 0, false
	}
	v := b[sp.s:sp.e]
	if v[0] == '"' {
		if len(v) < 2 {
			return 0, false
		}
		v = v[1 : len(v)-1]
	}
	neg := false
	if len(v) > 0 && v[0] == '-' {
		neg, v = true, v[1:]
	}
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// isTrue reports whether sp holds the literal true.
func isTrue(b []byte, sp span) bool {
	return sp.e-sp.s == 4 && string(b[sp.s:sp.e]) == "true"
}
