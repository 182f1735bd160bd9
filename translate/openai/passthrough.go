package openai

import (
	"net/url"
	"strings"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
)

// passHeaders are the client header fields a passthrough request keeps. The client's
// authorization is never among them: the upstream credential replaces it.
var passHeaders = []string{"Content-Type", "Accept", "OpenAI-Beta"}

// azureDeploymentPaths are the endpoints Azure serves under /openai/deployments/{d}.
var azureDeploymentPaths = map[string]bool{
	"/chat/completions": true, "/completions": true, "/embeddings": true,
	"/images/generations": true, "/images/edits": true,
	"/audio/transcriptions": true, "/audio/translations": true, "/audio/speech": true,
}

// azureResourcePaths are the first path segments Azure serves under /openai/{path}.
var azureResourcePaths = map[string]bool{
	"files": true, "batches": true, "assistants": true, "threads": true,
	"vector_stores": true, "responses": true,
}

// Passthrough builds the upstream request for an OpenAI endpoint Franca does not
// translate (images, audio, moderations, files, assistants, threads, batches,
// responses, vector_stores, uploads, completions …), swapping only auth and URL.
//
// path is the client's path after "/v1" (e.g. "/images/generations"), query its raw
// query, header its header: only Content-Type, Accept and OpenAI-Beta are kept, never
// its authorization. When model is not empty and the body is a JSON object with a
// top-level "model", or a multipart form with a "model" field (audio uploads), that
// model is written into it; other bodies are forwarded unchanged. The body is read as
// translate.KindOf says, which is how the gateway read the model it checked.
//
// openai (and openai-compatible without a preset) pass every path; azure maps the
// deployment endpoints (images, audio, completions) to /openai/deployments/{model}
// and files, batches, assistants, threads, vector_stores and responses to
// /openai/{path}, both with api-version; presets pass only /completions, where the
// provider has it. Anything else is a 404 translate.Error.
func (t *Translator) Passthrough(method, path, query string, header translate.HeaderGetter, body []byte, model string, tg *translate.Target) (*translate.Request, error) {
	if !cleanPath(path) {
		return nil, &translate.Error{Status: 404, Type: translate.TypeInvalidRequest, Code: "invalid_url",
			Message: "invalid URL path " + `"` + path + `"`}
	}
	base := t.baseURL(tg)
	var u string
	switch {
	case t.family == familyAzure:
		u = t.azureURL(base, path, query, model, tg)
	case t.preset == plain:
		u = base + path + withQuery(query)
	case path == "/completions" && t.preset.hasCompletions():
		u = base + path + withQuery(query)
	}
	if u == "" {
		return nil, t.noEndpoint(path)
	}
	if model == "" && t.family == familyAzure {
		model = tg.Model
	}
	contentType := ""
	if header != nil {
		contentType = header.Get("Content-Type")
	}
	kind, _ := translate.KindOf(contentType, body)
	isJSON := kind == translate.BodyJSON
	if model != "" && isJSON && hasMember(body, "model") {
		b, err := setMember(body, "model", jsonx.AppendString(nil, model))
		if err != nil {
			return nil, notAnObject()
		}
		body = b
	} else if model != "" && kind == translate.BodyMultipart {
		if b, ok := setFormField(contentType, body, "model", model); ok {
			body = b
		}
	}
	// Room for the client's fields, the configured ones and the credential.
	h := make(translate.Headers, 0, 1+len(passHeaders)+len(tg.Header))
	if header != nil {
		for _, name := range passHeaders {
			if v := header.Get(name); v != "" {
				h = append(h, translate.Header{Name: name, Value: v})
			}
		}
	}
	h = append(h, tg.Header...)
	if len(body) == 0 {
		body = nil
	}
	return &translate.Request{
		Method: strings.ToUpper(method),
		URL:    u,
		Header: h,
		Body:   body,
		Stream: isJSON && streams(body),
	}, nil
}

// azureURL maps an OpenAI path to Azure's, or returns "".
func (t *Translator) azureURL(base, path, query, model string, tg *translate.Target) string {
	q := "?api-version=" + url.QueryEscape(apiVersion(tg)) + otherParams(query)
	if azureDeploymentPaths[path] {
		d := model
		if d == "" {
			d = tg.Model
		}
		return base + "/openai/deployments/" + url.PathEscape(d) + path + q
	}
	seg := strings.TrimPrefix(path, "/")
	if i := strings.IndexByte(seg, '/'); i >= 0 {
		seg = seg[:i]
	}
	if azureResourcePaths[seg] {
		return base + "/openai" + path + q
	}
	return ""
}

// otherParams returns "&"+query without any api-version parameter of the client's.
func otherParams(query string) string {
	var b strings.Builder
	for _, p := range strings.Split(query, "&") {
		if p == "" || strings.HasPrefix(p, "api-version=") || p == "api-version" {
			continue
		}
		b.WriteByte('&')
		b.WriteString(p)
	}
	return b.String()
}

func withQuery(q string) string {
	if q == "" {
		return ""
	}
	return "?" + q
}

// cleanPath accepts absolute paths without empty, "." or ".." segments, query,
// fragment, backslashes or control characters.
func cleanPath(p string) bool {
	if len(p) < 2 || p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c <= ' ' || c == 0x7f || c == '?' || c == '#' || c == '\\' {
			return false
		}
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// streams reports whether a JSON body has "stream": true at the top level.
func streams(body []byte) bool {
	on := false
	jsonx.EachMember(body, func(m jsonx.Member) bool {
		if m.Is(body, "stream") {
			on = string(m.Value(body)) == "true"
		}
		return true
	})
	return on
}
