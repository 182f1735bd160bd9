package caddymodule_test

import (
	"strings"
	"testing"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/openaifake"
)

// Keys with a model list, and an all-models key refused endpoints without a model.
const (
	narrowKey = "sk-franca-narrow-0123456789"
	narrowPT  = "sk-franca-narrow-pt-0123456789"
	allNoPT   = "sk-franca-all-no-pt-0123456789"
)

// ptKeysConfig has a cheap model and an expensive one, a key limited to the cheap one
// (with and without passthrough: true) and an all-models key with passthrough: false.
const ptKeysConfig = `
providers:
  - name: openai
    type: openai
    base_url: {{A}}/v1
    keys:
      - id: main
        secret: ` + oaKey + `
models:
  - name: cheap
    targets: [{provider: openai, model: gpt-4o-mini}]
  - name: o1-pro
    targets: [{provider: openai, model: o1-pro}]
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
  - name: narrow
    hash: {{NARROW}}
    models: [cheap]
  - name: narrow-pt
    hash: {{NARROW_PT}}
    models: [cheap]
    passthrough: true
  - name: all-no-pt
    hash: {{ALL_NO_PT}}
    models: ["*"]
    passthrough: false
passthrough:
  provider: openai
`

func ptKeysSetup(t *testing.T) (*franca, *fake.Server) {
	t.Helper()
	a := fake.New(t, openaifake.Responder("/v1", oaKey))
	cfg := strings.NewReplacer("{{A}}", a.URL, "{{NARROW}}", config.HashKey(narrowKey),
		"{{NARROW_PT}}", config.HashKey(narrowPT), "{{ALL_NO_PT}}", config.HashKey(allNoPT)).Replace(ptKeysConfig)
	return start(t, cfg), a
}

// form is a multipart/form-data body with boundary XB; fields are name, value pairs.
func form(fields ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(fields); i += 2 {
		b.WriteString("--XB\r\nContent-Disposition: form-data; name=\"" + fields[i] + "\"\r\n\r\n" + fields[i+1] + "\r\n")
	}
	return b.String() + "--XB--\r\n"
}

