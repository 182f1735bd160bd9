//go:build !wasip1

package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/gateway/policies"
	"github.com/franca-gw/franca/internal/fake"
	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/internal/fake/geminifake"
	"github.com/franca-gw/franca/internal/fake/openaifake"
)

// Every scenario runs twice: on the plugin compiled into this test binary ("go") and on
// bin/franca.wasm, the module Envoy loads, run by wazero behind the same host emulator
// ("wasm"). `make test` builds the module first.

const wasmPath = "../bin/franca.wasm"

// Keys of the test configuration.
const (
	clientKey    = "sk-franca-envoy-test"
	narrowKey    = "sk-franca-envoy-narrow"
	openaiKey    = "sk-openai-upstream"
	anthropicKey = "sk-ant-upstream"
	geminiKey    = "gemini-upstream"
)

// now is the request time of the in-process runner; the wasm runner reads wazero's
// clock. Bodies are compared with their "created" values zeroed (see normalize).
var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// testConfig is the plugin configuration both filters get, as JSON. Its circuit breaker
// never opens: the stream tests replay failing streams thousands of times on one key.
func testConfig() []byte {
	return []byte(`{
  "providers": [
    {"name": "openai", "type": "openai", "keys": [{"id": "oa-1", "secret": "` + openaiKey + `"}]},
    {"name": "anthropic", "type": "anthropic", "keys": [{"id": "ant-1", "secret": "` + anthropicKey + `"}]},
    {"name": "gemini", "type": "gemini", "keys": [{"id": "gem-1", "secret": "` + geminiKey + `"}]},
    {"name": "deepseek", "type": "openai-compatible", "preset": "deepseek", "keys": [{"secret": "${FRANCA_TEST_UNSET_KEY}"}]},
    {"name": "mock", "type": "mock"}
  ],
  "models": [
    {"name": "gpt", "targets": [{"provider": "openai", "model": "gpt-4o-mini"}]},
    {"name": "claude", "targets": [{"provider": "anthropic", "model": "` + anthropicfake.Model + `"}]},
    {"name": "gemini", "targets": [{"provider": "gemini", "model": "gemini-2.5-flash"}]},
    {"name": "fallback", "targets": [{"provider": "anthropic", "model": "` + anthropicfake.Model + `"}, {"provider": "openai", "model": "gpt-4o-mini"}]},
    {"name": "via-deepseek", "targets": [{"provider": "deepseek", "model": "deepseek-chat"}, {"provider": "gemini", "model": "gemini-2.5-flash"}]},
    {"name": "only-deepseek", "targets": [{"provider": "deepseek", "model": "deepseek-chat"}]},
    {"name": "mock-chat", "targets": [{"provider": "mock"}]}
  ],
  "virtual_keys": [
    {"name": "team", "hash": "` + config.HashKey(clientKey) + `"},
    {"name": "narrow", "hash": "` + config.HashKey(narrowKey) + `", "models": ["mock-chat"]}
  ],
  "limits": {"max_request_bytes": 4096},
  "routing": {"breaker_failures": 1000000},
  "policies": [{"name": "cap", "type": "max_output_tokens", "models": ["claude"], "options": {"limit": 1000}}]
}`)
}

// runner makes the VM context a test runs the plugin on.
type runner struct {
	name string
	vm   func(t testing.TB) types.VMContext
}

var wasmVM struct {
	once sync.Once
	vm   proxytest.WasmVMContext
	err  error
	dir  string // a directory the tests built the module in
	path string // the module the VM runs
}

// compiledVM returns the compiled module's VM, shared by all tests of the binary:
// compiling it takes a while, and plugins are started on it anew for every stage. It
// is bin/franca.wasm, which `make test` builds first; when that file is missing or older
// than the Go sources, the test builds the module itself, so that the wasm runs never
// test stale code.
func compiledVM(t testing.TB) types.VMContext {
	t.Helper()
	wasmVM.once.Do(func() {
		path := wasmPath
		if stale(path) {
			dir, err := os.MkdirTemp("", "franca-wasm-")
			if err != nil {
				wasmVM.err = err
				return
			}
			wasmVM.dir = dir
			path = filepath.Join(dir, "franca.wasm")
			cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", path, ".")
			cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
			if out, err := cmd.CombinedOutput(); err != nil {
				wasmVM.err = fmt.Errorf("bin/franca.wasm is missing or stale and building it failed: %v\n%s", err, out)
				return
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			wasmVM.err = err
			return
		}
		wasmVM.path = path
		wasmVM.vm, wasmVM.err = proxytest.NewWasmVMContext(b)
	})
	if wasmVM.err != nil {
		t.Fatalf("loading the wasm module: %v", wasmVM.err)
	}
	return wasmVM.vm
}

// stale reports whether the module at path is missing or older than a Go source of the
// plugin (test files aside) or go.mod/go.sum.
func stale(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return true
	}
	newer := false
	filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if newer {
			return fs.SkipAll
		}
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if n := d.Name(); p != ".." && (strings.HasPrefix(n, ".") || n == "bin" || n == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		n := d.Name()
		if (strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go")) || n == "go.mod" || n == "go.sum" {
			if info, err := d.Info(); err == nil && info.ModTime().After(fi.ModTime()) {
				newer = true
			}
		}
		return nil
	})
	return newer
}

// TestMain removes a module the tests built themselves.
func TestMain(m *testing.M) {
	code := m.Run()
	if wasmVM.dir != "" {
		os.RemoveAll(wasmVM.dir)
	}
	os.Exit(code)
}

func nativeVM(testing.TB) types.VMContext {
	v := newVM()
	v.now = func() time.Time { return now }
	return v
}

var runners = []runner{{"go", nativeVM}, {"wasm", compiledVM}}

// forEachRunner runs f as a subtest on each runner.
func forEachRunner(t *testing.T, f func(t *testing.T, r runner)) {
	for _, r := range runners {
		t.Run(r.name, func(t *testing.T) { f(t, r) })
	}
}

// stage is one plugin started under the host emulator. The emulator is process-global:
// one stage at a time, and tests of this package never run in parallel.
type stage struct {
	host  proxytest.HostEmulator
	reset func()
}

// start starts the plugin root with cfg and the given host properties.
func start(t testing.TB, r runner, root string, cfg []byte, props map[string]string) *stage {
	t.Helper()
	opt := proxytest.NewEmulatorOption().WithVMContext(r.vm(t)).WithPluginConfiguration(cfg)
	if root != "" {
		opt = opt.WithProperty([]string{"plugin_root_id"}, []byte(root))
	}
	for k, v := range props {
		opt = opt.WithProperty(strings.Split(k, "."), []byte(v))
	}
	host, reset := proxytest.NewHostEmulator(opt)
	s := &stage{host: host, reset: reset}
	if host.StartVM() != types.OnVMStartStatusOK {
		reset()
		t.Fatal("VM start failed")
	}
	if host.StartPlugin() != types.OnPluginStartStatusOK {
		logs := host.GetCriticalLogs()
		reset()
		t.Fatalf("plugin start failed: %q", logs)
	}
	return s
}

// stop ends the plugin (OnPluginDone: it lets go of its VM's key pool, which the VM
// drops when no plugin uses it, as when Envoy removes a filter configuration) and
// releases the emulator.
func (s *stage) stop() {
	s.host.FinishVM()
	s.reset()
}

// request is a client request.
type request struct {
	method string
	path   string
	header [][2]string
	body   string
}

// chatRequest is a chat request with the team key.
func chatRequest(body string) request {
	return request{method: "POST", path: "/v1/chat/completions", body: body,
		header: [][2]string{{"authorization", "Bearer " + clientKey}, {"content-type", "application/json"}}}
}

func (q request) headers() [][2]string {
	h := [][2]string{{":method", q.method}, {":path", q.path}, {":authority", "gateway.example"}, {":scheme", "https"}}
	h = append(h, q.header...)
	if q.body != "" {
		h = append(h, [2]string{"content-length", strconv.Itoa(len(q.body))})
	}
	return h
}

// forwarded is what the downstream filter let through to the router.
type forwarded struct {
	header [][2]string
	body   []byte
}

// reply is an answer the client gets: a local reply or the response through the filter.
type reply struct {
	status int
	header [][2]string
	body   []byte
}

func (r *reply) get(name string) string { return pairs(r.header).Get(name) }

