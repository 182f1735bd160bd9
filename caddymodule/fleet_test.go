package caddymodule_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/openaifake"
	"github.com/franca-gw/franca/internal/redistest"
)

// caddyBinary returns Caddy with Franca compiled in: $FRANCA_CADDY (the Makefile's
// bin/caddy) or a fresh build.
var caddyBinary = sync.OnceValues(func() (string, error) {
	if p := os.Getenv("FRANCA_CADDY"); p != "" {
		return filepath.Abs(p)
	}
	dir, err := os.MkdirTemp("", "franca-caddy")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "caddy")
	cmd := exec.Command("go", "build", "-o", out, "../cmd/caddy")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, b)
	}
	return out, nil
})

// process is a Caddy with Franca running as its own process.
type process struct {
	URL, Admin string
}

// startProcess runs bin/caddy with Franca at /v1/* and the given YAML configuration.
func startProcess(t *testing.T, yaml string) *process {
	t.Helper()
	bin, err := caddyBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "franca.yaml")
	if err := os.WriteFile(cfgPath, []byte(strings.ReplaceAll(yaml, "{{KEY_HASH}}", config.HashKey(testKey))), 0o600); err != nil {
		t.Fatal(err)
	}
	port, admin := freePort(t), freePort(t)
	caddyfile := filepath.Join(dir, "Caddyfile")
	os.WriteFile(caddyfile, []byte(fmt.Sprintf(`{
	admin 127.0.0.1:%d
	auto_https off
	persist_config off
	log {
		level WARN
	}
}
http://127.0.0.1:%d {
	bind 127.0.0.1
	franca /v1/* {
		config %s
	}
}
`, admin, port, cfgPath)), 0o600)
	cmd := exec.Command(bin, "run", "--config", caddyfile, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("caddy on %d said:\n%s", port, logs.String())
		}
	})
	waitListening(t, port)
	return &process{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Admin: fmt.Sprintf("http://127.0.0.1:%d", admin)}
}

