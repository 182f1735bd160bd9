//go:build wasip1

package gateway

import (
	"testing"

	"github.com/franca-gw/franca/translate"
)

// TestPassthroughMultipartRefused: the Envoy filter's build refuses multipart/form-data
// bodies (see formModel) with a 415 that says so, rather than forwarding a form whose
// model it cannot check.
func TestPassthroughMultipartRefused(t *testing.T) {
	g := newGateway(t)
	body := "--XB\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ngpt\r\n--XB--\r\n"
	r := post("/v1/audio/transcriptions", body)
	r.Header = append(r.Header.(translate.Headers), translate.Header{Name: "Content-Type", Value: "multipart/form-data; boundary=XB"})
	x := g.Handle(r)
	want := `{"error":{"message":"multipart/form-data bodies (audio transcriptions, image edits, file uploads) are not supported by Franca's Envoy filter; send them through Franca in Caddy","type":"invalid_request_error","param":null,"code":"unsupported_media_type"}}`
	if x.Reply == nil || x.Reply.Status != 415 || string(x.Reply.Body) != want {
		t.Fatalf("%+v", x.Reply)
	}
}
