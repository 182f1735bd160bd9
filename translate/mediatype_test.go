package translate

import (
	"mime"
	"reflect"
	"testing"
)

// TestParseMediaType compares the parser with the standard library's on what both read,
// and checks what it refuses on purpose.
func TestParseMediaType(t *testing.T) {
	for _, v := range []string{
		"application/json",
		"Application/JSON; Charset=UTF-8",
		" multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
		`multipart/form-data; boundary="a b;c"`,
		`form-data; name="model"`,
		`form-data; name="file"; filename="speech.mp3"`,
		`form-data; name=model`,
		`text/plain;charset=us-ascii ; format=flowed`,
		`form-data; name="a\"b"`,
	} {
		mt, params, ok := ParseMediaType(v)
		wmt, wparams, err := mime.ParseMediaType(v)
		if !ok || err != nil || mt != wmt || !reflect.DeepEqual(params, wparams) {
			t.Errorf("%q: %q %v %v; mime: %q %v %v", v, mt, params, ok, wmt, wparams, err)
		}
	}
	for _, v := range []string{
		"",
		"multipart/form-data; boundary",
		`multipart/form-data; boundary="unclosed`,
		"multipart/form-data; boundary=a; boundary=b",
		`form-data; name*=UTF-8''model`,
		"form-data; name=a b",
		"text/(plain)",
	} {
		if _, params, ok := ParseMediaType(v); ok {
			t.Errorf("%q: read as %v", v, params)
		}
	}
}
