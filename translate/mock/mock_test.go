package mock

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

const created = 1700000000

func chatReq(t *testing.T, raw string) *schema.ChatRequest {
	t.Helper()
	var r schema.ChatRequest
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// idFor computes the expected id: FNV-1a (32 bit) of the messages' JSON, 8 hex digits.
func idFor(t *testing.T, r *schema.ChatRequest) string {
	b, _ := json.Marshal(r.Messages)
	h := fnv.New32a()
	h.Write(b)
	id := "chatcmpl-mock-" + leftPad(strconv.FormatUint(uint64(h.Sum32()), 16))
	if !regexp.MustCompile(`^chatcmpl-mock-[0-9a-f]{8}$`).MatchString(id) {
		t.Fatalf("bad id %q", id)
	}
	return id
}

func leftPad(s string) string { return strings.Repeat("0", 8-len(s)) + s }

func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got invalid JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want invalid JSON %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("\n got: %s\nwant: %s", got, want)
	}
}

func TestChat(t *testing.T) {
	weather := `{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"},"metric":{"type":"boolean"},"tags":{"type":"array"},"opts":{"type":"object"},"unit":{"type":"string","enum":["c","f"]},"note":{"type":["null","string"]},"extra":{"type":"string"}},"required":["city","days","metric","tags","opts","unit","note"]}}}`
	clock := `{"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{}}}}`
	text := func(content string, prompt, n int) string {
		words := len(strings.Fields(content))
		choices := make([]string, n)
		for i := range choices {
			c, _ := json.Marshal(content)
			choices[i] = `{"index":` + strconv.Itoa(i) + `,"message":{"role":"assistant","content":` + string(c) + `},"finish_reason":"stop","logprobs":null}`
		}
		return `{"id":"ID","object":"chat.completion","created":1700000000,"model":"mock-model","choices":[` + strings.Join(choices, ",") +
			`],"usage":{"prompt_tokens":` + strconv.Itoa(prompt) + `,"completion_tokens":` + strconv.Itoa(n*words) + `,"total_tokens":` + strconv.Itoa(prompt+n*words) + `},"system_fingerprint":"fp_mock"}`
	}
	tool := func(name, args string, prompt, completion int) string {
		a, _ := json.Marshal(args)
		return `{"id":"ID","object":"chat.completion","created":1700000000,"model":"mock-model","choices":[{"index":0,"message":{"role":"assistant","content":null,` +
			`"tool_calls":[{"id":"call_mock_0","type":"function","function":{"name":"` + name + `","arguments":` + string(a) + `}}]},"finish_reason":"tool_calls","logprobs":null}],` +
			`"usage":{"prompt_tokens":` + strconv.Itoa(prompt) + `,"completion_tokens":` + strconv.Itoa(completion) + `,"total_tokens":` + strconv.Itoa(prompt+completion) + `},"system_fingerprint":"fp_mock"}`
	}
	long := strings.Repeat("é", 250)
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"echo", `{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi  there\nfriend"}]}`,
			text("Hello from Franca's mock provider. You said: Hi  there\nfriend", 5, 1)},
		{"echo truncated at 200 runes", `{"model":"m","messages":[{"role":"user","content":"` + long + `"}]}`,
			text("Hello from Franca's mock provider. You said: "+strings.Repeat("é", 200), 1, 1)},
		{"text parts joined, images ignored", `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"https://x/y.png"}},{"type":"text","text":"here"}]}]}`,
			text("Hello from Franca's mock provider. You said: look here", 2, 1)},
		{"no user message", `{"model":"m","messages":[{"role":"system","content":"s"}]}`,
			text("Hello from Franca's mock provider.", 1, 1)},
		{"n identical choices", `{"model":"m","n":3,"messages":[{"role":"user","content":"x"}]}`,
			text("Hello from Franca's mock provider. You said: x", 1, 3)},
		{"tool call from required properties", `{"model":"m","messages":[{"role":"user","content":"weather?"}],"tools":[` + weather + `,` + clock + `]}`,
			tool("get_weather", `{"city":"mock","days":0,"metric":false,"tags":[],"opts":{},"unit":"c","note":"mock"}`, 1, 1)},
		{"named tool", `{"model":"m","messages":[{"role":"user","content":"time?"}],"tools":[` + weather + `,` + clock + `],"tool_choice":{"type":"function","function":{"name":"get_time"}}}`,
			tool("get_time", `{}`, 1, 1)},
		{"tool_choice none answers text", `{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[` + clock + `],"tool_choice":"none"}`,
			text("Hello from Franca's mock provider. You said: hi", 1, 1)},
		{"after a tool result, text", `{"model":"m","messages":[{"role":"user","content":"time?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_mock_0","type":"function","function":{"name":"get_time","arguments":"{}"}}]},{"role":"tool","tool_call_id":"call_mock_0","content":"noon"}],"tools":[` + clock + `]}`,
			text("Hello from Franca's mock provider. You said: time?", 2, 1)},
		{"json_object", `{"model":"m","messages":[{"role":"user","content":"json please"}],"response_format":{"type":"json_object"}}`,
			text(`{"mock":true}`, 2, 1)},
		{"json_schema", `{"model":"m","messages":[{"role":"user","content":"json"}],"response_format":{"type":"json_schema","json_schema":{"name":"p","schema":{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"number"}},"required":["name","age"]}}}}`,
			text(`{"name":"mock","age":0}`, 1, 1)},
		{"json_schema without required", `{"model":"m","messages":[{"role":"user","content":"json"}],"response_format":{"type":"json_schema","json_schema":{"name":"p","schema":{"type":"object"}}}}`,
			text(`{"mock":true}`, 1, 1)},
		{"error trigger needs a 4xx or 5xx status", `{"model":"m","messages":[{"role":"user","content":"mock:error 200"}]}`,
			text("Hello from Franca's mock provider. You said: mock:error 200", 2, 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := chatReq(t, tc.raw)
			status, h, body, usage := New().Chat(req, nil, "mock-model", created)
			if status != 200 || !reflect.DeepEqual(h, translate.Headers{{Name: "Content-Type", Value: "application/json"}}) {
				t.Fatalf("status %d header %v", status, h)
			}
			want := strings.Replace(tc.want, `"ID"`, `"`+idFor(t, req)+`"`, 1)
			jsonEqual(t, body, want)
			var parsed schema.ChatResponse
			json.Unmarshal(body, &parsed)
			if !reflect.DeepEqual(usage, parsed.Usage) {
				t.Fatalf("usage %+v, body usage %+v", usage, parsed.Usage)
			}
		})
	}
}

