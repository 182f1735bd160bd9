package mock

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"math"
	"strconv"
	"strings"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

const (
	// DefaultDimensions is the length of a mock embedding when dimensions is not given.
	DefaultDimensions = 8
	// MaxDimensions is the largest dimensions accepted.
	MaxDimensions = 3072
)

// Embeddings answers an embeddings request: for each input a unit-length vector
// derived from an FNV-1a hash of the input (the same input always gets the same
// vector), as floats or, for encoding_format "base64", as little-endian float32
// bytes in base64. Usage counts the inputs' words (or token ids). raw is the body req
// was decoded from: a member OpenAI does not know is refused (nil skips that check).
func (m *Mock) Embeddings(req *schema.EmbeddingsRequest, raw []byte, model string) (int, translate.Headers, []byte, *schema.Usage) {
	if e := unknownParams(raw, embeddingsParams[:]); e != nil {
		return e.Status, jsonHeader, e.JSON(), nil
	}
	inputs, tokens, e := embeddingInputs(req.Input)
	if e != nil {
		return e.Status, jsonHeader, e.JSON(), nil
	}
	for _, in := range inputs {
		if status, ok := errorStatus(in); ok {
			return errorReply(status)
		}
	}
	dims := DefaultDimensions
	if req.Dimensions != nil {
		dims = *req.Dimensions
		if dims < 1 || dims > MaxDimensions {
			e := translate.BadRequest("dimensions", "dimensions must be between 1 and "+strconv.Itoa(MaxDimensions))
			return e.Status, jsonHeader, e.JSON(), nil
		}
	}
	b64 := false
	switch req.EncodingFormat {
	case "", "float":
	case "base64":
		b64 = true
	default:
		e := translate.BadRequest("encoding_format", `encoding_format must be "float" or "base64"`)
		return e.Status, jsonHeader, e.JSON(), nil
	}
	if tokens == 0 {
		for _, in := range inputs {
			tokens += len(strings.Fields(in))
		}
	}
	resp := embeddingsList{Object: "list", Model: model, Data: make([]schema.Embedding, len(inputs)),
		Usage: embeddingsUsage{PromptTokens: tokens, TotalTokens: tokens}}
	for i, in := range inputs {
		resp.Data[i] = schema.Embedding{Object: "embedding", Index: i, Embedding: encodeVector(Vector(in, dims), b64)}
	}
	body, _ := json.Marshal(resp)
	return 200, jsonHeader, body, &schema.Usage{PromptTokens: tokens, TotalTokens: tokens}
}

// embeddingsList is OpenAI's embeddings list, whose usage has no completion tokens.
type embeddingsList struct {
	Object string             `json:"object"`
	Data   []schema.Embedding `json:"data"`
	Model  string             `json:"model"`
	Usage  embeddingsUsage    `json:"usage"`
}

type embeddingsUsage struct {
	PromptTokens int `json:"prompt_tokens"`
	TotalTokens  int `json:"total_tokens"`
}

// embeddingInputs returns the inputs as strings (token arrays as their JSON text)
// and, for token input, the number of token ids.
func embeddingInputs(in schema.Input) ([]string, int, *translate.Error) {
	if in.Tokens == nil {
		if len(in.Strings) == 0 {
			return nil, 0, translate.BadRequest("input", "input must not be empty")
		}
		return in.Strings, 0, nil
	}
	var many [][]int64
	if json.Unmarshal(in.Tokens, &many) != nil {
		var one []int64
		if json.Unmarshal(in.Tokens, &one) != nil {
			return nil, 0, translate.BadRequest("input", "input must be a string, an array of strings or an array of token ids")
		}
		many = [][]int64{one}
	}
	if len(many) == 0 {
		return nil, 0, translate.BadRequest("input", "input must not be empty")
	}
	out := make([]string, len(many))
	n := 0
	for i, ids := range many {
		b, _ := json.Marshal(ids)
		out[i] = string(b)
		n += len(ids)
	}
	return out, n, nil
}

// Vector returns the mock embedding of s: dims values, unit length, derived from an
// FNV-1a hash of s by a SplitMix64 sequence.
func Vector(s string, dims int) []float32 {
	h := fnv.New64a()
	h.Write([]byte(s))
	x := h.Sum64()
	v := make([]float64, dims)
	sum := 0.0
	for i := range v {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		z ^= z >> 31
		v[i] = float64(z>>11)/(1<<53)*2 - 1
		sum += v[i] * v[i]
	}
	norm := math.Sqrt(sum)
	out := make([]float32, dims)
	for i := range v {
		if norm > 0 {
			out[i] = float32(v[i] / norm)
		}
	}
	return out
}

// encodeVector writes v as a JSON array of numbers, or as a base64 string of its
// little-endian float32 bytes.
func encodeVector(v []float32, b64 bool) json.RawMessage {
	if b64 {
		raw := make([]byte, 4*len(v))
		for i, f := range v {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(f))
		}
		return json.RawMessage(`"` + base64.StdEncoding.EncodeToString(raw) + `"`)
	}
	b := make([]byte, 0, 12*len(v)+2)
	b = append(b, '[')
	for i, f := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(f), 'g', -1, 32)
	}
	return append(b, ']')
}
