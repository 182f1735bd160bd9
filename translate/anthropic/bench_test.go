package anthropic

import (
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/translate/event"
	"github.com/franca-gw/franca/translate/openaisse"
)

// benchRequest is a chat request of about 2 KB: a system prompt, a few turns, a tool
// call and its result, and two tools.
const benchRequest = `{"model":"claude","messages":[
{"role":"system","content":"You are a helpful assistant for a travel agency. Answer briefly and politely, in the language of the user. Use the tools when you need live data; never invent prices or times."},
{"role":"user","content":"Hi! I am planning a trip to Paris next week and would like to know what the weather will be like, and what time it is there right now."},
{"role":"assistant","content":"","tool_calls":[{"id":"toolu_01A09q90qw90lq917835lq9","type":"function","function":{"name":"get_weather","arguments":"{\"location\": \"Paris, France\", \"unit\": \"celsius\"}"}},{"id":"toolu_01B8Vq2rBD3hAfJ2mV6f5hqX","type":"function","function":{"name":"get_time","arguments":"{\"timezone\": \"Europe/Paris\"}"}}]},
{"role":"tool","tool_call_id":"toolu_01A09q90qw90lq917835lq9","content":"{\"forecast\":[{\"day\":\"Mon\",\"high\":21,\"low\":12,\"sky\":\"sunny\"},{\"day\":\"Tue\",\"high\":19,\"low\":11,\"sky\":\"cloudy\"},{\"day\":\"Wed\",\"high\":17,\"low\":10,\"sky\":\"rain\"}]}"},
{"role":"tool","tool_call_id":"toolu_01B8Vq2rBD3hAfJ2mV6f5hqX","content":"14:03"},
{"role":"assistant","content":"It is 14:03 in Paris. Next week starts sunny at 21°C, turning cloudy and then rainy by Wednesday, with lows around 10-12°C. Pack a light jacket and an umbrella!"},
{"role":"user","content":[{"type":"text","text":"Great, thanks. Could you also suggest three museums that are open on Tuesday evenings, and tell me whether I need to book in advance?"}]}],
"tools":[{"type":"function","function":{"name":"get_weather","description":"Get the weather forecast for a location.","parameters":{"type":"object","properties":{"location":{"type":"string","description":"City and country, e.g. Paris, France"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["location"]}}},
{"type":"function","function":{"name":"get_time","description":"Get the current local time in a timezone.","parameters":{"type":"object","properties":{"timezone":{"type":"string","description":"IANA timezone, e.g. Europe/Paris"}},"required":["timezone"]}}}],
"tool_choice":"auto","temperature":0.7,"max_completion_tokens":1024,"user":"user-1234","stream":true,"stream_options":{"include_usage":true}}`

func BenchmarkRequest(b *testing.B) {
	req := parseRequest(b, benchRequest)
	tg := target()
	tr := New()
	b.SetBytes(int64(len(benchRequest)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.Request(req, nil, tg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResponse(b *testing.B) {
	req := parseRequest(b, plainReq)
	tg := target()
	tr := New()
	body := []byte(anthropicfake.ToolUseMessage)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := tr.Response(body, req, tg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStreamTextDelta measures one content_block_delta text event, the bulk of
// every stream; ns/op and allocs/op are per event.
func BenchmarkStreamTextDelta(b *testing.B) {
	benchDelta(b, plainReq, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" the quick brown fox\"}}\n\n")
}

// BenchmarkStreamToolDelta measures one input_json_delta event of a tool call.
func BenchmarkStreamToolDelta(b *testing.B) {
	benchDelta(b, plainReq, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"location\\\": \\\"Par\"}}\n\n")
}

// BenchmarkStreamTextDeltaFiltered is BenchmarkStreamTextDelta through a filter that
// passes every event on: the cost of the filter seam.
func BenchmarkStreamTextDeltaFiltered(b *testing.B) {
	benchDelta(b, plainReq, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" the quick brown fox\"}}\n\n",
		event.FilterFunc(func(e *event.Event, next event.Sink) error { return next.Event(e) }))
}

func benchDelta(b *testing.B, req, ev string, filters ...event.Filter) {
	r := parseRequest(b, req)
	s := openaisse.NewStream(New().StreamDecoder(r, target()), r.IncludeUsage(), filters...)
	start := anthropicfake.ToolUseStream[:strings.Index(anthropicfake.ToolUseStream, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1")]
	out, err := s.Feed(nil, []byte(start))
	if err != nil {
		b.Fatal(err)
	}
	in := []byte(ev)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if out, err = s.Feed(out[:0], in); err != nil || len(out) == 0 {
			b.Fatal(err, len(out))
		}
	}
}

// BenchmarkStreamRecorded transcodes a whole recorded stream; the metric ns/event is the
// mean per upstream event, stream setup included.
func BenchmarkStreamRecorded(b *testing.B) {
	req := parseRequest(b, usageReq)
	tg := target()
	tr := New()
	in := []byte(anthropicfake.ToolUseStream)
	events := strings.Count(anthropicfake.ToolUseStream, "\n\n")
	out := make([]byte, 0, 8192)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		s := tr.Stream(req, tg)
		var err error
		if out, err = s.Feed(out[:0], in); err != nil {
			b.Fatal(err)
		}
		if out, err = s.End(out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(events), "ns/event")
}
