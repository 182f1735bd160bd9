// Package jsonx holds the small JSON pieces the translators share: AppendString, a
// string escaper that writes exactly what encoding/json writes; Scanner, which walks a
// document in place, checking its syntax, without building values or allocating; and
// EachMember, which lists an object's top-level members with their byte ranges so that
// they can be read, cut or replaced in place. It does no I/O.
package jsonx

import (
	"strconv"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// safe[c] is true for the ASCII bytes that a JSON string holds unescaped.
var safe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// AppendString appends s, a string or a byte slice, to dst as a JSON string literal,
// byte for byte as encoding/json writes it with SetEscapeHTML(false): '"', '\\' and the
// control characters are escaped (\n, \r, \t, \b, \f or \u00XX), U+2028 and U+2029 are
// written as escapes (so that the output is also safe inside JavaScript), and each byte
// of an invalid UTF-8 sequence becomes \ufffd, so the result is always valid JSON in
// valid UTF-8. It allocates only when dst lacks the capacity.
//
// strconv.Quote is not a substitute: its \x, \U, \a and \v escapes are not JSON.
func AppendString[S ~string | ~[]byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendEscapedASCII(dst, c)
			i++
			start = i
			continue
		}
		r, size := decodeRune(s, i)
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendEscapedASCII appends the escape sequence of an ASCII byte that needs one.
func appendEscapedASCII(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

// decodeRune decodes the UTF-8 sequence at s[i:] without converting s.
func decodeRune[S ~string | ~[]byte](s S, i int) (rune, int) {
	var buf [utf8.UTFMax]byte
	n := copy(buf[:], s[i:])
	return utf8.DecodeRune(buf[:n])
}

// AppendInt appends n as a JSON number.
func AppendInt(dst []byte, n int) []byte { return strconv.AppendInt(dst, int64(n), 10) }
