package openai

import (
	"bytes"

	"github.com/franca-gw/franca/translate/jsonx"
)

// This file edits a body's top-level members in place, found with jsonx.EachMember, so
// that the model can be replaced, a member added or one cut without decoding the body.

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
		m   jsonx.Member
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
	err := jsonx.EachMember(body, func(m jsonx.Member) bool {
		count++
		for i, p := range kv {
			if m.Is(body, p.key) {
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
		out = append(out, body[prev:h.m.ValueStart]...)
		out = append(out, h.val...)
		prev = h.m.ValueEnd
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
func cutRange(b []byte, m jsonx.Member) (int, int) {
	i := m.KeyStart - 1
	for i >= 0 && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i--
	}
	if i >= 0 && b[i] == ',' {
		return i, m.ValueEnd
	}
	j := jsonx.SkipWS(b, m.ValueEnd)
	if j < len(b) && b[j] == ',' {
		return m.KeyStart, jsonx.SkipWS(b, j+1)
	}
	return m.KeyStart, m.ValueEnd
}

// isNull reports whether a raw value is absent or null.
func isNull(v []byte) bool {
	v = bytes.TrimSpace(v)
	return len(v) == 0 || string(v) == "null"
}
