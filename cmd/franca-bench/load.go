package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// target is what a load generator sends: one URL, one body, fixed header fields.
type target struct {
	url    string
	body   []byte
	header [][2]string
}

// wrkResult is what one wrk run reports.
type wrkResult struct {
	requests   int64
	seconds    float64
	rps        float64
	non2xx     int64
	sockErrors int64
	p50, p99   time.Duration // closed-loop latency at the connection count
	cpu        time.Duration // wrk's own CPU time
}

// luaScript makes wrk POST the body read from bodyPath.
func luaScript(bodyPath string) string {
	return "local f = assert(io.open(" + strconv.Quote(bodyPath) + ", \"rb\"))\n" +
		"wrk.method = \"POST\"\nwrk.body = f:read(\"*a\")\nf:close()\n" +
		"wrk.headers[\"Content-Type\"] = \"application/json\"\n"
}

// runWrk runs wrk against t for d with conns connections over threads threads.
func runWrk(ctx context.Context, wrk, dir string, t target, threads, conns int, d time.Duration) (*wrkResult, string, error) {
	bodyPath := dir + "/wrk-body.json"
	scriptPath := dir + "/wrk-post.lua"
	if err := os.WriteFile(bodyPath, t.body, 0o644); err != nil {
		return nil, "", err
	}
	if err := os.WriteFile(scriptPath, []byte(luaScript(bodyPath)), 0o644); err != nil {
		return nil, "", err
	}
	args := []string{"-t" + strconv.Itoa(threads), "-c" + strconv.Itoa(conns), "-d" + strconv.Itoa(int(d.Seconds())) + "s",
		"--timeout", "10s", "--latency", "-s", scriptPath}
	for _, h := range t.header {
		args = append(args, "-H", h[0]+": "+h[1])
	}
	args = append(args, t.url)
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, wrk, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, string(out), fmt.Errorf("wrk: %v: %s", err, out)
	}
	r, err := parseWrk(string(out))
	if r != nil {
		r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	return r, string(out), err
}

var (
	reRequests = regexp.MustCompile(`(\d+) requests in ([\d.]+)(us|ms|s|m)\b`)
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	reSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	reLatency  = regexp.MustCompile(`(?m)^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$`)
)

// parseWrk reads wrk's report (run with --latency).
func parseWrk(out string) (*wrkResult, error) {
	r := &wrkResult{}
	m := reRequests.FindStringSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("wrk: no request count in output: %q", out)
	}
	r.requests, _ = strconv.ParseInt(m[1], 10, 64)
	r.seconds = durationOf(m[2], m[3]).Seconds()
	if m := reRPS.FindStringSubmatch(out); m != nil {
		r.rps, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := reNon2xx.FindStringSubmatch(out); m != nil {
		r.non2xx, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := reSocket.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.ParseInt(s, 10, 64)
			r.sockErrors += n
		}
	}
	for _, m := range reLatency.FindAllStringSubmatch(out, -1) {
		d := durationOf(m[2], m[3])
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	return r, nil
}

func durationOf(num, unit string) time.Duration {
	f, _ := strconv.ParseFloat(num, 64)
	switch unit {
	case "us":
		return time.Duration(f * float64(time.Microsecond))
	case "ms":
		return time.Duration(f * float64(time.Millisecond))
	case "m":
		return time.Duration(f * float64(time.Minute))
	}
	return time.Duration(f * float64(time.Second))
}

// rateResult is what fixed-rate runs measured.
type rateResult struct {
	sent, ok, failed, dropped int64
	samples                   []time.Duration // latencies of the requests that succeeded
	p50, p99                  time.Duration
}

// add merges o into r and computes the percentiles of all samples.
func (r *rateResult) add(o rateResult) {
	r.sent += o.sent
	r.ok += o.ok
	r.failed += o.failed
	r.dropped += o.dropped
	r.samples = append(r.samples, o.samples...)
	r.p50, r.p99 = percentile(r.samples, 0.50), percentile(r.samples, 0.99)
}

// maxInFlight bounds the fixed-rate generator's concurrent requests. A request that
// would exceed it is dropped and counted: the server is saturated at that rate.
const maxInFlight = 256

// fixedRate sends rate requests per second for d, open loop: request i is due at
// start+i/rate whatever happened to the ones before, and its latency is counted from
// then, so a stalled server is charged for the requests it made wait (no coordinated
// omission). Every response body is read to the end.
func fixedRate(ctx context.Context, client *http.Client, t target, rate int, d time.Duration) rateResult {
	var res rateResult
	n := int(float64(rate) * d.Seconds())
	lat := make([]time.Duration, n)
	var okN, failN, dropN atomic.Int64
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	sent := 0
	for i := 0; i < n; i++ {
		due := start.Add(time.Duration(i) * interval)
		if w := time.Until(due); w > 0 {
			select {
			case <-ctx.Done():
				i = n
				continue
			case <-time.After(w):
			}
		}
		select {
		case sem <- struct{}{}:
		default:
			dropN.Add(1)
			lat[i] = -1
			continue
		}
		sent++
		wg.Add(1)
		go func(i int, due time.Time) {
			defer func() { <-sem; wg.Done() }()
			if err := send(ctx, client, t); err != nil {
				failN.Add(1)
				lat[i] = -1
				return
			}
			okN.Add(1)
			lat[i] = time.Since(due)
		}(i, due)
	}
	wg.Wait()
	res.sent, res.ok, res.failed, res.dropped = int64(sent), okN.Load(), failN.Load(), dropN.Load()
	for _, l := range lat {
		if l > 0 {
			res.samples = append(res.samples, l)
		}
	}
	res.p50, res.p99 = percentile(res.samples, 0.50), percentile(res.samples, 0.99)
	return res
}

// send makes one request and reads the whole answer; a status other than 200 is an error.
func send(ctx context.Context, client *http.Client, t target) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(t.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for _, h := range t.header {
		req.Header.Set(h[0], h[1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// fetch makes one request and returns its status and body, for the checks before a row.
func fetch(ctx context.Context, client *http.Client, t target) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(t.body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	for _, h := range t.header {
		req.Header.Set(h[0], h[1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b), err
}

// percentile returns the q-quantile of ds (nearest rank), or 0 for none.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(q*float64(len(s))+0.999999) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

// newClient returns the fixed-rate generator's client: keep-alive, enough idle
// connections for every request in flight, no compression.
func newClient() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        maxInFlight,
			MaxIdleConnsPerHost: maxInFlight,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true,
		},
	}
}

// headerList renders header fields for a log line, hiding credentials.
func headerList(h [][2]string) string {
	var parts []string
	for _, f := range h {
		v := f[1]
		if strings.EqualFold(f[0], "Authorization") {
			v = "Bearer …"
		}
		parts = append(parts, f[0]+": "+v)
	}
	return strings.Join(parts, ", ")
}
