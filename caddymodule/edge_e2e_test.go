package caddymodule_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/franca-gw/franca/internal/fake/openaifake"
)

// This file holds the end-to-end tests of the adapter's edge: what is decided before the
// body is read, who may read /v1/status, and the first-byte timeout.

// edgeRaw sends head and then the first sent bytes of a body on a fresh connection to
// Franca, and reads the answer without sending anything more. The deadline only keeps a
// broken server from hanging the test: a server that waits for the rest of the body
// never answers.
func edgeRaw(t *testing.T, f *franca, head, sent string) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(f.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, head+sent); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer while the body was still unsent: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestUnauthenticatedBodyIsNotRead: a request without a valid virtual key is answered
// 401 from its header alone, while most of its body is still unsent, and the connection
// is closed after the answer; nothing waits for (or buffers) the body, whether it is
// announced over the 2 KiB limit, under it, or chunked.
func TestUnauthenticatedBodyIsNotRead(t *testing.T) {
	f := start(t, basicConfig)
	host := strings.TrimPrefix(f.URL, "http://")
	first := `{"model":"mock-chat","messages":[{"role":"user","content":"` + strings.Repeat("x", 1000)
	missing := `{"error":{"message":"You didn't provide an API key. Send your Franca virtual key as 'Authorization: Bearer KEY'.","type":"invalid_request_error","param":null,"code":"missing_api_key"}}`
	invalid := `{"error":{"message":"Incorrect API key provided. Check the Franca virtual key you sent.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`
	disabled := `{"error":{"message":"The virtual key \"off\" is disabled.","type":"invalid_request_error","param":null,"code":"key_disabled"}}`
	cases := []struct {
		name, head, sent, want string
	}{
		{"no key, content-length",
			"POST /v1/chat/completions HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(10<<20) + "\r\n\r\n",
			first, missing},
		{"wrong key, chunked",
			"POST /v1/chat/completions HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer sk-wrong\r\nTransfer-Encoding: chunked\r\n\r\n",
			strconv.FormatInt(int64(len(first)), 16) + "\r\n" + first + "\r\n", invalid},
		{"disabled key, small content-length",
			"POST /v1/chat/completions HTTP/1.1\r\nHost: " + host + "\r\nApi-Key: sk-disabled\r\nContent-Length: 2000\r\n\r\n",
			first, disabled},
		{"no key, expect 100-continue",
			"POST /v1/chat/completions HTTP/1.1\r\nHost: " + host + "\r\nExpect: 100-continue\r\nContent-Length: " + strconv.Itoa(10<<20) + "\r\n\r\n",
			"", missing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := edgeRaw(t, f, c.head, c.sent)
			if resp.StatusCode != 401 || body != c.want || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("%d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if !resp.Close {
				t.Fatalf("the connection stays open with an unread body: %v", resp.Header)
			}
		})
	}
	// An accepted key's body is read as before; an oversized one still gets 413.
	if status, _, _ := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", rtChat("mock-chat")); status != 200 {
		t.Fatalf("an authenticated request: %d", status)
	}
}

// edgeStatusConfig has a provider whose key variable is not set, a key that may read
// /v1/status and one that may not.
const edgeStatusConfig = `
providers:
  - name: mock
    type: mock
  - name: claude
    type: anthropic
    keys: [{id: main, secret: "${FRANCA_EDGE_TEST_UNSET_KEY}"}]
models:
  - name: mock-chat
    targets: [{provider: mock}]
  - name: claude
    targets: [{provider: claude, model: claude-sonnet-4-5}]
virtual_keys:
  - name: ops
    hash: {{KEY_HASH}}
    permissions: [status]
  - name: app
    hash: sha256:` + limitedHash + `
`

