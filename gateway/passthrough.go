package gateway

import (
	"bytes"
	"encoding/json"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/franca-gw/franca/translate"
)

// passRequest is what a passthrough attempt needs of the client's request.
type passRequest struct {
	method string
	path   string
	query  string
	header translate.HeaderGetter
}

// routePassthrough handles OpenAI endpoints Franca forwards without translating. A request
// naming a model (a JSON body's "model", a multipart form's "model" field) goes to that
// model's targets; one naming none goes to the configured passthrough provider.
func (g *Gateway) routePassthrough(x *Exchange, vk *virtualKey, r *Request, endpoint string) {
	x.pass = &passRequest{method: r.Method, path: endpoint, query: r.Query, header: r.Header}
	x.raw = r.Body
	model, err := bodyModel(r.Header.Get("Content-Type"), r.Body)
	if err != nil {
		x.fail(err)
		return
	}
	if model != "" {
		rt, err := g.resolve(vk, model)
		if err != nil {
			x.fail(err)
			return
		}
		x.Model, x.route = model, rt
		x.Stream = bytes.Contains(r.Body, []byte(`"stream":true`)) || bytes.Contains(r.Body, []byte(`"stream": true`))
		return
	}
	if g.passthrough == nil {
		x.fail(&translate.Error{Status: 404, Type: translate.TypeInvalidRequest, Code: "unknown_url",
			Message: "Unknown request URL: " + r.Method + " /v1" + endpoint + ". Franca forwards endpoints without a model only when passthrough.provider is configured."})
		return
	}
	x.route = g.passRoute
}

// bodyModel finds the model a passthrough request names, if any.
func bodyModel(contentType string, body []byte) (string, *translate.Error) {
	if len(body) == 0 {
		return "", nil
	}
	mt, params, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "application/json" || (mt == "" && body[0] == '{'):
		var m struct {
			Model json.RawMessage `json:"model"`
		}
		if err := json.Unmarshal(body, &m); err != nil {
			return "", decodeBody(body, &m, modelShape)
		}
		var s string
		if len(m.Model) > 0 && json.Unmarshal(m.Model, &s) != nil {
			return "", translate.BadRequest("model", "model must be a string")
		}
		return s, nil
	case mt == "multipart/form-data" && params["boundary"] != "":
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			part, err := mr.NextPart()
			if err != nil {
				return "", nil
			}
			if part.FormName() == "model" {
				var b strings.Builder
				buf := make([]byte, 256)
				for b.Len() < 1024 {
					n, err := part.Read(buf)
					b.Write(buf[:n])
					if err != nil {
						break
					}
				}
				return strings.TrimSpace(b.String()), nil
			}
		}
	}
	return "", nil
}
