// Package openaifake plays OpenAI and Azure OpenAI for tests: a fake.Responder that
// answers chat completions (whole or streamed), embeddings, images, moderations and
// files the way the real APIs do, plus recorded streams, error bodies and rate-limit
// headers of OpenAI and the OpenAI-compatible providers. Test-only.
package openaifake

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/translate/schema"
)

// Created is the "created" time of every answer the fakes build.
const Created = 1731000000

// AzureModel is the model Azure reports for every deployment.
const AzureModel = "gpt-4o-2024-08-06"

// Responder returns a fake.Responder speaking OpenAI's API at paths under prefix
// (e.g. "/v1"). It checks "Authorization: Bearer <key>" (OpenAI's exact 401 body
// otherwise) and answers POST /chat/completions (JSON, or SSE when "stream":true,
// with a usage chunk when stream_options.include_usage), POST /embeddings,
// POST /images/generations, POST /moderations and GET /files; any other path gets
// OpenAI's 404. The answer calls the first tool (or the one tool_choice names) when
// tools are given and the last message is a user message, and is JSON when
// response_format asks for it.
func Responder(prefix, key string) fake.Responder {
	return func(r *fake.Recorded) fake.Reply {
		if r.Header.Get("Authorization") != "Bearer "+key {
			return JSONReply(401, invalidKeyBody(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")))
		}
		path, ok := strings.CutPrefix(r.Path, prefix)
		if !ok {
			return invalidURL(r)
		}
		switch {
		case r.Method == "POST" && path == "/chat/completions":
			return chat(r.Body, false)
		case r.Method == "POST" && path == "/embeddings":
			return embeddings(r.Body)
		case r.Method == "POST" && path == "/images/generations":
			return images(r.Body)
		case r.Method == "POST" && path == "/moderations":
			return moderations(r.Body)
		case r.Method == "GET" && path == "/files":
			return withRateLimits(JSONReply(200, filesList))
		}
		return invalidURL(r)
	}
}

// AzureResponder is Responder at Azure OpenAI's paths: /openai/deployments/{d}/…
// (chat/completions, embeddings, images/generations) and /openai/files, with the
// api-key header (Azure's 401 otherwise) and the api-version query parameter (Azure's
// 404 otherwise). Answers report AzureModel and carry content-filter results; a last
// user message containing "azure:content_filter" gets Azure's content-filter 400,
// one containing "azure:filtered" a completion cut with finish_reason
// "content_filter".
func AzureResponder(key string) fake.Responder {
	return func(r *fake.Recorded) fake.Reply {
		if r.Header.Get("api-key") != key {
			return JSONReply(401, ErrAzureAuth)
		}
		if !strings.Contains("&"+r.RawQuery, "&api-version=") {
			return JSONReply(404, ErrAzureNotFound)
		}
		if r.Method == "GET" && r.Path == "/openai/files" {
			return JSONReply(200, filesList)
		}
		rest, ok := strings.CutPrefix(r.Path, "/openai/deployments/")
		if !ok || r.Method != "POST" {
			return JSONReply(404, ErrAzureNotFound)
		}
		deployment, endpoint, ok := strings.Cut(rest, "/")
		if !ok || deployment == "" {
			return JSONReply(404, ErrAzureNotFound)
		}
		switch endpoint {
		case "chat/completions":
			return chat(r.Body, true)
		case "embeddings":
			return embeddings(r.Body)
		case "images/generations":
			return images(r.Body)
		}
		return JSONReply(404, ErrAzureNotFound)
	}
}

// invalidKeyBody is OpenAI's 401 for key, masked the way OpenAI masks it.
func invalidKeyBody(key string) string {
	masked := key
	if len(key) > 8 {
		masked = key[:3] + strings.Repeat("*", len(key)-7) + key[len(key)-4:]
	}
	msg := "Incorrect API key provided: " + masked + ". You can find your API key at https://platform.openai.com/account/api-keys."
	if key == "" {
		msg = "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys."
	}
	return openAIError(msg, "invalid_request_error", "", "invalid_api_key")
}

func invalidURL(r *fake.Recorded) fake.Reply {
	return JSONReply(404, openAIError("Invalid URL ("+r.Method+" "+r.Path+")", "invalid_request_error", "", ""))
}

// openAIError writes an error body the way OpenAI does: pretty-printed, param and
// code null when empty.
func openAIError(msg, typ, param, code string) string {
	q := func(s string) string {
		if s == "" {
			return "null"
		}
		b, _ := json.Marshal(s)
		return string(b)
	}
	return "{\n    \"error\": {\n        \"message\": " + q(msg) + ",\n        \"type\": " + q(typ) +
		",\n        \"param\": " + q(param) + ",\n        \"code\": " + q(code) + "\n    }\n}\n"
}

func badRequest(msg, param string) fake.Reply {
	return JSONReply(400, openAIError(msg, "invalid_request_error", param, ""))
}

func withRateLimits(r fake.Reply) fake.Reply {
	h := RateLimitHeaders()
	for k, v := range r.Header {
		h[k] = v
	}
	h.Set("x-request-id", "req_fake0123456789")
	h.Set("openai-processing-ms", "42")
	r.Header = h
	return r
}

const filesList = `{"object":"list","data":[{"id":"file-abc123","object":"file","bytes":120000,"created_at":1677610602,"filename":"salesOverview.pdf","purpose":"assistants"}],"has_more":false}`

// lastUser returns the text of the last message if it is a user message.
func lastUser(msgs []schema.Message) (string, bool) {
	if len(msgs) == 0 || msgs[len(msgs)-1].Role != "user" {
		return "", false
	}
	return msgs[len(msgs)-1].Content.String(), true
}

func header(contentType string) http.Header {
	h := http.Header{}
	h.Set("Content-Type", contentType)
	return h
}
