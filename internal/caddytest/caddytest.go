// Package caddytest runs Caddy with Franca in the test's own process, for the tests of
// several packages: a Caddyfile that mounts Franca at /v1/* on a free loopback port with
// a given Franca configuration, Caddy's admin API on another, and optionally Caddy's log
// as JSON in a file. Test-only.
package caddytest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile" // the Caddyfile adapter
	_ "github.com/caddyserver/caddy/v2/modules/standard"          // Caddy's standard modules

	_ "github.com/franca-gw/franca/caddymodule" // the franca directive
)

// Site is a Caddy configuration serving Franca, adapted and ready to load.
type Site struct {
	// URL is the site's base URL, e.g. "http://127.0.0.1:41234".
	URL string
	// Admin is the admin API's base URL.
	Admin string
	// Port is the site's port.
	Port int
	// ConfigFile is the path of the Franca configuration the Caddyfile names.
	ConfigFile string
	// Caddyfile is the Caddyfile.
	Caddyfile string
	// JSON is the Caddyfile adapted to Caddy's JSON configuration.
	JSON []byte
	// LogPath is the file Caddy logs to as JSON at level INFO, Franca's access log among
	// it; "" when the site logs errors only, to the test's output.
	LogPath string
}

// Adapt writes the Franca configuration yaml to a file of the test's and returns the site
// that serves it, not started. With logFile set, Caddy's log goes to Site.LogPath.
func Adapt(t testing.TB, yaml string, logFile bool) *Site {
	t.Helper()
	dir := t.TempDir()
	s := &Site{ConfigFile: filepath.Join(dir, "franca.yaml"), Port: FreePort(t)}
	if err := os.WriteFile(s.ConfigFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	admin := FreePort(t)
	s.URL, s.Admin = fmt.Sprintf("http://127.0.0.1:%d", s.Port), fmt.Sprintf("http://127.0.0.1:%d", admin)
	log := "\t\tlevel ERROR\n"
	if logFile {
		s.LogPath = filepath.Join(dir, "caddy.log")
		log = "\t\toutput file " + s.LogPath + "\n\t\tformat json\n\t\tlevel INFO\n"
	}
	s.Caddyfile = fmt.Sprintf(`{
	admin 127.0.0.1:%d
	auto_https off
	persist_config off
	storage file_system %s
	log {
%s	}
}
http://127.0.0.1:%d {
	bind 127.0.0.1
	franca /v1/* {
		config %s
	}
}
`, admin, filepath.Join(dir, "data"), log, s.Port, s.ConfigFile)
	var warnings []caddyconfig.Warning
	var err error
	s.JSON, warnings, err = caddyconfig.GetAdapter("caddyfile").Adapt([]byte(s.Caddyfile), nil)
	if err != nil {
		t.Fatalf("adapt Caddyfile: %v", err)
	}
	for _, w := range warnings {
		t.Logf("caddyfile warning: %s", w.String())
	}
	return s
}

// Start loads the site into this process's Caddy, stops Caddy when the test ends, and
// returns once the site accepts connections.
func (s *Site) Start(t testing.TB) {
	t.Helper()
	if err := caddy.Load(s.JSON, true); err != nil {
		t.Fatalf("start caddy: %v", err)
	}
	t.Cleanup(func() { caddy.Stop() })
	WaitListening(t, s.Port)
}

// FreePort returns a port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WaitListening waits until something accepts connections on the loopback port.
func WaitListening(t testing.TB, port int) {
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
