package jsonx

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Int parses v, a JSON integer (no fraction, no exponent) of at most 18 digits, so that it
// fits an int on every platform Franca builds for.
func Int(v []byte) (int, bool) {
	neg := len(v) > 0 && v[0] == '-'
	if neg {
		v = v[1:]
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

// IsString reports whether v starts like a string literal.
func IsString(v []byte) bool { return len(v) > 0 && v[0] == '"' }

// validString reports whether lit is exactly one well-formed string literal.
func validString(lit []byte) bool {
	return len(lit) >= 2 && lit[0] == '"' && scanString(lit, 0) == len(lit)
}

// AppendUnquoted appends the decoded text of the string literal lit (quotes included) to
// dst, with the conventions of Scanner.Str. ok is false, and dst returned as it was, when
// lit is not one well-formed string literal.
func AppendUnquoted(dst, lit []byte) ([]byte, bool) {
	if !validString(lit) {
		return dst, false
	}
	return unescape(dst, lit[1:len(lit)-1]), true
}

// AppendLiteral appends the string literal lit to dst as JSON: as it is when it is valid
// UTF-8, else decoded, each invalid byte replaced by U+FFFD (as encoding/json decodes
// it), and escaped again. Anything other than one well-formed string literal is written
// as "".
func AppendLiteral(dst, lit []byte) []byte {
	if !validString(lit) {
		return append(dst, `""`...)
	}
	if utf8.Valid(lit) {
		return append(dst, lit...)
	}
	text := unescape(nil, lit[1:len(lit)-1])
	valid := make([]byte, 0, len(text)+8)
	for len(text) > 0 {
		r, n := utf8.DecodeRune(text)
		valid = utf8.AppendRune(valid, r)
		text = text[n:]
	}
	return AppendString(dst, valid)
}

// unescape appends the decoded body of a string literal that scanString has checked.
func unescape(dst, raw []byte) []byte {
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
