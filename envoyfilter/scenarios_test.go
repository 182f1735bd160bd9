//go:build !wasip1

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/internal/caddytest"
	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/translate/schema"
)

// The scenario table: one exchange each — a success, every way an attempt fails, a
// client leaving at each stage, a malformed stream — run through Caddy (in this process,
// with a fake Anthropic behind it) and through the Envoy filter (both roots, on both
// runners, with the test playing Envoy's router and the provider). Both must give the
// client the same bytes and record the request the same way; each record is also
// compared with the table's.

// scenarioConfig is the configuration of every scenario, for both gateways.
const scenarioConfig = `
providers:
  - name: anthropic
    type: anthropic
    base_url: {{BASE_URL}}
    keys: [{id: ant-1, secret: sk-ant-scenario-1}, {id: ant-2, secret: sk-ant-scenario-2}]
{{FIRST_BYTE}}models:
  - name: claude
    targets: [{provider: anthropic, model: ` + anthropicfake.Model + `}]
virtual_keys:
  - {name: app, hash: "{{KEY_HASH}}"}
routing: {max_attempts: {{MAX_ATTEMPTS}}, backoff: 1ms, max_backoff: 1ms, breaker_failures: 100}
policies: [{name: cap, type: max_output_tokens, options: {limit: 1000}}]
`

const scenarioKey = "sk-franca-scenario-0123456789"

// leave says when the client goes away.
type leave int

const (
	stays           leave = iota
	afterFirstEvent       // once the first event of the answer has arrived
	beforeAnswer          // while the provider has not answered
)

// scenario is one row of the table.
type scenario struct {
	name   string
	stream bool
	// replies are the provider's answers to the attempts, in order. A reply with
	// Hijack and no Chunks never comes: the provider keeps the request until the client
	// has gone.
	replies []fake.Reply
	client  leave
	// maxTokens is the request's max_tokens; 0 means 64.
	maxTokens int
	// status is the client's status (when it stays).
	status int
	// record is the request's record, in recordLine's form.
	record string
	// envoyCut is set when the provider cuts a started stream: Envoy resets the client's
	// stream too, so the client gets the events so far without Franca's error event.
	envoyCut bool
	// timeout is set when the provider never answers and the attempt's timeout ends it:
	// Caddy's first_byte_timeout, Envoy's per-try timeout (Envoy answers its own 504,
	// which the downstream filter reshapes; its message is Envoy's, so only the status
	// and the code are compared). Such a scenario makes one attempt.
	timeout bool
}

// config returns the scenario's configuration.
func (sc *scenario) config(baseURL string) string {
	firstByte, attempts := "", "2"
	if sc.timeout {
		firstByte, attempts = "    first_byte_timeout: 200ms\n", "1"
	}
	return strings.NewReplacer("{{BASE_URL}}", baseURL, "{{KEY_HASH}}", config.HashKey(scenarioKey),
		"{{FIRST_BYTE}}", firstByte, "{{MAX_ATTEMPTS}}", attempts).Replace(scenarioConfig)
}

var hang = fake.Reply{Hijack: true}

