package openaifake_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/openaifake"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/openai"
	"github.com/franca-gw/franca/translate/schema"
)

// send performs an upstream request the way an adapter would.
func send(t *testing.T, r *translate.Request) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(r.Method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range r.Header {
		req.Header.Add(h.Name, h.Value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

func decode(t *testing.T, raw string) *schema.ChatRequest {
	t.Helper()
	var r schema.ChatRequest
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func TestOpenAIChatRoundTrip(t *testing.T) {
	srv := fake.New(t, openaifake.Responder("/v1", "sk-good"))
	tr, _ := openai.New("")
	tg := &translate.Target{BaseURL: srv.URL + "/v1", Model: "gpt-4o-mini", Header: translate.Headers{{Name: "Authorization", Value: "Bearer " + "sk-good"}}}
	raw := `{"model":"public","messages":[{"role":"user","content":"hello there"}]}`
	up, err := tr.Request(decode(t, raw), []byte(raw), tg)
	if err != nil {
		t.Fatal(err)
	}
	status, h, body := send(t, up)
	if status != 200 || h.Get("x-ratelimit-reset-tokens") != "6m0s" || h.Get("x-ratelimit-reset-requests") != "1s" {
		t.Fatalf("%d %v %s", status, h, body)
	}
	if got := srv.Last(t); got.Path != "/v1/chat/completions" || !strings.Contains(string(got.Body), `"model":"gpt-4o-mini"`) {
		t.Fatalf("recorded %+v %s", got, got.Body)
	}
	out, u, err := tr.Response(body, nil, tg)
	if err != nil || !bytes.Equal(out, body) {
		t.Fatal(err)
	}
	if u == nil || u.PromptTokens != 2 || u.CompletionTokens != 9 || u.TotalTokens != 11 {
		t.Fatalf("usage %+v", u)
	}
	var resp schema.ChatResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.Choices[0].Message.Content.Text != openaifake.FakeText {
		t.Fatalf("%s", out)
	}
}

func TestOpenAIWrongKey(t *testing.T) {
	srv := fake.New(t, openaifake.Responder("/v1", "sk-good"))
	tr, _ := openai.New("")
	raw := `{"model":"m","messages":[{"role":"user","content":"x"}]}`
	up, _ := tr.Request(decode(t, raw), []byte(raw), &translate.Target{BaseURL: srv.URL + "/v1", Model: "m", Header: translate.Headers{{Name: "Authorization", Value: "Bearer " + "sk-wrong-key-123456"}}})
	status, h, body := send(t, up)
	wantBody := "{\n    \"error\": {\n        \"message\": \"Incorrect API key provided: sk-************3456. You can find your API key at https://platform.openai.com/account/api-keys.\",\n        \"type\": \"invalid_request_error\",\n        \"param\": null,\n        \"code\": \"invalid_api_key\"\n    }\n}\n"
	if status != 401 || string(body) != wantBody {
		t.Fatalf("%d %q", status, body)
	}
	e := tr.Error(status, h, body)
	if string(e.JSON()) != `{"error":{"message":"Incorrect API key provided: [redacted]. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}` {
		t.Fatalf("%s", e.JSON())
	}
}

func TestOpenAIStreamStripsUsage(t *testing.T) {
	srv := fake.New(t, openaifake.Responder("/v1", "k"))
	tr, _ := openai.New("")
	tg := &translate.Target{BaseURL: srv.URL + "/v1", Model: "gpt-4o", Header: translate.Headers{{Name: "Authorization", Value: "Bearer " + "k"}}}
	// What the fake streams to a client that does not ask for usage.
	plain := `{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"what is the weather"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city","days"]}}}]}`
	_, _, want := send(t, &translate.Request{Method: "POST", URL: tg.BaseURL + "/chat/completions",
		Header: translate.Headers{{Name: "Authorization", Value: "Bearer k"}}, Body: []byte(plain)})
	if strings.Contains(string(want), "usage") || !strings.Contains(string(want), `"finish_reason":"tool_calls"`) {
		t.Fatalf("fake stream: %s", want)
	}
	req := decode(t, plain)
	up, err := tr.Request(req, []byte(plain), tg)
	if err != nil {
		t.Fatal(err)
	}
	status, h, body := send(t, up)
	if status != 200 || !strings.HasPrefix(h.Get("content-type"), "text/event-stream") || !strings.Contains(string(body), `"usage":{`) {
		t.Fatalf("%d %v %s", status, h, body)
	}
	s := tr.Stream(req, tg)
	out, err := s.Feed(nil, body)
	if err == nil {
		out, err = s.End(out)
	}
	if err != nil || !bytes.Equal(out, want) {
		t.Fatalf("err %v\n got %s\nwant %s", err, out, want)
	}
	if u := s.Usage(); u == nil || u.PromptTokens != 4 || u.CompletionTokens != 1 {
		t.Fatalf("usage %+v", u)
	}
}

func TestOpenAIRateLimitedAndPassthrough(t *testing.T) {
	srv := fake.New(t, openaifake.Responder("/v1", "k"))
	tr, _ := openai.New("")
	tg := &translate.Target{BaseURL: srv.URL + "/v1", Model: "gpt-4o", Header: translate.Headers{{Name: "Authorization", Value: "Bearer " + "k"}}}
	srv.Enqueue(openaifake.RateLimited())
	raw := `{"model":"m","messages":[{"role":"user","content":"x"}]}`
	up, _ := tr.Request(decode(t, raw), []byte(raw), tg)
	status, h, body := send(t, up)
	e := tr.Error(status, h, body)
	if e.Status != 429 || e.RetryAfter != "1" || e.Code != "rate_limit_exceeded" {
		t.Fatalf("%+v", e)
	}
	for _, c := range []struct{ method, path, body, want string }{
		{"POST", "/images/generations", `{"model":"x","prompt":"a cat","response_format":"b64_json"}`, `"b64_json":"iVBOR`},
		{"POST", "/moderations", `{"input":"hello"}`, `"flagged":false`},
		{"GET", "/files", ``, `"file-abc123"`},
		{"POST", "/assistants", `{}`, `Invalid URL (POST /v1/assistants)`},
	} {
		hdr := translate.Headers{{Name: "Content-Type", Value: "application/json"}, {Name: "Authorization", Value: "Bearer client-key"}}
		up, err := tr.Passthrough(c.method, c.path, "", hdr, []byte(c.body), "gpt-image-1", tg)
		if err != nil {
			t.Fatal(err)
		}
		_, _, body := send(t, up)
		if !strings.Contains(string(body), c.want) {
			t.Errorf("%s %s: %s", c.method, c.path, body)
		}
	}
	if got := srv.Last(t); got.Header.Get("Authorization") != "Bearer k" {
		t.Fatalf("client key leaked: %v", got.Header)
	}
}

func TestEmbeddingsRoundTrip(t *testing.T) {
	srv := fake.New(t, openaifake.Responder("/v1", "k"))
	tr, _ := openai.New("")
	tg := &translate.Target{BaseURL: srv.URL + "/v1", Model: "text-embedding-3-small", Header: translate.Headers{{Name: "Authorization", Value: "Bearer " + "k"}}}
	raw := `{"model":"e","input":["one two","three"],"dimensions":3}`
	var req schema.EmbeddingsRequest
	json.Unmarshal([]byte(raw), &req)
	up, _ := tr.EmbeddingsRequest(&req, []byte(raw), tg)
	status, _, body := send(t, up)
	out, u, err := tr.EmbeddingsResponse(body, &req, tg)
	if status != 200 || err != nil || u.PromptTokens != 3 {
		t.Fatalf("%d %s %v %+v", status, out, err, u)
	}
	var resp schema.EmbeddingsResponse
	if json.Unmarshal(out, &resp) != nil || len(resp.Data) != 2 || resp.Model != "text-embedding-3-small" {
		t.Fatalf("%s", out)
	}
}

func TestAzure(t *testing.T) {
	srv := fake.New(t, openaifake.AzureResponder("az-key"))
	tr := openai.NewAzure()
	tg := &translate.Target{BaseURL: srv.URL, Model: "my-gpt4o", Header: translate.Headers{{Name: "api-key", Value: "az-key"}}}
	t.Run("stream with the prompt-filter chunk", func(t *testing.T) {
		raw := `{"model":"x","stream":true,"messages":[{"role":"user","content":"hi"}]}`
		req := decode(t, raw)
		up, _ := tr.Request(req, []byte(raw), tg)
		status, _, body := send(t, up)
		got := srv.Last(t)
		if status != 200 || got.Path != "/openai/deployments/my-gpt4o/chat/completions" || got.RawQuery != "api-version=2024-10-21" {
			t.Fatalf("%d %+v", status, got)
		}
		s := tr.Stream(req, tg)
		out, _ := s.Feed(nil, body)
		out, err := s.End(out)
		if err != nil || !strings.HasPrefix(string(out), `data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":`) ||
			strings.Contains(string(out), "usage") || !strings.HasSuffix(string(out), "data: [DONE]\n\n") {
			t.Fatalf("%v %s", err, out)
		}
		if u := s.Usage(); u == nil || u.TotalTokens == 0 {
			t.Fatal("no usage")
		}
	})
	t.Run("content filter error", func(t *testing.T) {
		raw := `{"model":"x","messages":[{"role":"user","content":"azure:content_filter"}]}`
		up, _ := tr.Request(decode(t, raw), []byte(raw), tg)
		status, h, body := send(t, up)
		e := tr.Error(status, h, body)
		if e.Status != 400 || e.Code != "content_filter" || e.Param != "prompt" || e.Type != translate.TypeInvalidRequest {
			t.Fatalf("%+v", e)
		}
	})
	t.Run("filtered completion passes", func(t *testing.T) {
		raw := `{"model":"x","messages":[{"role":"user","content":"azure:filtered"}]}`
		up, _ := tr.Request(decode(t, raw), []byte(raw), tg)
		_, _, body := send(t, up)
		out, _, err := tr.Response(body, nil, tg)
		if err != nil || !strings.Contains(string(out), `"finish_reason":"content_filter"`) {
			t.Fatalf("%v %s", err, out)
		}
	})
	t.Run("wrong key and missing api-version", func(t *testing.T) {
		raw := `{"model":"x","messages":[{"role":"user","content":"x"}]}`
		up, _ := tr.Request(decode(t, raw), []byte(raw), &translate.Target{BaseURL: srv.URL, Model: "d", Header: translate.Headers{{Name: "api-key", Value: "bad"}}})
		status, h, body := send(t, up)
		if e := tr.Error(status, h, body); e.Status != 401 || e.Type != translate.TypeAuthentication {
			t.Fatalf("%+v", e)
		}
		up.URL = strings.Split(up.URL, "?")[0]
		for i := range up.Header {
			if up.Header[i].Name == "api-key" {
				up.Header[i].Value = "az-key"
			}
		}
		if status, _, body := send(t, up); status != 404 || string(body) != openaifake.ErrAzureNotFound {
			t.Fatalf("%d %s", status, body)
		}
	})
	t.Run("rate limited in milliseconds", func(t *testing.T) {
		srv.Enqueue(openaifake.AzureRateLimited())
		raw := `{"model":"x","messages":[{"role":"user","content":"x"}]}`
		up, _ := tr.Request(decode(t, raw), []byte(raw), tg)
		status, h, body := send(t, up)
		if e := tr.Error(status, h, body); e.Status != 429 || e.RetryAfter != "6" {
			t.Fatalf("%+v", e)
		}
	})
}