// TestStatusIsAnAdminPermission: GET /v1/status answers only a key with permissions:
// [status]; another gets 403 permission_denied. No answer to a client names the
// environment variable a provider lacks; the admin API on localhost does.
func TestStatusIsAnAdminPermission(t *testing.T) {
	f := start(t, edgeStatusConfig)
	status, h, body := f.do(t, "GET", "/v1/status", "sk-limited", "", "")
	want := `{"error":{"message":"The virtual key \"app\" may not read /v1/status: it needs permissions: [status] in its configuration.","type":"permission_error","param":null,"code":"permission_denied"}}`
	if status != 403 || body != want || h.Get("Content-Type") != "application/json" {
		t.Fatalf("app: %d %s", status, body)
	}
	app := f.client(option.WithAPIKey("sk-limited"))
	if _, err := app.Models.List(context.Background()); err != nil {
		t.Fatalf("the app key still lists models: %v", err)
	}

	status, _, body = f.do(t, "GET", "/v1/status", testKey, "", "")
	wantStatus := `{"object":"franca.status","providers":[` +
		`{"name":"mock","type":"mock","keys":[{"id":"-","state":"ok","in_flight":0,"recent_requests":0,"error_rate":0,"ttfb_ms":0}]},` +
		`{"name":"claude","type":"anthropic","unavailable":"no usable credential","keys":[]}]}`
	if status != 200 || body != wantStatus {
		t.Fatalf("ops: %d %s", status, body)
	}

	// The 503 of a model served only by that provider, to either key.
	for _, key := range []string{testKey, "sk-limited"} {
		status, _, body = f.do(t, "POST", "/v1/chat/completions", key, "application/json", rtChat("claude"))
		want := `{"error":{"message":"model \"claude\": provider \"claude\" has no usable credential","type":"server_error","param":null,"code":"provider_unavailable"}}`
		if status != 503 || body != want {
			t.Fatalf("%d %s", status, body)
		}
	}
	for _, c := range []struct{ method, path, key, body string }{
		{"GET", "/v1/models", testKey, ""},
		{"GET", "/v1/models/claude", testKey, ""},
		{"POST", "/v1/chat/completions", testKey, `{"model":"claude","stream":true,"messages":[{"role":"user","content":"hi"}]}`},
		{"POST", "/v1/embeddings", testKey, `{"model":"claude","input":"hi"}`},
		{"POST", "/v1/chat/completions", "", rtChat("claude")},
	} {
		if _, _, body := f.do(t, c.method, c.path, c.key, "application/json", c.body); strings.Contains(body, "FRANCA_EDGE_TEST_UNSET_KEY") {
			t.Fatalf("%s %s names the variable: %s", c.method, c.path, body)
		}
	}

	// The operator's admin API says why.
	resp, err := http.Get(f.Admin + "/franca/status")
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(admin), `"unavailable":"no usable key: FRANCA_EDGE_TEST_UNSET_KEY is not set"`) {
		t.Fatalf("admin status: %s", admin)
	}
}

// edgeHung is a provider that takes requests and never answers: each request is
// announced on arrived, and on abandoned when Franca gives it up (closes the
// connection). It lets go of every request when the test ends.
type edgeHung struct {
	URL       string
	requests  atomic.Int32
	arrived   chan struct{}
	abandoned chan struct{}
}

func edgeNewHung(t *testing.T) *edgeHung {
	h := &edgeHung{arrived: make(chan struct{}, 16), abandoned: make(chan struct{}, 16)}
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		h.requests.Add(1)
		h.arrived <- struct{}{}
		select {
		case <-r.Context().Done():
			h.abandoned <- struct{}{}
		case <-release:
		}
	}))
	h.URL = srv.URL
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first
	return h
}

// edgeWait waits for one event on c; the guard only keeps a broken gateway from hanging
// the test.
func edgeWait(t *testing.T, what string, c chan struct{}) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(10 * time.Second):
		t.Fatalf("no event: %s", what)
	}
}

