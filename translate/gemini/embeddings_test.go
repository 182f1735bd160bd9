package gemini

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/franca-gw/franca/internal/fake/geminifake"
	"github.com/franca-gw/franca/translate/schema"
)

func embeddingsRequest(t *testing.T, body string) *schema.EmbeddingsRequest {
	t.Helper()
	var r schema.EmbeddingsRequest
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func TestEmbeddingsRequest(t *testing.T) {
	tests := []struct {
		name, model, in, wantURL, want string
	}{
		{"single", "gemini-embedding-001", `{"model":"emb","input":"hello"}`,
			"https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents",
			`{"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"hello"}]}}]}`},
		{"list with dimensions", "models/text-embedding-004", `{"model":"emb","input":["a","b \"c\""],"dimensions":256,"encoding_format":"float","user":"u"}`,
			"https://generativelanguage.googleapis.com/v1beta/models/text-embedding-004:batchEmbedContents",
			`{"requests":[{"model":"models/text-embedding-004","content":{"parts":[{"text":"a"}]},"outputDimensionality":256},
			              {"model":"models/text-embedding-004","content":{"parts":[{"text":"b \"c\""}]},"outputDimensionality":256}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := target()
			tg.Model = tc.model
			r, err := New().EmbeddingsRequest(embeddingsRequest(t, tc.in), []byte(tc.in), tg)
			if err != nil {
				t.Fatal(err)
			}
			if r.URL != tc.wantURL || r.Method != "POST" || r.Stream {
				t.Fatalf("got %s %s", r.Method, r.URL)
			}
			if len(r.Header) != 2 || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-Team") != "blue" {
				t.Fatalf("header = %v", r.Header)
			}
			jsonEqual(t, r.Body, tc.want)
		})
	}
}

func TestEmbeddingsRequestErrors(t *testing.T) {
	for _, tc := range []struct{ in, param string }{
		{`{"model":"e","input":[1,2,3]}`, "input"},
		{`{"model":"e","input":[[1,2],[3]]}`, "input"},
		{`{"model":"e","input":[]}`, "input"},
		{`{"model":"e","input":"x","encoding_format":"int8"}`, "encoding_format"},
		{`{"model":"e","input":"x","dimensions":0}`, "dimensions"},
	} {
		_, err := New().EmbeddingsRequest(embeddingsRequest(t, tc.in), nil, target())
		wantError(t, err, 400, tc.param, "")
	}
}

func TestEmbeddingsResponse(t *testing.T) {
	tg := target()
	tg.Model = "gemini-embedding-001"
	req := embeddingsRequest(t, `{"model":"emb","input":["a","b"]}`)
	got, u, err := New().EmbeddingsResponse([]byte(geminifake.ResponseEmbeddings), req, tg)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, got, `{"object":"list","data":[
		{"object":"embedding","index":0,"embedding":[0.013168523,-0.008711934,-0.046782676]},
		{"object":"embedding","index":1,"embedding":[-0.0123,0.5,1e-05]}],
		"model":"gemini-embedding-001","usage":{"prompt_tokens":0,"total_tokens":0}}`)
	if !reflect.DeepEqual(u, &schema.Usage{}) {
		t.Fatalf("usage = %+v", u)
	}

	req.EncodingFormat = "base64"
	got, _, err = New().EmbeddingsResponse([]byte(geminifake.ResponseEmbeddings), req, tg)
	if err != nil {
		t.Fatal(err)
	}
	var list schema.EmbeddingsResponse
	if err := json.Unmarshal(got, &list); err != nil {
		t.Fatal(err)
	}
	var s string
	if err := json.Unmarshal(list.Data[1].Embedding, &s); err != nil {
		t.Fatalf("base64 embedding is not a string: %s", list.Data[1].Embedding)
	}
	raw, _ := base64.StdEncoding.DecodeString(s)
	var fs []float32
	for i := 0; i+4 <= len(raw); i += 4 {
		fs = append(fs, math.Float32frombits(binary.LittleEndian.Uint32(raw[i:])))
	}
	if want := []float32{-0.0123, 0.5, 1e-05}; !reflect.DeepEqual(fs, want) {
		t.Fatalf("decoded %v, want %v", fs, want)
	}

	for _, body := range []string{`{}`, `{"embeddings":[{"values":[1]}]}`, `{"embeddings":[{},{}]}`, `nope`} {
		_, _, err := New().EmbeddingsResponse([]byte(body), req, tg)
		wantError(t, err, 502, "", "bad_upstream_response")
	}
}
