//go:build !wasip1

package openai

import (
	"bytes"
	"io"
	"mime/multipart"

	"github.com/franca-gw/franca/translate"
)

// setFormField returns a multipart/form-data body with the value of the form field name
// replaced by value, every other part copied byte for byte with the same boundary. ok is
// false when the body is not multipart, has no such field, or cannot be read; the caller
// then forwards it unchanged.
func setFormField(contentType string, body []byte, name, value string) (out []byte, ok bool) {
	mt, params, ok := translate.ParseMediaType(contentType)
	if !ok || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, false
	}
	r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var buf bytes.Buffer
	buf.Grow(len(body) + len(value))
	w := multipart.NewWriter(&buf)
	if w.SetBoundary(params["boundary"]) != nil {
		return nil, false
	}
	found := false
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false
		}
		dst, err := w.CreatePart(p.Header)
		if err != nil {
			return nil, false
		}
		if p.FormName() == name && !found {
			found = true
			io.WriteString(dst, value)
			continue
		}
		if _, err := io.Copy(dst, p); err != nil {
			return nil, false
		}
	}
	if !found || w.Close() != nil {
		return nil, false
	}
	return buf.Bytes(), true
}
