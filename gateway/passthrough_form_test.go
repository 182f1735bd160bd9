//go:build !wasip1

package gateway

import (
	"strings"
	"testing"

	"github.com/franca-gw/franca/translate"
)

func TestPassthroughModelFromMultipart(t *testing.T) {
	g := newGateway(t)
	body := "--XB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nRIFF\r\n--XB\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ngpt\r\n--XB--\r\n"
	r := post("/v1/audio/transcriptions", body)
	r.Header = append(r.Header.(translate.Headers), translate.Header{Name: "Content-Type", Value: "multipart/form-data; boundary=XB"})
	x := g.Handle(r)
	a := x.Next()
	if a == nil {
		t.Fatalf("no attempt: %s", x.Reply.Body)
	}
	want := strings.Replace(body, "\r\n\r\ngpt\r\n", "\r\n\r\ngpt-4o-mini\r\n", 1)
	if !a.Raw || a.Upstream.URL != "https://oa.example/v1/audio/transcriptions" || string(a.Upstream.Body) != want {
		t.Fatalf("attempt %+v %s", a.Upstream, a.Upstream.Body)
	}
	if a.Upstream.Header.Get("Authorization") != "Bearer sk-up-1" {
		t.Fatalf("auth not swapped: %v", a.Upstream.Header)
	}
}
