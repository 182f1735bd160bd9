package jsonx

import (
	"encoding/json"
	"reflect"
	"testing"
)

// sample has a member of every kind Decoder reads.
type sample struct {
	S    string          `json:"s"`
	SP   *string         `json:"sp"`
	F    *float64        `json:"f"`
	I    int             `json:"i"`
	IP   *int            `json:"ip"`
	I64  *int64          `json:"i64"`
	B    bool            `json:"b"`
	BP   *bool           `json:"bp"`
	Raw  json.RawMessage `json:"raw"`
	List []string        `json:"list"`
	Sub  []sample        `json:"sub"`
}

var sampleNames = []string{"s", "sp", "f", "i", "ip", "i64", "b", "bp", "raw", "list", "sub"}

func decodeSample(d *Decoder, v *sample) bool {
	if d.Null() {
		return true
	}
	return d.Object(sampleNames, func(i int) bool {
		switch sampleNames[i] {
		case "s":
			return d.Str(&v.S)
		case "sp":
			return d.StrPtr(&v.SP)
		case "f":
			return d.Float(&v.F)
		case "i":
			return d.Int(&v.I)
		case "ip":
			return d.IntPtr(&v.IP)
		case "i64":
			return d.Int64Ptr(&v.I64)
		case "b":
			return d.Bool(&v.B)
		case "bp":
			return d.BoolPtr(&v.BP)
		case "raw":
			r, ok := d.Raw()
			v.Raw = r
			return ok
		case "list":
			return d.Strings(&v.List)
		case "sub":
			if d.Null() {
				return true
			}
			out := make([]sample, 0, 1)
			ok := d.Array(func() bool {
				out = append(out, sample{})
				return decodeSample(d, &out[len(out)-1])
			})
			v.Sub = out
			return ok
		}
		return false
	})
}

func decodeBoth(t *testing.T, doc string) (ok bool) {
	t.Helper()
	var fast sample
	ok = Decode([]byte(doc), func(d *Decoder) bool { return d.Peek() == '{' && decodeSample(d, &fast) })
	if !ok {
		return false
	}
	var want sample
	if err := json.Unmarshal([]byte(doc), &want); err != nil {
		t.Fatalf("Decoder accepted what encoding/json refuses (%v): %q", err, doc)
	}
	if !reflect.DeepEqual(fast, want) {
		t.Fatalf("Decoder differs from encoding/json for %q\n got %#v\nwant %#v", doc, fast, want)
	}
	return true
}

func TestDecoder(t *testing.T) {
	cases := []struct {
		doc string
		ok  bool
	}{
		{`{"s":"a\"b\u00e9\ud83d\ude00","sp":"x","f":-1.5e3,"i":42,"ip":-0,"i64":123456789012345678,"b":true,"bp":false,"raw":{"a":[1,null]},"list":["x",null],"sub":[{"s":"y"},null,{}]}`, true},
		{`{"s":null,"sp":null,"f":null,"i":null,"ip":null,"i64":null,"b":null,"bp":null,"raw":null,"list":null,"sub":null}`, true},
		{` { "list" : [ ] , "sub" : [ ] , "other" : {"s":1} } `, true},
		{`{"\u0073":"escaped name"}`, true},
		{`{"s":"a","s":"b"}`, false},
		{`{"S":"a"}`, false},
		{`{"ſ":"a"}`, false},
		{`{"i":1.0}`, false},
		{`{"i":1234567890123456789}`, false},
		{`{"f":1e999}`, false},
		{`{"s":1}`, false},
		{`{"b":"true"}`, false},
		{`{"list":[1]}`, false},
		{`{"sub":{}}`, false},
		{"{\"s\":\"\xfe\"}", false},
		{`{"s":"a"}x`, false},
		{`{"s":"a"`, false},
	}
	for _, c := range cases {
		if got := decodeBoth(t, c.doc); got != c.ok {
			t.Errorf("%s: ok = %v, want %v", c.doc, got, c.ok)
		}
	}
}

// FuzzDecoder checks that whatever Decoder decodes, encoding/json decodes to the same.
func FuzzDecoder(f *testing.F) {
	f.Add(`{"s":"a\"b","f":1,"i":2,"b":true,"raw":[],"list":["x"],"sub":[{"ip":3}]}`)
	f.Add(`{"S":"x","s":null,"sp":"\ud800"}`)
	f.Fuzz(func(t *testing.T, doc string) { decodeBoth(t, doc) })
}

// TestDecoderCaseFold: a name that matches a member of mixed case but for case is
// left to encoding/json, which would match it.
func TestDecoderCaseFold(t *testing.T) {
	names := []string{"modelVersion"}
	for doc, want := range map[string]bool{`{"modelVersion":"a"}`: true, `{"modelversion":"a"}`: false, `{"MODELVERSION":"a"}`: false, `{"model":"a"}`: true} {
		var v string
		got := Decode([]byte(doc), func(d *Decoder) bool {
			return d.Object(names, func(int) bool { return d.Str(&v) })
		})
		if got != want {
			t.Errorf("%s: ok = %v, want %v", doc, got, want)
		}
	}
}
