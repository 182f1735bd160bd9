package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/franca-gw/franca/config"
)

const (
	zeroKey  = "sk-franca-0000000000000000000000000000000000000000"
	zeroHash = "sha256:e962394b835f3b7d31474887a7d56b83ae4a80da8c9253e81727435493687e8a"
	testHash = "sha256:f3abf2a6cc4f00987743db5f544ba345b4899ae31f326d8ee9c4816de153c9e0" // of "sk-test"
)

var files = map[string]string{
	"good.yaml": `
providers:
  - name: mock
    type: mock
  - name: openai
    type: openai
    keys:
      - secret: ${OPENAI_API_KEY}
  - name: anthropic
    type: anthropic
    keys:
      - secret: ${ANTHROPIC_API_KEY}
      - secret: ${ANTHROPIC_BACKUP_KEY}
models:
  - name: chat
    targets: [{provider: mock}]
virtual_keys:
  - name: demo
    hash: ${DEMO_HASH}
`,
	"bad.yaml": `providers:
  - name: openai
    type: openia
models:
  - name: chat
    targets: [{provider: opneai, model: gpt-4o}]
virtual_keys:
  - name: demo
    hash: ${DEMO_HASH}
`,
	"policies.yaml": `
providers: [{name: mock, type: mock}]
models: [{name: chat, targets: [{provider: mock}]}]
policies:
  - {name: cap, type: max_output_tokens, options: {limit: 100}}
  - {name: team, type: require_header, options: {header: X-Team}}
  - {name: broken, type: max_output_tokens, options: {limit: 0}}
`,
	"one.json":    `{"providers": [{"name": "m", "type": "mock"}], "models": [{"name": "a", "targets": [{"provider": "m"}]}]}`,
	"broken.json": `{"providers": [}`,
}

