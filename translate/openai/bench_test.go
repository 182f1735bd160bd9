package openai

import (
	"strings"
	"testing"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/event"
	"github.com/franca-gw/franca/translate/openaisse"
	"github.com/franca-gw/franca/translate/schema"
)

// body2KB is a chat request of about 2 KB: a system prompt, a few turns, one tool.
func body2KB(extra string) string {
	long := strings.Repeat("Franca translates requests between providers. ", 18)
	return `{"model":"fast","messages":[{"role":"system","content":"` + long + `"},` +
		`{"role":"user","content":"` + long + `"},{"role":"assistant","content":"Sure."},` +
		`{"role":"user","content":[{"type":"text","text":"` + long[:400] + `"}]}],` +
		`"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}}],` +
		`"temperature":0.3,"stream":true` + extra + `}`
}

func benchRequest(b *testing.B, preset, raw string) {
	tr := mustNew(b, preset)
	req := mustChat(b, raw)
	tg := &translate.Target{Model: "gpt-4o-mini"}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tr.Request(req, []byte(raw), tg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRequest measures the byte path: model replaced, stream_options added.
func BenchmarkRequest(b *testing.B) { benchRequest(b, "", body2KB("")) }

// BenchmarkRequestQuirks measures a preset check without edits (groq).
func BenchmarkRequestQuirks(b *testing.B) { benchRequest(b, "groq", body2KB(`,"seed":1`)) }

// BenchmarkRequestEdit measures the decoded path (mistral renames seed).
func BenchmarkRequestEdit(b *testing.B) { benchRequest(b, "mistral", body2KB(`,"seed":1`)) }

func BenchmarkResponse(b *testing.B) {
	body := []byte(`{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"` +
		strings.Repeat("word ", 150) + `","refusal":null},"logprobs":null,"finish_reason":"stop"}],` +
		`"usage":{"prompt_tokens":5,"completion_tokens":150,"total_tokens":155,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"system_fingerprint":"fp_1"}`)
	tr := mustNew(b, "")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := tr.Response(body, nil, &translate.Target{}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchStream(b *testing.B, ev string, includeUsage bool, filters ...event.Filter) {
	tr := mustNew(b, "")
	req := &schema.ChatRequest{Stream: true}
	if includeUsage {
		req.StreamOptions = &schema.StreamOptions{IncludeUsage: true}
	}
	s := openaisse.NewStream(tr.StreamDecoder(req, &translate.Target{}), includeUsage, filters...)
	in := []byte(ev)
	dst := make([]byte, 0, 4096)
	var err error
	if dst, err = s.Feed(dst[:0], in); err != nil { // the first chunk records the id
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if dst, err = s.Feed(dst[:0], in); err != nil {
			b.Fatal(err)
		}
	}
}

const benchChunk = `{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}]`

// BenchmarkStreamEvent is one content event passed through (the client asked for
// usage, so nothing is cut).
func BenchmarkStreamEvent(b *testing.B) { benchStream(b, "data: "+benchChunk+"}\n\n", true) }

// BenchmarkStreamEventTyped is BenchmarkStreamEvent with a filter that looks at every
// event, so that the chunk's typed events are read out of it.
func BenchmarkStreamEventTyped(b *testing.B) {
	benchStream(b, "data: "+benchChunk+"}\n\n", true, event.FilterFunc(func(e *event.Event, next event.Sink) error {
		return next.Event(e)
	}))
}

// BenchmarkStreamEventStrip is one content event whose "usage":null member is cut.
func BenchmarkStreamEventStrip(b *testing.B) {
	benchStream(b, "data: "+benchChunk+`,"usage":null}`+"\n\n", false)
}