// TestPassthroughKeyModelBypasses sends, with a key limited to "cheap", every way found
// of naming another model (or none) on a passthrough endpoint. Each is refused with its
// exact error, and nothing reaches the provider.
func TestPassthroughKeyModelBypasses(t *testing.T) {
	f, a := ptKeysSetup(t)
	const (
		notAllowed = `{"error":{"message":"The virtual key \"narrow\" is not allowed to use model \"o1-pro\".","type":"permission_error","param":"model","code":"model_not_allowed"}}`
		twice      = `{"error":{"message":"model is given more than once","type":"invalid_request_error","param":"model","code":null}}`
		body       = `{"model":"o1-pro","input":"hi"}`
	)
	unsupported := func(ct string) string {
		return `{"error":{"message":"Franca reads the model of this request only from a JSON object or a multipart/form-data body, and this key may use only some models; the body sent as Content-Type \"` + ct + `\" is neither. Send it as application/json.","type":"invalid_request_error","param":null,"code":"unsupported_media_type"}}`
	}
	denied := func(method, endpoint string) string {
		return `{"error":{"message":"The virtual key \"narrow\" may not use ` + method + ` /v1` + endpoint + `: endpoints that a model list cannot limit need passthrough: true on the key.","type":"permission_error","param":null,"code":"permission_denied"}}`
	}
	caseURL := func(method, path, lower string) string {
		return `{"error":{"message":"Unknown request URL: ` + method + ` ` + path + `. Paths are case-sensitive; did you mean ` + lower + `?","type":"invalid_request_error","param":null,"code":"unknown_url"}}`
	}
	tests := []struct {
		name, method, path, contentType, body string
		status                                int
		want                                  string
	}{
		{"json as text/plain", "POST", "/v1/responses", "text/plain", body, 403, notAllowed},
		{"json as curl's default form type", "POST", "/v1/responses", "application/x-www-form-urlencoded", body, 403, notAllowed},
		{"json as vnd.api+json", "POST", "/v1/responses", "application/vnd.api+json", body, 403, notAllowed},
		{"json with odd case and parameters", "POST", "/v1/responses", "APPLICATION/Json; Charset=UTF-8", body, 403, notAllowed},
		{"json without content type", "POST", "/v1/responses", "", body, 403, notAllowed},
		{"json after white space", "POST", "/v1/responses", "text/plain", "\r\n\t " + body, 403, notAllowed},
		{"json with an escaped key", "POST", "/v1/responses", "application/json", `{"mod\u0065l":"o1-pro","input":"hi"}`, 403, notAllowed},
		{"json as multipart without boundary", "POST", "/v1/responses", "multipart/form-data", body, 403, notAllowed},
		{"json model twice", "POST", "/v1/responses", "application/json", `{"model":"cheap","input":"hi","model":"o1-pro"}`, 400, twice},
		{"json model in another case", "POST", "/v1/responses", "application/json", `{"Model":"o1-pro","model":"cheap"}`, 400,
			`{"error":{"message":"unknown parameter \"Model\": the model is given as \"model\"","type":"invalid_request_error","param":"model","code":null}}`},
		{"json model not a string", "POST", "/v1/responses", "application/json", `{"model":["o1-pro"]}`, 400,
			`{"error":{"message":"model must be a string","type":"invalid_request_error","param":"model","code":null}}`},
		{"json not an object", "POST", "/v1/responses", "application/json", `["o1-pro"]`, 400,
			`{"error":{"message":"the request body must be a JSON object","type":"invalid_request_error","param":null,"code":"invalid_json"}}`},
		{"json with a byte order mark", "POST", "/v1/responses", "text/plain", "\uFEFF" + body, 400,
			`{"error":{"message":"We could not parse the JSON body of your request: invalid character 'ï' looking for beginning of value (at byte 1)","type":"invalid_request_error","param":null,"code":"invalid_json"}}`},
		{"multipart", "POST", "/v1/audio/transcriptions", "multipart/form-data; boundary=XB", form("file", "RIFF", "model", "o1-pro"), 403, notAllowed},
		{"multipart odd case", "POST", "/v1/audio/transcriptions", "Multipart/Form-Data; Boundary=XB", form("model", "o1-pro"), 403, notAllowed},
		{"multipart model twice", "POST", "/v1/audio/transcriptions", "multipart/form-data; boundary=XB", form("model", "cheap", "model", "o1-pro"), 400, twice},
		{"multipart model in another case", "POST", "/v1/audio/transcriptions", "multipart/form-data; boundary=XB", form("MODEL", "o1-pro", "model", "cheap"), 400,
			`{"error":{"message":"unknown form field \"MODEL\": the model is given as \"model\"","type":"invalid_request_error","param":"model","code":null}}`},
		{"multipart model encoded", "POST", "/v1/audio/transcriptions", "multipart/form-data; boundary=XB",
			"--XB\r\nContent-Disposition: form-data; name=\"model\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=63heap\r\n--XB--\r\n", 400,
			`{"error":{"message":"the model field must not have a Content-Transfer-Encoding","type":"invalid_request_error","param":"model","code":null}}`},
		{"multipart not form-data", "POST", "/v1/audio/transcriptions", "multipart/form-data; boundary=XB",
			"--XB\r\nContent-Disposition: attachment; name=\"model\"\r\n\r\no1-pro\r\n--XB--\r\n", 400,
			`{"error":{"message":"We could not read the multipart/form-data body of your request: part 1 is not a form-data field (Content-Disposition: form-data; name=\"…\")","type":"invalid_request_error","param":null,"code":"invalid_request_body"}}`},
		{"multipart cut short", "POST", "/v1/audio/transcriptions", "multipart/form-data; boundary=XB",
			"--XB\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\no1-pro", 400,
			`{"error":{"message":"We could not read the multipart/form-data body of your request: it is not a sequence of parts delimited by --XB and closed by --XB--","type":"invalid_request_error","param":null,"code":"invalid_request_body"}}`},
		{"multipart with another boundary", "POST", "/v1/audio/transcriptions", "multipart/form-data; boundary=XC", form("model", "o1-pro"), 400,
			`{"error":{"message":"We could not read the multipart/form-data body of your request: it is not a sequence of parts delimited by --XC and closed by --XC--","type":"invalid_request_error","param":null,"code":"invalid_request_body"}}`},
		{"url-encoded form", "POST", "/v1/responses", "application/x-www-form-urlencoded", "model=o1-pro&input=hi", 415, unsupported("application/x-www-form-urlencoded")},
		{"text", "POST", "/v1/responses", "text/plain; charset=utf-8", "model: o1-pro", 415, unsupported("text/plain")},
		{"multipart/mixed", "POST", "/v1/responses", "multipart/mixed; boundary=XB", form("model", "o1-pro"), 415, unsupported("multipart/mixed")},
		{"mixed-case chat path", "POST", "/v1/Chat/Completions", "application/json", `{"model":"o1-pro","messages":[{"role":"user","content":"hi"}]}`, 404,
			caseURL("POST", "/v1/Chat/Completions", "/v1/chat/completions")},
		{"mixed-case prefix", "POST", "/V1/chat/completions", "application/json", `{"model":"o1-pro","messages":[{"role":"user","content":"hi"}]}`, 404,
			caseURL("POST", "/V1/chat/completions", "/v1/chat/completions")},
		{"mixed-case embeddings", "POST", "/v1/EMBEDDINGS", "application/json", `{"model":"o1-pro","input":"hi"}`, 404,
			caseURL("POST", "/v1/EMBEDDINGS", "/v1/embeddings")},
		{"mixed-case models", "GET", "/v1/Models", "", "", 404, caseURL("GET", "/v1/Models", "/v1/models")},
		{"files", "GET", "/v1/files", "", "", 403, denied("GET", "/files")},
		{"file upload", "POST", "/v1/files", "multipart/form-data; boundary=XB", form("purpose", "batch", "file", `{"body":{"model":"o1-pro"}}`), 403, denied("POST", "/files")},
		{"batch", "POST", "/v1/batches", "application/json", `{"input_file_id":"file-abc123","endpoint":"/v1/responses","completion_window":"24h"}`, 403, denied("POST", "/batches")},
		{"vector stores", "GET", "/v1/vector_stores", "", "", 403, denied("GET", "/vector_stores")},
		{"assistant run", "POST", "/v1/threads/thread_1/runs", "application/json", `{"assistant_id":"asst_1"}`, 403, denied("POST", "/threads/thread_1/runs")},
		{"response without model", "POST", "/v1/responses", "application/json", `{"input":"hi","previous_response_id":"resp_1"}`, 403, denied("POST", "/responses")},
		{"json null model", "POST", "/v1/responses", "application/json", `{"model":null,"input":"hi"}`, 403, denied("POST", "/responses")},
		{"files with an allowed model", "GET", "/v1/files", "application/json", `{"model":"cheap"}`, 403, denied("GET", "/files")},
		{"batch with an allowed model", "POST", "/v1/batches", "application/json", `{"model":"cheap","input_file_id":"file-abc123","endpoint":"/v1/responses","completion_window":"24h"}`, 403, denied("POST", "/batches")},
		{"run steps with an allowed model", "POST", "/v1/threads/thread_1/runs/run_1/submit_tool_outputs", "application/json", `{"model":"cheap","tool_outputs":[]}`, 403, denied("POST", "/threads/thread_1/runs/run_1/submit_tool_outputs")},
		{"delete a model", "DELETE", "/v1/models/ft:gpt-4o-mini:acme::abc", "", "", 403, denied("DELETE", "/models/ft:gpt-4o-mini:acme::abc")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.Reset()
			status, _, got := f.do(t, tt.method, tt.path, narrowKey, tt.contentType, tt.body)
			if status != tt.status || got != tt.want {
				t.Errorf("got %d %s\nwant %d %s", status, got, tt.status, tt.want)
			}
			if n := len(a.Requests()); n != 0 {
				t.Errorf("%d requests reached the provider", n)
			}
		})
	}
}

