package caddymodule_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/internal/caddytest"
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
func freePort(t *testing.T) int { return caddytest.FreePort(t) }

// start runs Caddy in this process with a Caddyfile that mounts Franca at /v1/* with the
// given YAML configuration, and stops it when the test ends. "{{KEY_HASH}}" in the YAML
// is replaced by the hash of testKey.
func start(t *testing.T, yaml string) *franca {
	t.Helper()
	s := caddytest.Adapt(t, strings.ReplaceAll(yaml, "{{KEY_HASH}}", config.HashKey(testKey)), false)
	s.Start(t)
	return siteOf(s)
}

// adaptConfig writes the configuration and returns the JSON configuration of a Caddy
// that runs it, the URLs it will answer on and its site's port.
func adaptConfig(t *testing.T, yaml string) ([]byte, *franca, int) {
	t.Helper()
	s := caddytest.Adapt(t, strings.ReplaceAll(yaml, "{{KEY_HASH}}", config.HashKey(testKey)), false)
	return s.JSON, siteOf(s), s.Port
}

func siteOf(s *caddytest.Site) *franca {
	return &franca{URL: s.URL, Admin: s.Admin, ConfigFile: s.ConfigFile, Caddyfile: s.Caddyfile}
}

// waitListening waits until Caddy accepts connections on port.
func waitListening(t *testing.T, port int) { caddytest.WaitListening(t, port) }

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
