package jsonx

import (
	"strconv"
	"unicode/utf8"
)

// Decoder reads a JSON document into Go values without reflection, the way
// encoding/json's Unmarshal would, for the shapes a caller writes out member by member.
// Every method returns false for anything it does not decode exactly as encoding/json
// would (a syntax error, a type mismatch, a member name given twice or in another case,
// a number that does not fit); the caller then gives the document up and decodes it
// another way (the gateway: with encoding/json, and words the error itself, naming the
// request parameter at fault). Strings without escapes are slices of one
// string copy of the document, and Raw values slices of the document itself.
//
// A decoding looks like this:
//
//	ok := jsonx.Decode(body, func(d *jsonx.Decoder) bool {
//		return d.Object(names, func(i int) bool {
//			switch names[i] {
//			case "id":
//				return d.Str(&v.ID)
//			case "count":
//				return d.Int(&v.Count)
//			}
//			return false
//		})
//	})
type Decoder struct {
	sc   Scanner
	text string // the document as one string: strings without escapes are slices of it
	key  []byte // decoded keys that had escapes
	tmp  []byte // decoded strings that had escapes
}

// Decode runs fn on a Decoder over b and reports whether the whole document was
// decoded: b is valid UTF-8 (encoding/json would replace invalid bytes), fn returned
// true, and nothing but white space follows.
func Decode(b []byte, fn func(d *Decoder) bool) bool {
	if !utf8.Valid(b) {
		return false
	}
	d := Decoder{sc: NewScanner(b), text: string(b)}
	return fn(&d) && d.sc.End()
}

// Peek skips white space and returns the next byte, or 0 at the end or after a fault.
func (d *Decoder) Peek() byte { return d.sc.Peek() }

// Object walks the object next in the document, or fails when something else is next.
// For each member whose name is in names it calls member with the name's index, and
// member must consume the value. Other members are skipped, unless the name equals one
// of names but for case (encoding/json would match it) or is not ASCII (it might fold
// to one). A name given twice fails too: encoding/json would merge the two values.
// names must be ASCII, at most 64 of them.
func (d *Decoder) Object(names []string, member func(i int) bool) bool {
	if !d.sc.EnterObject() {
		return false
	}
	var seen uint64
	for {
		key, ok := d.sc.NextKey(&d.key)
		if !ok {
			return d.sc.OK()
		}
		i := indexOf(names, key)
		if i < 0 {
			if foldsToOneOf(names, key) || !d.sc.Skip() {
				return false
			}
			continue
		}
		if seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		if !member(i) {
			return false
		}
	}
}

// Array walks the array next in the document, calling elem for each element, which elem
// must consume.
func (d *Decoder) Array(elem func() bool) bool {
	if !d.sc.EnterArray() {
		return false
	}
	for d.sc.NextElem() {
		if !elem() {
			return false
		}
	}
	return d.sc.OK()
}

func indexOf(names []string, key []byte) int {
	for i, n := range names {
		if n == string(key) {
			return i
		}
	}
	return -1
}

// foldsToOneOf reports whether key might match one of names (ASCII) the way
// encoding/json matches member names, case-insensitively.
func foldsToOneOf(names []string, key []byte) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	for _, n := range names {
		if len(n) == len(key) && asciiEqualFold(n, key) {
			return true
		}
	}
	return false
}

func asciiEqualFold(n string, key []byte) bool {
	for i := 0; i < len(n); i++ {
		if lower(key[i]) != lower(n[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Null consumes a null literal if one is next, and reports whether it did.
func (d *Decoder) Null() bool {
	if d.sc.Peek() != 'n' {
		return false
	}
	return d.sc.Skip()
}

// Skip consumes the next value, whatever it is.
func (d *Decoder) Skip() bool { return d.sc.Skip() }

// Str reads a string into *dst; null leaves *dst as it is, as encoding/json does.
func (d *Decoder) Str(dst *string) bool {
	switch d.sc.Peek() {
	case 'n':
		return d.sc.Skip()
	case '"':
	default:
		return false
	}
	start := d.sc.i
	end, escaped := scanStringEsc(d.sc.b, start)
	if end < 0 {
		return d.sc.fail()
	}
	d.sc.i = end
	if !escaped {
		*dst = d.text[start+1 : end-1]
		return true
	}
	d.tmp = unescape(d.tmp[:0], d.sc.b[start+1:end-1])
	*dst = string(d.tmp)
	return true
}

// StrPtr reads a string into a new *string; null leaves *dst nil.
func (d *Decoder) StrPtr(dst **string) bool {
	if d.Null() {
		return true
	}
	s := new(string)
	*dst = s
	return d.Str(s)
}

// number consumes the number literal next, returning it as a slice of the document and
// as a string.
func (d *Decoder) number() ([]byte, string, bool) {
	c := d.sc.Peek()
	if c != '-' && (c < '0' || c > '9') {
		return nil, "", false
	}
	start := d.sc.Pos()
	v := d.sc.Value()
	if v == nil {
		return nil, "", false
	}
	return v, d.text[start : start+len(v)], true
}

// Float reads a number into a new *float64; null leaves *dst nil.
func (d *Decoder) Float(dst **float64) bool {
	if d.Null() {
		return true
	}
	_, s, ok := d.number()
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return false
	}
	*dst = &f
	return true
}

// Int reads an integer (no fraction, no exponent, at most 18 digits) into *dst; null
// leaves *dst as it is.
func (d *Decoder) Int(dst *int) bool {
	if d.Null() {
		return true
	}
	v, _, ok := d.number()
	if !ok {
		return false
	}
	n, ok := Int(v)
	if ok {
		*dst = n
	}
	return ok
}

// IntPtr reads an integer into a new *int; null leaves *dst nil.
func (d *Decoder) IntPtr(dst **int) bool {
	if d.Null() {
		return true
	}
	n := new(int)
	*dst = n
	return d.Int(n)
}

// Int64Ptr reads an integer into a new *int64; null leaves *dst nil.
func (d *Decoder) Int64Ptr(dst **int64) bool {
	var n *int
	if !d.IntPtr(&n) {
		return false
	}
	if n != nil {
		v := int64(*n)
		*dst = &v
	}
	return true
}

// Bool reads true or false into *dst; null leaves *dst as it is.
func (d *Decoder) Bool(dst *bool) bool {
	switch d.sc.Peek() {
	case 'n':
		return d.sc.Skip()
	case 't', 'f':
	default:
		return false
	}
	v := d.sc.Value()
	*dst = len(v) == 4
	return v != nil
}

// BoolPtr reads true or false into a new *bool; null leaves *dst nil.
func (d *Decoder) BoolPtr(dst **bool) bool {
	if d.Null() {
		return true
	}
	b := new(bool)
	*dst = b
	return d.Bool(b)
}

// Raw returns the next value's bytes, null included, as json.RawMessage keeps them: a
// slice of the document.
func (d *Decoder) Raw() ([]byte, bool) {
	v := d.sc.Value()
	return v, v != nil
}

// Strings reads an array of strings into *dst (an empty array as an empty, non-nil
// slice); null leaves *dst nil.
func (d *Decoder) Strings(dst *[]string) bool {
	if d.Null() {
		return true
	}
	out := make([]string, 0, 2)
	ok := d.Array(func() bool {
		out = append(out, "")
		return d.Str(&out[len(out)-1])
	})
	*dst = out
	return ok
}
