//go:build !wasip1

package main

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/internal/fake/geminifake"
	"github.com/franca-gw/franca/internal/fake/openaifake"
)

const weatherTool = `"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather of a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]`

// TestTranslatedChat runs chat requests for each provider family, whole and streamed,
// with and without tools, from the client through both filters to the fake provider and
// back. What the provider receives is checked by the fake itself (key, path, version
// header, body shape); what the client gets must be exactly what the core makes of the
// provider's answer.
func TestTranslatedChat(t *testing.T) {
	cases := []struct {
		name, model string
		extra       string // more body fields
		stream      bool
		authority   string
		path        string
		// check looks at what the client got, beyond the comparison with the core.
		check func(t *testing.T, body []byte)
	}{
		{name: "openai", model: "gpt", authority: "api.openai.com", path: "/v1/chat/completions",
			check: contentIs(openaifake.FakeText)},
		{name: "openai stream", model: "gpt", stream: true, extra: `,"stream_options":{"include_usage":true}`, authority: "api.openai.com", path: "/v1/chat/completions",
			check: streamHas(`"content":"Hello`, `"usage":{`)},
		{name: "openai tools", model: "gpt", extra: "," + weatherTool, authority: "api.openai.com", path: "/v1/chat/completions",
			check: toolCalled("get_weather")},
		{name: "anthropic", model: "claude", authority: "api.anthropic.com", path: "/v1/messages",
			check: contentIs(anthropicfake.ReplyText)},
		{name: "anthropic stream", model: "claude", stream: true, authority: "api.anthropic.com", path: "/v1/messages",
			check: streamHas(`"role":"assistant"`, `"finish_reason":"stop"`, "data: [DONE]")},
		{name: "anthropic tools", model: "claude", extra: "," + weatherTool, authority: "api.anthropic.com", path: "/v1/messages",
			check: toolCalled("get_weather")},
		{name: "anthropic tools stream", model: "claude", stream: true, extra: "," + weatherTool, authority: "api.anthropic.com", path: "/v1/messages",
			check: streamHas(`"name":"get_weather"`, `"finish_reason":"tool_calls"`, "data: [DONE]")},
		{name: "gemini", model: "gemini", authority: "generativelanguage.googleapis.com", path: "/v1beta/models/gemini-2.5-flash:generateContent",
			check: contentIs("Hello from the Gemini fake. You said: what is up?")},
		{name: "gemini stream", model: "gemini", stream: true, authority: "generativelanguage.googleapis.com", path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
			check: streamHas(`"role":"assistant"`, "data: [DONE]")},
		{name: "gemini tools", model: "gemini", extra: "," + weatherTool, authority: "generativelanguage.googleapis.com", path: "/v1beta/models/gemini-2.5-flash:generateContent",
			check: toolCalled("get_weather")},
		{name: "gemini tools stream", model: "gemini", stream: true, extra: "," + weatherTool, authority: "generativelanguage.googleapis.com", path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
			check: streamHas(`"name":"get_weather"`, "data: [DONE]")},
	}
	forEachRunner(t, func(t *testing.T, r runner) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				body := `{"model":"` + c.model + `","messages":[{"role":"user","content":"what is up?"}],"max_tokens":50` + c.extra
				if c.stream {
					body += `,"stream":true`
				}
				body += "}"
				q := chatRequest(body)
				q.header = append(q.header, [2]string{"x-request-id", "req-42"}, [2]string{"user-agent", "OpenAI/Python 1.99.0"}, [2]string{"accept-encoding", "gzip"},
					[2]string{"x-envoy-expected-rq-timeout-ms", "15000"}, [2]string{"x-envoy-original-path", "/v1/chat/completions"})
				got, sent, answer := roundTrip(t, r, q)
				if sent == nil {
					t.Fatalf("answered locally: %d %s", got.status, got.body)
				}
				if got.status != 200 {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
				checkSent(t, sent, c.authority, c.path)
				provider := map[string]string{"gpt": "openai", "claude": "anthropic", "gemini": "gemini"}[c.model]
				want := oracle(t, body, provider, answer.Status, answer.Header, whole(answer)).Body
				if normalize(got.body) != normalize(want) {
					t.Fatalf("body:\ngot  %s\nwant %s", got.body, want)
				}
				if c.stream {
					if ct := got.get("content-type"); ct != "text/event-stream" || got.get("content-length") != "" {
						t.Errorf("stream header: %q", got.header)
					}
				} else if ct := got.get("content-type"); ct != "application/json" || got.get("content-length") != itoa(len(got.body)) {
					t.Errorf("header: %q", got.header)
				}
				c.check(t, got.body)
			})
		}
	})
}