func scenarios() []scenario {
	head := anthropicfake.TextStream[:strings.Index(anthropicfake.TextStream, "event: content_block_delta")]
	malformed := head + "event: content_block_delta\ndata: {\"type\": \"content_block_delta\", \"index\": 0, \"delta\": \n\n"
	stream := func(s string) fake.Reply {
		return fake.Reply{Header: anthropicfake.StreamHeaders(), Chunks: fake.SSE(s, 64)}
	}
	message := anthropicfake.JSONReply(string(anthropicfake.Message(anthropicfake.Model, "Hi there")))
	overloaded := anthropicfake.OverloadedReply()
	rejected := anthropicfake.ErrorReply(401, "authentication_error", "invalid x-api-key")
	cut := stream(head)
	cut.Hijack = true
	return []scenario{
		{name: "ok", replies: []fake.Reply{message}, status: 200,
			record: "200 ok usage=25/12 | ant-1 200 ok 25/12"},
		{name: "stream ok", stream: true, replies: []fake.Reply{stream(anthropicfake.TextStream)}, status: 200,
			record: "200 ok usage=25/15 | ant-1 200 ok 25/15"},
		{name: "rate limited, then ok", replies: []fake.Reply{anthropicfake.RateLimitReply(), message}, status: 200,
			record: "200 ok usage=25/12 | ant-1 429 upstream_error | ant-2 200 ok 25/12"},
		{name: "upstream key rejected, then ok", stream: true, replies: []fake.Reply{rejected, stream(anthropicfake.TextStream)}, status: 200,
			record: "200 ok usage=25/15 | ant-1 401 upstream_error | ant-2 200 ok 25/15"},
		{name: "overloaded twice", replies: []fake.Reply{overloaded, overloaded}, status: 503,
			record: "503 upstream_error code=overloaded | ant-1 529 upstream_error | ant-2 529 upstream_error"},
		{name: "malformed stream", stream: true, replies: []fake.Reply{stream(malformed)}, status: 200,
			record: "200 malformed usage=25/1 | ant-1 200 malformed 25/1"},
		{name: "stream cut by the provider", stream: true, replies: []fake.Reply{cut}, status: 200, envoyCut: true,
			record: "200 stream_cut usage=25/1 | ant-1 200 stream_cut 25/1"},
		{name: "client leaves mid-stream", stream: true, replies: []fake.Reply{stream(head)}, client: afterFirstEvent,
			record: "200 client_gone usage=25/1 | ant-1 200 client_gone 25/1"},
		{name: "client leaves before the answer", replies: []fake.Reply{hang}, client: beforeAnswer,
			record: "499 client_gone | ant-1 0 client_gone"},
		{name: "refused by a policy", maxTokens: 5000, status: 400,
			record: "400 refused code=invalid_value policy=cap"},
		{name: "no answer in time", replies: []fake.Reply{hang}, status: 504, timeout: true,
			record: "504 timeout code=upstream_timeout | ant-1 0 timeout"},
	}
}

// outcome is what one gateway did with a scenario: what the client got and the record.
type outcome struct {
	status      int
	contentType string
	body        string
	record      string
}

func TestScenariosAgree(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			c := runCaddy(t, sc)
			if c.record != sc.record {
				t.Errorf("caddy record:\n  %s\nwant\n  %s", c.record, sc.record)
			}
			if sc.client == stays && c.status != sc.status {
				t.Errorf("caddy status %d, want %d: %s", c.status, sc.status, c.body)
			}
			forEachWorkerRunner(t, func(t *testing.T, r workerRunner) {
				e := runEnvoy(t, r, sc)
				if e.record != c.record {
					t.Errorf("envoy record:\n  %s\ncaddy's:\n  %s", e.record, c.record)
				}
				if sc.client != stays {
					return
				}
				want := c
				if sc.envoyCut {
					// Envoy resets the client's stream when the upstream's breaks: no
					// error event can follow the events already sent.
					want.body = want.body[:strings.LastIndex(want.body, "data: {\"error\"")]
				}
				if sc.timeout {
					// Envoy's own 504, reshaped: the same status and code, Envoy's message.
					want.body, e.body = errorCodeOf(want.body), errorCodeOf(e.body)
				}
				if e.status != want.status || e.contentType != want.contentType || e.body != want.body {
					t.Errorf("envoy gave the client\n  %d %s %q\ncaddy gave\n  %d %s %q", e.status, e.contentType, e.body, want.status, want.contentType, want.body)
				}
			})
		})
	}
}

// requestBody is the client's request of a scenario.
func (sc *scenario) requestBody() string {
	n := sc.maxTokens
	if n == 0 {
		n = 64
	}
	return `{"model":"claude","max_tokens":` + strconv.Itoa(n) + `,"stream":` + strconv.FormatBool(sc.stream) + `,"messages":[{"role":"user","content":"Hello"}]}`
}

// created matches the creation times in OpenAI bodies, which differ between runs.
var created = regexp.MustCompile(`"created":[0-9]+`)

func zeroCreated(b string) string { return created.ReplaceAllString(b, `"created":0`) }

