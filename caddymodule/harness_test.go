package caddymodule_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	_ "github.com/franca-gw/franca/caddymodule"
	"github.com/franca-gw/franca/config"
)

// testKey is the virtual key the tests authenticate with; its hash is in every config.
const testKey = "sk-franca-test-0123456789"

// franca is a running Caddy with Franca.
type franca struct {
	// URL is the site's base URL, e.g. "http://127.0.0.1:41234".
	URL string
	// Admin is the admin API's base URL.
	Admin string
	// ConfigFile is the path of the YAML file the Caddyfile names.
	ConfigFile string
	// Caddyfile is the Caddyfile Caddy was started with.
	Caddyfile string
}

// freePort returns a port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start runs Caddy in this process with a Caddyfile that mounts Franca at /v1/* with the
// given YAML configuration, and stops it when the test ends. "{{KEY_HASH}}" in the YAML
// is replaced by the hash of testKey.
func start(t *testing.T, yaml string) *franca {
	t.Helper()
	cfgJSON, f, port := adaptConfig(t, yaml)
	if err := caddy.Load(cfgJSON, true); err != nil {
		t.Fatalf("start caddy: %v", err)
	}
	t.Cleanup(func() { caddy.Stop() })
	waitListening(t, port)
	return f
}

// adaptConfig writes the configuration and returns the JSON configuration of a Caddy
// that runs it, the URLs it will answer on and its site's port.
func adaptConfig(t *testing.T, yaml string) ([]byte, *franca, int) {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "franca.yaml")
	yaml = strings.ReplaceAll(yaml, "{{KEY_HASH}}", config.HashKey(testKey))
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	port, admin := freePort(t), freePort(t)
	caddyfile := fmt.Sprintf(`{
	admin 127.0.0.1:%d
	auto_https off
	persist_config off
	storage file_system %s
	log {
		level ERROR
	}
}
http://127.0.0.1:%d {
	bind 127.0.0.1
	franca /v1/* {
		config %s
	}
}
`, admin, filepath.Join(dir, "data"), port, cfgPath)
	adapter := caddyconfig.GetAdapter("caddyfile")
	cfgJSON, warnings, err := adapter.Adapt([]byte(caddyfile), nil)
	if err != nil {
		t.Fatalf("adapt Caddyfile: %v", err)
	}
	for _, w := range warnings {
		t.Logf("caddyfile warning: %s", w.String())
	}
	return cfgJSON, &franca{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Admin: fmt.Sprintf("http://127.0.0.1:%d", admin),
		ConfigFile: cfgPath, Caddyfile: caddyfile}, port
}

func waitListening(t *testing.T, port int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("caddy is not listening on %d", port)
}

// client returns the official OpenAI SDK pointed at Franca with the test key and no
// retries, so every error reaches the test as it was answered.
func (f *franca) client(opts ...option.RequestOption) openai.Client {
	return openai.NewClient(append([]option.RequestOption{
		option.WithBaseURL(f.URL + "/v1/"),
		option.WithAPIKey(testKey),
		option.WithMaxRetries(0),
		option.WithRequestTimeout(20 * time.Second),
	}, opts...)...)
}

// do sends a raw request to Franca and returns status, header and body.
func (f *franca) do(t *testing.T, method, path, key, contentType, body string) (int, http.Header, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, f.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// testHash is the configured hash of testKey.
func testHash() string { return config.HashKey(testKey) }
