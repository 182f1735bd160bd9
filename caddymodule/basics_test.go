package caddymodule_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
)

// basicConfig serves mock models only; "limited" may use mock-chat alone.
const basicConfig = `
providers:
  - name: mock
    type: mock
models:
  - name: mock-chat
    targets: [{provider: mock, model: mock-1}]
  - name: mock-embed
    targets: [{provider: mock, model: mock-embed-1}]
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
    permissions: [status]
  - name: limited
    hash: sha256:` + limitedHash + `
    models: [mock-chat]
  - name: off
    hash: sha256:` + disabledHash + `
    disabled: true
limits:
  max_request_bytes: 2048
`

// Keys "sk-limited" and "sk-disabled" and their SHA-256 hashes.
const (
	limitedHash  = "703eb1a04b05a6f9b78414ea4c18b2b3a1d9e2d408eff2816eb8ab02132c992a"
	disabledHash = "4a2481c7b0fe8e3bdaafa2fad9ace70a45566d26caff543944a52eaa60eab3cd"
)

func TestErrorsAreOpenAIShaped(t *testing.T) {
	f := start(t, basicConfig)
	cases := []struct {
		name, method, path, key, body string
		status                        int
		want                          string
	}{
		{"no key", "POST", "/v1/chat/completions", "", `{}`, 401,
			`{"error":{"message":"You didn't provide an API key. Send your Franca virtual key as 'Authorization: Bearer KEY'.","type":"invalid_request_error","param":null,"code":"missing_api_key"}}`},
		{"bad key", "POST", "/v1/chat/completions", "sk-wrong", `{}`, 401,
			`{"error":{"message":"Incorrect API key provided. Check the Franca virtual key you sent.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`},
		{"unknown model", "POST", "/v1/chat/completions", testKey, `{"model":"gpt-9","messages":[{"role":"user","content":"hi"}]}`, 404,
			`{"error":{"message":"The model \"gpt-9\" does not exist or is not configured in Franca.","type":"invalid_request_error","param":"model","code":"model_not_found"}}`},
		{"malformed json", "POST", "/v1/chat/completions", testKey, `{"model":"mock-chat","messages":[`, 400,
			`{"error":{"message":"We could not parse the JSON body of your request: unexpected end of JSON input (at byte 33)","type":"invalid_request_error","param":null,"code":"invalid_json"}}`},
		{"wrong type", "POST", "/v1/chat/completions", testKey, `{"model":"mock-chat","messages":[{"role":"user","content":"hi"}],"temperature":"hot"}`, 400,
			`{"error":{"message":"Invalid type for 'temperature': expected a number, but got a string instead.","type":"invalid_request_error","param":"temperature","code":"invalid_type"}}`},
		{"wrong content type", "POST", "/v1/chat/completions", testKey, `{"model":"mock-chat","messages":[{"role":"user","content":5}]}`, 400,
			`{"error":{"message":"Invalid type for 'messages[0].content': expected a string or an array of content parts, but got an integer instead.","type":"invalid_request_error","param":"messages[0].content","code":"invalid_type"}}`},
		{"wrong nested type", "POST", "/v1/chat/completions", testKey, `{"model":"mock-chat","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":"{}"}}]}`, 400,
			`{"error":{"message":"Invalid type for 'tools[0].function.parameters': expected an object, but got a string instead.","type":"invalid_request_error","param":"tools[0].function.parameters","code":"invalid_type"}}`},
		{"named tool choice without name", "POST", "/v1/chat/completions", testKey, `{"model":"mock-chat","messages":[{"role":"user","content":"hi"}],"tool_choice":{"type":"function","function":{}}}`, 400,
			`{"error":{"message":"Missing required parameter: 'tool_choice.function.name'.","type":"invalid_request_error","param":"tool_choice.function.name","code":"missing_required_parameter"}}`},
		{"body not an object", "POST", "/v1/chat/completions", testKey, `[{"model":"mock-chat"}]`, 400,
			`{"error":{"message":"The request body must be a JSON object, but got an array instead.","type":"invalid_request_error","param":null,"code":"invalid_type"}}`},
		{"wrong embeddings input", "POST", "/v1/embeddings", testKey, `{"model":"mock-embed","input":["a",2]}`, 400,
			`{"error":{"message":"Invalid type for 'input[1]': expected a string, but got an integer instead.","type":"invalid_request_error","param":"input[1]","code":"invalid_type"}}`},
		{"no messages", "POST", "/v1/chat/completions", testKey, `{"model":"mock-chat","messages":[]}`, 400,
			`{"error":{"message":"messages must be a non-empty array","type":"invalid_request_error","param":"messages","code":"missing_required_parameter"}}`},
		{"bad role", "POST", "/v1/chat/completions", testKey, `{"model":"mock-chat","messages":[{"role":"robot","content":"hi"}]}`, 400,
			`{"error":{"message":"Invalid value for 'messages[0].role': expected 'system', 'developer', 'user', 'assistant', 'tool' or 'function', but got \"robot\" instead.","type":"invalid_request_error","param":"messages[0].role","code":"invalid_value"}}`},
		{"no role", "POST", "/v1/chat/completions", testKey, `{"model":"mock-chat","messages":[{"role":"user","content":"hi"},{"content":"hi"}]}`, 400,
			`{"error":{"message":"Missing required parameter: 'messages[1].role'.","type":"invalid_request_error","param":"messages[1].role","code":"missing_required_parameter"}}`},
		{"oversized", "POST", "/v1/chat/completions", testKey, `{"model":"mock-chat","messages":[{"role":"user","content":"` + strings.Repeat("x", 3000) + `"}]}`, 413,
			`{"error":{"message":"request body is larger than the limit of 2048 bytes","type":"invalid_request_error","param":null,"code":"request_too_large"}}`},
		{"wrong method", "GET", "/v1/chat/completions", testKey, ``, 405,
			`{"error":{"message":"method GET is not allowed on /v1/chat/completions","type":"invalid_request_error","param":null,"code":"method_not_allowed"}}`},
		{"unknown endpoint", "GET", "/v1/files", testKey, ``, 404,
			`{"error":{"message":"Unknown request URL: GET /v1/files. Franca forwards endpoints without a model only when passthrough.provider is configured.","type":"invalid_request_error","param":null,"code":"unknown_url"}}`},
		{"unknown model by id", "GET", "/v1/models/gpt-9", testKey, ``, 404,
			`{"error":{"message":"The model \"gpt-9\" does not exist or you do not have access to it.","type":"invalid_request_error","param":"model","code":"model_not_found"}}`},
		{"mock error on demand", "POST", "/v1/chat/completions", testKey, `{"model":"mock-chat","messages":[{"role":"user","content":"mock:error 500"}]}`, 500, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, h, body := f.do(t, c.method, c.path, c.key, "application/json", c.body)
			if status != c.status {
				t.Fatalf("status %d, want %d; body %s", status, c.status, body)
			}
			if ct := h.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if c.want != "" && body != c.want {
				t.Errorf("body\n got %s\nwant %s", body, c.want)
			}
			var shape struct {
				Error *struct {
					Message string          `json:"message"`
					Type    string          `json:"type"`
					Param   json.RawMessage `json:"param"`
					Code    json.RawMessage `json:"code"`
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(body), &shape); err != nil || shape.Error == nil || shape.Error.Message == "" || shape.Error.Type == "" || shape.Error.Param == nil || shape.Error.Code == nil {
				t.Errorf("not OpenAI's error shape: %s", body)
			}
		})
	}
}

