package gateway

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway/keypool"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

// benchBody is a chat request of about 1.5 KB: a system prompt, three turns and a tool.
const benchBody = `{"model":"claude","messages":[` +
	`{"role":"system","content":"You are a helpful assistant for a travel agency. Answer briefly and politely, in the language of the user. Use the tools when you need live data; never invent prices, opening hours or travel times. When you are unsure, say so and suggest where the traveller can check."},` +
	`{"role":"user","content":"Hi! I am planning a trip to Paris next week with my partner and would like to know what the weather will be like, and which neighbourhoods are good for a first visit."},` +
	`{"role":"assistant","content":"Paris next week should be mild, around 17 to 21 degrees with a chance of rain midweek. For a first visit, Le Marais, Saint-Germain-des-Prés and the Latin Quarter are central, walkable and full of cafés and museums."},` +
	`{"role":"user","content":[{"type":"text","text":"Great, thanks. Could you also suggest three museums that are open on Tuesday evenings, and tell me whether we need to book in advance? We would rather avoid long queues."}]}],` +
	`"tools":[{"type":"function","function":{"name":"get_opening_hours","description":"Opening hours of a venue on a given day.","parameters":{"type":"object","properties":{"venue":{"type":"string","description":"Name of the museum or venue"},"day":{"type":"string","enum":["monday","tuesday","wednesday","thursday","friday","saturday","sunday"]}},"required":["venue","day"]}}}],` +
	`"temperature":0.7,"max_tokens":1024,"stream":true,"stream_options":{"include_usage":true}}`

// benchGateway loads a configuration with 1,000 virtual keys (each allowed a few of 21
// models), an Anthropic model served by two providers with pools of keys at priority 0
// and an OpenAI fallback at priority 1; params adds target parameter overrides.
func benchGateway(b *testing.B, params bool) *Gateway {
	b.Helper()
	p := ""
	if params {
		p = "\n        params: {max_tokens: 512, temperature: 0.2}"
	}
	var s strings.Builder
	s.WriteString(`providers:
  - name: ant-a
    type: anthropic
    base_url: http://127.0.0.1:9
    keys:
      - {id: a1, secret: sk-a1, weight: 3, rpm: 100000000}
      - {id: a2, secret: sk-a2}
  - name: ant-b
    type: anthropic
    base_url: http://127.0.0.1:9
    keys: [{id: b1, secret: sk-b1}]
  - name: oa
    type: openai
    base_url: http://127.0.0.1:9/v1
    keys: [{secret: sk-oa}]
models:
  - name: claude
    strategy: least_inflight
    targets:
      - provider: ant-a
        model: claude-sonnet-4-5
        priority: 0
        weight: 3` + p + `
      - provider: ant-b
        model: claude-sonnet-4-5
        priority: 0` + p + `
      - provider: oa
        model: gpt-4o-mini
        priority: 1
`)
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&s, "  - {name: extra-%02d, targets: [{provider: oa, model: gpt-4o-mini}]}\n", i)
	}
	s.WriteString("virtual_keys:\n")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&s, "  - name: app-%04d\n    hash: %s\n    models: [claude, extra-%02d]\n", i, config.HashKey(fmt.Sprintf("key-%04d", i)), i%20)
		if i%10 == 0 {
			s.WriteString("    expires_at: 2099-01-01T00:00:00Z\n")
		}
	}
	cfg, err := config.Load([]byte(s.String()), nil)
	if err != nil {
		b.Fatal(err)
	}
	g, err := New(cfg, WithClock(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	return g
}

func benchRequest() *Request {
	return &Request{Method: "POST", Path: "/v1/chat/completions",
		Header: translate.Headers{{Name: "Content-Type", Value: "application/json"}, {Name: "Authorization", Value: "Bearer key-0500"}},
		Body:   []byte(benchBody), Now: now}
}

// benchHandle measures what the gateway does for one chat request before the upstream
// call: authentication among 1,000 keys, body decoding, model access, key pick by
// priority and strategy, and translation to Anthropic.
func benchHandle(b *testing.B, params bool) {
	g := benchGateway(b, params)
	r := benchRequest()
	b.SetBytes(int64(len(r.Body)))
	b.ReportAllocs()
	for b.Loop() {
		x := g.Handle(r)
		a := x.Next()
		if a == nil || a.Upstream == nil {
			b.Fatalf("no attempt: %+v", x.Reply)
		}
		a.Close()
	}
}

// BenchmarkHandleChat is auth + routing + translation for a chat request with a
// 1,000-virtual-key configuration.
func BenchmarkHandleChat(b *testing.B) { benchHandle(b, false) }

// BenchmarkHandleChatParams is BenchmarkHandleChat with target parameter overrides.
func BenchmarkHandleChatParams(b *testing.B) { benchHandle(b, true) }

// BenchmarkAuthRoute is the decision alone: authentication among 1,000 keys, model
// access and the key pick, on a request whose body has already been read.
func BenchmarkAuthRoute(b *testing.B) {
	g := benchGateway(b, false)
	r := benchRequest()
	var req schema.ChatRequest
	if err := decodeBody(r.Body, &req, chatShape); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		vk, err := g.authenticate(r.Header, r.Now)
		if err != nil {
			b.Fatal(err)
		}
		rt, err := g.resolve(vk, req.Model)
		if err != nil {
			b.Fatal(err)
		}
		x := &Exchange{g: g, route: rt, deadline: r.Now.Add(time.Minute)}
		c, _, _ := x.pick(r.Now, nil)
		if c == nil {
			b.Fatal("no key")
		}
		g.pool.Done(c.Key, keypool.Outcome{Status: 200}, r.Now)
	}
}

