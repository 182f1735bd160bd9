package gateway

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
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
// model's targets, if the key may use the model; one naming none goes to the configured
// passthrough provider. Both need the key's passthrough permission unless the endpoint
// runs the model the body names (modelEndpoint).
//
// The body is read as translate.KindOf says, whatever its Content-Type claims, so that
// no content type lets a model past the key's model list: JSON is recognised by its
// first byte, a form by its multipart boundary, and any other body is refused to a key
// with a model list, since Franca cannot tell which model it names.
func (g *Gateway) routePassthrough(x *Exchange, vk *virtualKey, r *Request, endpoint string) {
	x.pass = &passRequest{method: r.Method, path: endpoint, query: r.Query, header: r.Header}
	x.raw = r.Body
	model, err := bodyModel(r.Header.Get("Content-Type"), r.Body, !vk.all)
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
		// Elsewhere a "model" in the body need not say what runs (GET /v1/files ignores
		// it; a batch runs the models of its input file): the key needs passthrough too.
		if !vk.passthrough && !modelEndpoint(r.Method, endpoint) {
			x.fail(passthroughDenied(vk, r.Method, endpoint))
			return
		}
		x.Model, x.route = model, rt
		x.Stream = bytes.Contains(r.Body, []byte(`"stream":true`)) || bytes.Contains(r.Body, []byte(`"stream": true`))
		return
	}
	if !vk.passthrough {
		x.fail(passthroughDenied(vk, r.Method, endpoint))
		return
	}
	if g.passthrough == nil {
		x.fail(&translate.Error{Status: 404, Type: translate.TypeInvalidRequest, Code: "unknown_url",
			Message: "Unknown request URL: " + r.Method + " /v1" + endpoint + ". Franca forwards endpoints without a model only when passthrough.provider is configured."})
		return
	}
	x.route = g.passRoute
}

// modelEndpoint reports whether a request to endpoint runs the model its body names, so
// that a key's model list limits it: the OpenAI endpoints that create a completion, a
// response, an image, audio, a moderation, a video, a fine-tuning job, an assistant or a
// run with the "model" given.
func modelEndpoint(method, endpoint string) bool {
	if method != "POST" {
		return false
	}
	switch endpoint {
	case "/completions", "/responses", "/responses/input_tokens",
		"/images/generations", "/images/edits", "/images/variations",
		"/audio/speech", "/audio/transcriptions", "/audio/translations",
		"/moderations", "/videos", "/fine_tuning/jobs",
		"/realtime/sessions", "/realtime/transcription_sessions",
		"/assistants", "/threads/runs":
		return true
	}
	// POST /assistants/{id} (modify) and /threads/{id}/runs (create a run).
	seg := strings.Split(strings.TrimPrefix(endpoint, "/"), "/")
	return len(seg) == 2 && seg[0] == "assistants" && seg[1] != "" ||
		len(seg) == 3 && seg[0] == "threads" && seg[1] != "" && seg[2] == "runs"
}

// passthroughDenied is the error for a key that may not use an endpoint its model list
// cannot limit.
func passthroughDenied(vk *virtualKey, method, endpoint string) *translate.Error {
	return &translate.Error{Status: 403, Type: translate.TypePermission, Code: "permission_denied",
		Message: "The virtual key " + strconv.Quote(vk.cfg.Name) + " may not use " + method + " /v1" + endpoint +
			": endpoints that a model list cannot limit need passthrough: true on the key."}
}

// bodyModel finds the model a passthrough request names, if any. restricted says that
// the key has a model list: a body Franca cannot read a model from is then refused.
func bodyModel(contentType string, body []byte, restricted bool) (string, *translate.Error) {
	kind, boundary := translate.KindOf(contentType, body)
	switch kind {
	case translate.BodyJSON:
		return jsonModel(body)
	case translate.BodyMultipart:
		return formModel(body, boundary)
	case translate.BodyOther:
		if restricted {
			mt, _, _ := translate.ParseMediaType(contentType)
			if mt == "" {
				mt = strings.TrimSpace(contentType)
			}
			return "", &translate.Error{Status: 415, Type: translate.TypeInvalidRequest, Code: "unsupported_media_type",
				Message: "Franca reads the model of this request only from a JSON object or a multipart/form-data body, and this key may use only some models; " +
					"the body sent as Content-Type " + strconv.Quote(mt) + " is neither. Send it as application/json."}
		}
	}
	return "", nil
}

// jsonModel returns the top-level "model" of a JSON object. A document that is not an
// object, a model given twice (or as "Model" …) or that is not a string is refused, so
// that the model Franca checks is the one every JSON reader upstream would see.
func jsonModel(body []byte) (string, *translate.Error) {
	if !json.Valid(body) {
		return "", decodeBody(body, new(any), modelShape)
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return "", &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "invalid_json",
			Message: "the request body must be a JSON object"}
	}
	var (
		model []byte
		n     int
		other string
		buf   [64]byte
	)
	jsonx.EachMember(body, func(m jsonx.Member) bool {
		if m.Is(body, "model") {
			n++
			model = m.Value(body)
		} else if name := m.Name(body, buf[:0]); len(name) == len("model") && strings.EqualFold(string(name), "model") {
			other = string(name)
		}
		return true
	})
	switch {
	case other != "":
		return "", translate.BadRequest("model", "unknown parameter "+strconv.Quote(other)+": the model is given as \"model\"")
	case n > 1:
		return "", translate.BadRequest("model", "model is given more than once")
	case n == 0 || string(model) == "null":
		return "", nil
	case !jsonx.IsString(model):
		return "", translate.BadRequest("model", "model must be a string")
	}
	s, _ := jsonx.AppendUnquoted(nil, model)
	return string(s), nil
}

// badForm is the error for a multipart/form-data body that cannot be read.
func badForm(why string) *translate.Error {
	return &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "invalid_request_body",
		Message: "We could not read the multipart/form-data body of your request: " + why}
}
