package openai

import (
	"testing"
	"time"

	"github.com/franca-gw/franca/translate"
)

// TestKeyCarrier: each family's key goes where its API wants it, after translation, into
// the room the translator left (chat, embeddings and passthrough requests alike).
func TestKeyCarrier(t *testing.T) {
	tests := []struct {
		family string
		want   translate.Header
	}{
		{"openai", translate.Header{Name: "Authorization", Value: "Bearer sk-k"}},
		{"qwen", translate.Header{Name: "Authorization", Value: "Bearer sk-k"}},
		{"azure", translate.Header{Name: "api-key", Value: "sk-k"}},
	}
	chat := `{"model":"m","messages":[{"role":"user","content":"hi"}]}`
	for _, tc := range tests {
		t.Run(tc.family, func(t *testing.T) {
			tr := translatorFor(t, tc.family)
			tg := &translate.Target{BaseURL: "https://h/v1", Model: "m", Header: translate.Headers{{Name: "X-Team", Value: "blue"}}}
			c, err := tr.Request(mustChat(t, chat), []byte(chat), tg)
			if err != nil {
				t.Fatal(err)
			}
			e, err := tr.EmbeddingsRequest(mustEmb(t, `{"model":"e","input":"x"}`), []byte(`{"model":"e","input":"x"}`), tg)
			if err != nil {
				t.Fatal(err)
			}
			p, err := tr.Passthrough("POST", "/completions", "", translate.Headers{{Name: "Content-Type", Value: "application/json"}, {Name: "Accept", Value: "application/json"}}, []byte(`{"model":"m"}`), "m", tg)
			if err != nil {
				t.Fatal(err)
			}
			key := tr.KeyCarrier().StaticKey("sk-k")
			for _, r := range []*translate.Request{c, e, p} {
				n, before := cap(r.Header), append(translate.Headers(nil), r.Header...)
				if err := key.Apply(r, "", time.Time{}); err != nil {
					t.Fatal(err)
				}
				headersEqual(t, r.Header, append(before, tc.want))
				if cap(r.Header) != n {
					t.Fatalf("%s: no room left for the credential: %q", r.URL, before)
				}
			}
		})
	}
}
