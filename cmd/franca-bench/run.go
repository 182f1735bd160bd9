package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// result is one row's measurements, summed over the rounds.
type result struct {
	row      row
	srv      *proc
	admin    string // Caddy's admin address, for pprof
	upAddr   string // the row's own fake upstream listener
	target   target
	before   map[string]int64
	requests int64   // wrk requests over all rounds
	seconds  float64 // wrk seconds over all rounds
	ticks    int64   // server CPU ticks over the wrk runs
	busy     float64 // ticks the rest of the machine used during the wrk runs
	steal    float64 // ticks the host took from this machine's CPUs during the wrk runs
	non2xx   int64
	sockErr  int64
	rounds   []roundFigures
	rate     rateResult
	wrkP50   time.Duration // closed-loop latency of the last round
	wrkP99   time.Duration
	rssKB    int64
	records  int64 // usage records Franca logged (-1: not a Franca row)
	upstream int64 // requests the row's fake upstream served
	err      error
}

// roundFigures are one round's figures of a row, to show the spread.
type roundFigures struct {
	rps, cpu float64
}

// rps is the requests per second over all rounds.
func (r *result) rps() float64 {
	if r.seconds == 0 {
		return 0
	}
	return float64(r.requests) / r.seconds
}

// cpuPerReq is the server's CPU time per request in µs over all rounds.
func (r *result) cpuPerReq() float64 {
	if r.requests == 0 {
		return 0
	}
	return float64(r.ticks) * (1e6 / clockTicks) / float64(r.requests)
}

// others is the CPU the rest of the machine used during the row's wrk runs, in cores.
func (r *result) others() float64 {
	if r.seconds == 0 {
		return 0
	}
	return r.busy / clockTicks / r.seconds
}

// stolen is the CPU the host took from this machine during the row's wrk runs, in cores.
func (r *result) stolen() float64 {
	if r.seconds == 0 {
		return 0
	}
	return r.steal / clockTicks / r.seconds
}

// env is what the run knows about the machine and the tools.
type env struct {
	start      time.Time
	loadBefore string
	loadAfter  string
	nproc      int
	cpu        string
	wrkVersion string
	node       string
	upstream   *proc
	upAddrs    []string
	work       string
}

func run(ctx context.Context, o options) error {
	e := &env{start: time.Now(), loadBefore: loadAvg(), nproc: runtime.NumCPU(), cpu: cpuModel()}
	if _, err := os.Stat(o.caddy); err != nil {
		return fmt.Errorf("caddy binary: %v (run make bin/caddy)", err)
	}
	caddyBin, _ := filepath.Abs(o.caddy)
	o.caddy = caddyBin
	wrk, err := exec.LookPath(o.wrk)
	if err != nil {
		return fmt.Errorf("wrk not found (apt-get install wrk): %v", err)
	}
	o.wrk = wrk
	e.wrkVersion = wrkVersion(exec.Command(wrk, "-v").CombinedOutput())
	portkeyScript := ""
	if o.portkey != "" {
		portkeyScript, _ = filepath.Abs(filepath.Join(o.portkey, "node_modules/@portkey-ai/gateway/build/start-server.js"))
		if _, err := os.Stat(portkeyScript); err != nil {
			fmt.Fprintf(os.Stderr, "franca-bench: Portkey not installed in %s; its rows are skipped\n", o.portkey)
			portkeyScript = ""
		} else {
			e.node = firstLine(exec.Command("node", "--version").CombinedOutput())
		}
	}
	var selected []row
	for _, r := range rows() {
		if o.selected(r.name) && (r.kind != kindPortkey || portkeyScript != "") {
			selected = append(selected, r)
		}
	}
	if len(selected) == 0 {
		return fmt.Errorf("no row selected")
	}

	if e.work, err = os.MkdirTemp("", "franca-bench-"); err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "franca-bench: work folder", e.work)
	} else {
		defer os.RemoveAll(e.work)
	}
	if err := startUpstream(ctx, e, len(selected)); err != nil {
		return err
	}
	defer e.upstream.stop(5 * time.Second)

	fmt.Printf("franca-bench: %d rows, %d rounds of wrk -t%d -c%d %v and %d req/s for %v each; load average %s\n",
		len(selected), o.rounds, o.threads, o.conns, o.duration, o.rate, o.latency, e.loadBefore)
	client := newClient()
	var results []*result
	defer func() {
		for _, r := range results {
			r.srv.stop(10 * time.Second)
		}
	}()
	for i, r := range selected {
		res := setUp(ctx, &o, e, r, e.upAddrs[i], portkeyScript, client)
		results = append(results, res)
		if res.err != nil {
			fmt.Printf("  %-24s FAILED: %v\n", r.name, res.err)
			res.srv.stop(10 * time.Second)
		}
	}
	measure(ctx, &o, e, results, client)
	for _, r := range results {
		if r.err == nil && o.profileDir != "" && r.row.kind == kindFranca {
			if err := profileRow(ctx, &o, e, r); err != nil {
				fmt.Fprintf(os.Stderr, "franca-bench: %s: profile: %v\n", r.row.name, err)
			}
		}
	}
	for _, r := range results {
		if r.err != nil || r.srv == nil {
			continue
		}
		r.rssKB, _ = peakRSS(r.srv.pid())
		r.srv.stop(10 * time.Second)
		r.upstream = upstreamStats(r.upAddr)[r.row.wantPath] - r.before[r.row.wantPath]
		if r.row.kind == kindFranca {
			r.records = countRecords(r.srv.log.Name())
		}
		if r.non2xx > 0 || r.sockErr > 0 || r.rate.failed > 0 {
			r.err = fmt.Errorf("%d non-2xx answers, %d socket errors, %d failed fixed-rate requests (see %s)",
				r.non2xx, r.sockErr, r.rate.failed, r.srv.log.Name())
		}
	}
	e.loadAfter = loadAvg()
	report := renderReport(&o, e, results)
	fmt.Print("\n" + report)
	if o.out != "" {
		if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
			return err
		}
		fmt.Println("written to", o.out)
	}
	for _, r := range results {
		if r.err != nil {
			return fmt.Errorf("row %s failed: %v", r.row.name, r.err)
		}
	}
	return nil
}