// checkSent checks the request the provider got: the translated target, the upstream
// key of the configuration, and nothing of the client's but trace and request ids.
func checkSent(t *testing.T, sent *fake.Recorded, authority, path string) {
	t.Helper()
	if sent.Path != path {
		t.Errorf("path %q, want %q", sent.Path, path)
	}
	if got := sent.Header.Get(":authority"); got != authority {
		t.Errorf(":authority %q, want %q", got, authority)
	}
	if got := sent.Header.Get(":scheme"); got != "https" {
		t.Errorf(":scheme %q", got)
	}
	if sent.Header.Get("x-request-id") != "req-42" {
		t.Errorf("x-request-id not kept: %v", sent.Header)
	}
	for name := range sent.Header {
		if strings.HasPrefix(strings.ToLower(name), "x-envoy-") {
			t.Errorf("%s reaches the provider: %v", name, sent.Header)
		}
	}
	if cl := sent.Header.Get("content-length"); cl != itoa(len(sent.Body)) {
		t.Errorf("content-length %q for %d bytes", cl, len(sent.Body))
	}
	var names []string
	for k, vs := range sent.Header {
		names = append(names, strings.ToLower(k))
		for _, v := range vs {
			if strings.Contains(v, clientKey) {
				t.Errorf("the virtual key reaches the provider in %s", k)
			}
		}
		if strings.HasPrefix(strings.ToLower(k), "x-franca-") {
			t.Errorf("%s reaches the provider", k)
		}
	}
	for _, gone := range []string{"user-agent", "accept-encoding", "api-key"} {
		if sent.Header.Get(gone) != "" {
			t.Errorf("%s reaches the provider", gone)
		}
	}
	sort.Strings(names)
	t.Logf("sent %s %s with %v", sent.Method, sent.Path, names)
}

func itoa(n int) string { return strconv.Itoa(n) }

func contentIs(want string) func(*testing.T, []byte) {
	return func(t *testing.T, body []byte) {
		var resp struct {
			Object  string
			Choices []struct{ Message struct{ Content string } }
		}
		if err := json.Unmarshal(body, &resp); err != nil || resp.Object != "chat.completion" || len(resp.Choices) == 0 {
			t.Fatalf("not a chat completion: %s", body)
		}
		if got := resp.Choices[0].Message.Content; got != want {
			t.Errorf("content %q, want %q", got, want)
		}
	}
}

func toolCalled(name string) func(*testing.T, []byte) {
	return func(t *testing.T, body []byte) {
		var resp struct {
			Choices []struct {
				Message struct {
					ToolCalls []struct {
						Function struct{ Name, Arguments string }
					} `json:"tool_calls"`
				}
				FinishReason string `json:"finish_reason"`
			}
		}
		if err := json.Unmarshal(body, &resp); err != nil || len(resp.Choices) == 0 || len(resp.Choices[0].Message.ToolCalls) == 0 {
			t.Fatalf("no tool call: %s", body)
		}
		c := resp.Choices[0]
		if c.Message.ToolCalls[0].Function.Name != name || c.FinishReason != "tool_calls" || !json.Valid([]byte(c.Message.ToolCalls[0].Function.Arguments)) {
			t.Errorf("tool call: %s", body)
		}
	}
}