func TestChatIDs(t *testing.T) {
	a := chatReq(t, `{"model":"m","messages":[{"role":"user","content":"one"}]}`)
	b := chatReq(t, `{"model":"other","temperature":1,"messages":[{"role":"user","content":"one"}]}`)
	c := chatReq(t, `{"model":"m","messages":[{"role":"user","content":"two"}]}`)
	id := func(r *schema.ChatRequest) string {
		_, _, body, _ := New().Chat(r, nil, "x", created)
		var resp schema.ChatResponse
		json.Unmarshal(body, &resp)
		return resp.ID
	}
	if id(a) != id(b) || id(a) == id(c) || id(a) != idFor(t, a) {
		t.Fatalf("ids %s %s %s", id(a), id(b), id(c))
	}
}

func TestChatStream(t *testing.T) {
	head := func(id string) string {
		return `data: {"id":"` + id + `","object":"chat.completion.chunk","created":1700000000,"model":"mock-model","choices":[`
	}
	const tail = `],"system_fingerprint":"fp_mock"}` + "\n\n"
	ev := func(id string, index int, delta, finish string) string {
		return head(id) + `{"index":` + strconv.Itoa(index) + `,"delta":` + delta + `,"finish_reason":` + finish + `,"logprobs":null}` + tail
	}
	t.Run("text word by word with usage", func(t *testing.T) {
		req := chatReq(t, `{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}`)
		id := idFor(t, req)
		want := ev(id, 0, `{"role":"assistant","content":""}`, "null")
		for _, w := range []string{"Hello ", "from ", "Franca's ", "mock ", "provider. ", "You ", "said: ", "Hi"} {
			want += ev(id, 0, `{"content":"`+w+`"}`, "null")
		}
		want += ev(id, 0, `{}`, `"stop"`)
		want += `data: {"id":"` + id + `","object":"chat.completion.chunk","created":1700000000,"model":"mock-model","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":8,"total_tokens":9},"system_fingerprint":"fp_mock"}` + "\n\n"
		want += "data: [DONE]\n\n"
		status, h, body, usage := New().Chat(req, nil, "mock-model", created)
		if status != 200 || h.Get("content-type") != "text/event-stream" {
			t.Fatalf("status %d header %v", status, h)
		}
		if string(body) != want {
			t.Fatalf("stream:\n%s\nwant:\n%s", body, want)
		}
		if *usage != (schema.Usage{PromptTokens: 1, CompletionTokens: 8, TotalTokens: 9}) {
			t.Fatalf("usage %+v", usage)
		}
	})
	t.Run("two choices, no usage chunk", func(t *testing.T) {
		req := chatReq(t, `{"model":"m","stream":true,"n":2,"messages":[{"role":"system","content":"s"}]}`)
		id := idFor(t, req)
		want := ev(id, 0, `{"role":"assistant","content":""}`, "null") + ev(id, 1, `{"role":"assistant","content":""}`, "null")
		for _, w := range []string{"Hello ", "from ", "Franca's ", "mock ", "provider."} {
			want += ev(id, 0, `{"content":"`+w+`"}`, "null") + ev(id, 1, `{"content":"`+w+`"}`, "null")
		}
		want += ev(id, 0, `{}`, `"stop"`) + ev(id, 1, `{}`, `"stop"`) + "data: [DONE]\n\n"
		_, _, body, _ := New().Chat(req, nil, "mock-model", created)
		if string(body) != want {
			t.Fatalf("stream:\n%s\nwant:\n%s", body, want)
		}
	})
	t.Run("tool call", func(t *testing.T) {
		req := chatReq(t, `{"model":"m","stream":true,"messages":[{"role":"user","content":"go"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}}}]}`)
		id := idFor(t, req)
		want := ev(id, 0, `{"role":"assistant","tool_calls":[{"index":0,"id":"call_mock_0","type":"function","function":{"name":"f","arguments":""}}]}`, "null") +
			ev(id, 0, `{"tool_calls":[{"index":0,"function":{"arguments":"{\"q\":\"mock\"}"}}]}`, "null") +
			ev(id, 0, `{}`, `"tool_calls"`) + "data: [DONE]\n\n"
		_, _, body, _ := New().Chat(req, nil, "mock-model", created)
		if string(body) != want {
			t.Fatalf("stream:\n%s\nwant:\n%s", body, want)
		}
	})
}

