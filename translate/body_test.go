package translate

import "testing"

func TestKindOf(t *testing.T) {
	const obj = `{"model":"m"}`
	tests := []struct {
		contentType, body string
		kind              BodyKind
		boundary          string
	}{
		{"application/json", "", BodyEmpty, ""},
		{"", "", BodyEmpty, ""},
		{"application/json", obj, BodyJSON, ""},
		{"text/plain", obj, BodyJSON, ""},
		{"application/x-www-form-urlencoded", obj, BodyJSON, ""},
		{"", " \r\n\t" + obj, BodyJSON, ""},
		{"text/plain", "\uFEFF" + obj, BodyJSON, ""},
		{"application/vnd.api+json", "[1]", BodyJSON, ""},
		{" APPLICATION/JSON ; charset=utf-8", "null", BodyJSON, ""},
		{"application/json; charset", "x", BodyJSON, ""},
		{"multipart/form-data; boundary=XB", "--XB--\r\n", BodyMultipart, "XB"},
		{"Multipart/Form-Data; BOUNDARY=\"a b\"", obj, BodyMultipart, "a b"},
		{"multipart/form-data", obj, BodyJSON, ""},
		{"multipart/form-data", "--XB--\r\n", BodyOther, ""},
		{"multipart/form-data; boundary=a; boundary=b", "--a--\r\n", BodyOther, ""},
		{"multipart/mixed; boundary=XB", "--XB--\r\n", BodyOther, ""},
		{"application/x-www-form-urlencoded", "model=m", BodyOther, ""},
		{"", "model: m", BodyOther, ""},
		{"text/plain", "   ", BodyOther, ""},
	}
	for _, tt := range tests {
		kind, boundary := KindOf(tt.contentType, []byte(tt.body))
		if kind != tt.kind || boundary != tt.boundary {
			t.Errorf("KindOf(%q, %q) = %d %q, want %d %q", tt.contentType, tt.body, kind, boundary, tt.kind, tt.boundary)
		}
	}
}
