package geminifake_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/geminifake"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/gemini"
	"github.com/franca-gw/franca/translate/schema"
)

const key = "AIzaFAKEKEY"

// send performs a translated request against the fake.
func send(t *testing.T, r *translate.Request) (*http.Response, []byte) {
	t.Helper()
	hr, err := http.NewRequest(r.Method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range r.Header {
		hr.Header.Add(h.Name, h.Value)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func setup(t *testing.T, k string) (*fake.Server, *translate.Target) {
	srv := fake.New(t, geminifake.Responder(key))
	return srv, &translate.Target{BaseURL: srv.URL, Model: "gemini-2.5-flash", Header: translate.Headers{{Name: "x-goog-api-key", Value: k}}, Created: 1}
}

func chat(t *testing.T, body string) *schema.ChatRequest {
	var r schema.ChatRequest
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func TestChat(t *testing.T) {
	tests := []struct {
		name, req, content, finish string
		toolCall                   string
	}{
		{"text", `{"model":"m","messages":[{"role":"user","content":"hi there"}]}`,
			"Hello from the Gemini fake. You said: hi there", "stop", ""},
		{"json", `{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}}`,
			`{"answer":"fake","ok":true}`, "stop", ""},
		{"tool call", `{"model":"m","messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"get_weather",
			"parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"},"unit":{"type":"string","enum":["c","f"]}},"required":["city","days","unit"]}}}]}`,
			"", "tool_calls", `get_weather {"city":"test","days":1,"unit":"c"}`},
		{"tool_choice none", `{"model":"m","messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"none"}`,
			"Hello from the Gemini fake. You said: weather?", "stop", ""},
		{"after tool result", `{"model":"m","messages":[{"role":"user","content":"weather?"},
			{"role":"assistant","tool_calls":[{"id":"call_0_0","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},
			{"role":"tool","tool_call_id":"call_0_0","content":"sunny"}],"tools":[{"type":"function","function":{"name":"get_weather"}}]}`,
			"Tool results received: get_weather", "stop", ""},
	}
	for _, tc := range tests {
		for _, stream := range []bool{false, true} {
			name := tc.name
			if stream {
				name += " stream"
			}
			t.Run(name, func(t *testing.T) {
				srv, tg := setup(t, key)
				req := chat(t, tc.req)
				req.Stream = stream
				tr := gemini.New()
				up, err := tr.Request(req, nil, tg)
				if err != nil {
					t.Fatal(err)
				}
				resp, body := send(t, up)
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, body)
				}
				if last := srv.Last(t); last.Header.Get("x-goog-api-key") != key || !strings.HasSuffix(last.Path, "gemini-2.5-flash:"+map[bool]string{false: "generateContent", true: "streamGenerateContent"}[stream]) {
					t.Fatalf("recorded %+v", last)
				}
				var msg schema.Message
				var finish string
				if stream {
					if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
						t.Fatalf("content-type %q", ct)
					}
					if !bytes.HasSuffix(body, []byte("\r\n\r\n")) {
						t.Fatalf("stream not CRLF framed: %q", body)
					}
					msg, finish = collect(t, tr.Stream(req, tg), body)
				} else {
					out, _, err := tr.Response(body, req, tg)
					if err != nil {
						t.Fatal(err)
					}
					var cr schema.ChatResponse
					if err := json.Unmarshal(out, &cr); err != nil {
						t.Fatal(err)
					}
					msg, finish = cr.Choices[0].Message, cr.Choices[0].FinishReason
				}
				if msg.Content.String() != tc.content || finish != tc.finish {
					t.Fatalf("content %q finish %q, want %q %q", msg.Content.String(), finish, tc.content, tc.finish)
				}
				if tc.toolCall != "" {
					if len(msg.ToolCalls) != 1 {
						t.Fatalf("tool calls %+v", msg.ToolCalls)
					}
					if got := msg.ToolCalls[0].Function.Name + " " + msg.ToolCalls[0].Function.Arguments; got != tc.toolCall {
						t.Fatalf("tool call %s, want %s", got, tc.toolCall)
					}
				}
			})
		}
	}
}

// collect runs a stream through the transcoder and gathers choice 0.
func collect(t *testing.T, s translate.Stream, body []byte) (schema.Message, string) {
	t.Helper()
	out, err := s.Feed(nil, body)
	if err == nil {
		out, err = s.End(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(out, []byte("data: [DONE]\n\n")) {
		t.Fatalf("no [DONE]: %s", out)
	}
	var msg schema.Message
	var text strings.Builder
	finish := ""
	for _, ev := range bytes.Split(out, []byte("\n\n")) {
		data, ok := bytes.CutPrefix(ev, []byte("data: "))
		if !ok || string(data) == "[DONE]" {
			continue
		}
		var c schema.ChatChunk
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatalf("%v: %s", err, data)
		}
		for _, ch := range c.Choices {
			if ch.Delta.Content != nil {
				text.WriteString(*ch.Delta.Content)
			}
			msg.ToolCalls = append(msg.ToolCalls, ch.Delta.ToolCalls...)
			if ch.FinishReason != nil {
				finish = *ch.FinishReason
			}
		}
	}
	msg.Content = schema.TextContent(text.String())
	return msg, finish
}

func TestBadKey(t *testing.T) {
	_, tg := setup(t, "wrong")
	tr := gemini.New()
	up, _ := tr.Request(chat(t, `{"model":"m","messages":[{"role":"user","content":"x"}]}`), nil, tg)
	resp, body := send(t, up)
	if resp.StatusCode != 400 || string(body) != geminifake.ErrorAPIKeyInvalid {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
	e := tr.Error(resp.StatusCode, resp.Header, body)
	if e.Status != 401 || e.Code != "invalid_api_key" {
		t.Fatalf("mapped to %+v", e)
	}
}

func TestFakeChecks(t *testing.T) {
	srv, _ := setup(t, key)
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", `{"contents":[{"role":"user","parts":[{"text":"x"}]}]}`, 400},
		{"POST", "/v1/models/gemini-2.5-flash:generateContent", `{}`, 404},
		{"GET", "/v1beta/models/gemini-2.5-flash:generateContent", ``, 404},
		{"POST", "/v1beta/models/gemini-2.5-flash:countTokens", `{}`, 404},
		{"POST", "/v1beta/models/gemini-2.5-flash:generateContent", `{"contents":[]}`, 400},
		{"POST", "/v1beta/models/gemini-2.5-flash:generateContent", `nope`, 400},
	} {
		hr, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
		hr.Header.Set("x-goog-api-key", key)
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !json.Valid(body) {
			t.Errorf("%s %s: status %d body %s", tc.method, tc.path, resp.StatusCode, body)
		}
	}
}

func TestEmbeddings(t *testing.T) {
	_, tg := setup(t, key)
	tg.Model = "gemini-embedding-001"
	tr := gemini.New()
	var req schema.EmbeddingsRequest
	json.Unmarshal([]byte(`{"model":"emb","input":["abc","hello"],"dimensions":3}`), &req)
	up, err := tr.EmbeddingsRequest(&req, nil, tg)
	if err != nil {
		t.Fatal(err)
	}
	resp, body := send(t, up)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	out, _, err := tr.EmbeddingsResponse(body, &req, tg)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Data []struct {
			Index     int       `json:"index"`
			Embedding []float64 `json:"embedding"`
		} `json:"data"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatal(err)
	}
	for i, text := range []string{"abc", "hello"} {
		d := list.Data[i]
		if d.Index != i || len(d.Embedding) != 3 {
			t.Fatalf("data[%d] = %+v", i, d)
		}
		for j, v := range d.Embedding {
			if v != geminifake.Value(len(text), j) {
				t.Fatalf("data[%d][%d] = %v, want %v", i, j, v, geminifake.Value(len(text), j))
			}
		}
	}
}

func TestCandidatesAndThoughts(t *testing.T) {
	_, tg := setup(t, key)
	tr := gemini.New()
	req := chat(t, `{"model":"m","n":2,"reasoning_effort":"low","messages":[{"role":"user","content":"hi"}]}`)
	up, _ := tr.Request(req, nil, tg)
	_, body := send(t, up)
	out, u, err := tr.Response(body, req, tg)
	if err != nil {
		t.Fatal(err)
	}
	var cr schema.ChatResponse
	json.Unmarshal(out, &cr)
	if len(cr.Choices) != 2 || cr.Choices[1].Index != 1 || cr.Choices[0].Message.ReasoningContent != "Thinking it over." {
		t.Fatalf("response %s", out)
	}
	if u.ReasoningTokens() != 6 || u.CompletionTokens != 2*8+6 {
		t.Fatalf("usage %+v", u)
	}
}