func TestChatErrors(t *testing.T) {
	tests := []struct {
		text   string
		status int
		header translate.Headers
		body   string
	}{
		{"mock:error 429", 429, translate.Headers{{Name: "Content-Type", Value: "application/json"}, {Name: "Retry-After", Value: "1"},
			{Name: "X-Ratelimit-Limit-Requests", Value: "60"}, {Name: "X-Ratelimit-Remaining-Requests", Value: "0"}, {Name: "X-Ratelimit-Reset-Requests", Value: "1s"},
			{Name: "X-Ratelimit-Limit-Tokens", Value: "150000"}, {Name: "X-Ratelimit-Remaining-Tokens", Value: "150000"}, {Name: "X-Ratelimit-Reset-Tokens", Value: "0s"}},
			`{"error":{"message":"The mock provider answers HTTP 429 because the request asked for it (mock:error 429).","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}`},
		{"mock:error 500", 500, translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			`{"error":{"message":"The mock provider answers HTTP 500 because the request asked for it (mock:error 500).","type":"server_error","param":null,"code":null}}`},
		{"mock:error 503", 503, translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			`{"error":{"message":"The mock provider answers HTTP 503 because the request asked for it (mock:error 503).","type":"server_error","param":null,"code":null}}`},
		{"mock:error 401", 401, translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			`{"error":{"message":"The mock provider answers HTTP 401 because the request asked for it (mock:error 401).","type":"authentication_error","param":null,"code":"invalid_api_key"}}`},
		{"mock:error 403", 403, translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			`{"error":{"message":"The mock provider answers HTTP 403 because the request asked for it (mock:error 403).","type":"permission_error","param":null,"code":null}}`},
		{"mock:error 404", 404, translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			`{"error":{"message":"The mock provider answers HTTP 404 because the request asked for it (mock:error 404).","type":"not_found_error","param":null,"code":"model_not_found"}}`},
		{"mock:error 400", 400, translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			`{"error":{"message":"The mock provider answers HTTP 400 because the request asked for it (mock:error 400).","type":"invalid_request_error","param":null,"code":null}}`},
	}
	for _, tc := range tests {
		for _, stream := range []bool{false, true} {
			req := &schema.ChatRequest{Stream: stream, Messages: []schema.Message{{Role: "user", Content: schema.TextContent(tc.text)}}}
			status, h, body, usage := New().Chat(req, nil, "m", created)
			if status != tc.status || !reflect.DeepEqual(h, tc.header) || string(body) != tc.body || usage != nil {
				t.Errorf("%s (stream %v): %d %v %s %v", tc.text, stream, status, h, body, usage)
			}
		}
	}
	for _, n := range []string{"0", "129"} {
		status, _, body, _ := New().Chat(chatReq(t, `{"model":"m","n":`+n+`,"messages":[{"role":"user","content":"x"}]}`), nil, "m", created)
		if status != 400 || !strings.Contains(string(body), `"param":"n"`) {
			t.Errorf("n=%s: %d %s", n, status, body)
		}
	}
}