// wrkVersion returns "wrk 4.1.0" from wrk -v's banner.
func wrkVersion(b []byte, _ error) string {
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return "wrk"
	}
	v := strings.TrimPrefix(f[1], "debian/")
	v, _, _ = strings.Cut(v, "-")
	return "wrk " + v
}

func firstLine(b []byte, _ error) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}

// startUpstream starts the fake upstream as a process of its own (this binary with the
// argument "upstream"), so that its CPU is nobody else's, with one listener per row.
func startUpstream(ctx context.Context, e *env, n int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logPath := filepath.Join(e.work, "upstream.log")
	p, err := startProc("upstream", logPath, e.work, os.Environ(), self, "upstream", "-n", strconv.Itoa(n))
	if err != nil {
		return err
	}
	e.upstream = p
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(logPath)
		if s, ok := strings.CutPrefix(string(b), "listening "); ok {
			if line, _, ok := strings.Cut(s, "\n"); ok {
				e.upAddrs = strings.Fields(line)
				if len(e.upAddrs) != n {
					return fmt.Errorf("fake upstream: %d listeners, want %d", len(e.upAddrs), n)
				}
				return waitHTTP(ctx, p, "http://"+e.upAddrs[0]+"/_stats", 5*time.Second)
			}
		}
		if !p.alive() {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("fake upstream did not start (see %s)", logPath)
}

// upstreamStats reads a fake upstream listener's request counts.
func upstreamStats(addr string) map[string]int64 {
	resp, err := http.Get("http://" + addr + "/_stats")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var m map[string]int64
	json.NewDecoder(resp.Body).Decode(&m)
	return m
}

// setUp starts a row's server, checks one request end to end and warms the server up.
func setUp(ctx context.Context, o *options, e *env, r row, upAddr, portkeyScript string, client *http.Client) *result {
	res := &result{row: r, records: -1, upAddr: upAddr}
	port, err := freePort()
	if err != nil {
		res.err = err
		return res
	}
	res.srv, res.admin, err = startServer(ctx, o, e, r, port, upAddr, portkeyScript)
	if err != nil {
		res.err = err
		return res
	}
	t := target{url: "http://127.0.0.1:" + strconv.Itoa(port) + "/v1/chat/completions", body: requestBody(r.model, r.stream)}
	switch r.kind {
	case kindCaddy:
		t.header = [][2]string{{"Authorization", "Bearer " + upstreamKey}}
	case kindFranca:
		t.header = [][2]string{{"Authorization", "Bearer " + benchKey}}
	case kindPortkey:
		t.header = [][2]string{{"Authorization", "Bearer " + upstreamKey}, {"x-portkey-provider", r.portkeyProvider},
			{"x-portkey-custom-host", "http://" + upAddr + "/v1"}}
	}
	res.target = t
	res.before = upstreamStats(upAddr)
	if err := check(ctx, client, t, r); err != nil {
		res.err = err
		return res
	}
	if after := upstreamStats(upAddr); after[r.wantPath]-res.before[r.wantPath] != 1 {
		res.err = fmt.Errorf("the fake upstream did not see the request at %s (before %v, after %v)", r.wantPath, res.before, after)
		return res
	}
	if o.warmup > 0 {
		if _, out, err := runWrk(ctx, o.wrk, e.work, t, o.threads, o.conns, o.warmup); err != nil {
			res.err = fmt.Errorf("warm-up: %v\n%s", err, out)
		}
	}
	return res
}

// measure runs the rounds: in each, every row's wrk run in turn, then every row's
// fixed-rate run. Interleaving spreads the machine's changing load over all rows
// instead of charging it to whichever row ran when it peaked.
func measure(ctx context.Context, o *options, e *env, results []*result, client *http.Client) {
	for round := 0; round < o.rounds; round++ {
		if round > 0 && time.Since(e.start) > o.budget {
			fmt.Fprintf(os.Stderr, "franca-bench: time budget %v used up after %d rounds\n", o.budget, round)
			break
		}
		for _, r := range results {
			if r.err != nil || ctx.Err() != nil {
				continue
			}
			if err := measureWrk(ctx, o, e, r); err != nil {
				r.err = err
				continue
			}
			fmt.Printf("  round %d  %-24s %9.0f req/s %8.1f µs CPU/req\n", round+1, r.row.name,
				r.rounds[len(r.rounds)-1].rps, r.rounds[len(r.rounds)-1].cpu)
		}
		for _, r := range results {
			if r.err != nil || ctx.Err() != nil {
				continue
			}
			r.rate.add(fixedRate(ctx, client, r.target, o.rate, o.latency))
		}
		client.CloseIdleConnections()
	}
}

// measureWrk runs wrk once against r and adds the figures up.
func measureWrk(ctx context.Context, o *options, e *env, r *result) error {
	cpu0, err := cpuTicks(r.srv.pid())
	if err != nil {
		return err
	}
	up0, _ := cpuTicks(e.upstream.pid())
	busy0, steal0 := busyTicks()
	var self0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self0)
	w, out, err := runWrk(ctx, o.wrk, e.work, r.target, o.threads, o.conns, o.duration)
	if err != nil {
		return fmt.Errorf("%v\n%s", err, out)
	}
	cpu1, _ := cpuTicks(r.srv.pid())
	up1, _ := cpuTicks(e.upstream.pid())
	busy1, steal1 := busyTicks()
	var self1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self1)
	r.requests += w.requests
	r.seconds += w.seconds
	r.ticks += cpu1 - cpu0
	r.non2xx += w.non2xx
	r.sockErr += w.sockErrors
	r.wrkP50, r.wrkP99 = w.p50, w.p99
	ours := float64(cpu1-cpu0+up1-up0) + w.cpu.Seconds()*clockTicks + (rusageSeconds(&self1)-rusageSeconds(&self0))*clockTicks
	if busy0 >= 0 && busy1 >= busy0 {
		if other := float64(busy1-busy0) - ours; other > 0 {
			r.busy += other
		}
		r.steal += float64(steal1 - steal0)
	}
	fig := roundFigures{rps: w.rps}
	if w.requests > 0 {
		fig.cpu = float64(cpu1-cpu0) * (1e6 / clockTicks) / float64(w.requests)
	}
	r.rounds = append(r.rounds, fig)
	return nil
}