// BenchmarkDecodeChat is the request body decoding alone, as the gateway does it.
func BenchmarkDecodeChat(b *testing.B) {
	body := []byte(benchBody)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var req schema.ChatRequest
		if !decodeChat(body, &req) {
			b.Fatal("not decoded")
		}
	}
}

// BenchmarkDecodeChatJSON is the same decoding by encoding/json, the fallback.
func BenchmarkDecodeChatJSON(b *testing.B) {
	body := []byte(benchBody)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var req schema.ChatRequest
		if err := decodeBody(body, &req, chatShape); err != nil {
			b.Fatal(err)
		}
	}
}

// body2KB is benchBody grown to about 2 KB with one more exchange.
var body2KB = strings.Replace(benchBody, `{"role":"user","content":[{"type":"text"`,
	`{"role":"user","content":"And what about getting around: is the metro the best way, or should we rent bikes? We are staying near the Bastille, a few minutes from the Marché d'Aligre, and will be out late most evenings after dinner."},`+
		`{"role":"assistant","content":"The metro is fast and covers the whole city; a weekly Navigo pass is good value. Vélib' bikes are pleasant along the Seine and the Canal Saint-Martin, and the night buses (Noctilien) run after the last metro, around 1 am; taxis and ride-hailing apps are easy to find near the Bastille too."},`+
		`{"role":"user","content":[{"type":"text"`, 1)

// BenchmarkRequest2KB is request translation of a 2 KB chat body from the client's bytes
// to the provider's: decoding plus each family's translator, then the key's credential.
func BenchmarkRequest2KB(b *testing.B) {
	cfg, err := config.Load([]byte(`providers:
  - {name: openai, type: openai, base_url: "http://127.0.0.1:9/v1", keys: [{secret: sk-o}]}
  - {name: anthropic, type: anthropic, base_url: "http://127.0.0.1:9", keys: [{secret: sk-a}]}
  - {name: gemini, type: gemini, base_url: "http://127.0.0.1:9", keys: [{secret: sk-g}]}
`), nil)
	if err != nil {
		b.Fatal(err)
	}
	g, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(body2KB)
	for _, p := range g.providers {
		b.Run(p.name, func(b *testing.B) {
			tg := &translate.Target{BaseURL: p.base, Model: "model-x"}
			cred := p.keys[0].cred
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var req schema.ChatRequest
				if err := decodeChatBody(body, &req); err != nil {
					b.Fatal(err)
				}
				r, err := p.chat.Request(&req, body, tg)
				if err != nil {
					b.Fatal(err)
				}
				if err := cred.Apply(r, "", time.Time{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
