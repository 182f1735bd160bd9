// Package geminifake plays the Gemini API (v1beta) for tests: a fake.Responder that checks
// what the Gemini API checks and answers deterministically in its wire format, and
// recorded bodies, streams and error replies. Test-only.
package geminifake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/franca-gw/franca/internal/fake"
)

// JSONReply is a reply with a JSON body, as the Gemini API sends it.
func JSONReply(status int, body string) fake.Reply {
	return fake.Reply{Status: status, Header: http.Header{"Content-Type": {"application/json; charset=UTF-8"}}, Body: []byte(body)}
}

// StreamReply is a streamed reply of a recorded stream, written in pieces of at most n bytes.
func StreamReply(stream string, n int) fake.Reply {
	return fake.Reply{Header: http.Header{"Content-Type": {"text/event-stream"}}, Chunks: fake.SSE(stream, n)}
}

// errorBody writes a Google API error body.
func errorBody(code int, status, message string) string {
	m, _ := json.Marshal(message)
	return fmt.Sprintf("{\n  \"error\": {\n    \"code\": %d,\n    \"message\": %s,\n    \"status\": %q\n  }\n}\n", code, m, status)
}

// Responder returns a fake.Responder for a Gemini API whose key is key. It answers:
//   - 400 API_KEY_INVALID (ErrorAPIKeyInvalid) unless x-goog-api-key is key;
//   - 404 for a path other than /v1beta/models/{model}:{generateContent|
//     streamGenerateContent|batchEmbedContents} or a method other than POST;
//   - 400 for a stream without alt=sse, a body that is not JSON, or no contents;
//   - a functionCall of the first declared function (or the only allowed one) when tools
//     are given, the mode is not NONE and the last turn is a user turn without function
//     responses; its args give each required property a value of its type;
//   - the text {"answer":"fake","ok":true} when responseMimeType is application/json;
//   - else the text "Hello from the Gemini fake. You said: <last user text>", or
//     "Tool results received: <names>" after function responses; a thought part comes
//     first when thinkingConfig.includeThoughts is true;
//   - candidateCount candidates, streamed in several events with usage in each;
//   - for batchEmbedContents, one vector of outputDimensionality (default 8) values per
//     request, derived from the text's length.
func Responder(key string) fake.Responder {
	return func(r *fake.Recorded) fake.Reply {
		if r.Header.Get("x-goog-api-key") != key {
			return JSONReply(400, ErrorAPIKeyInvalid)
		}
		model, method, ok := splitPath(r.Path)
		if !ok || r.Method != http.MethodPost {
			return JSONReply(404, errorBody(404, "NOT_FOUND", "Method not found."))
		}
		switch method {
		case "generateContent":
			return generate(r.Body, model, false)
		case "streamGenerateContent":
			if !strings.Contains("&"+r.RawQuery+"&", "&alt=sse&") {
				return JSONReply(400, errorBody(400, "INVALID_ARGUMENT", "fake: streamGenerateContent is only played with alt=sse"))
			}
			return generate(r.Body, model, true)
		case "batchEmbedContents":
			return embed(r.Body, model)
		}
		return JSONReply(404, errorBody(404, "NOT_FOUND", "Method not found."))
	}
}

// splitPath splits /v1beta/models/{model}:{method}.
func splitPath(p string) (model, method string, ok bool) {
	rest, found := strings.CutPrefix(p, "/v1beta/models/")
	if !found {
		return "", "", false
	}
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 || strings.Contains(rest[:i], "/") {
		return "", "", false
	}
	return rest[:i], rest[i+1:], true
}

type genRequest struct {
	Contents []struct {
		Role  string `json:"role"`
		Parts []struct {
			Text             *string                `json:"text"`
			FunctionResponse *struct{ Name string } `json:"functionResponse"`
		} `json:"parts"`
	} `json:"contents"`
	Tools []struct {
		FunctionDeclarations []struct {
			Name                 string          `json:"name"`
			ParametersJSONSchema json.RawMessage `json:"parametersJsonSchema"`
			Parameters           json.RawMessage `json:"parameters"`
		} `json:"functionDeclarations"`
	} `json:"tools"`
	ToolConfig *struct {
		FunctionCallingConfig struct {
			Mode                 string   `json:"mode"`
			AllowedFunctionNames []string `json:"allowedFunctionNames"`
		} `json:"functionCallingConfig"`
	} `json:"toolConfig"`
	GenerationConfig *struct {
		CandidateCount   int    `json:"candidateCount"`
		ResponseMimeType string `json:"responseMimeType"`
		ThinkingConfig   *struct {
			IncludeThoughts bool `json:"includeThoughts"`
		} `json:"thinkingConfig"`
	} `json:"generationConfig"`
}

