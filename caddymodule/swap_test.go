package caddymodule

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/openaifake"
)

const swapKey = "sk-franca-swap-test-0123"

// swapConfig serves model m from provider p with the keys given ("id:secret").
func swapConfig(url string, keys ...string) string {
	var ks []string
	for _, k := range keys {
		id, secret, _ := strings.Cut(k, ":")
		ks = append(ks, `{"id":"`+id+`","secret":"`+secret+`"}`)
	}
	return `{"providers":[{"name":"p","type":"openai","base_url":"` + url + `/v1","keys":[` + strings.Join(ks, ",") + `]}],
"models":[{"name":"m","targets":[{"provider":"p","model":"gpt-4o-mini"}]}],
"virtual_keys":[{"name":"t","hash":"` + config.HashKey(swapKey) + `"}]}`
}

// TestSetGatewayKeepsInFlightRequests: a gateway swapped in serves the requests that
// start after it; a request in flight finishes on the gateway it started with, its
// retry included, although the new configuration no longer has that key.
func TestSetGatewayKeepsInFlightRequests(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	arrived, release := make(chan struct{}), make(chan struct{})
	// A fake of its own: the first request waits for release while others go on.
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		mu.Lock()
		seen = append(seen, key)
		first := len(seen) == 1
		mu.Unlock()
		if first {
			close(arrived)
			<-release
			fake.Write(w, openaifake.JSONReply(429, openaifake.ErrRateLimit))
			return
		}
		body, _ := io.ReadAll(r.Body)
		fake.Write(w, openaifake.Responder("/v1", key)(&fake.Recorded{Method: r.Method, Path: r.URL.Path, Header: r.Header, Body: body}))
	}))
	defer up.Close()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	h := &Handler{Config: json.RawMessage(swapConfig(up.URL, "k1:sk-one", "k2:sk-two"))}
	if err := h.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	cleaned := false
	t.Cleanup(func() {
		if !cleaned {
			h.Cleanup() // a failed test leaves no admin entry behind for the others
		}
	})
	send := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
		req.Header.Set("Authorization", "Bearer "+swapKey)
		w := httptest.NewRecorder()
		if err := h.ServeHTTP(w, req, nil); err != nil {
			t.Error(err)
		}
		return w
	}
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- send() }()
	<-arrived

	cfg, err := config.Load([]byte(swapConfig(up.URL, "k3:sk-three")), nil)
	if err != nil {
		t.Fatal(err)
	}
	old := h.gw.Load()
	g, err := h.NewGateway(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.SetGateway(g)
	if w := send(); w.Code != http.StatusOK {
		t.Fatalf("new request: %d %s", w.Code, w.Body)
	}
	close(release)
	if w := <-done; w.Code != http.StatusOK {
		t.Fatalf("request in flight: %d %s", w.Code, w.Body)
	}
	mu.Lock()
	got := strings.Join(seen, " ")
	mu.Unlock()
	if got != "sk-one sk-three sk-two" {
		t.Fatalf("upstream keys %q", got)
	}
	if h.gw.Load() != g || old == g {
		t.Fatal("the handler does not hold the new gateway")
	}
	st := h.status()
	if len(st.Providers) != 1 || len(st.Providers[0].Keys) != 1 || st.Providers[0].Keys[0].ID != "k3" {
		t.Fatalf("status %+v", st)
	}
	if s := h.admin.summary; len(s.Providers) != 1 || strings.Join(s.Providers[0].KeyIDs, " ") != "k3" {
		t.Fatalf("admin summary %+v", s)
	}
	// The swap took no extra use of the admin entry: Cleanup removes it.
	h.Cleanup()
	cleaned = true
	if n, ok := loaded.References(h.entry); ok || n != 0 {
		t.Fatalf("admin entry left with %d references", n)
	}
}