func decodeB64(t *testing.T, s string) []float32 {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw)%4 != 0 {
		t.Fatalf("base64 %q: %v", s, err)
	}
	v := make([]float32, len(raw)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return v
}

func TestEmbeddings(t *testing.T) {
	emb := func(raw string) (int, []byte, *schema.Usage) {
		var r schema.EmbeddingsRequest
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			t.Fatal(err)
		}
		status, h, body, u := New().Embeddings(&r, nil, "mock-embed")
		if h.Get("content-type") != "application/json" {
			t.Fatalf("header %v", h)
		}
		return status, body, u
	}
	status, body, u := emb(`{"model":"e","input":["the cat","a dog sat"]}`)
	var resp struct {
		Object string `json:"object"`
		Data   []struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		} `json:"data"`
		Model string         `json:"model"`
		Usage map[string]int `json:"usage"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	if resp.Object != "list" || resp.Model != "mock-embed" || len(resp.Data) != 2 ||
		!reflect.DeepEqual(resp.Usage, map[string]int{"prompt_tokens": 5, "total_tokens": 5}) ||
		*u != (schema.Usage{PromptTokens: 5, TotalTokens: 5}) {
		t.Fatalf("%s", body)
	}
	for i, d := range resp.Data {
		if d.Object != "embedding" || d.Index != i || len(d.Embedding) != DefaultDimensions {
			t.Fatalf("item %d: %+v", i, d)
		}
		sum := 0.0
		for _, f := range d.Embedding {
			sum += float64(f) * float64(f)
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Fatalf("item %d not unit length: %v", i, sum)
		}
	}
	if !reflect.DeepEqual(resp.Data[0].Embedding, Vector("the cat", 8)) || reflect.DeepEqual(resp.Data[0].Embedding, resp.Data[1].Embedding) {
		t.Fatal("vectors not derived from the input")
	}
	// base64: the same floats, little-endian float32.
	status, body, _ = emb(`{"model":"e","input":"the cat","encoding_format":"base64","dimensions":16}`)
	var b64 struct {
		Data []struct {
			Embedding string `json:"embedding"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &b64) != nil || status != 200 || len(b64.Data) != 1 {
		t.Fatalf("%d %s", status, body)
	}
	if got := decodeB64(t, b64.Data[0].Embedding); !reflect.DeepEqual(got, Vector("the cat", 16)) {
		t.Fatalf("base64 vector %v", got)
	}
	// Token input counts token ids.
	status, body, u = emb(`{"model":"e","input":[[1,2,3],[4]]}`)
	if status != 200 || u.PromptTokens != 4 || !strings.Contains(string(body), `"index":1`) {
		t.Fatalf("%d %s %+v", status, body, u)
	}
	for raw, want := range map[string]string{
		`{"model":"e","input":["x"],"dimensions":0}`:           `{"error":{"message":"dimensions must be between 1 and 3072","type":"invalid_request_error","param":"dimensions","code":null}}`,
		`{"model":"e","input":["x"],"dimensions":3073}`:        `{"error":{"message":"dimensions must be between 1 and 3072","type":"invalid_request_error","param":"dimensions","code":null}}`,
		`{"model":"e","input":["x"],"encoding_format":"int8"}`: `{"error":{"message":"encoding_format must be \"float\" or \"base64\"","type":"invalid_request_error","param":"encoding_format","code":null}}`,
		`{"model":"e","input":[]}`:                             `{"error":{"message":"input must not be empty","type":"invalid_request_error","param":"input","code":null}}`,
	} {
		status, body, _ := emb(raw)
		if status != 400 || string(body) != want {
			t.Errorf("%s: %d %s", raw, status, body)
		}
	}
	status, body, _ = emb(`{"model":"e","input":["ok","mock:error 429"]}`)
	if status != 429 || !strings.Contains(string(body), "rate_limit_exceeded") {
		t.Fatalf("%d %s", status, body)
	}
}