func streamHas(parts ...string) func(*testing.T, []byte) {
	return func(t *testing.T, body []byte) {
		for _, p := range parts {
			if !strings.Contains(string(body), p) {
				t.Errorf("stream lacks %s:\n%s", p, body)
			}
		}
		for _, ev := range strings.SplitAfter(string(body), "\n\n") {
			if ev != "" && !strings.HasPrefix(ev, "data: ") {
				t.Errorf("not an OpenAI event: %q", ev)
			}
		}
	}
}

// TestProviderErrors: provider errors reach the client mapped to OpenAI's shape, with
// the status Envoy's retry policy decides on.
func TestProviderErrors(t *testing.T) {
	cases := []struct {
		name, model string
		answer      fake.Reply
		status      int
		code        string
		retryAfter  string
	}{
		{"openai rate limit", "gpt", openaifake.RateLimited(), 429, "rate_limit_exceeded", "1"},
		{"openai server error", "gpt", openaifake.JSONReply(500, openaifake.ErrServer), 500, "", ""},
		{"openai rejects the upstream key", "gpt", openaifake.JSONReply(401, openaifake.ErrInvalidKey), 502, "upstream_authentication_failed", ""},
		{"anthropic overloaded", "claude", anthropicfake.OverloadedReply(), 0, "", ""},
		{"anthropic rate limit", "claude", anthropicfake.RateLimitReply(), 429, "", "20"},
		{"anthropic bad request", "claude", anthropicfake.ErrorReply(400, "invalid_request_error", "messages.0: bad"), 400, "", ""},
		{"gemini bad key", "gemini", geminifake.JSONReply(400, geminifake.ErrorAPIKeyInvalid), 502, "upstream_authentication_failed", ""},
		{"gemini rate limit", "gemini", geminifake.JSONReply(429, geminifake.ErrorRateLimited), 429, "", ""},
		{"gemini unavailable", "gemini", geminifake.JSONReply(503, geminifake.ErrorUnavailable), 503, "", ""},
		// A 403 about the request stays a 403 (which Envoy's retry policy does not retry).
		{"anthropic permission error", "claude", anthropicfake.ErrorReply(403, "permission_error", "Your API key does not have permission to use the specified resource."), 403, "upstream_permission_denied", ""},
		{"gemini permission denied", "gemini", geminifake.JSONReply(403, geminifake.ErrorPermissionDenied), 403, "upstream_permission_denied", ""},
	}
	forEachRunner(t, func(t *testing.T, r runner) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				body := `{"model":"` + c.model + `","messages":[{"role":"user","content":"hi"}],"max_tokens":5}`
				provider := map[string]string{"gpt": "openai", "claude": "anthropic", "gemini": "gemini"}[c.model]
				fwd := forward(t, r, chatRequest(body))
				up := start(t, r, rootUpstream, testConfig(), map[string]string{"cluster_name": provider})
				defer up.stop()
				got, _, _ := up.upstreamRun(t, fwd, func(*fake.Recorded) fake.Reply { return c.answer })
				want := oracle(t, body, provider, c.answer.Status, c.answer.Header, whole(c.answer))
				if string(got.body) != string(want.Body) || got.status != want.Status {
					t.Fatalf("got %d %s\nwant %d %s", got.status, got.body, want.Status, want.Body)
				}
				if c.status != 0 && got.status != c.status {
					t.Errorf("status %d, want %d", got.status, c.status)
				}
				if got.status < 400 {
					t.Errorf("status %d for an error", got.status)
				}
				if c.code != "" && !strings.Contains(string(got.body), `"code":"`+c.code+`"`) {
					t.Errorf("code: %s", got.body)
				}
				if got.get("retry-after") != want.Header.Get("Retry-After") || (c.retryAfter != "" && got.get("retry-after") != c.retryAfter) {
					t.Errorf("retry-after %q, want %q", got.get("retry-after"), want.Header.Get("Retry-After"))
				}
				if got.get("content-type") != "application/json" || got.get("content-length") != itoa(len(got.body)) {
					t.Errorf("header %q", got.header)
				}
				// The provider's own fields stay behind, rate-limit counters among them.
				for _, f := range got.header {
					if strings.HasPrefix(f[0], "x-ratelimit") || strings.HasPrefix(f[0], "anthropic-") {
						t.Errorf("provider field %s passed on", f[0])
					}
				}
			})
		}
	})
}

