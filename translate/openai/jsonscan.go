package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// This file holds a small JSON scanner that finds the members of a top-level object
// without decoding it, so that bodies and stream chunks can be edited in place: the
// model replaced, a member added or cut. It never decodes values it does not need.

var errJSON = errors.New("malformed JSON")

// member is one member of an object: the byte ranges of its key (quotes included)
// and of its value.
type member struct {
	keyStart, keyEnd int
	valStart, valEnd int
}

// is reports whether the member's key is name.
func (m member) is(b []byte, name string) bool {
	return string(m.name(b)) == name
}

// name returns the member's key for comparing: its bytes when it has no escape (the
// common case, without allocating), else the decoded key.
func (m member) name(b []byte) []byte {
	k := b[m.keyStart+1 : m.keyEnd-1]
	for _, c := range k {
		if c == '\\' {
			var s string
			if json.Unmarshal(b[m.keyStart:m.keyEnd], &s) != nil {
				return nil
			}
			return []byte(s)
		}
	}
	return k
}

// value returns the member's value bytes.
func (m member) value(b []byte) []byte { return b[m.valStart:m.valEnd] }

// eachMember calls fn for every member of the object that b holds (surrounding
// whitespace allowed), in order, until fn returns false. It returns errJSON if b is
// not an object or is cut short; members seen before the fault were already reported.
func eachMember(b []byte, fn func(m member) bool) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errJSON
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return trailing(b, i+1)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return errJSON
		}
		var m member
		m.keyStart = i
		end, err := skipString(b, i)
		if err != nil {
			return err
		}
		m.keyEnd = end
		i = skipWS(b, end)
		if i >= len(b) || b[i] != ':' {
			return errJSON
		}
		i = skipWS(b, i+1)
		m.valStart = i
		if i, err = skipValue(b, i); err != nil {
			return err
		}
		m.valEnd = i
		if !fn(m) {
			return nil
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return errJSON
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			return trailing(b, i+1)
		default:
			return errJSON
		}
	}
}

// eachElement calls fn with the byte range of every element of the array b holds.
func eachElement(b []byte, fn func(start, end int) bool) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '[' {
		return errJSON
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return nil
	}
	for {
		start := i
		end, err := skipValue(b, i)
		if err != nil {
			return err
		}
		if !fn(start, end) {
			return nil
		}
		i = skipWS(b, end)
		if i >= len(b) {
			return errJSON
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case ']':
			return nil
		default:
			return errJSON
		}
	}
}

func trailing(b []byte, i int) error {
	if skipWS(b, i) != len(b) {
		return errJSON
	}
	return nil
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index just past the string that starts at b[i] == '"'.
// It jumps from quote to quote with IndexByte and counts the backslashes before
// each: an odd count escapes it.
func skipString(b []byte, i int) (int, error) {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return 0, errJSON
		}
		j += k
		n := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j + 1, nil
		}
		j++
	}
}

// skipValue returns the index just past the value that starts at b[i]. Nested
// objects and arrays are skipped by depth, strings by their quotes; scalars end at
// the next delimiter. Only the structure is checked, not the scalars' spelling.
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errJSON
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errJSON
	case ',', '}', ']', ':':
		return 0, errJSON
	}
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return j, nil
		case '"', '{', '[', ':':
			return 0, errJSON
		}
		j++
	}
	return j, nil
}

// setMember returns a copy of the object body with every top-level member named key
// given the value val, or with "key":val added at the end when there is none.
func setMember(body []byte, key string, val []byte) ([]byte, error) {
	return setMembers(body, []kvPair{{key, val}})
}

// kvPair is a top-level member to set.
type kvPair struct {
	key string
	val []byte
}

// setMembers sets each pair on the object body in one pass (see setMember) and
// returns a copy; body itself is never modified.
func setMembers(body []byte, kv []kvPair) ([]byte, error) {
	type hit struct {
		m   member
		val []byte
	}
	var hitsArr [4]hit
	hits := hitsArr[:0]
	var seenArr [4]bool
	seen := seenArr[:0]
	if len(kv) <= len(seenArr) {
		seen = seenArr[:len(kv)]
	} else {
		seen = make([]bool, len(kv))
	}
	count := 0
	err := eachMember(body, func(m member) bool {
		count++
		for i, p := range kv {
			if m.is(body, p.key) {
				hits = append(hits, hit{m, p.val})
				seen[i] = true
			}
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	grow := 0
	for i, p := range kv {
		grow += len(p.val)
		if !seen[i] {
			grow += len(p.key) + 4
		}
	}
	out := make([]byte, 0, len(body)+grow)
	prev := 0
	for _, h := range hits {
		out = append(out, body[prev:h.m.valStart]...)
		out = append(out, h.val...)
		prev = h.m.valEnd
	}
	last := bytes.LastIndexByte(body, '}')
	out = append(out, body[prev:last]...)
	for i, p := range kv {
		if seen[i] {
			continue
		}
		if count > 0 {
			out = append(out, ',')
		}
		count++
		out = append(out, '"')
		out = append(out, p.key...)
		out = append(out, '"', ':')
		out = append(out, p.val...)
	}
	return append(out, body[last:]...), nil
}

// cutRange returns the byte range to remove so that member m disappears from its
// object together with one neighbouring comma: the comma before it when there is
// one, else the comma after it.
func cutRange(b []byte, m member) (int, int) {
	i := m.keyStart - 1
	for i >= 0 && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i--
	}
	if i >= 0 && b[i] == ',' {
		return i, m.valEnd
	}
	j := skipWS(b, m.valEnd)
	if j < len(b) && b[j] == ',' {
		return m.keyStart, skipWS(b, j+1)
	}
	return m.keyStart, m.valEnd
}

// isNull reports whether a raw value is absent or null.
func isNull(v []byte) bool {
	v = bytes.TrimSpace(v)
	return len(v) == 0 || string(v) == "null"
}

// quoteJSON appends s as a JSON string. Plain strings are copied with only quotes,
// backslashes and control characters escaped; others go through encoding/json.
func quoteJSON(dst []byte, s string) []byte {
	if !utf8.ValidString(s) {
		q, _ := json.Marshal(s)
		return append(dst, q...)
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			const hex = "0123456789abcdef"
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
