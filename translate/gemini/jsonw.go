package gemini

import (
	"strconv"
	"unicode/utf8"
)

// safeASCII[c] is true for the ASCII bytes that may appear unescaped inside a JSON string.
var safeASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendString appends s (a string or a byte slice) as a JSON string literal. Invalid
// UTF-8 becomes U+FFFD; control characters, U+2028 and U+2029 are escaped (as encoding/json
// does, so the result is also safe inside JavaScript). strconv.Quote is not a substitute:
// its \x and \U escapes are not JSON.
func appendString[S ~string | ~[]byte](b []byte, s S) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safeASCII[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = appendEscapedASCII(b, c)
			i++
			start = i
			continue
		}
		r, size := decodeRune(s, i)
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendEscapedASCII appends the escape sequence for an ASCII byte that needs one.
func appendEscapedASCII(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

// decodeRune decodes the UTF-8 sequence at s[i:] without converting s.
func decodeRune[S ~string | ~[]byte](s S, i int) (rune, int) {
	var buf [utf8.UTFMax]byte
	n := 0
	for ; n < len(buf) && i+n < len(s); n++ {
		buf[n] = s[i+n]
	}
	return utf8.DecodeRune(buf[:n])
}

// appendFloat appends f as a JSON number (the shortest form that reads back the same).
func appendFloat(b []byte, f float64) []byte {
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// appendInt appends n as a JSON number.
func appendInt(b []byte, n int) []byte {
	return strconv.AppendInt(b, int64(n), 10)
}
