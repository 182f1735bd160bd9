package main

import (
	"fmt"
	"strings"

	"github.com/franca-gw/franca/config"
)

// Server kinds.
const (
	kindCaddy   = "caddy"   // bare Caddy reverse_proxy
	kindFranca  = "franca"  // Caddy with the franca handler
	kindPortkey = "portkey" // Portkey's gateway under Node.js
)

// row is one line of the table: a server set up one way and the request sent to it.
type row struct {
	name   string
	what   string
	kind   string
	stream bool
	// floor names the bare-Caddy row this row's ratios are taken against.
	floor string
	// franca is the Franca configuration (YAML) for kindFranca; upstream base URLs are
	// written as UPSTREAM and replaced when the row starts.
	franca string
	// model is the model the client asks for; portkeyProvider the x-portkey-provider.
	model           string
	portkeyProvider string
	// wantPath is where the fake upstream must see the request.
	wantPath string
}

// benchKey is the virtual key the client sends to Franca; in the big key list it is the
// one in the middle.
const benchKey = "sk-franca-bench-key-0500"

// upstreamKey is the provider credential Franca and Portkey send to the fake upstream.
const upstreamKey = "sk-upstream-bench"

// rows are the table's rows, in the order they run.
func rows() []row {
	return []row{
		{name: "caddy", what: "bare Caddy reverse_proxy, OpenAI JSON", kind: kindCaddy, floor: "caddy",
			model: "gpt-4o-mini", wantPath: "/v1/chat/completions"},
		{name: "caddy-stream", what: "bare Caddy reverse_proxy, OpenAI SSE (100 events)", kind: kindCaddy, stream: true, floor: "caddy-stream",
			model: "gpt-4o-mini", wantPath: "/v1/chat/completions stream"},
		{name: "franca-openai", what: "(a) Franca, OpenAI passthrough, virtual key", kind: kindFranca, floor: "caddy",
			franca: openaiConfig, model: "bench-gpt", wantPath: "/v1/chat/completions"},
		{name: "franca-anthropic", what: "(b) Franca, translated to Anthropic", kind: kindFranca, floor: "caddy",
			franca: anthropicConfig, model: "bench-claude", wantPath: "/v1/messages"},
		{name: "franca-anthropic-stream", what: "(c) = (b) streamed (100 events)", kind: kindFranca, stream: true, floor: "caddy-stream",
			franca: anthropicConfig, model: "bench-claude", wantPath: "/v1/messages stream"},
		{name: "franca-policies", what: "(d) = (b) + every policy (1,000 keys, priorities, pools, params)", kind: kindFranca, floor: "caddy",
			franca: policiesConfig(), model: "bench-claude", wantPath: "/v1/messages"},
		{name: "portkey-openai", what: "Portkey 1.15.2, OpenAI, custom host", kind: kindPortkey, floor: "caddy",
			model: "gpt-4o-mini", portkeyProvider: "openai", wantPath: "/v1/chat/completions"},
		{name: "portkey-anthropic", what: "Portkey 1.15.2, translated to Anthropic", kind: kindPortkey, floor: "caddy",
			model: "claude-sonnet-4-5", portkeyProvider: "anthropic", wantPath: "/v1/messages"},
	}
}

// requestBody is the client's chat request: about 1.4 KB, a system prompt, three turns and
// a tool, as an agent or a chat front end sends it.
func requestBody(model string, stream bool) []byte {
	s := `{"model":` + fmt.Sprintf("%q", model) + `,"messages":[` +
		`{"role":"system","content":"You are a helpful assistant for a travel agency. Answer briefly and politely, in the language of the user. Use the tools when you need live data; never invent prices, opening hours or travel times. When you are unsure, say so and suggest where the traveller can check."},` +
		`{"role":"user","content":"Hi! I am planning a trip to Paris next week with my partner and would like to know what the weather will be like, and which neighbourhoods are good for a first visit."},` +
		`{"role":"assistant","content":"Paris next week should be mild, around 17 to 21 degrees with a chance of rain midweek. For a first visit, Le Marais, Saint-Germain-des-Prés and the Latin Quarter are central, walkable and full of cafés and museums."},` +
		`{"role":"user","content":"Great, thanks. Could you also suggest three museums that are open on Tuesday evenings, and tell me whether we need to book in advance? We would rather avoid long queues."}],` +
		`"tools":[{"type":"function","function":{"name":"get_opening_hours","description":"Opening hours of a venue on a given day.","parameters":{"type":"object","properties":{"venue":{"type":"string","description":"Name of the museum or venue"},"day":{"type":"string","enum":["monday","tuesday","wednesday","thursday","friday","saturday","sunday"]}},"required":["venue","day"]}}}],` +
		`"temperature":0.7,"max_tokens":1024`
	if stream {
		s += `,"stream":true,"stream_options":{"include_usage":true}`
	}
	return []byte(s + `}`)
}

// openaiConfig is (a): one OpenAI provider, one model, one virtual key.
var openaiConfig = `providers:
  - name: openai
    type: openai
    base_url: UPSTREAM/v1
    keys:
      - secret: ` + upstreamKey + `
models:
  - name: bench-gpt
    targets:
      - provider: openai
        model: gpt-4o-mini
virtual_keys:
  - name: bench
    hash: ` + config.HashKey(benchKey) + `
`