// answer is what the fake decided to reply, before it is written out.
type answer struct {
	thought string
	text    string
	call    map[string]any // {"name":…, "args":…}
	n       int
	prompt  int
}

func generate(body []byte, model string, stream bool) fake.Reply {
	var req genRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return JSONReply(400, errorBody(400, "INVALID_ARGUMENT", "Invalid JSON payload received. "+err.Error()))
	}
	if len(req.Contents) == 0 {
		return JSONReply(400, errorBody(400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: contents is not specified\n"))
	}
	a := decide(&req)
	if stream {
		return StreamReply(streamBody(a, model), 64)
	}
	return JSONReply(200, wholeBody(a, model))
}

func decide(req *genRequest) *answer {
	a := &answer{n: 1}
	for _, c := range req.Contents {
		for _, p := range c.Parts {
			if p.Text != nil {
				a.prompt += words(*p.Text)
			}
		}
	}
	a.prompt = max(a.prompt, 1)
	gc := req.GenerationConfig
	if gc != nil && gc.CandidateCount > 1 {
		a.n = gc.CandidateCount
	}
	if gc != nil && gc.ThinkingConfig != nil && gc.ThinkingConfig.IncludeThoughts {
		a.thought = "Thinking it over."
	}
	last := req.Contents[len(req.Contents)-1]
	var lastText, responded []string
	for _, p := range last.Parts {
		if p.Text != nil {
			lastText = append(lastText, *p.Text)
		}
		if p.FunctionResponse != nil {
			responded = append(responded, p.FunctionResponse.Name)
		}
	}
	mode := "AUTO"
	var allowed []string
	if req.ToolConfig != nil {
		if m := req.ToolConfig.FunctionCallingConfig.Mode; m != "" {
			mode = m
		}
		allowed = req.ToolConfig.FunctionCallingConfig.AllowedFunctionNames
	}
	if last.Role == "user" && len(responded) == 0 && mode != "NONE" {
		for _, t := range req.Tools {
			for _, fd := range t.FunctionDeclarations {
				if a.call != nil || len(allowed) > 0 && allowed[0] != fd.Name {
					continue
				}
				schema := fd.ParametersJSONSchema
				if schema == nil {
					schema = fd.Parameters
				}
				a.call = map[string]any{"name": fd.Name, "args": argsFor(schema)}
			}
		}
		if a.call != nil {
			return a
		}
	}
	switch {
	case gc != nil && gc.ResponseMimeType == "application/json":
		a.text = `{"answer":"fake","ok":true}`
	case len(responded) > 0:
		a.text = "Tool results received: " + strings.Join(responded, ", ")
	default:
		a.text = "Hello from the Gemini fake. You said: " + strings.Join(lastText, " ")
	}
	return a
}

// argsFor gives each required property of a JSON Schema object a value of its type.
func argsFor(schema json.RawMessage) map[string]any {
	var s struct {
		Properties map[string]struct {
			Type any   `json:"type"`
			Enum []any `json:"enum"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	args := map[string]any{}
	if json.Unmarshal(schema, &s) != nil {
		return args
	}
	for _, name := range s.Required {
		p := s.Properties[name]
		if len(p.Enum) > 0 {
			args[name] = p.Enum[0]
			continue
		}
		switch t, _ := p.Type.(string); strings.ToLower(t) {
		case "integer", "number":
			args[name] = 1
		case "boolean":
			args[name] = true
		case "array":
			args[name] = []any{}
		case "object":
			args[name] = map[string]any{}
		default:
			args[name] = "test"
		}
	}
	return args
}

func words(s string) int { return len(strings.Fields(s)) }

func (a *answer) completion() int {
	if a.call != nil {
		return 5 * a.n
	}
	return words(a.text) * a.n
}

func (a *answer) thoughts() int {
	if a.thought == "" {
		return 0
	}
	return words(a.thought) * a.n
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func usage(a *answer, final bool) map[string]any {
	u := map[string]any{"promptTokenCount": a.prompt}
	total := a.prompt
	if final {
		u["candidatesTokenCount"] = a.completion()
		total += a.completion()
		if t := a.thoughts(); t > 0 {
			u["thoughtsTokenCount"] = t
			total += t
		}
	}
	u["totalTokenCount"] = total
	return u
}

func wholeBody(a *answer, model string) string {
	var cands []any
	for k := 0; k < a.n; k++ {
		var parts []any
		if a.thought != "" {
			parts = append(parts, map[string]any{"text": a.thought, "thought": true})
		}
		if a.call != nil {
			parts = append(parts, map[string]any{"functionCall": a.call})
		} else {
			parts = append(parts, map[string]any{"text": a.text})
		}
		cands = append(cands, map[string]any{
			"content": map[string]any{"parts": parts, "role": "model"}, "finishReason": "STOP", "index": k,
		})
	}
	b, _ := json.MarshalIndent(map[string]any{
		"candidates": cands, "usageMetadata": usage(a, true), "modelVersion": model, "responseId": "fake-" + model,
	}, "", "  ")
	return string(b) + "\n"
}

// streamBody cuts the answer into events: the thought, then the text in pieces of about
// three words, the last with the finishReason; a function call comes whole.
func streamBody(a *answer, model string) string {
	var pieces []map[string]any
	if a.thought != "" {
		pieces = append(pieces, map[string]any{"text": a.thought, "thought": true})
	}
	if a.call != nil {
		pieces = append(pieces, map[string]any{"functionCall": a.call})
	} else {
		ws := strings.SplitAfter(a.text, " ")
		for i := 0; i < len(ws); i += 3 {
			pieces = append(pieces, map[string]any{"text": strings.Join(ws[i:min(i+3, len(ws))], "")})
		}
	}
	var events []string
	for i, p := range pieces {
		final := i == len(pieces)-1
		var cands []any
		for k := 0; k < a.n; k++ {
			c := map[string]any{"content": map[string]any{"parts": []any{p}, "role": "model"}, "index": k}
			if final {
				c["finishReason"] = "STOP"
			}
			cands = append(cands, c)
		}
		events = append(events, spaced(mustJSON(map[string]any{
			"candidates": cands, "usageMetadata": usage(a, final), "modelVersion": model, "responseId": "fake-" + model,
		})))
	}
	return Frame(events...)
}

// spaced puts a space after each colon that separates a key from its value, as Gemini's
// event JSON has it. It relies on json.Marshal escaping no colon and writing keys in order.
func spaced(s string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		b.WriteByte(c)
		switch {
		case c == '\\' && in:
			i++
			if i < len(s) {
				b.WriteByte(s[i])
			}
		case c == '"':
			in = !in
		case c == ':' && !in:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

type embedRequest struct {
	Requests []struct {
		Model   string `json:"model"`
		Content struct {
			Parts []struct {
				Text string `json:"text"`
			} `json:"parts"`
		} `json:"content"`
		OutputDimensionality int `json:"outputDimensionality"`
	} `json:"requests"`
}

func embed(body []byte, model string) fake.Reply {
	var req embedRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return JSONReply(400, errorBody(400, "INVALID_ARGUMENT", "Invalid JSON payload received. "+err.Error()))
	}
	if len(req.Requests) == 0 {
		return JSONReply(400, errorBody(400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests: at least one request is required\n"))
	}
	var b strings.Builder
	b.WriteString("{\n  \"embeddings\": [\n")
	for i, r := range req.Requests {
		if r.Model != "models/"+model {
			return JSONReply(400, errorBody(400, "INVALID_ARGUMENT",
				fmt.Sprintf("* BatchEmbedContentsRequest.requests[%d].model: model %q does not match the batch model %q\n", i, r.Model, "models/"+model)))
		}
		n := 0
		for _, p := range r.Content.Parts {
			n += len(p.Text)
		}
		dims := r.OutputDimensionality
		if dims <= 0 {
			dims = 8
		}
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString("    {\n      \"values\": [\n")
		for d := 0; d < dims; d++ {
			if d > 0 {
				b.WriteString(",\n")
			}
			b.WriteString("        ")
			b.WriteString(strconv.FormatFloat(Value(n, d), 'g', -1, 64))
		}
		b.WriteString("\n      ]\n    }")
	}
	b.WriteString("\n  ]\n}\n")
	return JSONReply(200, b.String())
}

// Value is the d-th value of the fake's embedding of a text of n bytes.
func Value(n, d int) float64 {
	return float64((n+3*d)%17)/20 - 0.4
}
