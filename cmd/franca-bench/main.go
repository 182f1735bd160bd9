// Command franca-bench measures what Franca costs on the hot path, side by side in one
// run with the floor (bare Caddy reverse_proxy) and a peer (Portkey's gateway), all on
// 127.0.0.1 against one fast fake upstream that speaks OpenAI and Anthropic.
//
// For every row it starts a fresh server process, checks one request end to end, then
// measures requests/s at a fixed connection count with wrk, p50/p99 latency at a fixed
// request rate below saturation with its own open-loop generator, the server's CPU time
// per request from /proc/PID/stat, and its peak RSS (VmHWM). It prints one table, each
// row also as a ratio to bare Caddy, and writes it to a Markdown file. `make bench` runs
// it; BENCHMARKS.md explains the figures.
//
//	franca-bench [-caddy bin/caddy] [-portkey .cache/bench/portkey] [-out bench/results.md]
//	franca-bench upstream   # the fake upstream alone, for profiling by hand
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// options are the driver's flags.
type options struct {
	caddy      string
	portkey    string
	wrk        string
	out        string
	only       string
	profileDir string
	keep       bool
	threads    int
	conns      int
	rounds     int
	duration   time.Duration
	warmup     time.Duration
	rate       int
	latency    time.Duration
	budget     time.Duration
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "upstream" {
		os.Exit(serveUpstream(os.Args[2:]))
	}
	var o options
	flag.StringVar(&o.caddy, "caddy", "bin/caddy", "Caddy binary with Franca compiled in (make bin/caddy)")
	flag.StringVar(&o.portkey, "portkey", ".cache/bench/portkey", "folder where @portkey-ai/gateway is installed (empty: no Portkey rows)")
	flag.StringVar(&o.wrk, "wrk", "wrk", "wrk binary")
	flag.StringVar(&o.out, "out", "bench/results.md", "Markdown file the table is written to")
	flag.StringVar(&o.only, "only", "", "comma-separated row names to run (default all)")
	flag.StringVar(&o.profileDir, "profile", "", "write CPU and allocation profiles of every Franca row to this folder")
	flag.BoolVar(&o.keep, "keep", false, "keep the work folder (configs, server logs)")
	flag.IntVar(&o.threads, "threads", 2, "wrk threads")
	flag.IntVar(&o.conns, "conns", 32, "wrk connections")
	flag.IntVar(&o.rounds, "rounds", 3, "measurement rounds; each round measures every row in turn")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "wrk measurement time per row and round")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "wrk warm-up per row, once, not measured")
	flag.IntVar(&o.rate, "rate", 200, "requests/s of the fixed-rate latency runs")
	flag.DurationVar(&o.latency, "latency", 3*time.Second, "length of the fixed-rate latency run per row and round")
	flag.DurationVar(&o.budget, "budget", 8*time.Minute, "stop starting rows after this long")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "franca-bench:", err)
		os.Exit(1)
	}
}

// serveUpstream runs the fake upstream until a signal comes: n listeners on 127.0.0.1,
// one per row, each counting its own requests. It prints "listening ADDR…" once they
// accept connections.
func serveUpstream(args []string) int {
	fs := flag.NewFlagSet("upstream", flag.ExitOnError)
	n := fs.Int("n", 1, "how many listeners")
	fs.Parse(args)
	var srvs []*http.Server
	var addrs []string
	errs := make(chan error, *n)
	for i := 0; i < *n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		srv := &http.Server{Handler: newUpstream(), ReadHeaderTimeout: 10 * time.Second}
		srvs = append(srvs, srv)
		addrs = append(addrs, l.Addr().String())
		go func() { errs <- srv.Serve(l) }()
	}
	fmt.Printf("listening %s\n", strings.Join(addrs, " "))
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	select {
	case <-c:
	case err := <-errs:
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for _, s := range srvs {
		s.Close()
	}
	return 0
}

// selected reports whether the row is to run.
func (o *options) selected(name string) bool {
	if o.only == "" {
		return true
	}
	for _, n := range strings.Split(o.only, ",") {
		if strings.TrimSpace(n) == name {
			return true
		}
	}
	return false
}
