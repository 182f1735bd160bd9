package openai

import (
	"encoding/json"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// Response returns the upstream chat.completion body unchanged (its model is the one
// the provider reports) and the usage it holds. A 200 body that holds an error object
// and no choices, as some compatible servers send, is returned as that error.
func (t *Translator) Response(body []byte, req *schema.ChatRequest, tg *translate.Target) ([]byte, *schema.Usage, error) {
	u, e := scanResponse(body)
	if e != nil {
		return nil, nil, e
	}
	return body, u, nil
}

// EmbeddingsResponse returns the upstream embeddings list unchanged and its usage.
func (t *Translator) EmbeddingsResponse(body []byte, req *schema.EmbeddingsRequest, tg *translate.Target) ([]byte, *schema.Usage, error) {
	u, e := scanResponse(body)
	if e != nil {
		return nil, nil, e
	}
	return body, u, nil
}

// scanResponse finds the top-level usage of a response, and reports an error object
// that came with a 2xx status.
func scanResponse(body []byte) (*schema.Usage, *translate.Error) {
	var usage, errVal []byte
	hasData := false
	err := jsonx.EachMember(body, func(m jsonx.Member) bool {
		switch {
		case m.Is(body, "usage"):
			usage = m.Value(body)
		case m.Is(body, "error"):
			errVal = m.Value(body)
		case m.Is(body, "choices"), m.Is(body, "data"):
			hasData = true
		}
		return true
	})
	if err != nil {
		return nil, &translate.Error{Status: 502, Type: translate.TypeServer,
			Message: "the provider's response is not a JSON object"}
	}
	if !isNull(errVal) && !hasData {
		return nil, mapError(502, nil, body)
	}
	return decodeUsage(usage), nil
}

// decodeUsage decodes a usage object; null, absent or malformed usage is nil.
func decodeUsage(v []byte) *schema.Usage {
	if isNull(v) {
		return nil
	}
	var u schema.Usage
	if json.Unmarshal(v, &u) != nil {
		return nil
	}
	return &u
}
