package caddymodule

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

func TestUnmarshalCaddyfile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "franca.yaml")
	if err := os.WriteFile(file, []byte("providers: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// sha256sum of "providers: []\n"
	const sum = "sha256:76ade74b72b7b86ba56b4a8fbaa909a367d33f4ba6ec9f9667f840c72418477b"
	missing := filepath.Join(dir, "missing.yaml")
	tests := []struct {
		in   string
		want Handler
		err  string
	}{
		{"franca " + file, Handler{ConfigFile: file, ConfigDigest: sum}, ""},
		{"franca {\n config " + file + "\n}", Handler{ConfigFile: file, ConfigDigest: sum}, ""},
		// Unreadable at adapt time: no digest; Provision reports the file.
		{"franca " + missing, Handler{ConfigFile: missing}, ""},
		{"franca", Handler{}, "franca: a configuration file is required: franca { config /path/franca.yaml }, at Testfile:1"},
		{"franca a {\n config b\n}", Handler{}, "franca: config given twice, at Testfile:2"},
		{"franca {\n cfg b\n}", Handler{}, `franca: unknown subdirective "cfg" (expected config), at Testfile:2`},
	}
	for _, tt := range tests {
		var h Handler
		err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.in))
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: error %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(h, tt.want) {
			t.Errorf("%q: %+v %v, want %+v", tt.in, h, err, tt.want)
		}
	}
}
