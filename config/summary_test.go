package config

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	in := doc(
		"providers:",
		"  - name: openai",
		"    type: openai",
		"    headers: {OpenAI-Project: proj-secret, OpenAI-Organization: org-secret}",
		"    keys:",
		"      - {id: main, secret: sk-very-secret}",
		"      - {secret: '${UNSET}'}",
		"  - {name: claude, type: anthropic, keys: [{secret: '${ANTHROPIC_API_KEY}'}], timeout: 30s}",
		"models:",
		"  - {name: gpt, targets: [{provider: openai, model: gpt-4o}, {provider: claude, model: claude-sonnet-4-5}]}",
		"virtual_keys:",
		"  - {name: app, hash: "+hashA+", models: [gpt], disabled: true, expires_at: '2030-01-01T00:00:00Z'}",
		"  - {name: all, hash: "+hashB+"}",
		"passthrough: {provider: openai}",
	)
	cfg, err := Load([]byte(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(cfg.Summary())
	if err != nil {
		t.Fatal(err)
	}
	want := `{
	  "providers": [
	    {"name": "openai", "type": "openai", "base_url": "https://api.openai.com/v1",
	     "headers": ["OpenAI-Organization", "OpenAI-Project"], "key_ids": ["main"], "keys": 1,
	     "dropped_keys": ["UNSET is not set"], "timeout": "10m0s"},
	    {"name": "claude", "type": "anthropic", "base_url": "https://api.anthropic.com",
	     "api_version": "2023-06-01", "key_ids": [], "keys": 0,
	     "dropped_keys": ["ANTHROPIC_API_KEY is not set"], "timeout": "30s",
	     "unavailable": "no usable key: ANTHROPIC_API_KEY is not set"}
	  ],
	  "models": [{"name": "gpt", "targets": ["openai/gpt-4o", "claude/claude-sonnet-4-5"]}],
	  "virtual_keys": [
	    {"name": "app", "models": ["gpt"], "disabled": true, "expires_at": "2030-01-01T00:00:00Z"},
	    {"name": "all", "models": []}
	  ],
	  "limits": {"max_request_bytes": 10485760},
	  "passthrough": "openai"
	}`
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatal(err)
	}
	ga, _ := json.Marshal(a)
	wb, _ := json.Marshal(b)
	if string(ga) != string(wb) {
		t.Errorf("summary\n%s\nwant\n%s", ga, wb)
	}
	for _, secret := range []string{"sk-very-secret", "secret\"", "proj-secret", "org-secret", hashA[7:], hashB[7:]} {
		if strings.Contains(string(got), secret) {
			t.Errorf("summary contains %q: %s", secret, got)
		}
	}
	empty, _ := json.Marshal((&Config{}).Summary())
	if want := `{"providers":[],"models":[],"virtual_keys":[],"limits":{}}`; string(empty) != want {
		t.Errorf("empty summary = %s, want %s", empty, want)
	}
}