// recordLine renders a record: the client's status and the request's outcome, its code
// and usage, then each attempt's key, status, outcome and usage. Error texts are left
// out: they say what the transport said, which differs between Caddy and Envoy.
func recordLine(r *gateway.Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", r.Status, r.Outcome)
	if r.Code != "" {
		fmt.Fprintf(&b, " code=%s", r.Code)
	}
	if r.Policy != "" {
		fmt.Fprintf(&b, " policy=%s", r.Policy)
	}
	if u := r.Usage; u != nil {
		fmt.Fprintf(&b, " usage=%d/%d", u.PromptTokens, u.CompletionTokens)
	}
	for _, a := range r.Attempts {
		fmt.Fprintf(&b, " | %s %d %s", a.KeyID, a.Status, a.Outcome)
		if u := a.Usage; u != nil {
			fmt.Fprintf(&b, " %d/%d", u.PromptTokens, u.CompletionTokens)
		}
	}
	return b.String()
}

// runCaddy runs sc through Caddy with Franca, in this process.
func runCaddy(t *testing.T, sc scenario) outcome {
	t.Helper()
	var mu sync.Mutex
	replies := sc.replies
	gone := make(chan struct{}, len(replies))
	up := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		var reply fake.Reply
		if len(replies) > 0 {
			reply, replies = replies[0], replies[1:]
		} else {
			reply = fake.Reply{Status: 500, Body: []byte(`{"error":"no reply scripted"}`)}
		}
		mu.Unlock()
		if reply.Hijack && len(reply.Chunks) == 0 {
			<-r.Context().Done() // never answers
			gone <- struct{}{}
			return
		}
		fake.Write(w, reply)
		if sc.client == afterFirstEvent {
			<-r.Context().Done() // the rest of the answer never comes before the client leaves
			gone <- struct{}{}
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go up.Serve(ln)
	defer up.Close()

	site := caddytest.Adapt(t, sc.config("http://"+ln.Addr().String()), true)
	site.Start(t)
	defer caddy.Stop()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", site.URL+"/v1/chat/completions", strings.NewReader(sc.requestBody()))
	req.Header.Set("Authorization", "Bearer "+scenarioKey)
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	var out outcome
	switch sc.client {
	case stays:
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = outcome{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: zeroCreated(string(b))}
	case afterFirstEvent:
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if line, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil || !strings.HasPrefix(line, "data: ") {
			t.Fatalf("first event: %q %v", line, err)
		}
		cancel()
		resp.Body.Close()
		<-gone
	case beforeAnswer:
		done := make(chan struct{})
		go func() {
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
			close(done)
		}()
		waitForRequest(t, &mu, &replies, len(sc.replies))
		cancel()
		<-done
		<-gone
	}
	out.record = caddyRecord(t, site.LogPath)
	return out
}

// waitForRequest waits until the provider has taken n replies off the script.
func waitForRequest(t *testing.T, mu *sync.Mutex, replies *[]fake.Reply, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		mu.Lock()
		left := len(*replies)
		mu.Unlock()
		if left == 0 {
			return
		}
	}
	t.Fatalf("the provider did not get the request (%d replies scripted)", n)
}

// caddyRecord reads Franca's access log line from Caddy's log and renders it as
// recordLine does, waiting for it to be written.
func caddyRecord(t *testing.T, logPath string) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		data, _ := os.ReadFile(logPath)
		for _, l := range strings.Split(string(data), "\n") {
			var line struct {
				Msg      string                  `json:"msg"`
				Logger   string                  `json:"logger"`
				Status   int                     `json:"status"`
				Outcome  gateway.Outcome         `json:"outcome"`
				Code     string                  `json:"code"`
				Policy   string                  `json:"policy"`
				Prompt   *int                    `json:"prompt_tokens"`
				Complete int                     `json:"completion_tokens"`
				Attempts []gateway.AttemptRecord `json:"attempts"`
			}
			if json.Unmarshal([]byte(l), &line) != nil || line.Msg != "request" || line.Logger != "http.handlers.franca" {
				continue
			}
			r := &gateway.Record{Status: line.Status, Outcome: line.Outcome, Code: line.Code, Policy: line.Policy, Attempts: line.Attempts}
			if line.Prompt != nil {
				r.Usage = usageOf(*line.Prompt, line.Complete)
			}
			// The log line writes an attempt's usage as prompt_tokens/completion_tokens.
			var raw struct {
				Attempts []struct {
					Prompt   *int `json:"prompt_tokens"`
					Complete int  `json:"completion_tokens"`
				} `json:"attempts"`
			}
			json.Unmarshal([]byte(l), &raw)
			for i, a := range raw.Attempts {
				if a.Prompt != nil {
					r.Attempts[i].Usage = usageOf(*a.Prompt, a.Complete)
				}
			}
			return recordLine(r)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no access log line in:\n%s", data)
		}
	}
}

