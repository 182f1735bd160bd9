package openaifake

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"math"
	"strconv"
	"strings"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/translate/schema"
)

// FakeDimensions is the length of the fake's embeddings when dimensions is not given.
const FakeDimensions = 4

// FakeVector returns the fake's embedding of s: dims float32 values derived from an
// FNV hash of s.
func FakeVector(s string, dims int) []float32 {
	h := fnv.New64a()
	h.Write([]byte(s))
	x := h.Sum64()
	v := make([]float32, dims)
	for i := range v {
		x = x*6364136223846793005 + 1442695040888963407
		v[i] = float32(int64(x>>40)%2000-1000) / 1000
	}
	return v
}

func embeddings(body []byte) fake.Reply {
	var req schema.EmbeddingsRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return badRequest("We could not parse the JSON body of your request.", "")
	}
	inputs := req.Input.Strings
	if req.Input.Tokens != nil {
		inputs = []string{string(req.Input.Tokens)}
	}
	if len(inputs) == 0 {
		return badRequest("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", "")
	}
	dims := FakeDimensions
	if req.Dimensions != nil {
		dims = *req.Dimensions
	}
	var b strings.Builder
	b.WriteString(`{"object":"list","data":[`)
	tokens := 0
	for i, in := range inputs {
		tokens += len(strings.Fields(in))
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"object":"embedding","index":` + strconv.Itoa(i) + `,"embedding":`)
		v := FakeVector(in, dims)
		if req.EncodingFormat == "base64" {
			raw := make([]byte, 4*len(v))
			for j, f := range v {
				binary.LittleEndian.PutUint32(raw[4*j:], math.Float32bits(f))
			}
			b.WriteString(`"` + base64.StdEncoding.EncodeToString(raw) + `"`)
		} else {
			b.WriteByte('[')
			for j, f := range v {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.FormatFloat(float64(f), 'f', -1, 32))
			}
			b.WriteByte(']')
		}
		b.WriteByte('}')
	}
	b.WriteString(`],"model":` + quote(req.Model) + `,"usage":{"prompt_tokens":` + strconv.Itoa(tokens) +
		`,"total_tokens":` + strconv.Itoa(tokens) + `}}`)
	return withRateLimits(fake.Reply{Header: header("application/json"), Body: []byte(b.String())})
}

// onePixelPNG is a 1×1 transparent PNG, base64-encoded.
const onePixelPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="

func images(body []byte) fake.Reply {
	var req struct {
		Prompt         string `json:"prompt"`
		N              int    `json:"n"`
		ResponseFormat string `json:"response_format"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Prompt == "" {
		return badRequest("'prompt' is a required property", "prompt")
	}
	item := `{"revised_prompt":` + quote(req.Prompt) + `,"url":"https://fake.invalid/images/img-fake.png"}`
	if req.ResponseFormat == "b64_json" {
		item = `{"revised_prompt":` + quote(req.Prompt) + `,"b64_json":"` + onePixelPNG + `"}`
	}
	n := max(req.N, 1)
	items := strings.TrimSuffix(strings.Repeat(item+",", n), ",")
	return withRateLimits(fake.Reply{Header: header("application/json"),
		Body: []byte(`{"created":` + strconv.Itoa(Created) + `,"data":[` + items + `]}`)})
}

func moderations(body []byte) fake.Reply {
	var req struct {
		Input json.RawMessage `json:"input"`
		Model string          `json:"model"`
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.Input) == 0 {
		return badRequest("'input' is a required property", "input")
	}
	model := req.Model
	if model == "" {
		model = "omni-moderation-latest"
	}
	result := `{"flagged":false,"categories":{"harassment":false,"hate":false,"self-harm":false,"sexual":false,"violence":false},` +
		`"category_scores":{"harassment":0.0001,"hate":0.0001,"self-harm":0.0001,"sexual":0.0001,"violence":0.0001}}`
	return withRateLimits(fake.Reply{Header: header("application/json"),
		Body: []byte(`{"id":"modr-fake","model":` + quote(model) + `,"results":[` + result + `]}`)})
}
