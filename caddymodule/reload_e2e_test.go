package caddymodule_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"

	"github.com/franca-gw/franca/config"
)

// reloadConfig serves one mock model, named by {{MODEL}}.
const reloadConfig = `
providers:
  - name: mock
    type: mock
models:
  - name: {{MODEL}}
    targets: [{provider: mock}]
virtual_keys:
  - name: tests
    hash: {{KEY_HASH}}
`

func reloadYAML(model string) string {
	return strings.NewReplacer("{{MODEL}}", model, "{{KEY_HASH}}", config.HashKey(testKey)).Replace(reloadConfig)
}

func adapt(t *testing.T, caddyfile string) []byte {
	t.Helper()
	cfg, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile), nil)
	if err != nil {
		t.Fatalf("adapt Caddyfile: %v", err)
	}
	return cfg
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return `"config_digest":"sha256:` + hex.EncodeToString(sum[:]) + `"`
}

// TestReloadEditedConfigFile edits the YAML file a running Caddy uses and loads the
// re-adapted Caddyfile the way `caddy reload` does (no --force): the adapted JSON records
// the file's digest, so it differs, Caddy takes it, and the new models are served.
func TestReloadEditedConfigFile(t *testing.T) {
	f := start(t, reloadYAML("model-a"))
	serves := func(model string) {
		t.Helper()
		status, _, body := f.do(t, "GET", "/v1/models", testKey, "", "")
		if want := `{"object":"list","data":[{"id":"` + model + `","object":"model","created":0,"owned_by":"mock"}]}`; status != 200 || body != want {
			t.Fatalf("GET /v1/models: %d %s\nwant %s", status, body, want)
		}
	}
	serves("model-a")

	before := adapt(t, f.Caddyfile)
	if again := adapt(t, f.Caddyfile); !bytes.Equal(before, again) {
		t.Fatalf("the same files adapt to different JSON:\n%s\n%s", before, again)
	}
	if !bytes.Contains(before, []byte(digest(reloadYAML("model-a")))) {
		t.Fatalf("the adapted JSON has no digest of the file: %s", before)
	}

	if err := os.WriteFile(f.ConfigFile, []byte(reloadYAML("model-b")), 0o600); err != nil {
		t.Fatal(err)
	}
	after := adapt(t, f.Caddyfile)
	if bytes.Equal(before, after) {
		t.Fatalf("editing the YAML file left the adapted JSON unchanged: %s", after)
	}
	if want := bytes.Replace(before, []byte(digest(reloadYAML("model-a"))), []byte(digest(reloadYAML("model-b"))), 1); !bytes.Equal(after, want) {
		t.Fatalf("the adapted JSON differs in more than the digest:\n got %s\nwant %s", after, want)
	}
	if err := caddy.Load(after, false); err != nil {
		t.Fatalf("reload: %v", err)
	}
	// The old server closes its idle connections: ask on a new one.
	http.DefaultClient.CloseIdleConnections()
	serves("model-b")
}
