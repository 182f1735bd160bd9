//go:build !wasip1

package gateway

import (
	"bytes"
	"io"
	"mime/multipart"
	"strconv"
	"strings"

	"github.com/franca-gw/franca/translate"
)

// maxFormModel is the longest model name read from a multipart form.
const maxFormModel = 1024

// formModel returns the "model" field of a multipart/form-data body. A body that does not
// read as a form, a part that is not a form-data field, a model field given twice (or as
// "Model" …), in a transfer encoding or over maxFormModel bytes is refused, so that the
// model Franca checks is the one the upstream's form reader would see.
func formModel(body []byte, boundary string) (string, *translate.Error) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var (
		model string
		found bool
	)
	for parts := 0; ; parts++ {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			if parts == 0 {
				return "", badForm("it has no parts")
			}
			return model, nil
		}
		if err != nil {
			return "", badForm(unbounded(boundary))
		}
		disposition, params, ok := translate.ParseMediaType(p.Header.Get("Content-Disposition"))
		if !ok || disposition != "form-data" || params["name"] == "" {
			return "", badForm("part " + strconv.Itoa(parts+1) + " is not a form-data field (Content-Disposition: form-data; name=\"…\")")
		}
		name := params["name"]
		if !strings.EqualFold(name, "model") {
			continue
		}
		switch {
		case name != "model":
			return "", translate.BadRequest("model", "unknown form field "+strconv.Quote(name)+": the model is given as \"model\"")
		case found:
			return "", translate.BadRequest("model", "model is given more than once")
		case p.Header.Get("Content-Transfer-Encoding") != "":
			return "", translate.BadRequest("model", "the model field must not have a Content-Transfer-Encoding")
		}
		b, err := io.ReadAll(io.LimitReader(p, maxFormModel+1))
		if err != nil {
			return "", badForm(unbounded(boundary))
		}
		if len(b) > maxFormModel {
			return "", translate.BadRequest("model", "model is longer than "+strconv.Itoa(maxFormModel)+" bytes")
		}
		model, found = string(b), true
	}
}

// unbounded explains a body that does not follow its boundary.
func unbounded(boundary string) string {
	return "it is not a sequence of parts delimited by --" + boundary + " and closed by --" + boundary + "--"
}