// runEnvoy runs sc through the Envoy filter's two roots on one worker of runner r. The
// test plays Envoy: it retries an attempt whose mapped status Envoy's example retry
// policy retries (5xx, 429), up to the scenario's replies.
func runEnvoy(t *testing.T, r workerRunner, sc scenario) outcome {
	t.Helper()
	w := startWorkers(t, r, 1, []byte(sc.config("https://api.anthropic.com")), oneWorker...)
	q := request{method: "POST", path: "/v1/chat/completions", body: sc.requestBody(),
		header: [][2]string{{"authorization", "Bearer " + scenarioKey}, {"content-type", "application/json"}}}
	id, fwd, local := w.open(t, 0, q)
	if local != nil {
		// The downstream filter answered (a refusal): its stream is done, its record logged.
		var rec gateway.Record
		if err := json.Unmarshal([]byte(lastRecord(t, w.host.GetInfoLogs())), &rec); err != nil {
			t.Fatal(err)
		}
		return outcome{status: local.status, contentType: local.get("content-type"), body: string(local.body), record: recordLine(&rec)}
	}
	var final, envoyOwn *reply
	var details string
	for i, rep := range sc.replies {
		w.at(t, 1, fwd, "anthropic")
		up, _, local := w.send(t, fwd)
		if local != nil {
			t.Fatalf("attempt %d: local reply %d %s", i+1, local.status, local.body)
		}
		if rep.Hijack && len(rep.Chunks) == 0 {
			if sc.timeout {
				// The per-try timeout runs out: Envoy answers 504 itself.
				details = "upstream_per_try_timeout"
				envoyOwn = &reply{status: 504, header: [][2]string{{":status", "504"}, {"content-type", "text/plain"}}, body: []byte("upstream request timeout")}
			} else {
				details = "downstream_remote_disconnect" // the client leaves while the provider is silent
			}
			break
		}
		chunks := rep.Chunks
		if chunks == nil {
			chunks = [][]byte{rep.Body}
		}
		ends := !rep.Hijack && sc.client != afterFirstEvent
		final = w.respondPart(t, up, rep.Status, rep.Header, chunks, ends)
		switch {
		case rep.Hijack:
			details = "upstream_reset_after_response_started"
		case sc.client == afterFirstEvent:
			details = "downstream_remote_disconnect"
		default:
			details = "via_upstream"
		}
		if s := final.status; (s == 429 || s >= 500) && i+1 < len(sc.replies) {
			continue // Envoy retries
		}
		break
	}
	w.m.active = 0
	if final != nil {
		w.host.CallOnResponseHeaders(id, final.header, false)
	}
	if envoyOwn != nil {
		// Envoy's own answer passes through the downstream filter, which reshapes it.
		w.host.CallOnResponseHeaders(id, envoyOwn.header, false)
		w.host.CallOnResponseBody(id, envoyOwn.body, true)
		final = &reply{status: envoyOwn.status, header: w.host.GetCurrentResponseHeaders(id), body: w.host.GetCurrentResponseBody(id)}
	}
	if err := w.host.SetProperty([]string{"response", "code_details"}, []byte(details)); err != nil {
		t.Fatal(err)
	}
	w.host.CompleteHttpContext(id)
	var rec gateway.Record
	line := lastRecord(t, w.host.GetInfoLogs())
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Fatal(err)
	}
	out := outcome{record: recordLine(&rec)}
	if final != nil {
		out.status, out.contentType, out.body = final.status, final.get("content-type"), zeroCreated(string(final.body))
	}
	return out
}

func usageOf(prompt, completion int) *schema.Usage {
	return &schema.Usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion}
}

// errorCodeOf returns the code of an OpenAI-shaped error body.
func errorCodeOf(body string) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal([]byte(body), &e)
	return "code " + e.Error.Code
}