// downstreamRun sends q through the downstream filter. It returns the local reply, or
// what goes on to the router.
func (s *stage) downstreamRun(t testing.TB, q request) (*reply, *forwarded) {
	t.Helper()
	id := s.host.InitializeHttpContext()
	defer s.host.CompleteHttpContext(id)
	action := s.host.CallOnRequestHeaders(id, q.headers(), q.body == "")
	if lr := s.host.GetSentLocalResponse(id); lr != nil {
		return localReply(lr), nil
	}
	if q.body != "" {
		if action != types.ActionPause {
			t.Fatalf("headers: action %v, want pause to buffer the body", action)
		}
		action = s.host.CallOnRequestBody(id, []byte(q.body), true)
		if lr := s.host.GetSentLocalResponse(id); lr != nil {
			return localReply(lr), nil
		}
	}
	if action != types.ActionContinue {
		t.Fatalf("action %v, want continue", action)
	}
	return nil, &forwarded{header: s.host.GetCurrentRequestHeaders(id), body: s.host.GetCurrentRequestBody(id)}
}

func localReply(lr *proxytest.LocalHttpResponse) *reply {
	return &reply{status: int(lr.StatusCode), header: lr.Headers, body: append([]byte(nil), lr.Data...)}
}

// providerFunc plays the provider: it gets the request the upstream filter sent.
type providerFunc func(r *fake.Recorded) fake.Reply

// send runs a forwarded request through the upstream filter of a new context. It returns
// the context, and either what the filter sends to the provider or its local reply.
func (s *stage) send(t testing.TB, f *forwarded) (uint32, *fake.Recorded, *reply) {
	t.Helper()
	id := s.host.InitializeHttpContext()
	action := s.host.CallOnRequestHeaders(id, f.header, len(f.body) == 0)
	if lr := s.host.GetSentLocalResponse(id); lr != nil {
		return id, nil, localReply(lr)
	}
	if len(f.body) > 0 {
		action = s.host.CallOnRequestBody(id, f.body, true)
		if lr := s.host.GetSentLocalResponse(id); lr != nil {
			return id, nil, localReply(lr)
		}
	}
	if action != types.ActionContinue {
		t.Fatalf("upstream request: action %v", action)
	}
	return id, recorded(s.host.GetCurrentRequestHeaders(id), s.host.GetCurrentRequestBody(id)), nil
}

// upstreamRun sends a forwarded request through the upstream filter, hands what it
// sends to provider and returns what the client gets, what the provider got and what
// it answered.
func (s *stage) upstreamRun(t testing.TB, f *forwarded, provider providerFunc) (*reply, *fake.Recorded, fake.Reply) {
	t.Helper()
	id, sent, local := s.send(t, f)
	defer s.host.CompleteHttpContext(id)
	if local != nil {
		return local, nil, fake.Reply{}
	}
	rep := provider(sent)
	chunks := rep.Chunks
	if chunks == nil {
		chunks = [][]byte{rep.Body}
	}
	return s.respond(t, id, rep.Status, rep.Header, chunks), sent, rep
}

// whole returns the reply's body in one piece.
func whole(r fake.Reply) []byte {
	if r.Chunks == nil {
		return r.Body
	}
	return bytes.Join(r.Chunks, nil)
}

// respond feeds a provider's answer, body in chunks, to the upstream filter's context id.
func (s *stage) respond(t testing.TB, id uint32, status int, header http.Header, chunks [][]byte) *reply {
	t.Helper()
	return s.respondPart(t, id, status, header, chunks, true)
}

// respondPart is respond, except that the last chunk ends the body only when ends is
// set: otherwise the answer stays open (a stream the client leaves, or the provider cuts).
func (s *stage) respondPart(t testing.TB, id uint32, status int, header http.Header, chunks [][]byte, ends bool) *reply {
	t.Helper()
	if status == 0 {
		status = 200
	}
	h := [][2]string{{":status", strconv.Itoa(status)}}
	keys := make([]string, 0, len(header))
	for k := range header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range header[k] {
			h = append(h, [2]string{strings.ToLower(k), v})
		}
	}
	var body []byte
	s.host.CallOnResponseHeaders(id, h, false)
	out := &reply{}
	for i, c := range chunks {
		action := s.host.CallOnResponseBody(id, c, ends && i == len(chunks)-1)
		if action == types.ActionContinue {
			// What the filter let through is on its way to the client.
			body = append(body, s.host.GetCurrentResponseBody(id)...)
		}
	}
	out.header = s.host.GetCurrentResponseHeaders(id)
	out.status, _ = strconv.Atoi(out.get(":status"))
	out.body = body
	return out
}

