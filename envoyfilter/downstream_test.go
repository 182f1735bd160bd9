//go:build !wasip1

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

const hello = `{"model":"claude","messages":[{"role":"user","content":"hi"}],"max_tokens":20}`

// TestDownstreamLocalReplies: every request the downstream filter answers itself gets an
// exact OpenAI-shaped body and never reaches the router.
func TestDownstreamLocalReplies(t *testing.T) {
	big := `{"model":"claude","messages":[{"role":"user","content":"` + strings.Repeat("x", 5000) + `"}]}`
	cases := []struct {
		name   string
		q      request
		status int
		code   string
	}{
		{"missing key", request{method: "POST", path: "/v1/chat/completions", body: hello}, 401, "missing_api_key"},
		{"bad key", request{method: "POST", path: "/v1/chat/completions", body: hello, header: [][2]string{{"authorization", "Bearer sk-wrong"}}}, 401, "invalid_api_key"},
		{"unknown model", chatRequest(`{"model":"gpt-9","messages":[{"role":"user","content":"hi"}]}`), 404, "model_not_found"},
		{"model not allowed", request{method: "POST", path: "/v1/chat/completions", body: hello, header: [][2]string{{"authorization", "Bearer " + narrowKey}}}, 403, "model_not_allowed"},
		{"bad JSON", chatRequest(`{"model":"claude","messages":[`), 400, "invalid_json"},
		{"wrong type", chatRequest(`{"model":"claude","messages":"hi"}`), 400, "invalid_type"},
		{"oversize", chatRequest(big), 413, "request_too_large"},
		{"refused by a policy", chatRequest(`{"model":"claude","messages":[{"role":"user","content":"hi"}],"max_tokens":5000}`), 400, "invalid_value"},
		{"only unavailable provider", chatRequest(`{"model":"only-deepseek","messages":[{"role":"user","content":"hi"}]}`), 503, "provider_unavailable"},
		{"status without permission", request{method: "GET", path: "/v1/status", header: [][2]string{{"authorization", "Bearer " + clientKey}}}, 403, "permission_denied"},
		{"models list", request{method: "GET", path: "/v1/models", header: [][2]string{{"authorization", "Bearer " + narrowKey}}}, 200, ""},
	}
	forEachRunner(t, func(t *testing.T, r runner) {
		s := start(t, r, rootDownstream, testConfig(), nil)
		defer s.stop()
		for _, c := range cases {
			local, fwd := s.downstreamRun(t, c.q)
			if local == nil {
				t.Errorf("%s: forwarded %q", c.name, fwd.header)
				continue
			}
			// The body is exactly the core's decision for the same request.
			want := coreReply(t, c.q)
			if local.status != c.status || want.Status != c.status || string(local.body) != string(want.Body) {
				t.Errorf("%s: %d %s\nwant %d %s", c.name, local.status, local.body, c.status, want.Body)
			}
			if c.code != "" && !strings.Contains(string(local.body), `"code":"`+c.code+`"`) {
				t.Errorf("%s: %s, want code %s", c.name, local.body, c.code)
			}
			if strings.Contains(string(local.body), "FRANCA_TEST_UNSET_KEY") {
				t.Errorf("%s: the client is told an environment variable's name: %s", c.name, local.body)
			}
			if ct := local.get("content-type"); ct != "application/json" {
				t.Errorf("%s: content-type %q", c.name, ct)
			}
		}
	})
	// The model list of the narrow key, exactly.
	want := `{"object":"list","data":[{"id":"mock-chat","object":"model","created":0,"owned_by":"mock"}]}`
	if got := coreReply(t, cases[len(cases)-1].q); string(got.Body) != want {
		t.Errorf("models: %s", got.Body)
	}
}

// TestDownstreamRefusesAtHeaders: a request without a valid virtual key is answered from
// its header, before any of its body: the filter does not wait for (nor buffer) the body
// of a request it refuses.
func TestDownstreamRefusesAtHeaders(t *testing.T) {
	cases := []struct {
		name   string
		header [][2]string
		want   string
	}{
		{"no key", nil, `{"error":{"message":"You didn't provide an API key. Send your Franca virtual key as 'Authorization: Bearer KEY'.","type":"invalid_request_error","param":null,"code":"missing_api_key"}}`},
		{"bad key", [][2]string{{"authorization", "Bearer sk-wrong"}}, `{"error":{"message":"Incorrect API key provided. Check the Franca virtual key you sent.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`},
	}
	forEachRunner(t, func(t *testing.T, r runner) {
		s := start(t, r, rootDownstream, testConfig(), nil)
		defer s.stop()
		for _, c := range cases {
			id := s.host.InitializeHttpContext()
			h := append([][2]string{{":method", "POST"}, {":path", "/v1/chat/completions"}, {"content-length", "4000"}}, c.header...)
			if a := s.host.CallOnRequestHeaders(id, h, false); a != types.ActionPause {
				t.Fatalf("%s: headers: %v", c.name, a)
			}
			lr := s.host.GetSentLocalResponse(id)
			if lr == nil || lr.StatusCode != 401 || string(lr.Data) != c.want {
				t.Fatalf("%s: no 401 at the headers: %+v", c.name, lr)
			}
			s.host.CompleteHttpContext(id)
		}
	})
}

// An oversized body without content-length is refused as soon as the buffered body
// passes the limit, before it is complete.
func TestDownstreamOversizeWhileBuffering(t *testing.T) {
	forEachRunner(t, func(t *testing.T, r runner) {
		s := start(t, r, rootDownstream, testConfig(), nil)
		defer s.stop()
		id := s.host.InitializeHttpContext()
		h := [][2]string{{":method", "POST"}, {":path", "/v1/chat/completions"}, {"authorization", "Bearer " + clientKey}}
		if a := s.host.CallOnRequestHeaders(id, h, false); a != types.ActionPause {
			t.Fatalf("headers: %v", a)
		}
		if a := s.host.CallOnRequestBody(id, []byte(strings.Repeat("x", 3000)), false); a != types.ActionPause || s.host.GetSentLocalResponse(id) != nil {
			t.Fatalf("first 3000 bytes: %v", a)
		}
		s.host.CallOnRequestBody(id, []byte(strings.Repeat("x", 3000)), false)
		lr := s.host.GetSentLocalResponse(id)
		if lr == nil || lr.StatusCode != 413 {
			t.Fatalf("local reply %+v", lr)
		}
		s.host.CompleteHttpContext(id)
	})
}

func TestDownstreamMockAnsweredLocally(t *testing.T) {
	forEachRunner(t, func(t *testing.T, r runner) {
		s := start(t, r, rootDownstream, testConfig(), nil)
		defer s.stop()
		local, _ := s.downstreamRun(t, chatRequest(`{"model":"mock-chat","messages":[{"role":"user","content":"ping"}]}`))
		if local == nil || local.status != 200 {
			t.Fatalf("mock: %+v", local)
		}
		var resp struct {
			Object  string
			Choices []struct{ Message struct{ Content string } }
		}
		if err := json.Unmarshal(local.body, &resp); err != nil || resp.Object != "chat.completion" || len(resp.Choices) != 1 || resp.Choices[0].Message.Content == "" {
			t.Fatalf("mock body: %s", local.body)
		}
	})
}