func TestRun(t *testing.T) {
	environ := map[string]string{"OPENAI_API_KEY": "sk-1", "ANTHROPIC_BACKUP_KEY": "", "DEMO_HASH": testHash}
	tests := []struct {
		name      string
		args      []string
		stdin     string
		env       map[string]string
		code      int
		out, errs string
	}{
		{
			name: "validate ok with warnings",
			args: []string{"validate", "good.yaml"},
			env:  map[string]string{"DEMO_HASH": testHash, "ANTHROPIC_API_KEY": "a"},
			out:  "ok: 3 providers, 1 model, 1 virtual key\n",
			errs: "good.yaml: warning: provider openai is unavailable: no usable key: OPENAI_API_KEY is not set\n" +
				"good.yaml: warning: provider anthropic: 1 key left out: ANTHROPIC_BACKUP_KEY is not set\n",
		},
		{
			name: "validate unavailable",
			args: []string{"validate", "good.yaml"},
			out:  "ok: 3 providers, 1 model, 1 virtual key\n",
			errs: "good.yaml: warning: provider anthropic is unavailable: no usable key: ANTHROPIC_API_KEY is not set; ANTHROPIC_BACKUP_KEY is empty\n",
		},
		{
			name: "validate errors",
			args: []string{"validate", "bad.yaml"},
			code: 1,
			errs: "bad.yaml:3: providers[0].type: unknown type \"openia\" (did you mean openai?)\n" +
				"bad.yaml:6: models[0].targets[0].provider: no provider named \"opneai\" (did you mean openai?)\n" +
				"bad.yaml:9: virtual_keys[0].hash: required, but ${DEMO_HASH} expanded to \"\": is DEMO_HASH set?\n",
			env: map[string]string{},
		},
		{
			name: "validate policies",
			args: []string{"validate", "policies.yaml"},
			code: 1,
			errs: "policies.yaml: warning: policies[1].type: \"require_header\" is not a built-in policy type (max_output_tokens); it needs a Caddy built with the module franca.policies.require_header\n" +
				"policies.yaml: policies[2].options.limit: must be at least 1\n",
		},
		{
			name: "validate json",
			args: []string{"validate", "one.json"},
			out:  "ok: 1 provider, 1 model, 0 virtual keys\n",
		},
		{
			name: "validate broken json",
			args: []string{"validate", "broken.json"},
			code: 1,
			errs: "broken.json:1: invalid JSON: invalid character '}' looking for beginning of value\n",
		},
		{
			name:  "validate stdin",
			args:  []string{"validate", "-"},
			stdin: "limits: {max_request_bytes: 0}\nlimit: 1\n",
			code:  1,
			errs:  "<stdin>:2: limit: unknown field (did you mean limits?)\n",
		},
		{
			name: "validate missing file",
			args: []string{"validate", "nope.yaml"},
			code: 1,
			errs: "franca validate: open nope.yaml: file does not exist\n",
		},
		{name: "validate no file", args: []string{"validate"}, code: 2, errs: "usage: franca validate FILE\n"},
		{name: "validate two files", args: []string{"validate", "a", "b"}, code: 2, errs: "usage: franca validate FILE\n"},
		{
			name: "keys new",
			args: []string{"keys", "new", "--name", "search-app", "--models", "gpt-4o, claude-sonnet,"},
			out: "key:  " + zeroKey + "\n" +
				"hash: " + zeroHash + "\n" +
				"\n" +
				"# Keep the key now: only its hash is stored, it cannot be shown again.\n" +
				"# Add under virtual_keys:\n" +
				"- name: search-app\n" +
				"  hash: " + zeroHash + "\n" +
				"  models: [\"gpt-4o\", \"claude-sonnet\"]\n",
		},
		{
			name: "keys new all models, odd name",
			args: []string{"keys", "new", "-name=true"},
			out: "key:  " + zeroKey + "\n" +
				"hash: " + zeroHash + "\n" +
				"\n" +
				"# Keep the key now: only its hash is stored, it cannot be shown again.\n" +
				"# Add under virtual_keys:\n" +
				"- name: \"true\"\n" +
				"  hash: " + zeroHash + "\n" +
				"  models: [\"*\"]\n",
		},
		{
			name: "keys new quiet",
			args: []string{"keys", "new", "--name", "demo", "--quiet"},
			out:  zeroKey + " " + zeroHash + "\n",
		},
		{name: "keys new without name", args: []string{"keys", "new"}, code: 2, errs: "franca keys new: --name is required\n"},
		{name: "keys new extra argument", args: []string{"keys", "new", "--name", "a", "b"}, code: 2, errs: "franca keys new: unexpected argument \"b\"\n"},
		{
			name: "keys new bad flag",
			args: []string{"keys", "new", "--nmae", "a"},
			code: 2,
			errs: "flag provided but not defined: -nmae\n" +
				"Usage of franca keys new:\n" +
				"  -models string\n" +
				"    \tcomma-separated public model names the key may use (default: all)\n" +
				"  -name string\n" +
				"    \tname of the virtual key, as it appears in logs (required)\n" +
				"  -quiet\n" +
				"    \tprint only \"KEY HASH\" on one line, for scripts\n",
		},
		{name: "keys hash", args: []string{"keys", "hash", "sk-test"}, out: testHash + "\n"},
		{name: "keys hash stdin", args: []string{"keys", "hash"}, stdin: "  sk-test \r\nignored\n", out: testHash + "\n"},
		{name: "keys hash nothing", args: []string{"keys", "hash"}, code: 2, errs: "franca keys hash: no key given\n"},
		{name: "keys hash two", args: []string{"keys", "hash", "a", "b"}, code: 2, errs: keysUsage},
		{name: "keys alone", args: []string{"keys"}, code: 2, errs: keysUsage},
		{name: "keys unknown", args: []string{"keys", "list"}, code: 2, errs: "franca keys: unknown command \"list\"\n" + keysUsage},
		{name: "xds", args: []string{"xds"}, code: 2, errs: "franca xds: not yet available (see the xDS control plane issue)\n"},
		{name: "version", args: []string{"version"}, out: "franca (devel) " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"},
		{name: "help", args: []string{"help"}, out: usage},
		{name: "--help", args: []string{"--help"}, out: usage},
		{name: "no arguments", args: nil, code: 2, errs: usage},
		{name: "unknown command", args: []string{"serve"}, code: 2, errs: "franca: unknown command \"serve\"\n\n" + usage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			vars := environ
			if tt.env != nil {
				vars = tt.env
			}
			c := &cli{
				stdin:  strings.NewReader(tt.stdin),
				stdout: &stdout,
				stderr: &stderr,
				lookup: func(name string) (string, bool) { v, ok := vars[name]; return v, ok },
				rand:   bytes.NewReader(make([]byte, 30)),
				readFile: func(name string) ([]byte, error) {
					if s, ok := files[name]; ok {
						return []byte(s), nil
					}
					return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
				},
			}
			code := c.run(tt.args)
			if code != tt.code || stdout.String() != tt.out || stderr.String() != tt.errs {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s\nwant:\n%s", code, tt.code, stdout.String(), tt.out, stderr.String(), tt.errs)
			}
		})
	}
}