// TestFailoverAttempts plays Envoy's retry on the next priority of the model's cluster:
// the same forwarded request runs through a fresh upstream filter for each attempt, first
// on an Anthropic host (overloaded), then on an OpenAI one, each host naming its provider
// in its metadata, each attempt translated for its own provider with its own key.
func TestFailoverAttempts(t *testing.T) {
	forEachRunner(t, func(t *testing.T, r runner) {
		body := `{"model":"fallback","messages":[{"role":"user","content":"hi"}],"max_tokens":5}`
		fwd := forward(t, r, chatRequest(body))
		if got := pairs(fwd.header).Get(headerCluster); got != "anthropic+openai" {
			t.Fatalf("cluster %q", got)
		}
		hostProvider := []string{"upstream_host_metadata", "filter_metadata", "franca", "provider"}
		up := start(t, r, rootUpstream, testConfig(), map[string]string{"cluster_name": "anthropic+openai", strings.Join(hostProvider, "."): "anthropic"})
		defer up.stop()
		first, sent, _ := up.upstreamRun(t, fwd, func(*fake.Recorded) fake.Reply { return anthropicfake.OverloadedReply() })
		if sent.Path != "/v1/messages" || sent.Header.Get("x-api-key") != anthropicKey {
			t.Fatalf("first attempt sent %s %v", sent.Path, sent.Header)
		}
		if first.status < 500 {
			t.Fatalf("first attempt: %d, not a status Envoy retries on", first.status)
		}
		if err := up.host.SetProperty(hostProvider, []byte("openai")); err != nil {
			t.Fatal(err)
		}
		second, sent, _ := up.upstreamRun(t, fwd, providers("openai"))
		if sent.Path != "/v1/chat/completions" || sent.Header.Get("authorization") != "Bearer "+openaiKey {
			t.Fatalf("second attempt sent %s %v", sent.Path, sent.Header)
		}
		if second.status != 200 {
			t.Fatalf("second attempt: %d %s", second.status, second.body)
		}
		contentIs(openaifake.FakeText)(t, second.body)
		var u usage
		raw, err := up.host.GetProperty([]string{usageProperty})
		if err != nil || json.Unmarshal(raw, &u) != nil {
			t.Fatalf("usage property: %s %v", raw, err)
		}
		if u.Key != "team" || u.Model != "fallback" || u.Provider != "openai" || u.UpstreamModel != "gpt-4o-mini" || u.UpstreamKey != "oa-1" || u.PromptTokens == 0 {
			t.Errorf("usage %+v", u)
		}
	})
}

// TestProviderOfAttempt: the provider comes from the host's metadata, else its cluster's
// metadata, else the cluster's name; a cluster that maps to no provider is refused.
func TestProviderOfAttempt(t *testing.T) {
	cases := []struct {
		name   string
		props  map[string]string
		path   string
		status int
	}{
		{"endpoint metadata", map[string]string{"cluster_name": "llm-pool", "upstream_host_metadata.filter_metadata.franca.provider": "anthropic", "cluster_metadata.filter_metadata.franca.provider": "openai"}, "/v1/messages", 0},
		{"cluster metadata", map[string]string{"cluster_name": "outbound|443||api.openai.com", "cluster_metadata.filter_metadata.franca.provider": "openai"}, "/v1/chat/completions", 0},
		{"cluster name", map[string]string{"cluster_name": "gemini"}, "/v1beta/models/gemini-2.5-flash:generateContent", 0},
		{"unmapped", map[string]string{"cluster_name": "outbound|443||api.openai.com"}, "", 500},
		{"no cluster", nil, "", 500},
		{"provider not a target", map[string]string{"cluster_name": "deepseek"}, "", 503},
	}
	forEachRunner(t, func(t *testing.T, r runner) {
		fwd := forward(t, r, chatRequest(`{"model":"fallback","messages":[{"role":"user","content":"hi"}],"max_tokens":5}`))
		// The "fallback" model has no Gemini target: that case uses a model that does.
		fwdGemini := forward(t, r, chatRequest(`{"model":"via-deepseek","messages":[{"role":"user","content":"hi"}],"max_tokens":5}`))
		for _, c := range cases {
			f := fwd
			if c.name == "cluster name" || c.name == "provider not a target" {
				f = fwdGemini
			}
			up := start(t, r, rootUpstream, testConfig(), c.props)
			id, sent, local := up.send(t, f)
			up.host.CompleteHttpContext(id)
			up.stop()
			if c.status != 0 {
				if local == nil || local.status != c.status {
					t.Errorf("%s: %+v, want a local %d", c.name, local, c.status)
				}
				continue
			}
			if local != nil || sent.Path != c.path {
				t.Errorf("%s: local %+v, sent %+v", c.name, local, sent)
			}
		}
	})
}

