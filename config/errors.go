package config

import (
	"sort"
	"strconv"
	"strings"
)

// FieldError is one problem found in a configuration, with the path of the field it is
// about, e.g. "providers[2].keys[0].secret".
type FieldError struct {
	// Path locates the field: keys joined by ".", list indexes in brackets, map keys that
	// are not plain words quoted in brackets (headers["X Bad"]). Empty when the problem is
	// about the document as a whole.
	Path string
	// Message says what is wrong, e.g. "required".
	Message string
	// Line is the 1-based line of the document the problem is on, when Load knows it;
	// 0 otherwise (Validate of a Config built in code).
	Line int
}

// Error formats the problem as "line 12: providers[2].name: required"; the parts that are
// unknown are left out.
func (e *FieldError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Errors is the list of problems found in a configuration. Load and Validate return all of
// them at once rather than stopping at the first.
type Errors []*FieldError

// Error joins the problems one per line.
func (e Errors) Error() string {
	var b strings.Builder
	for i, fe := range e {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(fe.Error())
	}
	return b.String()
}

// Unwrap returns the problems as errors, for errors.As.
func (e Errors) Unwrap() []error {
	out := make([]error, len(e))
	for i, fe := range e {
		out[i] = fe
	}
	return out
}

// add appends a problem.
func (e *Errors) add(path, msg string) {
	*e = append(*e, &FieldError{Path: path, Message: msg})
}

// addLine appends a problem whose line is known.
func (e *Errors) addLine(line int, path, msg string) {
	*e = append(*e, &FieldError{Path: path, Message: msg, Line: line})
}

// err returns e as an error, or nil when there is no problem.
func (e Errors) err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// sortByLine orders problems by line, keeping the order of problems on the same line.
// Problems without a line come first: they concern the whole document.
func (e Errors) sortByLine() {
	sort.SliceStable(e, func(i, j int) bool { return e[i].Line < e[j].Line })
}

// under reports whether path is p or lies inside p (p.x, p[3]).
func under(path, p string) bool {
	if !strings.HasPrefix(path, p) {
		return false
	}
	if len(path) == len(p) {
		return true
	}
	c := path[len(p)]
	return c == '.' || c == '['
}

// joinKey appends a mapping key to a path: ".key" for plain words, `["key"]` otherwise.
func joinKey(path, key string) string {
	if plainKey(key) {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

// joinIndex appends a list index to a path.
func joinIndex(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// plainKey reports whether key can be written in a path without quoting.
func plainKey(key string) bool {
	if key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// splitPath cuts a path made by joinKey and joinIndex into its steps: mapping keys as
// strings and list indexes as ints. ok is false when path is malformed.
func splitPath(path string) (steps []any, ok bool) {
	for i := 0; i < len(path); {
		switch c := path[i]; {
		case c == '.':
			i++
		case c == '[' && i+1 < len(path) && path[i+1] == '"':
			q, err := strconv.QuotedPrefix(path[i+1:])
			if err != nil {
				return nil, false
			}
			key, _ := strconv.Unquote(q)
			steps = append(steps, key)
			i += 1 + len(q)
			if i >= len(path) || path[i] != ']' {
				return nil, false
			}
			i++
		case c == '[':
			end := strings.IndexByte(path[i:], ']')
			if end < 0 {
				return nil, false
			}
			n, err := strconv.Atoi(path[i+1 : i+end])
			if err != nil {
				return nil, false
			}
			steps = append(steps, n)
			i += end + 1
		default:
			j := i
			for j < len(path) && path[j] != '.' && path[j] != '[' {
				j++
			}
			steps = append(steps, path[i:j])
			i = j
		}
	}
	return steps, true
}

// quote writes s as a Go string literal, for messages.
func quote(s string) string { return strconv.Quote(s) }
