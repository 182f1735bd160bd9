package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/anthropic"
	"github.com/franca-gw/franca/translate/schema"
)

func post(t *testing.T, url, body string) (string, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: %d %v %s", url, resp.StatusCode, err, b)
	}
	return resp.Header.Get("Content-Type"), string(b)
}

// TestUpstream checks the fake upstream's answers: valid OpenAI and Anthropic messages
// and streams of 100 one-token events, which Franca's own translator reads to the end.
func TestUpstream(t *testing.T) {
	srv := httptest.NewServer(newUpstream())
	defer srv.Close()

	ct, body := post(t, srv.URL+"/v1/chat/completions", string(requestBody("m", false)))
	var resp schema.ChatResponse
	if err := json.Unmarshal([]byte(body), &resp); err != nil || ct != "application/json" {
		t.Fatalf("%s %v: %s", ct, err, body)
	}
	if c := resp.Choices[0].Message.Content.String(); !strings.HasPrefix(c, " The quick brown") || resp.Usage.CompletionTokens != 100 {
		t.Fatalf("chat completion %+v", resp)
	}

	_, body = post(t, srv.URL+"/v1/chat/completions", string(requestBody("m", true)))
	if n := strings.Count(body, "\n\n"); n != 1+100+1+1+1 || !strings.HasSuffix(body, "data: [DONE]\n\n") || !strings.Contains(body, `"usage":{`) {
		t.Fatalf("%d events: %s", n, body)
	}

	req := &schema.ChatRequest{Stream: true, StreamOptions: &schema.StreamOptions{IncludeUsage: true}}
	tg := &translate.Target{Model: "claude-sonnet-4-5"}
	_, body = post(t, srv.URL+"/v1/messages", `{"model":"x","stream":true}`)
	if n := strings.Count(body, "event: content_block_delta"); n != 100 {
		t.Fatalf("%d deltas", n)
	}
	s := anthropic.New().Stream(req, tg)
	out, err := s.Feed(nil, []byte(body))
	if err == nil {
		out, err = s.End(out)
	}
	if err != nil || !strings.HasSuffix(string(out), "data: [DONE]\n\n") || s.Usage().CompletionTokens != 100 {
		t.Fatalf("transcoded: %v %s", err, out)
	}

	_, body = post(t, srv.URL+"/v1/messages", `{"model":"x"}`)
	out, usage, err := anthropic.New().Response([]byte(body), req, tg)
	if err != nil || usage.PromptTokens != 250 || !strings.Contains(string(out), " quick brown") {
		t.Fatalf("translated: %v %s", err, out)
	}

	stats := newUpstreamStats(t, srv.URL)
	want := map[string]int64{"/v1/chat/completions": 1, "/v1/chat/completions stream": 1, "/v1/messages": 1, "/v1/messages stream": 1}
	for k, v := range want {
		if stats[k] != v {
			t.Errorf("stats %v, want %v", stats, want)
		}
	}
}

func newUpstreamStats(t *testing.T, url string) map[string]int64 {
	t.Helper()
	return upstreamStats(strings.TrimPrefix(url, "http://"))
}

// TestConfigs checks that Franca loads every configuration the rows use.
func TestConfigs(t *testing.T) {
	for _, r := range rows() {
		if r.kind != kindFranca {
			continue
		}
		cfg, err := config.Load([]byte(strings.ReplaceAll(r.franca, "UPSTREAM", "http://127.0.0.1:9")), nil)
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if cfg.VirtualKeys[len(cfg.VirtualKeys)/2].Hash != config.HashKey(benchKey) && len(cfg.VirtualKeys) > 1 {
			t.Errorf("%s: the bench key is not in the middle of the list", r.name)
		}
	}
	var v map[string]any
	if err := json.Unmarshal(requestBody("m", true), &v); err != nil {
		t.Fatal(err)
	}
}

const wrkOutput = `Running 5s test @ http://127.0.0.1:41000/v1/chat/completions
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.63ms    5.10ms  61.20ms   89.12%
    Req/Sec     3.88k   512.33     4.90k    71.00%
  Latency Distribution
     50%    3.10ms
     75%    5.40ms
     90%   10.02ms
     99%   25.51ms
  38612 requests in 5.01s, 41.30MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:   7706.19
Transfer/sec:      8.24MB
`

func TestParseWrk(t *testing.T) {
	r, err := parseWrk(wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := wrkResult{requests: 38612, seconds: 5.01, rps: 7706.19, non2xx: 7, sockErrors: 3,
		p50: 3100 * time.Microsecond, p99: 25510 * time.Microsecond}
	if *r != want {
		t.Fatalf("got %+v\nwant %+v", *r, want)
	}
	if _, err := parseWrk("wrk: connection refused"); err == nil {
		t.Fatal("no error for output without a count")
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if p50, p99 := percentile(ds, 0.5), percentile(ds, 0.99); p50 != 50*time.Millisecond || p99 != 99*time.Millisecond {
		t.Fatalf("p50 %v p99 %v", p50, p99)
	}
	if percentile(nil, 0.5) != 0 {
		t.Fatal("percentile of nothing")
	}
}

// TestReport renders a table from made-up results and checks the ratios and targets.
func TestReport(t *testing.T) {
	mk := func(name string, rps float64, cpuTicks int64, rssKB int64) *result {
		for _, r := range rows() {
			if r.name == name {
				return &result{row: r, requests: int64(rps * 10), seconds: 10, ticks: cpuTicks, rssKB: rssKB, records: -1}
			}
		}
		t.Fatalf("no row %s", name)
		return nil
	}
	results := []*result{
		mk("caddy", 8000, 1000, 60<<10),             // 125 µs per request
		mk("franca-anthropic", 7000, 1050, 63<<10),  // 150 µs
		mk("portkey-anthropic", 600, 1200, 180<<10), // 2 ms
		{row: rows()[1], err: errTest("it broke")},  // caddy-stream
	}
	out := renderReport(&options{rounds: 1, threads: 2, conns: 32, duration: 5 * time.Second, rate: 200, latency: 3 * time.Second},
		&env{start: time.Unix(0, 0), nproc: 2, cpu: "test", wrkVersion: "wrk 4.1.0"}, results)
	for _, want := range []string{
		"| franca-anthropic | (b) Franca, translated to Anthropic | 7000 | 0.88× | - | - | 150.0 | 1.20× | 63.0 | 1.05× |",
		"(b) CPU per request ≤ 1.3× bare Caddy: 1.20× (150.0 vs 125.0 µs) — met",
		"(b) requests/s ≥ 0.8× bare Caddy at -c: 0.88× — met",
		"franca-anthropic ≥ 10× portkey-anthropic requests/s: 11.7× — met",
		"| caddy-stream | bare Caddy reverse_proxy, OpenAI SSE (100 events) | failed: it broke |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }
