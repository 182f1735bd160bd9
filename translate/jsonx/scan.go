package jsonx

import "encoding/binary"

// MaxDepth is the deepest nesting of objects and arrays a skipped value may have, so that
// hostile input cannot exhaust the stack.
const MaxDepth = 256

// plain[c] is true for the bytes a string literal holds as they are: all but the quote,
// the backslash and the control characters. UTF-8 is not checked here (json.Valid does
// not check it either); AppendString repairs it on the way out.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// SkipWS returns the index of the first byte of b at or after i that is not JSON white
// space (len(b) when there is none).
func SkipWS(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// special reports whether one of the 8 bytes packed in x is a quote, a backslash or a
// control character: a byte below 0x20, or one that is zero after the XOR with the
// quote or the backslash, has its top bit set by the subtraction.
func special(x uint64) bool {
	const ones, tops = 0x0101010101010101, 0x8080808080808080
	q := x ^ (ones * '"')
	bs := x ^ (ones * '\\')
	return ((x-ones*0x20)&^x|(q-ones)&^q|(bs-ones)&^bs)&tops != 0
}

// scanString returns the index after the string literal that starts at b[i] == '"',
// or -1 when it is malformed or cut short. Plain text is passed 8 bytes at a time.
func scanString(b []byte, i int) int {
	end, _ := scanStringEsc(b, i)
	return end
}

// scanStringEsc is scanString that also reports whether the literal has an escape.
func scanStringEsc(b []byte, i int) (end int, escaped bool) {
	i++
	for {
		for i+8 <= len(b) && !special(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i >= len(b) {
			return -1, escaped
		}
		switch b[i] {
		case '"':
			return i + 1, escaped
		case '\\':
			escaped = true
			if i+1 >= len(b) {
				return -1, escaped
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex4(b[i+2:i+6]) {
					return -1, escaped
				}
				i += 6
			default:
				return -1, escaped
			}
		default: // a control character
			return -1, escaped
		}
	}
}

// skipValue returns the index after the value that starts at b[i] (white space is not
// skipped), or -1 when it is malformed, cut short, or nested deeper than MaxDepth.
// depth is the number of objects and arrays around it.
func skipValue(b []byte, i, depth int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return scanString(b, i)
	case '{', '[':
		if depth >= MaxDepth {
			return -1
		}
		return skipContainer(b, i, depth)
	case 't':
		return skipWord(b, i, "true")
	case 'f':
		return skipWord(b, i, "false")
	case 'n':
		return skipWord(b, i, "null")
	}
	return skipNumber(b, i)
}

// skipContainer is skipValue for the object or array at b[i].
func skipContainer(b []byte, i, depth int) int {
	object := b[i] == '{'
	closer := byte(']')
	if object {
		closer = '}'
	}
	i = SkipWS(b, i+1)
	if i < len(b) && b[i] == closer {
		return i + 1
	}
	for {
		if object {
			if i >= len(b) || b[i] != '"' {
				return -1
			}
			if i = scanString(b, i); i < 0 {
				return -1
			}
			i = SkipWS(b, i)
			if i >= len(b) || b[i] != ':' {
				return -1
			}
			i = SkipWS(b, i+1)
		}
		if i = skipValue(b, i, depth+1); i < 0 {
			return -1
		}
		i = SkipWS(b, i)
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case ',':
			i = SkipWS(b, i+1)
		case closer:
			return i + 1
		default:
			return -1
		}
	}
}

func skipWord(b []byte, i int, word string) int {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return -1
	}
	return i + len(word)
}

// skipNumber follows JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits(b, i) == i:
		return -1
	default:
		i = digits(b, i)
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

// digits returns the index after the run of decimal digits at b[i:].
func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
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
