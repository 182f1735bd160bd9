package openai

import (
	"runtime"
	"strings"
	"testing"

	"github.com/franca-gw/franca/translate"
)

func TestPassthrough(t *testing.T) {
	jsonHdr := translate.Headers{{Name: "content-type", Value: "application/json"}, {Name: "OpenAI-Beta", Value: "assistants=v2"}, {Name: "X-Other", Value: "no"}}
	multipart := translate.Headers{{Name: "Content-Type", Value: "multipart/form-data; boundary=xyz"}, {Name: "Accept", Value: "application/json"}}
	openai := translate.Target{Model: "gpt-image-1", Header: translate.Headers{{Name: "OpenAI-Project", Value: "proj_1"}}}
	azure := translate.Target{BaseURL: "https://res.openai.azure.com", Model: "dalle3", APIVersion: "2025-04-01-preview"}
	tests := []struct {
		name, family, method, path, query string
		header                            translate.Headers
		body, model                       string
		target                            translate.Target
		url                               string
		wantHeader                        translate.Headers
		wantBody                          string
		stream                            bool
		wantErr                           string
	}{
		{name: "openai images: model written, client auth dropped", family: "openai", method: "post", path: "/images/generations",
			header: jsonHdr, body: `{"model":"img","prompt":"a cat","n":1}`, model: "gpt-image-1", target: openai,
			url:        "https://api.openai.com/v1/images/generations",
			wantHeader: translate.Headers{{Name: "Content-Type", Value: "application/json"}, {Name: "OpenAI-Beta", Value: "assistants=v2"}, {Name: "OpenAI-Project", Value: "proj_1"}},
			wantBody:   `{"model":"gpt-image-1","prompt":"a cat","n":1}`},
		{name: "openai multipart model rewritten", family: "openai", method: "POST", path: "/audio/transcriptions",
			header: multipart, body: "--xyz\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper\r\n--xyz--\r\n", model: "whisper-1", target: openai,
			url:        "https://api.openai.com/v1/audio/transcriptions",
			wantHeader: translate.Headers{{Name: "Content-Type", Value: "multipart/form-data; boundary=xyz"}, {Name: "Accept", Value: "application/json"}, {Name: "OpenAI-Project", Value: "proj_1"}},
			wantBody:   "--xyz\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--xyz--\r\n"},
		{name: "openai files GET with query", family: "openai", method: "GET", path: "/files", query: "purpose=batch&limit=2", target: openai,
			url:        "https://api.openai.com/v1/files?purpose=batch&limit=2",
			wantHeader: translate.Headers{{Name: "OpenAI-Project", Value: "proj_1"}}},
		{name: "openai batches: no model member, none added", family: "openai", method: "POST", path: "/batches",
			body: `{"input_file_id":"file-1","endpoint":"/v1/chat/completions","completion_window":"24h"}`, model: "gpt-4o", target: openai,
			url:        "https://api.openai.com/v1/batches",
			wantHeader: translate.Headers{{Name: "OpenAI-Project", Value: "proj_1"}},
			wantBody:   `{"input_file_id":"file-1","endpoint":"/v1/chat/completions","completion_window":"24h"}`},
		{name: "openai responses stream", family: "openai", method: "POST", path: "/responses",
			header: jsonHdr, body: `{"model":"x","input":"hi","stream":true}`, model: "gpt-4.1", target: translate.Target{},
			url:        "https://api.openai.com/v1/responses",
			wantHeader: translate.Headers{{Name: "Content-Type", Value: "application/json"}, {Name: "OpenAI-Beta", Value: "assistants=v2"}},
			wantBody:   `{"model":"gpt-4.1","input":"hi","stream":true}`, stream: true},
		{name: "openai threads subpath", family: "openai", method: "DELETE", path: "/threads/thread_1/messages/msg_2", target: translate.Target{},
			url:        "https://api.openai.com/v1/threads/thread_1/messages/msg_2",
			wantHeader: translate.Headers{}},
		{name: "azure images to the deployment", family: "azure", method: "POST", path: "/images/generations", query: "api-version=1999-01-01&x=1",
			header: jsonHdr, body: `{"model":"dall-e-3","prompt":"a cat"}`, target: azure,
			url:        "https://res.openai.azure.com/openai/deployments/dalle3/images/generations?api-version=2025-04-01-preview&x=1",
			wantHeader: translate.Headers{{Name: "Content-Type", Value: "application/json"}, {Name: "OpenAI-Beta", Value: "assistants=v2"}},
			wantBody:   `{"model":"dalle3","prompt":"a cat"}`},
		{name: "azure audio with the given model", family: "azure", method: "POST", path: "/audio/transcriptions",
			header: multipart, body: "--xyz--\r\n", model: "whisper", target: azure,
			url:        "https://res.openai.azure.com/openai/deployments/whisper/audio/transcriptions?api-version=2025-04-01-preview",
			wantHeader: translate.Headers{{Name: "Content-Type", Value: "multipart/form-data; boundary=xyz"}, {Name: "Accept", Value: "application/json"}},
			wantBody:   "--xyz--\r\n"},
		{name: "azure completions", family: "azure", method: "POST", path: "/completions",
			body: `{"model":"m","prompt":"x"}`, model: "instruct", target: translate.Target{BaseURL: "https://r.openai.azure.com"},
			url:        "https://r.openai.azure.com/openai/deployments/instruct/completions?api-version=2024-10-21",
			wantHeader: translate.Headers{},
			wantBody:   `{"model":"instruct","prompt":"x"}`},
		{name: "azure files", family: "azure", method: "GET", path: "/files/file-1/content", target: azure,
			url:        "https://res.openai.azure.com/openai/files/file-1/content?api-version=2025-04-01-preview",
			wantHeader: translate.Headers{}},
		{name: "azure vector stores", family: "azure", method: "POST", path: "/vector_stores", body: `{"name":"v"}`, target: azure,
			url:        "https://res.openai.azure.com/openai/vector_stores?api-version=2025-04-01-preview",
			wantHeader: translate.Headers{}, wantBody: `{"name":"v"}`},
		{name: "azure moderations do not exist", family: "azure", method: "POST", path: "/moderations", body: `{"input":"x"}`, target: azure,
			wantErr: `{"error":{"message":"provider type azure has no /v1/moderations endpoint","type":"not_found_error","param":null,"code":"unsupported_endpoint"}}`},
		{name: "vllm completions", family: "vllm", method: "POST", path: "/completions", body: `{"model":"m","prompt":"x"}`, model: "Qwen/Qwen2.5-7B", target: translate.Target{BaseURL: "http://gpu:8000/v1"},
			url: "http://gpu:8000/v1/completions", wantBody: `{"model":"Qwen/Qwen2.5-7B","prompt":"x"}`},
		{name: "groq has no completions", family: "groq", method: "POST", path: "/completions", body: `{"model":"m"}`, target: translate.Target{},
			wantErr: `{"error":{"message":"provider type openai-compatible (preset groq) has no /v1/completions endpoint","type":"not_found_error","param":null,"code":"unsupported_endpoint"}}`},
		{name: "deepseek has no images", family: "deepseek", method: "POST", path: "/images/generations", body: `{}`, target: translate.Target{},
			wantErr: `{"error":{"message":"provider type openai-compatible (preset deepseek) has no /v1/images/generations endpoint","type":"not_found_error","param":null,"code":"unsupported_endpoint"}}`},
		{name: "path traversal refused", family: "openai", method: "GET", path: "/files/../../admin", target: openai,
			wantErr: `{"error":{"message":"invalid URL path \"/files/../../admin\"","type":"invalid_request_error","param":null,"code":"invalid_url"}}`},
		{name: "empty segment refused", family: "openai", method: "GET", path: "//evil.example/x", target: openai,
			wantErr: `{"error":{"message":"invalid URL path \"//evil.example/x\"","type":"invalid_request_error","param":null,"code":"invalid_url"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if runtime.GOOS == "wasip1" && strings.Contains(tc.name, "multipart model rewritten") {
				t.Skip("the Envoy filter's build does not rewrite forms (multipart_wasip1.go)")
			}
			tr := translatorFor(t, tc.family)
			var hg translate.HeaderGetter
			if tc.header != nil {
				hg = tc.header
			}
			got, err := tr.Passthrough(tc.method, tc.path, tc.query, hg, []byte(tc.body), tc.model, &tc.target)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("no error: %+v", got)
				}
				jsonEqual(t, "error", asError(t, err).JSON(), tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.URL != tc.url {
				t.Fatalf("URL %s, want %s", got.URL, tc.url)
			}
			if got.Method != map[string]string{"post": "POST"}[tc.method] && got.Method != tc.method {
				t.Fatalf("method %s", got.Method)
			}
			headersEqual(t, got.Header, tc.wantHeader)
			if string(got.Body) != tc.wantBody || (tc.wantBody == "") != (got.Body == nil) {
				t.Fatalf("body %q, want %q", got.Body, tc.wantBody)
			}
			if got.Stream != tc.stream {
				t.Fatalf("stream %v", got.Stream)
			}
		})
	}
}
