package main

import (
	"fmt"
	"os"
	"strings"
	"time"
)

func ms(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

func ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// renderReport writes the Markdown report: conditions, the table, the targets and the
// sanity checks of every row.
func renderReport(o *options, e *env, results []*result) string {
	byName := map[string]*result{}
	for _, r := range results {
		if r.err == nil {
			byName[r.row.name] = r
		}
	}
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "# franca-bench results\n\n")
	fmt.Fprintf(&b, "Run %s on %s: %d CPUs (%s); load average before %s, after %s.\n",
		e.start.UTC().Format("2006-01-02 15:04 MST"), host, e.nproc, e.cpu, e.loadBefore, e.loadAfter)
	fmt.Fprintf(&b, "Every row is a server process of its own, all started at once, each with its own listener of "+
		"the fake upstream; after a %v warm-up each, %d rounds measure every row in turn. Requests/s: `%s -t%d -c%d "+
		"-d%v` per round, all rounds together. Latency: %d requests/s for %v per round, open loop "+
		"(franca-bench's own generator, latency counted from each request's due time; all rounds' samples). CPU: the server "+
		"process's utime+stime from /proc/PID/stat over the wrk runs, divided by the requests wrk completed. Peak RSS: "+
		"VmHWM from /proc/PID/status after the last round. Ratios are to the bare Caddy row of the same kind (JSON or "+
		"SSE).\n", o.warmup, o.rounds, e.wrkVersion, o.threads, o.conns, o.duration, o.rate, o.latency)
	if e.node != "" {
		fmt.Fprintf(&b, "Portkey: @portkey-ai/gateway 1.15.2 on Node.js %s, NODE_ENV=production, --headless.\n", e.node)
	}
	b.WriteString("\n| row | what | req/s | × Caddy | p50 | p99 | CPU µs/req | × Caddy | peak RSS MB | × Caddy |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		if r.err != nil {
			fmt.Fprintf(&b, "| %s | %s | failed: %s | | | | | | | |\n", r.row.name, r.row.what, oneLine(r.err.Error()))
			continue
		}
		f := byName[r.row.floor]
		var frps, fcpu, frss float64
		if f != nil {
			frps, fcpu, frss = f.rps(), f.cpuPerReq(), float64(f.rssKB)
		}
		fmt.Fprintf(&b, "| %s | %s | %.0f | %s | %s | %s | %.1f | %s | %.1f | %s |\n",
			r.row.name, r.row.what, r.rps(), ratio(r.rps(), frps), ms(r.rate.p50), ms(r.rate.p99),
			r.cpuPerReq(), ratio(r.cpuPerReq(), fcpu), float64(r.rssKB)/1024, ratio(float64(r.rssKB), frss))
	}

	b.WriteString("\n## Targets\n\n")
	targets := evaluate(byName)
	if len(targets) == 0 {
		b.WriteString("Not enough rows ran to judge the targets.\n")
	}
	for _, t := range targets {
		fmt.Fprintf(&b, "- %s\n", t)
	}

	b.WriteString("\n## Checks\n\n")
	b.WriteString("| row | req/s by round | CPU µs/req by round | wrk requests | non-2xx | socket errors | fixed-rate ok / sent (dropped) | usage records / upstream requests | wrk p50 / p99 at -c (last round) | other load (cores) | steal (cores) |\n")
	b.WriteString("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		if r.err != nil && r.requests == 0 {
			continue
		}
		recs := "-"
		if r.records >= 0 {
			recs = fmt.Sprintf("%d / %d", r.records, r.upstream)
		}
		var rps, cpu []string
		for _, f := range r.rounds {
			rps = append(rps, fmt.Sprintf("%.0f", f.rps))
			cpu = append(cpu, fmt.Sprintf("%.0f", f.cpu))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %d | %d / %d (%d) | %s | %s / %s | %.2f | %.2f |\n",
			r.row.name, strings.Join(rps, " "), strings.Join(cpu, " "), r.requests, r.non2xx, r.sockErr,
			r.rate.ok, r.rate.sent, r.rate.dropped, recs, ms(r.wrkP50), ms(r.wrkP99), r.others(), r.stolen())
	}
	b.WriteString("\n\"other load\" is the CPU the rest of the machine used during the row's wrk runs (all busy time in " +
		"/proc/stat minus the server's, the fake upstream's, wrk's and the driver's), in cores; \"steal\" is the CPU time " +
		"the host gave to other machines while this one's was wanted (/proc/stat steal), in cores. Usage records are " +
		"Franca's per-request log lines; a client that wrk cut off at the end of a run still gets one, so there may " +
		"be a few more records than upstream requests, never fewer.\n")
	return b.String()
}

func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.ReplaceAll(s, "|", "/")
}

// evaluate judges the targets on the rows that ran.
func evaluate(by map[string]*result) []string {
	var out []string
	mark := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	caddy, b := by["caddy"], by["franca-anthropic"]
	if caddy != nil && b != nil && caddy.cpuPerReq() > 0 && caddy.rps() > 0 {
		c := b.cpuPerReq() / caddy.cpuPerReq()
		out = append(out, fmt.Sprintf("(b) CPU per request ≤ 1.3× bare Caddy: %.2f× (%.1f vs %.1f µs) — %s", c, b.cpuPerReq(), caddy.cpuPerReq(), mark(c <= 1.3)))
		q := b.rps() / caddy.rps()
		out = append(out, fmt.Sprintf("(b) requests/s ≥ 0.8× bare Caddy at -c: %.2f× — %s", q, mark(q >= 0.8)))
	}
	pairs := [][2]string{{"franca-anthropic", "portkey-anthropic"}, {"franca-openai", "portkey-openai"}}
	for _, p := range pairs {
		f, pk := by[p[0]], by[p[1]]
		if f != nil && pk != nil && pk.rps() > 0 {
			q := f.rps() / pk.rps()
			out = append(out, fmt.Sprintf("%s ≥ 10× %s requests/s: %.1f× — %s", p[0], p[1], q, mark(q >= 10)))
		}
	}
	for _, name := range []string{"franca-openai", "franca-anthropic", "franca-anthropic-stream", "franca-policies"} {
		r := by[name]
		if r == nil {
			continue
		}
		f := by[r.row.floor]
		if f == nil || f.rssKB == 0 {
			continue
		}
		q := float64(r.rssKB) / float64(f.rssKB)
		out = append(out, fmt.Sprintf("%s peak RSS ≤ 1.5× bare Caddy (%s): %.2f× — %s", name, f.row.name, q, mark(q <= 1.5)))
	}
	return out
}
