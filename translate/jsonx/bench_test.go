package jsonx

import "testing"

// benchChunk is an OpenAI stream chunk, the most frequent document the scanner reads.
const benchChunk = `{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"content":" world, and a somewhat longer piece of text"},"logprobs":null,"finish_reason":null}]}`

func BenchmarkEachMember(b *testing.B) {
	data := []byte(benchChunk)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if EachMember(data, func(m Member) bool { n++; return true }) != nil || n != 7 {
			b.Fatal("walk failed")
		}
	}
}

func BenchmarkAppendString(b *testing.B) {
	s := "A line of model output, with \"quotes\", an é and a newline\n."
	dst := make([]byte, 0, 128)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendString(dst[:0], s)
	}
}