// TestDownstreamForwards: a routable request goes on with the cluster chosen, the key's
// name and the model, without the client's credential and with any x-franca-* header
// the client tried to set replaced.
func TestDownstreamForwards(t *testing.T) {
	cases := []struct {
		name    string
		q       request
		cluster string
		model   string
	}{
		{"one target", chatRequest(hello), "anthropic", "claude"},
		{"fallback", chatRequest(`{"model":"fallback","messages":[{"role":"user","content":"hi"}]}`), "anthropic+openai", "fallback"},
		{"unavailable first", chatRequest(`{"model":"via-deepseek","messages":[{"role":"user","content":"hi"}]}`), "gemini", "via-deepseek"},
		{"azure-style key", request{method: "POST", path: "/openai/v1/chat/completions", body: `{"model":"gpt","messages":[{"role":"user","content":"hi"}]}`,
			header: [][2]string{{"api-key", clientKey}, {"x-franca-cluster", "evil"}, {"x-franca-key", "admin"}}}, "openai", "gpt"},
	}
	forEachRunner(t, func(t *testing.T, r runner) {
		s := start(t, r, rootDownstream, testConfig(), nil)
		defer s.stop()
		for _, c := range cases {
			local, fwd := s.downstreamRun(t, c.q)
			if local != nil {
				t.Errorf("%s: answered %d %s", c.name, local.status, local.body)
				continue
			}
			h := pairs(fwd.header)
			if got := h.Get(headerCluster); got != c.cluster {
				t.Errorf("%s: cluster %q, want %q", c.name, got, c.cluster)
			}
			if got := h.Get(headerKey); got != "team" {
				t.Errorf("%s: key %q", c.name, got)
			}
			if got := h.Get(headerModel); got != c.model {
				t.Errorf("%s: model %q", c.name, got)
			}
			for _, f := range fwd.header {
				if f[0] == "authorization" || f[0] == "api-key" || strings.Contains(f[1], clientKey) {
					t.Errorf("%s: the client's credential goes on: %q", c.name, f)
				}
			}
			n := 0
			for _, f := range fwd.header {
				if f[0] == headerCluster {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s: %d %s fields", c.name, n, headerCluster)
			}
			if string(fwd.body) != c.q.body {
				t.Errorf("%s: body changed: %s", c.name, fwd.body)
			}
		}
	})
}

// TestDownstreamReshapesProxyErrors: Envoy's own plain-text answers (no healthy
// upstream, unknown cluster) reach the client in OpenAI's error shape; JSON and event
// streams pass untouched.
func TestDownstreamReshapesProxyErrors(t *testing.T) {
	forEachRunner(t, func(t *testing.T, r runner) {
		s := start(t, r, rootDownstream, testConfig(), nil)
		defer s.stop()
		run := func(status, ct, body string) (int, string) {
			id := s.host.InitializeHttpContext()
			defer s.host.CompleteHttpContext(id)
			s.host.CallOnRequestHeaders(id, chatRequest(hello).headers(), false)
			s.host.CallOnRequestBody(id, []byte(hello), true)
			h := [][2]string{{":status", status}, {"content-type", ct}, {"content-length", "19"}}
			s.host.CallOnResponseHeaders(id, h, false)
			s.host.CallOnResponseBody(id, []byte(body), true)
			out := pairs(s.host.GetCurrentResponseHeaders(id))
			if out.Get("content-length") == "" {
				t.Errorf("%s: no content-length", status)
			}
			return len(s.host.GetCurrentResponseBody(id)), string(s.host.GetCurrentResponseBody(id))
		}
		_, got := run("503", "text/plain", "no healthy upstream")
		want := `{"error":{"message":"Envoy answered 503: no healthy upstream","type":"server_error","param":null,"code":"upstream_unreachable"}}`
		if got != want {
			t.Errorf("503:\ngot  %s\nwant %s", got, want)
		}
		_, got = run("504", "text/plain", "upstream request timeout")
		if !strings.Contains(got, `"code":"upstream_timeout"`) {
			t.Errorf("504: %s", got)
		}
		passed := `{"error":{"message":"x","type":"rate_limit_error","param":null,"code":null}}`
		if _, got = run("429", "application/json", passed); got != passed {
			t.Errorf("JSON error changed: %s", got)
		}
	})
}

// TestDownstreamPerTryTimeout: the lead provider's first_byte_timeout goes to Envoy's
// router as the request's per-try timeout; a provider without one sets none.
func TestDownstreamPerTryTimeout(t *testing.T) {
	cfg := strings.Replace(string(testConfig()), `{"name": "anthropic", "type": "anthropic",`, `{"name": "anthropic", "type": "anthropic", "first_byte_timeout": "1500ms",`, 1)
	cases := []struct {
		name, body, want string
	}{
		{"lead has one", hello, "1500"},
		{"fallback led by it", `{"model":"fallback","messages":[{"role":"user","content":"hi"}]}`, "1500"},
		{"none", `{"model":"gpt","messages":[{"role":"user","content":"hi"}]}`, ""},
	}
	forEachRunner(t, func(t *testing.T, r runner) {
		s := start(t, r, rootDownstream, []byte(cfg), nil)
		defer s.stop()
		for _, c := range cases {
			local, fwd := s.downstreamRun(t, chatRequest(c.body))
			if local != nil {
				t.Fatalf("%s: answered %d %s", c.name, local.status, local.body)
			}
			n := 0
			for _, f := range fwd.header {
				if f[0] == headerPerTry {
					n++
				}
			}
			if got := pairs(fwd.header).Get(headerPerTry); got != c.want || n > 1 {
				t.Errorf("%s: %s %q (%d fields), want %q", c.name, headerPerTry, got, n, c.want)
			}
		}
	})
}