// A request that did not pass the downstream filter carries no key name: the upstream
// filter refuses to put Franca's upstream key on it.
func TestUpstreamRefusesUnauthenticated(t *testing.T) {
	forEachRunner(t, func(t *testing.T, r runner) {
		up := start(t, r, rootUpstream, testConfig(), map[string]string{"cluster_name": "openai"})
		defer up.stop()
		q := chatRequest(`{"model":"gpt","messages":[{"role":"user","content":"hi"}]}`)
		id, _, local := up.send(t, &forwarded{header: q.headers(), body: []byte(q.body)})
		up.host.CompleteHttpContext(id)
		if local == nil || local.status != 403 || !strings.Contains(string(local.body), `"code":"not_authenticated"`) {
			t.Fatalf("got %+v", local)
		}
		// A key name that is not configured is refused too.
		h := append(q.headers(), [2]string{headerKey, "intruder"})
		id, _, local = up.send(t, &forwarded{header: h, body: []byte(q.body)})
		up.host.CompleteHttpContext(id)
		if local == nil || local.status != 401 {
			t.Fatalf("unknown key name: %+v", local)
		}
	})
}

// A request the chosen provider cannot take is the client's to fix: a 400 the upstream
// filter answers itself (Envoy does not retry local replies of upstream filters).
func TestUpstreamTranslationError(t *testing.T) {
	forEachRunner(t, func(t *testing.T, r runner) {
		body := `{"model":"gemini","messages":[{"role":"user","content":"hi"}],"tool_choice":"required"}`
		got, sent, _ := roundTrip(t, r, chatRequest(body))
		if sent != nil || got.status != 400 || !strings.Contains(string(got.body), `"param":"tool_choice"`) {
			t.Fatalf("got %d %s", got.status, got.body)
		}
	})
}

// TestRestingKey: after a 429, the provider's only key rests; the next attempt on that
// provider is answered by the upstream filter with the core's 429 and when to come back,
// without a call to the provider.
func TestRestingKey(t *testing.T) {
	forEachRunner(t, func(t *testing.T, r runner) {
		body := `{"model":"claude","messages":[{"role":"user","content":"hi"}],"max_tokens":5}`
		fwd := forward(t, r, chatRequest(body))
		up := start(t, r, rootUpstream, testConfig(), map[string]string{"cluster_name": "anthropic"})
		defer up.stop()
		first, _, _ := up.upstreamRun(t, fwd, func(*fake.Recorded) fake.Reply { return anthropicfake.RateLimitReply() })
		if first.status != 429 {
			t.Fatalf("first: %d %s", first.status, first.body)
		}
		called := false
		second, sent, _ := up.upstreamRun(t, fwd, func(*fake.Recorded) fake.Reply { called = true; return fake.Reply{} })
		if called || sent != nil {
			t.Fatal("the provider was called with a resting key")
		}
		if second.status != 429 || second.get("retry-after") == "" || !strings.Contains(string(second.body), `"code":"rate_limit_exceeded"`) {
			t.Fatalf("second: %d %q %s", second.status, second.header, second.body)
		}
	})
}