// recorded turns what the upstream filter sent into the fakes' view of a request.
func recorded(h [][2]string, body []byte) *fake.Recorded {
	r := &fake.Recorded{Header: http.Header{}, Body: append([]byte(nil), body...)}
	for _, f := range h {
		switch f[0] {
		case ":method":
			r.Method = f[1]
		case ":path":
			r.Path, r.RawQuery = splitPath(f[1])
		default:
			r.Header.Add(f[0], f[1])
		}
	}
	return r
}

// providers plays every provider of testConfig by the cluster the request went to.
func providers(cluster string) providerFunc {
	switch cluster {
	case "openai":
		return providerFunc(openaifake.Responder("/v1", openaiKey))
	case "anthropic":
		return providerFunc(anthropicfake.Responder(anthropicKey))
	case "gemini":
		return providerFunc(geminifake.Responder(geminiKey))
	}
	return func(*fake.Recorded) fake.Reply {
		return fake.Reply{Status: 599, Body: []byte("no such provider: " + cluster)}
	}
}

// forward runs q through the downstream filter and returns what goes on to the router.
func forward(t testing.TB, r runner, q request) *forwarded {
	t.Helper()
	down := start(t, r, rootDownstream, testConfig(), nil)
	defer down.stop()
	local, fwd := down.downstreamRun(t, q)
	if local != nil {
		t.Fatalf("the downstream filter answered %d %s", local.status, local.body)
	}
	return fwd
}

// roundTrip sends q through the downstream filter, then through the upstream filter on
// the first cluster of x-franca-cluster, to the fake provider, and back.
func roundTrip(t testing.TB, r runner, q request) (*reply, *fake.Recorded, fake.Reply) {
	t.Helper()
	fwd := forward(t, r, q)
	first, _, _ := strings.Cut(pairs(fwd.header).Get(headerCluster), "+")
	up := start(t, r, rootUpstream, testConfig(), map[string]string{"cluster_name": first})
	defer up.stop()
	return up.upstreamRun(t, fwd, providers(first))
}

var createdRE = regexp.MustCompile(`"created":\d+`)

// normalize zeroes "created", the one value that depends on the clock.
func normalize(b []byte) string {
	return createdRE.ReplaceAllString(string(b), `"created":0`)
}

// oracle answers what the core, used directly, makes of the same provider answer: the
// filter must deliver exactly that. A stream's reply has the transcoded events as body.
func oracle(t testing.TB, body, provider string, status int, header http.Header, answer []byte) *gateway.Reply {
	t.Helper()
	cfg, err := config.Load(testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(cfg, gateway.WithPolicies(builtinPolicies(t)))
	if err != nil {
		t.Fatal(err)
	}
	x := g.HandleAs("team", &gateway.Request{Method: "POST", Path: "/v1/chat/completions", Body: []byte(body), Now: now})
	a := x.AttemptFor(provider)
	if a == nil {
		t.Fatalf("oracle: %s", x.Reply.Body)
	}
	if status == 0 {
		status = 200
	}
	if a.Upstream.Stream && status < 300 {
		s := a.Stream()
		out, err := s.Feed(nil, answer)
		if err == nil {
			out, err = s.End(out)
		}
		if err != nil {
			out = append(out, a.StreamError(err)...)
		}
		return &gateway.Reply{Status: 200, Header: gateway.StreamHeader(), Body: out}
	}
	rep, _ := a.Response(status, header, answer)
	return rep
}

// coreReply is the reply the core, used directly, gives a request it answers itself
// (it fails the test when the core would route it instead).
func coreReply(t testing.TB, q request) *gateway.Reply {
	t.Helper()
	cfg, err := config.Load(testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(cfg, gateway.WithPolicies(builtinPolicies(t)))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(q.body)) > g.MaxRequestBytes() {
		return gateway.ErrorReply(g.TooLarge())
	}
	path, query := splitPath(q.path)
	x := g.Handle(&gateway.Request{Method: q.method, Path: path, Query: query, Header: pairs(q.headers()), Body: []byte(q.body), Now: now})
	if x.Reply == nil {
		x.Next()
	}
	if x.Reply == nil {
		t.Fatalf("the core routes %s %s", q.method, q.path)
	}
	return x.Reply
}

// builtinPolicies is the registry the filter builds its gateways with.
func builtinPolicies(t testing.TB) *gateway.Registry {
	t.Helper()
	reg, err := policies.Registry()
	if err != nil {
		t.Fatal(err)
	}
	return reg
}
