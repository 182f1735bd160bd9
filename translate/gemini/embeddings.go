package gemini

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// EmbeddingsRequest builds a batchEmbedContents request: one request per input string.
func (tr *Translator) EmbeddingsRequest(req *schema.EmbeddingsRequest, raw []byte, t *translate.Target) (*translate.Request, error) {
	if req.Input.Tokens != nil {
		return nil, translate.BadRequest("input", "provider type gemini embeds text only, not token ids")
	}
	if len(req.Input.Strings) == 0 {
		return nil, translate.BadRequest("input", "input must hold at least one string")
	}
	switch req.EncodingFormat {
	case "", "float", "base64":
	default:
		return nil, translate.BadRequest("encoding_format", "encoding_format must be float or base64")
	}
	if req.Dimensions != nil && *req.Dimensions < 1 {
		return nil, translate.BadRequest("dimensions", "dimensions must be at least 1")
	}
	model := resourceName(t.Model, false)
	b := make([]byte, 0, len(raw)+64*len(req.Input.Strings))
	b = append(b, `{"requests":[`...)
	for i, s := range req.Input.Strings {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"model":`...)
		b = jsonx.AppendString(b, model)
		b = append(b, `,"content":{"parts":[{"text":`...)
		b = jsonx.AppendString(b, s)
		b = append(b, `}]}`...)
		if req.Dimensions != nil {
			b = append(b, `,"outputDimensionality":`...)
			b = jsonx.AppendInt(b, *req.Dimensions)
		}
		b = append(b, '}')
	}
	b = append(b, "]}"...)
	return &translate.Request{Method: "POST", URL: methodURL(t, "batchEmbedContents"), Header: headers(t), Body: b}, nil
}

// EmbeddingsResponse converts {"embeddings":[{"values":[…]}]} into an OpenAI list. Gemini
// reports no token counts for embeddings, so usage is zero.
func (tr *Translator) EmbeddingsResponse(body []byte, req *schema.EmbeddingsRequest, t *translate.Target) ([]byte, *schema.Usage, error) {
	var r struct {
		Embeddings []struct {
			Values json.RawMessage `json:"values"`
		} `json:"embeddings"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, nil, errMalformed("a body that is not a BatchEmbedContentsResponse")
	}
	if len(r.Embeddings) != len(req.Input.Strings) {
		return nil, nil, errMalformed(strconv.Itoa(len(r.Embeddings)) + " embeddings for " + strconv.Itoa(len(req.Input.Strings)) + " inputs")
	}
	b64 := req.EncodingFormat == "base64"
	out := make([]byte, 0, len(body)+128)
	out = append(out, `{"object":"list","data":[`...)
	var buf bytes.Buffer
	for i, e := range r.Embeddings {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, `{"object":"embedding","index":`...)
		out = jsonx.AppendInt(out, i)
		out = append(out, `,"embedding":`...)
		var err error
		if b64 {
			out, err = appendBase64Vector(out, e.Values)
		} else {
			buf.Reset()
			if len(e.Values) == 0 || json.Compact(&buf, e.Values) != nil || buf.Bytes()[0] != '[' {
				err = errMalformed("an embedding without values")
			}
			out = append(out, buf.Bytes()...)
		}
		if err != nil {
			return nil, nil, err
		}
		out = append(out, '}')
	}
	out = append(out, `],"model":`...)
	out = jsonx.AppendString(out, t.Model)
	out = append(out, `,"usage":{"prompt_tokens":0,"total_tokens":0}}`...)
	return out, &schema.Usage{}, nil
}

// appendBase64Vector writes the values as a base64 string of little-endian float32s, the
// encoding OpenAI uses for encoding_format "base64".
func appendBase64Vector(out, values []byte) ([]byte, error) {
	var fs []float64
	if json.Unmarshal(values, &fs) != nil || fs == nil {
		return nil, errMalformed("an embedding without values")
	}
	raw := make([]byte, 4*len(fs))
	for i, f := range fs {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(float32(f)))
	}
	out = append(out, '"')
	out = base64.StdEncoding.AppendEncode(out, raw)
	return append(out, '"'), nil
}