// keyState reads one key's state from an instance's admin /franca/status.
func (p *process) keyState(t *testing.T, provider, key string) string {
	t.Helper()
	resp, err := http.Get(p.Admin + "/franca/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []struct {
		Status struct {
			Providers []struct {
				Name string
				Keys []struct {
					ID, State string
					Models    []struct{ Model, State string }
				}
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	for _, e := range out {
		for _, pr := range e.Status.Providers {
			for _, k := range pr.Keys {
				if pr.Name == provider && k.ID == key {
					state := k.State
					for _, m := range k.Models {
						state += " " + m.Model + "=" + m.State
					}
					return state
				}
			}
		}
	}
	return ""
}

// TestFleetSharesCooldownsThroughRedis runs two Caddy processes against one Redis: a 429
// seen by the first keeps the second off that key.
func TestFleetSharesCooldownsThroughRedis(t *testing.T) {
	addr := redistest.Start(t)
	var mu sync.Mutex
	calls := map[string]int{}
	up := fake.New(t, func(r *fake.Recorded) fake.Reply {
		auth := r.Header.Get("Authorization")
		mu.Lock()
		calls[auth]++
		mu.Unlock()
		if auth == "Bearer sk-hot" {
			return fake.Reply{Status: 429, Header: http.Header{"Retry-After": {"30"}, "Content-Type": {"application/json"}},
				Body: []byte(openaifake.ErrRateLimit)}
		}
		return openaifake.Responder("/v1", strings.TrimPrefix(auth, "Bearer "))(r)
	})
	yaml := fmt.Sprintf(`
providers:
  - name: oa
    type: openai
    base_url: %s/v1
    keys:
      - {id: hot, secret: sk-hot}
      - {id: cool, secret: sk-cool}
models:
  - name: gpt
    targets: [{provider: oa, model: gpt-4o-mini}]
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
state:
  redis:
    address: %s
    prefix: "test-fleet:"
`, up.URL, addr)
	a, b := startProcess(t, yaml), startProcess(t, yaml)
	chat := `{"model":"gpt","messages":[{"role":"user","content":"hi"}]}`
	post := func(p *process) int {
		req, _ := http.NewRequestWithContext(context.Background(), "POST", p.URL+"/v1/chat/completions", strings.NewReader(chat))
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// A's first request goes to "hot" (round robin starts there), gets 429 and fails over.
	if s := post(a); s != 200 {
		t.Fatalf("A: %d", s)
	}
	mu.Lock()
	if calls["Bearer sk-hot"] != 1 || calls["Bearer sk-cool"] != 1 {
		t.Fatalf("A's calls: %v", calls)
	}
	mu.Unlock()
	// B learns of the cooldown through Redis.
	deadline := time.Now().Add(3 * time.Second)
	for b.keyState(t, "oa", "hot") != "ok gpt-4o-mini=cooling" {
		if time.Now().After(deadline) {
			t.Fatalf("B never saw the cooldown: %q", b.keyState(t, "oa", "hot"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i := 0; i < 4; i++ {
		if s := post(b); s != 200 {
			t.Fatalf("B request %d: %d", i, s)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if calls["Bearer sk-hot"] != 1 || calls["Bearer sk-cool"] != 5 {
		t.Fatalf("B used the cooling key: %v", calls)
	}
}

// TestFleetLoadsEarlierCooldowns starts a gateway after the cooldown was announced: it
// reads it from Redis at start.
func TestFleetLoadsEarlierCooldowns(t *testing.T) {
	addr := redistest.Start(t)
	until := time.Now().Add(time.Minute).UnixMilli()
	// A rate limit of model m on key hot, and key cold rejected by its provider.
	for _, key := range []string{"late:cool:oa/hot m", "late:cool:oa/cold"} {
		if line := redistest.Command(t, addr, "SET", key, fmt.Sprint(until), "PX", "60000"); line != "+OK" {
			t.Fatalf("redis SET %s: %q", key, line)
		}
	}
	p := startProcess(t, fmt.Sprintf(`
providers:
  - name: oa
    type: openai
    base_url: http://127.0.0.1:1/v1
    keys: [{id: hot, secret: sk-hot}, {id: cold, secret: sk-cold}]
models: [{name: gpt, targets: [{provider: oa, model: m}]}]
virtual_keys: [{name: tests, hash: "{{KEY_HASH}}"}]
state: {redis: {address: "%s", prefix: "late:"}}
`, addr))
	if got := p.keyState(t, "oa", "hot"); got != "ok m=cooling" {
		t.Fatalf("hot: state %q", got)
	}
	if got := p.keyState(t, "oa", "cold"); got != "invalid" {
		t.Fatalf("cold: state %q", got)
	}
}

// TestSilentRedisDoesNotHangStartup is the regression test of a start-up that hung
// when Redis accepted the connection but never answered (the subscription to the fleet's
// cooldowns waited without a deadline once the connection was set up): provisioning
// returns, and a
// request whose key gets a 429 is answered from the other key (sharing the cooldown is
// off the request's path).
func TestSilentRedisDoesNotHangStartup(t *testing.T) {
	up := fake.New(t, func(r *fake.Recorded) fake.Reply {
		if r.Header.Get("Authorization") == "Bearer sk-hot" {
			return fake.Reply{Status: 429, Header: http.Header{"Retry-After": {"30"}, "Content-Type": {"application/json"}},
				Body: []byte(openaifake.ErrRateLimit)}
		}
		return openaifake.Responder("/v1", "sk-cool")(r)
	})
	cfgJSON, f, port := adaptConfig(t, fmt.Sprintf(`
providers:
  - name: oa
    type: openai
    base_url: %s/v1
    keys: [{id: hot, secret: sk-hot}, {id: cool, secret: sk-cool}]
models: [{name: gpt, targets: [{provider: oa, model: gpt-4o-mini}]}]
virtual_keys: [{name: tests, hash: "{{KEY_HASH}}"}]
state: {redis: {address: "%s"}}
`, up.URL, redistest.Silent(t, true)))
	loaded := make(chan error, 1)
	go func() { loaded <- caddy.Load(cfgJSON, true) }()
	select {
	case err := <-loaded:
		if err != nil {
			t.Fatalf("start caddy: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Caddy's provisioning hangs on a Redis that never answers")
	}
	t.Cleanup(func() { caddy.Stop() })
	waitListening(t, port)
	status, _, body := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json",
		`{"model":"gpt","messages":[{"role":"user","content":"hi"}]}`)
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
}