// anthropicConfig is (b) and (c): one Anthropic provider, one model, one virtual key.
var anthropicConfig = `providers:
  - name: anthropic
    type: anthropic
    base_url: UPSTREAM
    keys:
      - secret: ` + upstreamKey + `
models:
  - name: bench-claude
    targets:
      - provider: anthropic
        model: claude-sonnet-4-5
virtual_keys:
  - name: bench
    hash: ` + config.HashKey(benchKey) + `
`

// policiesConfig is (d): what exists of Franca's policies, all switched on. Two Anthropic
// providers share priority 0 by weight, each with a pool of keys (weights, per-model
// keys, rpm/tpm limits that never bind here), an OpenAI-compatible fallback at priority
// 1, parameter overrides on every target, the least-in-flight strategy, retries,
// cooldowns and breakers tuned, a request size limit, a passthrough provider, 20 more
// models and 1,000 virtual keys with model lists and expiry dates.
func policiesConfig() string {
	var b strings.Builder
	b.WriteString(`providers:
  - name: anthropic-a
    type: anthropic
    base_url: UPSTREAM
    api_version: "2023-06-01"
    headers:
      X-Team: bench
    timeout: 60s
    keys:
      - {id: a1, secret: ` + upstreamKey + `-a1, weight: 3, rpm: 100000000, tpm: 1000000000}
      - {id: a2, secret: ` + upstreamKey + `-a2, weight: 1, rpm: 100000000, models: [claude-sonnet-4-5]}
      - {id: a3, secret: ` + upstreamKey + `-a3}
  - name: anthropic-b
    type: anthropic
    base_url: UPSTREAM
    timeout: 60s
    keys:
      - {id: b1, secret: ` + upstreamKey + `-b1, weight: 2, tpm: 1000000000}
      - {id: b2, secret: ` + upstreamKey + `-b2}
  - name: fallback
    type: openai
    base_url: UPSTREAM/v1
    keys:
      - {secret: ` + upstreamKey + `-f1}
      - {secret: ` + upstreamKey + `-f2}
models:
  - name: bench-claude
    strategy: least_inflight
    targets:
      - provider: anthropic-a
        model: claude-sonnet-4-5
        priority: 0
        weight: 3
        params: {max_tokens: 512, temperature: 0.2}
      - provider: anthropic-b
        model: claude-sonnet-4-5
        priority: 0
        weight: 1
        params: {max_tokens: 512, temperature: 0.2}
      - provider: fallback
        model: gpt-4o-mini
        priority: 1
        params: {max_tokens: 512}
`)
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, "  - {name: extra-%02d, targets: [{provider: fallback, model: gpt-4o-mini}, {provider: anthropic-b, model: claude-haiku-4-5}]}\n", i)
	}
	b.WriteString(`routing:
  max_attempts: 3
  deadline: 30s
  backoff: 100ms
  max_backoff: 2s
  cooldown: 5s
  invalid_cooldown: 10m
  breaker_failures: 5
  breaker_open: 10s
limits:
  max_request_bytes: 1048576
passthrough:
  provider: fallback
virtual_keys:
`)
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, "  - name: app-%04d\n    hash: %s\n    models: [bench-claude, extra-%02d, extra-%02d]\n",
			i, config.HashKey(fmt.Sprintf("sk-franca-bench-key-%04d", i)), i%20, (i+7)%20)
		if i%10 == 0 {
			b.WriteString("    expires_at: 2099-01-01T00:00:00Z\n")
		}
	}
	return b.String()
}

// caddyfile returns the Caddyfile of a Caddy row: bare reverse_proxy to the upstream, or
// the franca handler with its configuration file. The admin API (for pprof) listens on
// its own loopback port.
func caddyfile(r row, port, adminPort int, upstreamAddr, francaPath string) string {
	handler := "\treverse_proxy " + upstreamAddr + "\n"
	if r.kind == kindFranca {
		handler = "\tfranca /v1/* {\n\t\tconfig " + francaPath + "\n\t}\n"
	}
	return fmt.Sprintf(`{
	admin 127.0.0.1:%d
	auto_https off
	persist_config off
}

http://127.0.0.1:%d {
	bind 127.0.0.1
%s}
`, adminPort, port, handler)
}

// portkeyPreload forces every server Node.js starts onto 127.0.0.1: Portkey's start
// script has no host option and would otherwise listen on all interfaces.
const portkeyPreload = `'use strict';
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    if (args.length < 2 || typeof args[1] === 'function') args.splice(1, 0, '127.0.0.1');
    else if (args[1] === undefined || typeof args[1] === 'string') args[1] = '127.0.0.1';
  } else if (args[0] && typeof args[0] === 'object' && !Array.isArray(args[0]) && !('fd' in args[0]) && !('path' in args[0])) {
    args[0] = Object.assign({}, args[0], { host: '127.0.0.1' });
  }
  return listen.apply(this, args);
};
`
