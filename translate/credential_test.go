package translate

import (
	"reflect"
	"testing"
	"time"
)

func TestStaticKey(t *testing.T) {
	now := time.Unix(1700000000, 0)
	base := func() *Request {
		h := make(Headers, 1, 2)
		h[0] = Header{Name: "Content-Type", Value: "application/json"}
		return &Request{Method: "POST", URL: "https://h/v1/x", Header: h, Body: []byte("{}")}
	}
	tests := []struct {
		name    string
		carrier KeyCarrier
		secret  string
		url     string
		header  Headers
	}{
		{"bearer", KeyCarrier{Header: "Authorization", Prefix: "Bearer "}, "sk-1", "https://h/v1/x",
			Headers{{"Content-Type", "application/json"}, {"Authorization", "Bearer sk-1"}}},
		{"plain field", KeyCarrier{Header: "x-api-key"}, "sk-ant", "https://h/v1/x",
			Headers{{"Content-Type", "application/json"}, {"x-api-key", "sk-ant"}}},
		{"query", KeyCarrier{Query: "key"}, "AIza k&=", "https://h/v1/x?key=AIza+k%26%3D",
			Headers{{"Content-Type", "application/json"}}},
		{"no secret", KeyCarrier{Header: "Authorization", Prefix: "Bearer "}, "", "https://h/v1/x",
			Headers{{"Content-Type", "application/json"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.carrier.StaticKey(tc.secret)
			if c.Token() != "" {
				t.Fatalf("a static key needs token %q", c.Token())
			}
			r := base()
			if err := c.Apply(r, "", now); err != nil {
				t.Fatal(err)
			}
			if r.URL != tc.url || !reflect.DeepEqual(r.Header, tc.header) || r.Method != "POST" || string(r.Body) != "{}" {
				t.Fatalf("got %s %s %q %s", r.Method, r.URL, r.Header, r.Body)
			}
		})
	}
	// A query key joins a URL's own query with "&".
	r := &Request{URL: "https://h/x?alt=sse"}
	if err := (KeyCarrier{Query: "key"}).StaticKey("k").Apply(r, "", now); err != nil || r.URL != "https://h/x?alt=sse&key=k" {
		t.Fatalf("URL %s, %v", r.URL, err)
	}
}

// TestStaticKeyAllocs: a header key goes into the room translators leave, without
// allocating.
func TestStaticKeyAllocs(t *testing.T) {
	c := KeyCarrier{Header: "Authorization", Prefix: "Bearer "}.StaticKey("sk-1")
	h := make(Headers, 1, 2)
	r := &Request{Header: h}
	n := testing.AllocsPerRun(100, func() {
		r.Header = h
		_ = c.Apply(r, "", time.Time{})
	})
	if n != 0 {
		t.Fatalf("%v allocations per Apply", n)
	}
}