// TestPassthroughKeyAllowed checks what the keys may do: the allowed model in any of the
// shapes above reaches its target with the upstream model written in, and endpoints
// without a model follow the key's passthrough setting.
func TestPassthroughKeyAllowed(t *testing.T) {
	f, a := ptKeysSetup(t)
	const reply = `{"id":"resp_1","object":"response","status":"completed"}`
	for _, c := range []struct{ contentType, body, upstream string }{
		{"text/plain", `{"model":"cheap","input":"hi"}`, `{"model":"gpt-4o-mini","input":"hi"}`},
		{"application/x-www-form-urlencoded", ` {"input":"hi","model":"cheap"}`, ` {"input":"hi","model":"gpt-4o-mini"}`},
		{"", `{"model":"cheap"}`, `{"model":"gpt-4o-mini"}`},
		{"multipart/form-data; boundary=XB", form("input", "hi", "model", "cheap"), form("input", "hi", "model", "gpt-4o-mini")},
	} {
		a.Reset()
		a.Enqueue(openaifake.JSONReply(200, reply))
		status, _, got := f.do(t, "POST", "/v1/responses", narrowKey, c.contentType, c.body)
		if status != 200 || got != reply {
			t.Fatalf("%q: %d %s", c.contentType, status, got)
		}
		up := a.Last(t)
		if up.Path != "/v1/responses" || string(up.Body) != c.upstream || up.Header.Get("Content-Type") != c.contentType {
			t.Fatalf("%q: upstream %s %s %q", c.contentType, up.Path, up.Body, up.Header.Get("Content-Type"))
		}
	}

	// Endpoints that run the model the body names need no passthrough permission.
	for _, path := range []string{"/v1/images/generations", "/v1/threads/thread_1/runs", "/v1/assistants/asst_1", "/v1/fine_tuning/jobs"} {
		a.Reset()
		a.Enqueue(openaifake.JSONReply(200, reply))
		status, _, got := f.do(t, "POST", path, narrowKey, "application/json", `{"model":"cheap","x":1}`)
		if status != 200 || got != reply {
			t.Fatalf("%s: %d %s", path, status, got)
		}
		if up := a.Last(t); up.Path != path || string(up.Body) != `{"model":"gpt-4o-mini","x":1}` {
			t.Fatalf("%s: upstream %s %s", path, up.Path, up.Body)
		}
	}

	for _, c := range []struct {
		key    string
		status int
	}{{narrowPT, 200}, {testKey, 200}, {narrowKey, 403}, {allNoPT, 403}} {
		a.Reset()
		status, _, got := f.do(t, "GET", "/v1/files", c.key, "", "")
		if status != c.status || len(a.Requests()) != map[bool]int{true: 1, false: 0}[c.status == 200] {
			t.Fatalf("GET /v1/files with %s: %d %s, %d upstream calls", c.key, status, got, len(a.Requests()))
		}
	}

	// A key with all models may send any body: Franca need not read a model from it.
	a.Reset()
	a.Enqueue(openaifake.JSONReply(200, reply))
	if status, _, got := f.do(t, "POST", "/v1/responses", testKey, "text/plain", "model: o1-pro"); status != 200 || got != reply || string(a.Last(t).Body) != "model: o1-pro" {
		t.Fatalf("all-models key, text body: %d %s", status, got)
	}
}
