package translate

import "strings"

// ParseMediaType parses a media type with parameters, as in a Content-Type or a
// Content-Disposition field (RFC 9110 section 8.3.1: type/subtype or a disposition type,
// then "; name=value" pairs, values tokens or quoted strings). The type and the
// parameter names are lower-cased. ok is false when the field does not follow that
// grammar, or names a parameter twice, or uses an RFC 2231 extended parameter ("name*"),
// which Franca does not read: a caller that checks a parameter must not guess.
//
// The core has its own parser rather than the standard library's mime package because
// that package's initialisation reaches for the file system (/etc/mime.types), which
// brings WASI imports (path_open, path_filestat_get) into the Envoy filter that Envoy's
// Wasm host may not export.
func ParseMediaType(v string) (mediatype string, params map[string]string, ok bool) {
	head, rest, _ := strings.Cut(v, ";")
	mediatype = strings.ToLower(strings.TrimSpace(head))
	if mediatype == "" {
		return "", nil, false
	}
	typ, sub, slash := strings.Cut(mediatype, "/")
	if !isToken(typ) || (slash && !isToken(sub)) {
		return mediatype, nil, false
	}
	params = make(map[string]string)
	for {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			return mediatype, params, true
		}
		name, value, found := strings.Cut(rest, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !found || !isToken(name) || strings.HasSuffix(name, "*") {
			return mediatype, nil, false
		}
		if _, dup := params[name]; dup {
			return mediatype, nil, false
		}
		value = strings.TrimLeft(value, " \t")
		var v string
		if strings.HasPrefix(value, `"`) {
			var n int
			if v, n, found = quotedString(value); !found {
				return mediatype, nil, false
			}
			rest = value[n:]
		} else {
			end := strings.IndexByte(value, ';')
			if end < 0 {
				end = len(value)
			}
			v = strings.TrimRight(value[:end], " \t")
			if !isToken(v) {
				return mediatype, nil, false
			}
			rest = value[end:]
		}
		params[name] = v
		rest = strings.TrimLeft(rest, " \t")
		if rest != "" {
			if rest[0] != ';' {
				return mediatype, nil, false
			}
			rest = rest[1:]
		}
	}
}

// quotedString reads the quoted string s starts with, returning its value, the bytes
// read and whether it was closed.
func quotedString(s string) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, true
		case '\\':
			if i+1 == len(s) {
				return "", 0, false
			}
			i++
			b.WriteByte(s[i])
		case '\r', '\n':
			return "", 0, false
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

// isToken reports whether s is an HTTP token (RFC 9110 section 5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
