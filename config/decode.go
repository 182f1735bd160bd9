package config

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// decoder fills Go values from a node tree, strictly: a key that names no field is an
// error, and so is a value of the wrong kind. ${NAME} references in string scalars are
// expanded as they are read. Every problem is recorded with its path; decoding goes on.
type decoder struct {
	lookup func(string) (string, bool)
	errs   *Errors
	fields map[reflect.Type]*structFields
}

// structFields is the JSON view of a struct type.
type structFields struct {
	byKey map[string]int // JSON key -> field index
	keys  []string       // in declaration order, for suggestions
}

var (
	durationType    = reflect.TypeFor[Duration]()
	timeType        = reflect.TypeFor[time.Time]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

func (d *decoder) fail(n *node, path, msg string) {
	d.errs.addLine(n.line, path, msg)
}

// text returns a scalar's text with ${NAME} references expanded (string scalars only).
// fromEnv reports whether a reference was expanded; ok is false after an error.
func (d *decoder) text(n *node, path string) (s string, fromEnv, ok bool) {
	if n.tag != tagStr {
		return n.value, false, true
	}
	s, fromEnv, msg := expand(n.value, d.lookup)
	if msg != "" {
		d.fail(n, path, msg)
		return "", false, false
	}
	return s, fromEnv, true
}

// decode stores n into v, which must be settable.
func (d *decoder) decode(n *node, v reflect.Value, path string) {
	t := v.Type()
	switch {
	case t == durationType:
		d.duration(n, v, path)
		return
	case t == timeType:
		d.time(n, v, path)
		return
	case t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && reflect.PointerTo(t).Implements(unmarshalerType):
		d.unmarshaler(n, v, path)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		if n.kind == nullNode || d.emptyEnv(n) {
			v.SetZero()
			return
		}
		p := reflect.New(t.Elem())
		d.decode(n, p.Elem(), path)
		v.Set(p)
	case reflect.Struct:
		d.structure(n, v, path)
	case reflect.Slice:
		d.slice(n, v, path)
	case reflect.Map:
		d.mapping(n, v, path)
	case reflect.Interface:
		if val, ok := d.any(n, path); ok && val != nil {
			v.Set(reflect.ValueOf(val))
		}
	case reflect.String:
		if n.kind == nullNode {
			v.SetString("")
			return
		}
		if n.kind != scalarNode {
			d.fail(n, path, "expected a string, got "+n.kindName())
			return
		}
		if s, _, ok := d.text(n, path); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		s, ok := d.scalarFor(n, path, tagBool, "true or false")
		if !ok {
			return
		}
		b, err := strconv.ParseBool(s)
		if err != nil || s == "1" || s == "0" || s == "t" || s == "f" || s == "T" || s == "F" {
			d.fail(n, path, "expected true or false, got "+quote(s))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s, ok := d.scalarFor(n, path, tagInt, "an integer")
		if !ok {
			return
		}
		i, err := parseInt(s)
		if err != nil {
			d.fail(n, path, "expected an integer, got "+quote(s))
			return
		}
		if v.OverflowInt(i) {
			d.fail(n, path, s+" is out of range")
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s, ok := d.scalarFor(n, path, tagInt, "an integer")
		if !ok {
			return
		}
		u, err := strconv.ParseUint(strings.ReplaceAll(s, "_", ""), 0, 64)
		if err != nil || v.OverflowUint(u) {
			d.fail(n, path, "expected an integer from 0 to "+strconv.FormatUint(math.MaxUint64>>(64-t.Bits()), 10)+", got "+quote(s))
			return
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		s, ok := d.scalarFor(n, path, tagFloat, "a number")
		if !ok {
			return
		}
		f, err := parseFloat(s)
		if err != nil {
			d.fail(n, path, "expected a number, got "+quote(s))
			return
		}
		v.SetFloat(f)
	default:
		d.fail(n, path, "cannot decode into "+t.String())
	}
}

// emptyEnv reports whether n is a string that expands to blank through ${ENV}
// references: such a value leaves an optional field unset.
func (d *decoder) emptyEnv(n *node) bool {
	if n.kind != scalarNode || n.tag != tagStr || !strings.Contains(n.value, "${") {
		return false
	}
	s, fromEnv, msg := expand(n.value, d.lookup)
	return msg == "" && fromEnv && strings.TrimSpace(s) == ""
}

// scalarFor returns the text of a scalar meant for a field of a non-string kind. A scalar
// of that kind is read as written; a string scalar only when it came from ${ENV}
// expansion (environment variables are strings), and an empty expansion leaves the field
// unset, as does null. ok is false when the field must be left alone.
func (d *decoder) scalarFor(n *node, path string, want scalarTag, what string) (string, bool) {
	switch {
	case n.kind == nullNode:
		return "", false
	case n.kind != scalarNode:
		d.fail(n, path, "expected "+what+", got "+n.kindName())
		return "", false
	case n.tag == want || want == tagFloat && n.tag == tagInt:
		return n.value, true
	case n.tag == tagStr:
		s, fromEnv, ok := d.text(n, path)
		if !ok {
			return "", false
		}
		if fromEnv {
			s = strings.TrimSpace(s)
			return s, s != ""
		}
	}
	d.fail(n, path, "expected "+what+", got "+n.kindName()+" "+quote(n.value))
	return "", false
}

// parseInt reads an integer as YAML writes it: decimal, 0x, 0o or 0b, with optional _.
func parseInt(s string) (int64, error) {
	s = strings.ReplaceAll(s, "_", "")
	if strings.HasPrefix(s, "0") && len(s) > 1 && s[1] >= '0' && s[1] <= '9' {
		return strconv.ParseInt(s, 10, 64) // YAML 1.2: a leading 0 is decimal
	}
	return strconv.ParseInt(s, 0, 64)
}

// parseFloat reads a finite number; YAML's .inf and .nan are refused, JSON has neither.
func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil {
		return 0, err
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, strconv.ErrRange
	}
	return f, nil
}

// fieldsOf returns the JSON keys of struct type t.
func (d *decoder) fieldsOf(t reflect.Type) *structFields {
	if sf, ok := d.fields[t]; ok {
		return sf
	}
	sf := &structFields{byKey: make(map[string]int, t.NumField())}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if key == "-" {
			continue
		}
		if key == "" {
			key = f.Name
		}
		sf.byKey[key] = i
		sf.keys = append(sf.keys, key)
	}
	if d.fields == nil {
		d.fields = map[reflect.Type]*structFields{}
	}
	d.fields[t] = sf
	return sf
}

func (d *decoder) structure(n *node, v reflect.Value, path string) {
	if n.kind == nullNode {
		return
	}
	if n.kind != mappingNode {
		d.fail(n, path, "expected a mapping, got "+n.kindName())
		return
	}
	sf := d.fieldsOf(v.Type())
	for _, p := range n.pairs {
		i, ok := sf.byKey[p.key]
		if !ok && path == "" && strings.HasPrefix(p.key, "x-") {
			continue // extension field: a place for YAML anchors, ignored
		}
		if !ok {
			msg := "unknown field"
			if s := suggest(p.key, sf.keys); s != "" {
				msg += " (did you mean " + s + "?)"
			}
			d.errs.addLine(p.keyLine, joinKey(path, p.key), msg)
			continue
		}
		d.decode(p.val, v.Field(i), joinKey(path, p.key))
	}
}

func (d *decoder) slice(n *node, v reflect.Value, path string) {
	if n.kind == nullNode {
		v.SetZero()
		return
	}
	if n.kind != sequenceNode {
		d.fail(n, path, "expected a list, got "+n.kindName())
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.items), len(n.items))
	for i, item := range n.items {
		d.decode(item, s.Index(i), joinIndex(path, i))
	}
	v.Set(s)
}

func (d *decoder) mapping(n *node, v reflect.Value, path string) {
	if n.kind == nullNode {
		v.SetZero()
		return
	}
	if n.kind != mappingNode {
		d.fail(n, path, "expected a mapping, got "+n.kindName())
		return
	}
	t := v.Type()
	if t.Key().Kind() != reflect.String {
		d.fail(n, path, "cannot decode into "+t.String())
		return
	}
	m := reflect.MakeMapWithSize(t, len(n.pairs))
	for _, p := range n.pairs {
		e := reflect.New(t.Elem()).Elem()
		d.decode(p.val, e, joinKey(path, p.key))
		m.SetMapIndex(reflect.ValueOf(p.key).Convert(t.Key()), e)
	}
	v.Set(m)
}

// any converts n to the Go value encoding/json would give, except that integers become
// int64 (floats stay float64), so that they are written back exactly.
func (d *decoder) any(n *node, path string) (any, bool) {
	switch n.kind {
	case nullNode:
		return nil, true
	case mappingNode:
		m := make(map[string]any, len(n.pairs))
		ok := true
		for _, p := range n.pairs {
			v, vok := d.any(p.val, joinKey(path, p.key))
			ok = ok && vok
			m[p.key] = v
		}
		return m, ok
	case sequenceNode:
		s := make([]any, len(n.items))
		ok := true
		for i, item := range n.items {
			v, vok := d.any(item, joinIndex(path, i))
			ok = ok && vok
			s[i] = v
		}
		return s, ok
	}
	switch n.tag {
	case tagBool:
		b, err := strconv.ParseBool(n.value)
		if err != nil {
			d.fail(n, path, "expected true or false, got "+quote(n.value))
			return nil, false
		}
		return b, true
	case tagInt:
		if i, err := parseInt(n.value); err == nil {
			return i, true
		}
		fallthrough
	case tagFloat:
		f, err := parseFloat(n.value)
		if err != nil {
			d.fail(n, path, quote(n.value)+" is not a number JSON can carry")
			return nil, false
		}
		return f, true
	}
	s, _, ok := d.text(n, path)
	return s, ok
}

// toJSON writes n as JSON, expanding ${NAME} in strings, for types that decode themselves.
func (d *decoder) toJSON(n *node, path string) ([]byte, bool) {
	v, ok := d.any(n, path)
	if !ok {
		return nil, false
	}
	b, err := json.Marshal(v)
	if err != nil {
		d.fail(n, path, err.Error())
		return nil, false
	}
	return b, true
}

func (d *decoder) unmarshaler(n *node, v reflect.Value, path string) {
	b, ok := d.toJSON(n, path)
	if !ok {
		return
	}
	if err := v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(b); err != nil {
		d.fail(n, path, err.Error())
	}
}

func (d *decoder) duration(n *node, v reflect.Value, path string) {
	if n.kind == nullNode {
		return
	}
	if n.kind != scalarNode {
		d.fail(n, path, "expected a duration such as \"90s\" or \"2m\", got "+n.kindName())
		return
	}
	s, fromEnv, ok := d.text(n, path)
	if !ok || fromEnv && strings.TrimSpace(s) == "" {
		return
	}
	dur, err := parseDuration(strings.TrimSpace(s))
	if err != nil {
		d.fail(n, path, err.Error())
		return
	}
	v.SetInt(int64(dur))
}

func (d *decoder) time(n *node, v reflect.Value, path string) {
	if n.kind == nullNode {
		return
	}
	if n.kind != scalarNode {
		d.fail(n, path, "expected an RFC 3339 time such as \"2026-01-31T00:00:00Z\", got "+n.kindName())
		return
	}
	s, fromEnv, ok := d.text(n, path)
	if !ok || fromEnv && strings.TrimSpace(s) == "" {
		return
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		d.fail(n, path, fmt.Sprintf("expected an RFC 3339 time such as \"2026-01-31T00:00:00Z\", got %q", s))
		return
	}
	v.Set(reflect.ValueOf(t))
}
