package config

import (
	"strings"
)

// expand replaces each ${NAME} in s by lookup(NAME), or by "" when NAME is not set; each
// ${NAME:-default} by lookup(NAME), or by default, taken as written, when NAME is not set
// or empty; and each $${ by a literal ${. Any other $ is kept as written. used reports whether s had at
// least one ${NAME} reference. The result is a plain string whatever it contains: it is
// never parsed again.
func expand(s string, lookup func(string) (string, bool)) (out string, used bool, msg string) {
	i := strings.IndexByte(s, '$')
	if i < 0 {
		return s, false, ""
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c != '$' {
			b.WriteByte(c)
			i++
			continue
		}
		rest := s[i:]
		switch {
		case strings.HasPrefix(rest, "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(rest, "${"):
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return "", false, "unterminated ${ (write $${ for a literal ${)"
			}
			name, def, hasDef := strings.Cut(rest[2:end], ":-")
			if !validEnvName(name) {
				return "", false, "invalid environment variable name " + quote(name) + " in ${...} (letters, digits and _, not starting with a digit, optionally followed by :-default; write $${ for a literal ${)"
			}
			v := ""
			if lookup != nil {
				v, _ = lookup(name)
			}
			if v == "" && hasDef {
				v = def
			}
			b.WriteString(v)
			used = true
			i += end + 1
		default:
			b.WriteByte('$')
			i++
		}
	}
	return b.String(), used, ""
}

// validEnvName reports whether name is a portable environment variable name.
func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// soleEnvRef returns NAME when s is exactly "${NAME}".
func soleEnvRef(s string) (string, bool) {
	if strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}") {
		name := s[2 : len(s)-1]
		if validEnvName(name) {
			return name, true
		}
	}
	return "", false
}
