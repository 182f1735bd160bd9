package jsonx

import (
	"bytes"
	"errors"
)

// ErrSyntax is the error of EachMember and EachElement for a document that is not a
// well-formed object or array.
var ErrSyntax = errors.New("malformed JSON")

// Member is one member of an object: the byte ranges of its key, quotes included, and of
// its value, in the document it was read from. Ranges let a caller cut or replace a
// member in place.
type Member struct {
	KeyStart, KeyEnd     int
	ValueStart, ValueEnd int
}

// Value returns the member's value in b.
func (m Member) Value(b []byte) []byte { return b[m.ValueStart:m.ValueEnd] }

// Name returns the member's decoded key: a slice of b when it has no escape (the common
// case, without allocating), else the key decoded and appended to buf[:0].
func (m Member) Name(b, buf []byte) []byte {
	raw := b[m.KeyStart+1 : m.KeyEnd-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw
	}
	return unescape(buf[:0], raw)
}

// Is reports whether the member's decoded key is name.
func (m Member) Is(b []byte, name string) bool {
	raw := b[m.KeyStart+1 : m.KeyEnd-1]
	if len(raw) < len(name) {
		return false // decoding never makes a key longer
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw) == name
	}
	var arr [64]byte
	return string(unescape(arr[:0], raw)) == name
}

// EachMember calls fn for every member of the object that b holds (white space around it
// allowed), in order, until fn returns false. It returns ErrSyntax when b is not a
// well-formed object; members before the fault were reported already. The values are
// checked as they are passed over.
func EachMember(b []byte, fn func(m Member) bool) error {
	s := Scanner{b: b}
	if !s.EnterObject() {
		return ErrSyntax
	}
	for {
		ks, ke, ok := s.nextKey()
		if !ok {
			break
		}
		vs, ok := s.value()
		if !ok {
			return ErrSyntax
		}
		if !fn(Member{KeyStart: ks, KeyEnd: ke, ValueStart: vs, ValueEnd: s.i}) {
			return nil
		}
	}
	if !s.End() {
		return ErrSyntax
	}
	return nil
}

// EachElement calls fn with the byte range of every element of the array that b holds,
// in order, until fn returns false. It returns ErrSyntax when b is not a well-formed
// array.
func EachElement(b []byte, fn func(start, end int) bool) error {
	s := Scanner{b: b}
	if !s.EnterArray() {
		return ErrSyntax
	}
	for s.NextElem() {
		start, ok := s.value()
		if !ok {
			return ErrSyntax
		}
		if !fn(start, s.i) {
			return nil
		}
	}
	if !s.End() {
		return ErrSyntax
	}
	return nil
}
