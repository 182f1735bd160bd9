package anthropicfake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/anthropic"
	"github.com/franca-gw/franca/translate/schema"
)

func post(t *testing.T, url string, h map[string]string, body string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestResponderChecks(t *testing.T) {
	srv := fake.New(t, Responder("sk-ant-good"))
	ok := map[string]string{"x-api-key": "sk-ant-good", "anthropic-version": "2023-06-01", "content-type": "application/json"}
	tests := []struct {
		name   string
		path   string
		header map[string]string
		body   string
		status int
		typ    string
	}{
		{"wrong key", "/v1/messages", map[string]string{"x-api-key": "sk-ant-bad", "anthropic-version": "2023-06-01"}, `{}`, 401, "authentication_error"},
		{"no version", "/v1/messages", map[string]string{"x-api-key": "sk-ant-good"}, `{}`, 400, "invalid_request_error"},
		{"wrong path", "/v1/complete", ok, `{}`, 404, "not_found_error"},
		{"not JSON", "/v1/messages", ok, `{`, 400, "invalid_request_error"},
		{"no max_tokens", "/v1/messages", ok, `{"model":"c","messages":[{"role":"user","content":"Hi"}]}`, 400, "invalid_request_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(t, srv.URL+tt.path, tt.header, tt.body)
			var e struct {
				Type  string `json:"type"`
				Error struct {
					Type    string `json:"type"`
					Message string `json:"message"`
				} `json:"error"`
				RequestID string `json:"request_id"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || e.Type != "error" || e.Error.Type != tt.typ || e.Error.Message == "" || e.RequestID != RequestID {
				t.Fatalf("got %d %s", resp.StatusCode, body)
			}
			if resp.Header.Get("request-id") != RequestID || resp.Header.Get("content-type") != "application/json" {
				t.Fatalf("headers %v", resp.Header)
			}
		})
	}
}

// TestRoundTrip sends translated requests to the fake and translates its answers back.
func TestRoundTrip(t *testing.T) {
	srv := fake.New(t, Responder("sk-ant-good"))
	tr := anthropic.New()
	tg := &translate.Target{BaseURL: srv.URL, Model: "claude-x", Header: translate.Headers{{Name: "x-api-key", Value: "sk-ant-good"}}, Created: 1700000000}
	tools := `"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}}}}}]`
	tests := []struct {
		name string
		body string
		want string // a fragment of the translated answer
	}{
		{"text", `{"model":"m","messages":[{"role":"user","content":"Hi"}]}`, `"content":"` + ReplyText + `"`},
		{"text stream", `{"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true}`, `{"content":" deterministically."}`},
		{"tool call", `{"model":"m","messages":[{"role":"user","content":"Hi"}],` + tools + `}`,
			`"tool_calls":[{"id":"` + ToolUseID + `","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"fake\",\"days\":1}"}}]`},
		{"tool call stream", `{"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true,` + tools + `}`,
			`{"tool_calls":[{"index":0,"id":"` + ToolUseID + `","type":"function","function":{"name":"get_weather","arguments":""}}]}`},
		{"after a tool result", `{"model":"m","messages":[{"role":"user","content":"Hi"},{"role":"assistant","tool_calls":[{"id":"t1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},{"role":"tool","tool_call_id":"t1","content":"sunny"}],` + tools + `}`,
			`"content":"` + ReplyText + `"`},
		{"json emulation", `{"model":"m","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object","properties":{"ok":{"type":"boolean"}}}}}}`,
			`"content":"{\"ok\":true}"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req schema.ChatRequest
			if err := json.Unmarshal([]byte(tt.body), &req); err != nil {
				t.Fatal(err)
			}
			up, err := tr.Request(&req, []byte(tt.body), tg)
			if err != nil {
				t.Fatal(err)
			}
			h := map[string]string{}
			for _, f := range up.Header {
				h[f.Name] = f.Value
			}
			resp, body := post(t, up.URL, h, string(up.Body))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			var out []byte
			if up.Stream {
				if ct := resp.Header.Get("content-type"); ct != "text/event-stream; charset=utf-8" {
					t.Fatalf("content-type %q", ct)
				}
				s := tr.Stream(&req, tg)
				if out, err = s.Feed(nil, body); err == nil {
					out, err = s.End(out)
				}
				if !bytes.HasSuffix(out, []byte("data: [DONE]\n\n")) {
					t.Fatalf("stream did not end: %s", out)
				}
			} else {
				out, _, err = tr.Response(body, &req, tg)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(out, []byte(tt.want)) {
				t.Fatalf("answer lacks %s:\n%s", tt.want, out)
			}
		})
	}
}

func TestRecordedFixturesAreJSON(t *testing.T) {
	for _, m := range []string{TextMessage, ToolUseMessage, ThinkingMessage, CacheMessage, JSONToolMessage} {
		if !json.Valid([]byte(m)) {
			t.Errorf("not JSON: %s", m)
		}
	}
	for _, s := range []string{TextStream, ToolUseStream, ThinkingStream, ErrorStream, JSONStream, Stream("c", ReplyText)} {
		for _, ev := range strings.Split(strings.TrimSuffix(s, "\n\n"), "\n\n") {
			lines := strings.Split(ev, "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "event: ") || !strings.HasPrefix(lines[1], "data: ") {
				t.Fatalf("bad event %q", ev)
			}
			var v struct {
				Type string `json:"type"`
			}
			if err := json.Unmarshal([]byte(lines[1][6:]), &v); err != nil || v.Type != lines[0][7:] {
				t.Fatalf("event %q: type %q, %v", ev, v.Type, err)
			}
		}
	}
}
