package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// streamTokens is how many one-token events a streamed answer has.
const streamTokens = 100

// words are the tokens the fake upstream answers with, in turn.
var words = [...]string{" The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."}

// upstream is the fake provider every row talks to: OpenAI's chat completions at
// /v1/chat/completions and Anthropic's Messages API at /v1/messages, each whole or as
// server-sent events (one event per token, flushed one by one, no delay). Answers are built
// once; serving one costs a body read and a few writes. It counts requests per path, so
// the driver can check that each gateway sent where it should.
type upstream struct {
	openaiJSON, anthropicJSON []byte
	openaiEvents              [][]byte // without the usage chunk
	openaiUsage               []byte   // the usage chunk, sent when include_usage is set
	anthropicEvents           [][]byte

	mu     sync.Mutex
	counts map[string]*atomic.Int64
}

func newUpstream() *upstream {
	u := &upstream{counts: map[string]*atomic.Int64{}}
	var text strings.Builder
	for i := 0; i < streamTokens; i++ {
		text.WriteString(words[i%len(words)])
	}
	content := strconv.Quote(text.String())
	u.openaiJSON = []byte(`{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-2024-07-18",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":` + content + `,"refusal":null},"logprobs":null,"finish_reason":"stop"}],` +
		`"usage":{"prompt_tokens":250,"completion_tokens":100,"total_tokens":350,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},` +
		`"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},` +
		`"service_tier":"default","system_fingerprint":"fp_bench"}`)
	u.anthropicJSON = []byte(`{"id":"msg_bench","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",` +
		`"content":[{"type":"text","text":` + content + `}],"stop_reason":"end_turn","stop_sequence":null,` +
		`"usage":{"input_tokens":250,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":100,"service_tier":"standard"}}`)

	chunk := func(delta, finish string) []byte {
		return []byte(`data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini-2024-07-18",` +
			`"service_tier":"default","system_fingerprint":"fp_bench","choices":[{"index":0,"delta":` + delta +
			`,"logprobs":null,"finish_reason":` + finish + `}]}` + "\n\n")
	}
	u.openaiEvents = append(u.openaiEvents, chunk(`{"role":"assistant","content":"","refusal":null}`, "null"))
	for i := 0; i < streamTokens; i++ {
		u.openaiEvents = append(u.openaiEvents, chunk(`{"content":`+strconv.Quote(words[i%len(words)])+`}`, "null"))
	}
	u.openaiEvents = append(u.openaiEvents, chunk(`{}`, `"stop"`))
	u.openaiUsage = []byte(`data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini-2024-07-18",` +
		`"service_tier":"default","system_fingerprint":"fp_bench","choices":[],"usage":{"prompt_tokens":250,"completion_tokens":100,"total_tokens":350}}` + "\n\n")

	ev := func(name, data string) []byte { return []byte("event: " + name + "\ndata: " + data + "\n\n") }
	u.anthropicEvents = append(u.anthropicEvents,
		ev("message_start", `{"type":"message_start","message":{"id":"msg_bench","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":250,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}`),
		ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`),
		ev("ping", `{"type": "ping"}`))
	for i := 0; i < streamTokens; i++ {
		u.anthropicEvents = append(u.anthropicEvents,
			ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":`+strconv.Quote(words[i%len(words)])+`}}`))
	}
	u.anthropicEvents = append(u.anthropicEvents,
		ev("content_block_stop", `{"type":"content_block_stop","index":0}`),
		ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":100}}`),
		ev("message_stop", `{"type":"message_stop"}`))
	return u
}

// bodyPool holds buffers for reading request bodies.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/_stats" {
		u.writeStats(w)
		return
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bodyPool.Put(buf)
	if _, err := io.Copy(buf, r.Body); err != nil {
		return
	}
	body := buf.Bytes()
	stream := bytes.Contains(body, []byte(`"stream":true`)) || bytes.Contains(body, []byte(`"stream": true`))
	var whole []byte
	var events [][]byte
	var tail []byte
	switch r.URL.Path {
	case "/v1/chat/completions":
		whole, events = u.openaiJSON, u.openaiEvents
		if bytes.Contains(body, []byte(`"include_usage":true`)) {
			tail = u.openaiUsage
		}
		if stream {
			tail = append(tail[:len(tail):len(tail)], "data: [DONE]\n\n"...)
		}
	case "/v1/messages":
		whole, events = u.anthropicJSON, u.anthropicEvents
	default:
		u.count("other")
		http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	u.count(pathKey(r.URL.Path, stream))
	h := w.Header()
	if !stream {
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{strconv.Itoa(len(whole))}
		w.Write(whole)
		return
	}
	h["Content-Type"] = []string{"text/event-stream"}
	h["Cache-Control"] = []string{"no-cache"}
	f, _ := w.(http.Flusher)
	for _, e := range events {
		if _, err := w.Write(e); err != nil {
			return
		}
		if f != nil {
			f.Flush()
		}
	}
	if len(tail) > 0 {
		w.Write(tail)
	}
}

func pathKey(path string, stream bool) string {
	if stream {
		return path + " stream"
	}
	return path
}

func (u *upstream) count(key string) {
	u.mu.Lock()
	c := u.counts[key]
	if c == nil {
		c = new(atomic.Int64)
		u.counts[key] = c
	}
	u.mu.Unlock()
	c.Add(1)
}

// stats returns the requests served so far, by path (" stream" appended for SSE answers).
func (u *upstream) stats() map[string]int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make(map[string]int64, len(u.counts))
	for k, c := range u.counts {
		out[k] = c.Load()
	}
	return out
}

func (u *upstream) writeStats(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(u.stats())
}