func TestSDKSeesErrors(t *testing.T) {
	f := start(t, basicConfig)
	ctx := context.Background()
	c := f.client()
	_, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:    "nope",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
	})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Code != "model_not_found" || apiErr.Param != "model" {
		t.Fatalf("got %v", err)
	}
}

func TestModelAccess(t *testing.T) {
	f := start(t, basicConfig)
	status, _, body := f.do(t, "POST", "/v1/embeddings", "sk-limited", "application/json", `{"model":"mock-embed","input":"x"}`)
	want := `{"error":{"message":"The virtual key \"limited\" is not allowed to use model \"mock-embed\".","type":"permission_error","param":"model","code":"model_not_allowed"}}`
	if status != 403 || body != want {
		t.Fatalf("got %d %s", status, body)
	}
	status, _, body = f.do(t, "GET", "/v1/models", "sk-limited", "", "")
	if status != 200 || body != `{"object":"list","data":[{"id":"mock-chat","object":"model","created":0,"owned_by":"mock"}]}` {
		t.Fatalf("models for limited key: %d %s", status, body)
	}
	status, _, body = f.do(t, "GET", "/v1/models/mock-embed", "sk-limited", "", "")
	if status != 404 {
		t.Fatalf("a model the key may not use must not be visible: %d %s", status, body)
	}
	status, _, body = f.do(t, "POST", "/v1/chat/completions", "sk-disabled", "application/json", `{}`)
	want = `{"error":{"message":"The virtual key \"off\" is disabled.","type":"invalid_request_error","param":null,"code":"key_disabled"}}`
	if status != 401 || body != want {
		t.Fatalf("disabled key: %d %s", status, body)
	}
}

func TestModelsThroughSDK(t *testing.T) {
	f := start(t, basicConfig)
	c := f.client()
	page, err := c.Models.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range page.Data {
		ids = append(ids, m.ID+"/"+m.OwnedBy)
	}
	if strings.Join(ids, ",") != "mock-chat/mock,mock-embed/mock" {
		t.Fatalf("models %v", ids)
	}
	m, err := c.Models.Get(context.Background(), "mock-embed")
	if err != nil || m.ID != "mock-embed" {
		t.Fatalf("get: %v %+v", err, m)
	}
}

func TestAdminRouteHasNoSecrets(t *testing.T) {
	f := start(t, `
providers:
  - name: mock
    type: mock
  - name: openai
    type: openai
    base_url: http://127.0.0.1:1/v1
    keys:
      - id: main
        secret: sk-upstream-SECRET-value
models:
  - name: mock-chat
    targets: [{provider: mock, model: mock-1}]
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
`)
	resp, err := http.Get(f.Admin + "/franca/config")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(out)
	s := string(b)
	if len(out) != 1 || !strings.Contains(s, `"main"`) || !strings.Contains(s, `"tests"`) {
		t.Fatalf("summary lacks providers or keys: %s", s)
	}
	for _, secret := range []string{"SECRET", strings.TrimPrefix(testHash(), "sha256:")[:16]} {
		if strings.Contains(s, secret) {
			t.Fatalf("admin output contains %q: %s", secret, s)
		}
	}
}

// TestCaseVariantModelRefused: a key limited to one model cannot name another in a
// member that differs from "model" by case only: the provider would read that member,
// Franca refuses it.
func TestCaseVariantModelRefused(t *testing.T) {
	f := start(t, basicConfig)
	status, _, body := f.do(t, "POST", "/v1/chat/completions", "sk-limited", "application/json",
		`{"MODEL":"mock-embed","model":"mock-chat","messages":[{"role":"user","content":"hi"}]}`)
	want := `{"error":{"message":"Unrecognized request argument supplied: MODEL (parameter names are case-sensitive)","type":"invalid_request_error","param":"MODEL","code":"unknown_parameter"}}`
	if status != 400 || body != want {
		t.Fatalf("%d %s\nwant 400 %s", status, body, want)
	}
}