// TestRunFiles goes through run itself, with a real file and a real random key.
func TestRunFiles(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"keys", "new", "--name", "x", "--quiet"}, &stdout, &stderr, nil); code != 0 {
		t.Fatalf("keys new: exit %d: %s", code, stderr.String())
	}
	key, hash, ok := strings.Cut(strings.TrimSuffix(stdout.String(), "\n"), " ")
	if !ok || len(key) != len(zeroKey) || !strings.HasPrefix(key, "sk-franca-") || key == zeroKey {
		t.Fatalf("keys new --quiet printed %q", stdout.String())
	}
	stdout.Reset()
	if code := run([]string{"keys", "hash", key}, &stdout, &stderr, nil); code != 0 || stdout.String() != hash+"\n" {
		t.Fatalf("keys hash: exit %d, %q, want %q", code, stdout.String(), hash)
	}

	stdout.Reset()
	lookup := func(name string) (string, bool) {
		if name == "FRANCA_DEMO_KEY_HASH" {
			return hash, true
		}
		return "", false
	}
	example := filepath.Join("..", "..", "examples", "franca.yaml")
	if code := run([]string{"validate", example}, &stdout, &stderr, lookup); code != 0 {
		t.Fatalf("validate %s: exit %d\n%s", example, code, stderr.String())
	}
	if got := stdout.String(); got != "ok: 5 providers, 7 models, 1 virtual key\n" {
		t.Errorf("validate printed %q", got)
	}

	stdout.Reset()
	stderr.Reset()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("providers:\n  - name: p\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code := run([]string{"validate", bad}, &stdout, &stderr, lookup)
	want := bad + ":2: providers[0].type: required (one of openai, azure, anthropic, gemini, openai-compatible, mock)\n"
	if code != 1 || stderr.String() != want || stdout.Len() != 0 {
		t.Errorf("validate bad: exit %d\nstderr %q\nwant   %q", code, stderr.String(), want)
	}
	stderr.Reset()
	if code := run([]string{"validate", filepath.Join(dir, "missing.yaml")}, &stdout, &stderr, lookup); code != 1 || !strings.Contains(stderr.String(), "no such file") {
		t.Errorf("validate missing: exit %d, %q", code, stderr.String())
	}
}

// TestValidateExampleEmptyEnv runs the README's `franca validate examples/franca.yaml` on a
// fresh checkout: no variable is set, so every real provider is unavailable and the demo
// key falls back to a hash no key has.
func TestValidateExampleEmptyEnv(t *testing.T) {
	var stdout, stderr bytes.Buffer
	example := filepath.Join("..", "..", "examples", "franca.yaml")
	unset := func(string) (string, bool) { return "", false }
	if code := run([]string{"validate", example}, &stdout, &stderr, unset); code != 0 {
		t.Fatalf("validate %s: exit %d\n%s", example, code, stderr.String())
	}
	if got := stdout.String(); got != "ok: 5 providers, 7 models, 1 virtual key\n" {
		t.Errorf("validate printed %q", got)
	}
	wantErr := ""
	for _, p := range []struct{ name, env string }{
		{"openai", "OPENAI_API_KEY"}, {"anthropic", "ANTHROPIC_API_KEY"}, {"gemini", "GEMINI_API_KEY"}, {"deepseek", "DEEPSEEK_API_KEY"},
	} {
		wantErr += example + ": warning: provider " + p.name + " is unavailable: no usable key: " + p.env + " is not set\n"
	}
	if stderr.String() != wantErr {
		t.Errorf("stderr\n%s\nwant\n%s", stderr.String(), wantErr)
	}

	// The fallback is the hash of no key; the variable still wins when set.
	cfg, err := config.Load(mustRead(t, example), unset)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.VirtualKeys[0].Hash; got != "sha256:"+strings.Repeat("0", 64) {
		t.Errorf("demo hash without FRANCA_DEMO_KEY_HASH: %s", got)
	}
	set := func(name string) (string, bool) { return testHash, name == "FRANCA_DEMO_KEY_HASH" }
	if cfg, err = config.Load(mustRead(t, example), set); err != nil || cfg.VirtualKeys[0].Hash != testHash {
		t.Errorf("demo hash with FRANCA_DEMO_KEY_HASH: %v", err)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestYAMLString(t *testing.T) {
	for in, want := range map[string]string{
		"demo":      "demo",
		"team-a.v2": "team-a.v2",
		"_x":        "_x",
		"123":       `"123"`,
		"No":        `"No"`,
		"null":      `"null"`,
		"a b":       `"a b"`,
		"a: b":      `"a: b"`,
		"-x":        `"-x"`,
		"é":         `"é"`,
		"":          `""`,
	} {
		if got := yamlString(in); got != want {
			t.Errorf("yamlString(%q) = %s, want %s", in, got, want)
		}
	}
}
