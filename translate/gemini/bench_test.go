package gemini

import (
	"encoding/json"
	"testing"

	"github.com/franca-gw/franca/internal/fake/geminifake"
	"github.com/franca-gw/franca/translate/schema"
)

// benchRequestBody is a chat request of about 2 KB: system prompt, a few turns, a tool and
// its result, generation parameters.
const benchRequestBody = `{"model":"gemini","temperature":0.3,"max_tokens":512,"stream":true,"stream_options":{"include_usage":true},
"messages":[
{"role":"system","content":"You are a careful assistant for a travel agency. Answer briefly, in the language of the question, and use the tools when a live fact is needed. Never invent prices; say when you do not know."},
{"role":"user","content":"I am planning a trip to Lisbon in May with two children aged 6 and 9. Which neighbourhoods are good to stay in, and what is the weather usually like?"},
{"role":"assistant","content":"Alfama and Baixa are central and walkable; Belém is quieter and close to museums and parks. May is usually mild and sunny, 17 to 23 °C, with the odd shower."},
{"role":"user","content":"Great. Can you check the current weather there, and the price of the Oceanário for a family?"},
{"role":"assistant","content":null,"tool_calls":[{"id":"call_0_0","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Lisbon\",\"unit\":\"celsius\"}"}},{"id":"call_0_1","type":"function","function":{"name":"get_price","arguments":"{\"venue\":\"Oceanário de Lisboa\",\"tickets\":{\"adult\":2,\"child\":2}}"}}]},
{"role":"tool","tool_call_id":"call_0_0","content":"{\"temperature\":21,\"sky\":\"partly cloudy\",\"wind_kmh\":14}"},
{"role":"tool","tool_call_id":"call_0_1","content":"Family ticket (2 adults, 2 children): 59 EUR; open 10:00-19:00 daily."},
{"role":"user","content":"Thanks! Summarise all of that in three bullet points, please, and add one tip for getting around with kids on public transport."}],
"tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string","description":"City name"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]}}},
{"type":"function","function":{"name":"get_price","description":"Ticket prices for a venue","parameters":{"type":"object","properties":{"venue":{"type":"string"},"tickets":{"type":"object","properties":{"adult":{"type":"integer"},"child":{"type":"integer"}}}},"required":["venue"]}}}],
"tool_choice":"auto"}`

func BenchmarkRequest(b *testing.B) {
	var req schema.ChatRequest
	if err := json.Unmarshal([]byte(benchRequestBody), &req); err != nil {
		b.Fatal(err)
	}
	tr, tg := New(), target()
	b.SetBytes(int64(len(benchRequestBody)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.Request(&req, []byte(benchRequestBody), tg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResponse(b *testing.B) {
	body := []byte(geminifake.ResponseThinking)
	req := &schema.ChatRequest{}
	tr, tg := New(), target()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := tr.Response(body, req, tg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStreamTextEvent measures one text event of a running stream, as Gemini frames it.
func BenchmarkStreamTextEvent(b *testing.B) {
	ev := []byte("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" the quick brown fox jumps over the lazy dog,\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 9,\"totalTokenCount\": 9,\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 9}]},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"mJ7aaPq5Ad6kz7IPq8fE8Q0\"}\r\n\r\n")
	s := New().Stream(&schema.ChatRequest{Stream: true}, target())
	dst := make([]byte, 0, 4096)
	dst, _ = s.Feed(dst, ev) // the first event builds the chunk head
	b.SetBytes(int64(len(ev)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = s.Feed(dst[:0], ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStreamWhole transcodes a whole recorded stream, from a fresh transcoder to [DONE].
func BenchmarkStreamWhole(b *testing.B) {
	in := []byte(geminifake.StreamText)
	req := &schema.ChatRequest{Stream: true, StreamOptions: &schema.StreamOptions{IncludeUsage: true}}
	tr, tg := New(), target()
	dst := make([]byte, 0, 4096)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		s := tr.Stream(req, tg)
		out, err := s.Feed(dst[:0], in)
		if err == nil {
			_, err = s.End(out)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}
