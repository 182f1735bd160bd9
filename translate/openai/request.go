package openai

import (
	"encoding/json"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// includeUsage is the stream_options Franca sends so that every stream reports usage.
var includeUsage = []byte(`{"include_usage":true}`)

// Request builds the upstream chat completions request: the client's body with the
// model replaced, stream usage requested, and the preset's quirks applied.
func (t *Translator) Request(req *schema.ChatRequest, raw []byte, tg *translate.Target) (*translate.Request, error) {
	q := t.quirks()
	if q != nil {
		if e := q.check(req, raw, t.provider); e != nil {
			return nil, e
		}
	}
	// Ask for usage on every stream (the client's copy is cut again by the
	// transcoder when it did not ask), unless the provider refuses stream_options.
	addUsage := req.Stream && !req.IncludeUsage() && t.preset.acceptsStreamOptions()
	edit := q != nil && q.needsEdit(req, raw)
	// A stream_options object the client sent (include_usage false, or other
	// members) is merged on the decoded path.
	edit = edit || (addUsage && req.StreamOptions != nil)
	var body []byte
	var err error
	if edit {
		body, err = t.editBody(req, raw, tg.Model, addUsage)
	} else {
		var kv [2]kvPair
		n := 0
		if tg.Model != "" {
			kv[n] = kvPair{"model", jsonx.AppendString(nil, tg.Model)}
			n++
		}
		if addUsage {
			kv[n] = kvPair{"stream_options", includeUsage}
			n++
		}
		body, err = setModel(raw, kv[:n])
	}
	if err != nil {
		return nil, err
	}
	return &translate.Request{
		Method: "POST",
		URL:    t.endpointURL("chat/completions", tg),
		Header: t.authHeaders(tg, "application/json"),
		Body:   body,
		Stream: req.Stream,
	}, nil
}

// editBody decodes the top level of raw, applies the preset's edits and encodes it
// again. Only requests that need an edit take this path.
func (t *Translator) editBody(req *schema.ChatRequest, raw []byte, model string, addUsage bool) ([]byte, error) {
	body, ok := decodeTop(raw)
	if !ok {
		return nil, notAnObject()
	}
	if model != "" {
		body["model"] = jsonx.AppendString(nil, model)
	}
	if q := t.quirks(); q != nil {
		if e := q.edit(body, req, t.provider); e != nil {
			return nil, e
		}
	}
	if addUsage {
		opts := map[string]json.RawMessage{}
		if v, ok := body["stream_options"]; ok && !isNull(v) {
			if err := json.Unmarshal(v, &opts); err != nil {
				return nil, translate.BadRequest("stream_options", "must be an object")
			}
		}
		opts["include_usage"] = json.RawMessage("true")
		body["stream_options"] = encodeObject(nil, opts)
	}
	return encodeObject(make([]byte, 0, len(raw)+64), body), nil
}

// decodeTop splits the object raw into its top-level members without decoding the
// values, which stay slices of raw. A later duplicate key wins, as in encoding/json.
func decodeTop(raw []byte) (map[string]json.RawMessage, bool) {
	m := make(map[string]json.RawMessage, 16)
	err := jsonx.EachMember(raw, func(mb jsonx.Member) bool {
		m[string(mb.Name(raw, nil))] = mb.Value(raw)
		return true
	})
	return m, err == nil
}

// encodeObject appends the object m with its keys sorted. The values came from
// json.Unmarshal or from Franca, so they are valid JSON and are copied as they are.
func encodeObject(dst []byte, m map[string]json.RawMessage) []byte {
	dst = append(dst, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonx.AppendString(dst, k)
		dst = append(dst, ':')
		dst = append(dst, m[k]...)
	}
	return append(dst, '}')
}

func notAnObject() *translate.Error {
	return translate.BadRequest("", "the request body must be a JSON object")
}

// setModel sets the model (when not empty) and the other pairs on raw, returning a
// copy, or the 400 for a body that is not an object.
func setModel(raw []byte, kv []kvPair) ([]byte, error) {
	b, err := setMembers(raw, kv)
	if err != nil {
		return nil, notAnObject()
	}
	return b, nil
}

// EmbeddingsRequest builds the upstream embeddings request: the client's body with the
// model replaced, after the preset's checks.
func (t *Translator) EmbeddingsRequest(req *schema.EmbeddingsRequest, raw []byte, tg *translate.Target) (*translate.Request, error) {
	if !t.preset.hasEmbeddings() {
		return nil, t.noEndpoint("/embeddings")
	}
	rename := false
	if q := t.quirks(); q != nil {
		var e *translate.Error
		if rename, e = q.checkEmbeddings(req, t.provider); e != nil {
			return nil, e
		}
	}
	var body []byte
	var err error
	if rename {
		m, ok := decodeTop(raw)
		if !ok {
			return nil, notAnObject()
		}
		if tg.Model != "" {
			m["model"] = jsonx.AppendString(nil, tg.Model)
		}
		q := t.quirks()
		if v, ok := m["dimensions"]; ok {
			delete(m, "dimensions")
			m[q.Dimensions] = v
		}
		body = encodeObject(make([]byte, 0, len(raw)+16), m)
	} else {
		var kv []kvPair
		if tg.Model != "" {
			kv = []kvPair{{"model", jsonx.AppendString(nil, tg.Model)}}
		}
		body, err = setModel(raw, kv)
	}
	if err != nil {
		return nil, err
	}
	return &translate.Request{
		Method: "POST",
		URL:    t.endpointURL("embeddings", tg),
		Header: t.authHeaders(tg, "application/json"),
		Body:   body,
	}, nil
}

// noEndpoint is the 404 for an endpoint the provider does not have.
func (t *Translator) noEndpoint(path string) *translate.Error {
	return &translate.Error{Status: 404, Type: translate.TypeNotFound, Code: "unsupported_endpoint",
		Message: "provider type " + t.provider + " has no /v1" + path + " endpoint"}
}