// startServer starts the row's server on port and waits until it answers. admin is the
// Caddy admin address ("" for Portkey).
func startServer(ctx context.Context, o *options, e *env, r row, port int, upAddr, portkeyScript string) (p *proc, admin string, err error) {
	dir := filepath.Join(e.work, r.name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	logPath := filepath.Join(dir, "server.log")
	if r.kind == kindPortkey {
		preload := filepath.Join(dir, "loopback.cjs")
		if err := os.WriteFile(preload, []byte(portkeyPreload), 0o644); err != nil {
			return nil, "", err
		}
		env := append(os.Environ(), "NODE_ENV=production")
		p, err = startProc(r.name, logPath, filepath.Dir(portkeyScript), env,
			"node", "-r", preload, portkeyScript, "--headless", "--port="+strconv.Itoa(port))
		if err != nil {
			return nil, "", err
		}
		return p, "", waitHTTP(ctx, p, "http://127.0.0.1:"+strconv.Itoa(port)+"/", 30*time.Second)
	}
	adminPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	francaPath := filepath.Join(dir, "franca.yaml")
	if r.kind == kindFranca {
		cfg := strings.ReplaceAll(r.franca, "UPSTREAM", "http://"+upAddr)
		if err := os.WriteFile(francaPath, []byte(cfg), 0o644); err != nil {
			return nil, "", err
		}
	}
	caddyPath := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(caddyPath, []byte(caddyfile(r, port, adminPort, upAddr, francaPath)), 0o644); err != nil {
		return nil, "", err
	}
	home := filepath.Join(dir, "home")
	env := append(os.Environ(), "HOME="+home, "XDG_DATA_HOME="+home+"/data", "XDG_CONFIG_HOME="+home+"/config")
	p, err = startProc(r.name, logPath, dir, env, o.caddy, "run", "--config", caddyPath, "--adapter", "caddyfile")
	if err != nil {
		return nil, "", err
	}
	admin = "127.0.0.1:" + strconv.Itoa(adminPort)
	return p, admin, waitHTTP(ctx, p, "http://127.0.0.1:"+strconv.Itoa(port)+"/", 30*time.Second)
}

// check sends one request and looks at the answer: 200 and an OpenAI chat completion,
// whole or streamed to its end.
func check(ctx context.Context, client *http.Client, t target, r row) error {
	status, body, err := fetch(ctx, client, t)
	if err != nil {
		return fmt.Errorf("check request: %v", err)
	}
	want := []string{`"chat.completion"`, "quick brown"}
	if r.stream {
		want = []string{`"chat.completion.chunk"`, `" quick"`, "data: [DONE]"}
	}
	if status != http.StatusOK {
		return fmt.Errorf("check request: status %d: %.300s", status, body)
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			return fmt.Errorf("check request: answer lacks %s: %.300s", w, body)
		}
	}
	return nil
}

