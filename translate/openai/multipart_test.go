//go:build !wasip1

package openai

import (
	"testing"

	"github.com/franca-gw/franca/translate"
)

func TestPassthroughRewritesMultipartModel(t *testing.T) {
	in := "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF\x00\x01data\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nspeech-public\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"language\"\r\n\r\nde\r\n--B--\r\n"
	want := "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF\x00\x01data\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"language\"\r\n\r\nde\r\n--B--\r\n"
	tr, _ := New("")
	h := translate.Headers{{Name: "Content-Type", Value: "multipart/form-data; boundary=B"}}
	r, err := tr.Passthrough("POST", "/audio/transcriptions", "", h, []byte(in), "whisper-1", &translate.Target{BaseURL: "https://x/v1"})
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Body) != want {
		t.Fatalf("body\n%q\nwant\n%q", r.Body, want)
	}
	// Not multipart, or no model field: unchanged.
	if _, ok := setFormField("text/plain", []byte(in), "model", "x"); ok {
		t.Fatal("rewrote a non-multipart body")
	}
	noModel := "--B\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--B--\r\n"
	if _, ok := setFormField("multipart/form-data; boundary=B", []byte(noModel), "model", "x"); ok {
		t.Fatal("rewrote a form without a model field")
	}
}