// TestFirstByteTimeout: a provider that sends no response header within its
// first_byte_timeout (200ms) is given up, counted as a failure of its key, and the next
// target answers, whole or streamed. The first target's whole-call timeout (10m, the
// default) would have held the client for ten minutes.
func TestFirstByteTimeout(t *testing.T) {
	hung := edgeNewHung(t)
	u := rtNew(t, rtOpenAI, "bravo")
	f := start(t, `
providers:
  - name: hung
    type: openai
    base_url: `+hung.URL+`/v1
    first_byte_timeout: 200ms
    keys: [{id: stuck, secret: sk-rt-stuck`+rtSecretTail+`}]
  - name: second
    type: openai
    base_url: `+u.URL+`/v1
    keys: `+rtKeys("bravo")+`
models:
  - name: m
    targets:
      - {provider: hung, model: gpt-4o-mini}
      - {provider: second, model: gpt-4o-mini}
  - name: only-hung
    targets: [{provider: hung, model: gpt-4o-mini}]
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
    permissions: [status]
routing: {breaker_failures: 10, max_attempts: 2, backoff: 1ms, max_backoff: 1ms}
`)
	c := f.client()
	params := openai.ChatCompletionNewParams{Model: "m", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}
	res, err := c.Chat.Completions.New(context.Background(), params)
	if err != nil || res.Choices[0].Message.Content != openaifake.FakeText {
		t.Fatalf("whole: %v %+v", err, res)
	}
	edgeWait(t, "the hung provider got the first request", hung.arrived)
	edgeWait(t, "Franca gave the first request up", hung.abandoned)

	acc, _ := oaAccumulate(t, c.Chat.Completions.NewStreaming(context.Background(), params))
	if acc.Choices[0].Message.Content != openaifake.FakeText {
		t.Fatalf("stream: %+v", acc)
	}
	edgeWait(t, "the hung provider got the second request", hung.arrived)
	edgeWait(t, "Franca gave the second request up", hung.abandoned)
	if n := hung.requests.Load(); n != 2 {
		t.Fatalf("the hung provider got %d requests", n)
	}
	rtWant(t, "second target", u, "bravo=2")
	if k := rtAPIStatus(t, f).key(t, "hung", "stuck"); k.State != "ok" || k.Recent != 2 || k.ErrorRate != 1 {
		t.Fatalf("a first-byte timeout counts as a failure of the key: %+v", k)
	}

	// With no other target, both attempts time out and the client is told so.
	status, h, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", rtChat("only-hung"))
	want := `{"error":{"message":"provider \"hung\" sent no response within 200ms (its first_byte_timeout)","type":"server_error","param":null,"code":"upstream_timeout"}}`
	if status != 504 || body != want || h.Get("Content-Type") != "application/json" {
		t.Fatalf("only the hung provider: %d %s", status, body)
	}
	for i := 0; i < 2; i++ {
		edgeWait(t, "an attempt on the hung provider", hung.arrived)
		edgeWait(t, "Franca gave it up", hung.abandoned)
	}
	if n := hung.requests.Load(); n != 4 {
		t.Fatalf("the hung provider got %d requests, want 2 more", n)
	}
}

// TestFirstByteTimeoutEndsWithTheHeader: once the response header has come, the
// first-byte timeout no longer applies: a stream whose next event comes after twice the
// timeout is passed on whole.
func TestFirstByteTimeoutEndsWithTheHeader(t *testing.T) {
	const timeout = 200 * time.Millisecond
	full := openaifake.StreamTextUsage
	cut := strings.Index(full, "\n\n") + 2
	cutOff := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		io.WriteString(w, full[:cut])
		http.NewResponseController(w).Flush()
		select {
		case <-r.Context().Done():
			cutOff <- struct{}{}
			return
		case <-time.After(2 * timeout):
		}
		io.WriteString(w, full[cut:])
	}))
	t.Cleanup(srv.Close)
	f := start(t, `
providers:
  - name: p
    type: openai
    base_url: `+srv.URL+`/v1
    first_byte_timeout: `+timeout.String()+`
    keys: [{id: alpha, secret: sk-rt-alpha`+rtSecretTail+`}]
models:
  - name: m
    targets: [{provider: p, model: gpt-4o-mini}]
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
`)
	status, body := pvRawStream(t, f, `{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`)
	select {
	case <-cutOff:
		t.Fatalf("the stream was cut after its header: %d %s", status, body)
	default:
	}
	if status != 200 || !strings.HasSuffix(body, "data: [DONE]\n\n") || strings.Contains(body, `"error"`) {
		t.Fatalf("%d %s", status, body)
	}
}