// profileRow runs one more wrk round against a Franca row while it takes a CPU profile
// through Caddy's admin API, then saves the allocation profile. It runs after the
// measured rounds, so that profiling does not weigh on the figures.
func profileRow(ctx context.Context, o *options, e *env, r *result) error {
	if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
		return err
	}
	secs := int(o.duration.Seconds()) - 1
	if secs < 1 {
		secs = 1
	}
	done := make(chan error, 1)
	go func() {
		done <- savePprof(ctx, "http://"+r.admin+"/debug/pprof/profile?seconds="+strconv.Itoa(secs),
			filepath.Join(o.profileDir, r.row.name+".cpu.pprof"))
	}()
	time.Sleep(300 * time.Millisecond)
	if _, out, err := runWrk(ctx, o.wrk, e.work, r.target, o.threads, o.conns, o.duration); err != nil {
		return fmt.Errorf("%v\n%s", err, out)
	}
	if err := <-done; err != nil {
		return err
	}
	return savePprof(ctx, "http://"+r.admin+"/debug/pprof/allocs", filepath.Join(o.profileDir, r.row.name+".allocs.pprof"))
}

func savePprof(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s: %d %s", url, resp.StatusCode, b)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// countRecords counts the usage records (one log line per request) Franca wrote.
func countRecords(logPath string) int64 {
	f, err := os.Open(logPath)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := int64(0)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.Contains(line, []byte(`"logger":"http.handlers.franca"`)) && bytes.Contains(line, []byte(`"msg":"request"`)) {
			n++
		}
	}
	return n
}

// busyTicks returns the machine's busy CPU time from /proc/stat in clock ticks (all but
// idle, iowait and steal) and the time stolen from this machine's CPUs by the host
// (steal), or -1s.
func busyTicks() (busy, steal int64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return -1, -1
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return -1, -1
	}
	for i, s := range f[1:8] { // user nice system idle iowait irq softirq steal
		v, _ := strconv.ParseInt(s, 10, 64)
		switch i {
		case 3, 4:
		case 7:
			steal = v
		default:
			busy += v
		}
	}
	return busy, steal
}

func rusageSeconds(r *syscall.Rusage) float64 {
	return float64(r.Utime.Sec+r.Stime.Sec) + float64(r.Utime.Usec+r.Stime.Usec)/1e6
}
