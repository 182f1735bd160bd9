package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat. It is 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// proc is a server the driver started.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	err  error
}

// startProc starts a server with its output going to logPath. The child is killed if the
// driver dies (Pdeathsig) and is put in its own process group, which stop signals.
func startProc(name, logPath, dir string, env []string, argv ...string) (*proc, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: f, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// alive reports whether the process is still running.
func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop asks the process group to end (SIGTERM), and kills it after grace.
func (p *proc) stop(grace time.Duration) {
	if p == nil {
		return
	}
	if p.alive() {
		syscall.Kill(-p.pid(), syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(grace):
			syscall.Kill(-p.pid(), syscall.SIGKILL)
			<-p.done
		}
	}
	p.log.Close()
}

// cpuTicks returns the user+system CPU time of pid and its descendants, in clock ticks.
// Threads are included in a process's own figures; children that ended and were waited
// for are in cutime/cstime.
func cpuTicks(pid int) (int64, error) {
	total := int64(0)
	pids := append([]int{pid}, descendants(pid)...)
	for i, p := range pids {
		f, err := statFields(p)
		if err != nil {
			if i == 0 {
				return 0, err
			}
			continue // a child that ended meanwhile
		}
		for _, k := range []int{13, 14, 15, 16} { // utime stime cutime cstime
			v, _ := strconv.ParseInt(f[k], 10, 64)
			total += v
		}
	}
	return total, nil
}

// statFields returns the fields of /proc/PID/stat, the command name counted as one.
func statFields(pid int) ([]string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil, errors.New("malformed stat")
	}
	f := append([]string{"pid", "comm"}, strings.Fields(s[i+1:])...)
	if len(f) < 17 {
		return nil, errors.New("short stat")
	}
	return f, nil
}

// descendants lists the processes below pid.
func descendants(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	parent := map[int][]int{}
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f, err := statFields(n)
		if err != nil {
			continue
		}
		pp, _ := strconv.Atoi(f[3])
		parent[pp] = append(parent[pp], n)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range parent[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// peakRSS returns the peak resident set (VmHWM) of pid and its descendants, in KiB.
func peakRSS(pid int) (int64, error) {
	total := int64(0)
	for i, p := range append([]int{pid}, descendants(pid)...) {
		v, err := statusField(p, "VmHWM:")
		if err != nil {
			if i == 0 {
				return 0, err
			}
			continue
		}
		total += v
	}
	return total, nil
}

// statusField reads a "Name:  123 kB" line of /proc/PID/status.
func statusField(pid int, name string) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, name); ok {
			fs := strings.Fields(rest)
			if len(fs) == 0 {
				break
			}
			return strconv.ParseInt(fs[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, name)
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitHTTP polls url until it answers at all (any status), the process dies, or the
// timeout passes.
func waitHTTP(ctx context.Context, p *proc, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	c := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		if p != nil && !p.alive() {
			return fmt.Errorf("%s exited: %v (see %s)", p.name, p.err, p.log.Name())
		}
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not answer at %s within %v", nameOf(p), url, timeout)
}

func nameOf(p *proc) string {
	if p == nil {
		return "server"
	}
	return p.name
}

// loadAvg returns /proc/loadavg's three averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// cpuModel returns the CPU model name from /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}
