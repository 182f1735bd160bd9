package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadDefaults(t *testing.T) {
	in := doc(
		"providers:",
		"  - name: openai",
		"    type: openai",
		"    keys:",
		"      - secret: sk-1",
		"      - secret: sk-2",
		"        id: second",
		"        weight: 3",
		"  - {name: claude, type: anthropic, keys: [{secret: a}]}",
		"  - {name: gem, type: gemini, keys: [{secret: g}], timeout: 90s}",
		"  - {name: az, type: azure, base_url: 'https://r.openai.azure.com/', keys: [{secret: z}]}",
		"  - {name: ds, type: openai-compatible, preset: deepseek, keys: [{secret: d}]}",
		"  - {name: local, type: openai-compatible, preset: ollama}",
		"  - {name: own, type: openai-compatible, base_url: 'http://10.0.0.1:8080/v1///'}",
		"  - {name: anthropic-beta, type: anthropic, api_version: '2024-01-01', keys: [{secret: b}]}",
		"  - {name: mock, type: mock}",
		"models:",
		"  - name: m",
		"    targets: [{provider: mock}, {provider: openai, model: gpt-4o, params: {max_tokens: 100, temperature: 0.5, stop: [x], response_format: {type: json_object}, user: null}}]",
	)
	got, err := Load([]byte(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	min10 := DefaultTimeout
	want := &Config{
		Providers: []Provider{
			{Name: "openai", Type: "openai", BaseURL: "https://api.openai.com/v1", Timeout: min10, Keys: []Key{
				{ID: "openai#0", Secret: "sk-1", Weight: 1},
				{ID: "second", Secret: "sk-2", Weight: 3},
			}},
			{Name: "claude", Type: "anthropic", BaseURL: "https://api.anthropic.com", APIVersion: "2023-06-01", Timeout: min10, Keys: []Key{{ID: "claude#0", Secret: "a", Weight: 1}}},
			{Name: "gem", Type: "gemini", BaseURL: "https://generativelanguage.googleapis.com", Timeout: Duration(90 * time.Second), Keys: []Key{{ID: "gem#0", Secret: "g", Weight: 1}}},
			{Name: "az", Type: "azure", BaseURL: "https://r.openai.azure.com", APIVersion: "2024-10-21", Timeout: min10, Keys: []Key{{ID: "az#0", Secret: "z", Weight: 1}}},
			{Name: "ds", Type: "openai-compatible", Preset: "deepseek", BaseURL: "https://api.deepseek.com/v1", Timeout: min10, Keys: []Key{{ID: "ds#0", Secret: "d", Weight: 1}}},
			{Name: "local", Type: "openai-compatible", Preset: "ollama", BaseURL: "http://127.0.0.1:11434/v1", Timeout: min10},
			{Name: "own", Type: "openai-compatible", BaseURL: "http://10.0.0.1:8080/v1", Timeout: min10},
			{Name: "anthropic-beta", Type: "anthropic", BaseURL: "https://api.anthropic.com", APIVersion: "2024-01-01", Timeout: min10, Keys: []Key{{ID: "anthropic-beta#0", Secret: "b", Weight: 1}}},
			{Name: "mock", Type: "mock", Timeout: min10},
		},
		Models: []Model{{Name: "m", Targets: []Target{
			{Provider: "mock", Model: "mock", Weight: 1},
			{Provider: "openai", Model: "gpt-4o", Weight: 1, Params: map[string]any{
				"max_tokens":      int64(100),
				"temperature":     0.5,
				"stop":            []any{"x"},
				"response_format": map[string]any{"type": "json_object"},
				"user":            nil,
			}},
		}}},
		Limits: Limits{MaxRequestBytes: DefaultMaxRequestBytes},
	}
	want.Routing.setDefaults()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
	for _, p := range got.Providers {
		if why := p.Unavailable(); why != "" || p.DroppedKeys() != 0 {
			t.Errorf("provider %s: Unavailable() = %q, DroppedKeys() = %d", p.Name, why, p.DroppedKeys())
		}
	}
}

func TestLoadEmpty(t *testing.T) {
	for _, in := range []string{"", "\n# nothing\n", "{}", " \n{ }\n", "providers: []\nmodels: []\nvirtual_keys: []\n", "providers:\nmodels: ~\n"} {
		cfg, err := Load([]byte(in), nil)
		if err != nil {
			t.Errorf("Load(%q): %v", in, err)
			continue
		}
		want := &Config{Limits: Limits{MaxRequestBytes: DefaultMaxRequestBytes}}
		want.Routing.setDefaults()
		cfg.Providers, cfg.Models, cfg.VirtualKeys = nil, nil, nil // [] and absent are alike
		if !reflect.DeepEqual(cfg, want) {
			t.Errorf("Load(%q) = %+v, want %+v", in, cfg, want)
		}
	}
}

func TestExpand(t *testing.T) {
	lookup := env(map[string]string{"A": "alpha", "EMPTY": "", "B_2": "b", "YAML": ": \n- x"})
	tests := []struct {
		in, want string
		used     bool
		msg      string
	}{
		{"plain", "plain", false, ""},
		{"${A}", "alpha", true, ""},
		{"x-${A}-${B_2}-y", "x-alpha-b-y", true, ""},
		{"${UNSET}", "", true, ""},
		{"${EMPTY}", "", true, ""},
		{"$${A}", "${A}", false, ""},
		{"$$${A}", "$${A}", false, ""},
		{"cost $5 and $A and $", "cost $5 and $A and $", false, ""},
		{"$$", "$$", false, ""},
		{"${YAML}", ": \n- x", true, ""},
		{"${A", "", false, "unterminated ${ (write $${ for a literal ${)"},
		{"${}", "", false, `invalid environment variable name "" in ${...} (letters, digits and _, not starting with a digit, optionally followed by :-default; write $${ for a literal ${)`},
		{"${A:-fallback}", "alpha", true, ""},
		{"${UNSET:-fallback}", "fallback", true, ""},
		{"${EMPTY:-fallback}", "fallback", true, ""},
		{"${UNSET:-}", "", true, ""},
		{"${UNSET:-sha256:00}", "sha256:00", true, ""},
		{"${UNSET:-${A}", "${A", true, ""},
		{"${UNSET:-$${A}}", "$${A}", true, ""},
		{"x${UNSET:-a b}y${B_2:-c}", "xa by" + "b", true, ""},
		{"${:-x}", "", false, `invalid environment variable name "" in ${...} (letters, digits and _, not starting with a digit, optionally followed by :-default; write $${ for a literal ${)`},
		{"${A-x}", "", false, `invalid environment variable name "A-x" in ${...} (letters, digits and _, not starting with a digit, optionally followed by :-default; write $${ for a literal ${)`},
		{"${A B}", "", false, `invalid environment variable name "A B" in ${...} (letters, digits and _, not starting with a digit, optionally followed by :-default; write $${ for a literal ${)`},
	}
	for _, tt := range tests {
		got, used, msg := expand(tt.in, lookup)
		if got != tt.want || used != tt.used || msg != tt.msg {
			t.Errorf("expand(%q) = %q, %v, %q; want %q, %v, %q", tt.in, got, used, msg, tt.want, tt.used, tt.msg)
		}
	}
}

func TestLoadEnv(t *testing.T) {
	in := doc(
		"providers:",
		"  - name: ${PROVIDER_NAME}",
		"    type: openai",
		"    base_url: ${BASE}/v1",
		"    headers:",
		"      X-Injected: ${INJECT}",
		"      X-Literal: 'price $${NOT_A_VAR} $5'",
		"    keys:",
		"      - secret: ${OPENAI_KEY}",
		"        weight: ${WEIGHT}",
		"      - secret: ${UNSET_KEY}",
		"      - secret: ${EMPTY_KEY}",
		"      - secret: '${UNSET_A}${UNSET_B}'",
		"    timeout: ${TIMEOUT}",
		"models:",
		"  - name: m",
		"    targets:",
		"      - provider: openai",
		"        model: ${MODEL}",
		"        params: {user: '${USER_TAG}', n: 1, metadata: '${MULTILINE}'}",
		"virtual_keys:",
		"  - name: k",
		"    hash: ${HASH}",
		"    disabled: ${DISABLED}",
		"    expires_at: ${EXPIRES}",
		"  - name: k2",
		"    hash: "+hashB,
		"    expires_at: ${UNSET_EXPIRES}",
		"limits:",
		"  max_request_bytes: ${UNSET_LIMIT}",
	)
	vars := map[string]string{
		"PROVIDER_NAME": "openai",
		"BASE":          "https://proxy.example.com",
		"INJECT":        "a: b - c {d: [e]} # x",
		"MULTILINE":     ": \n- x\n  y: [",
		"OPENAI_KEY":    "sk-\"quoted\" #not-a-comment",
		"WEIGHT":        " 5 ",
		"EMPTY_KEY":     "",
		"TIMEOUT":       "45s",
		"MODEL":         "gpt-4o: mini",
		"USER_TAG":      "team-${NESTED}",
		"HASH":          hashA,
		"DISABLED":      "true",
		"EXPIRES":       "2030-01-02T03:04:05Z",
	}
	cfg, err := Load([]byte(in), env(vars))
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Providers[0]
	if p.Name != "openai" || p.BaseURL != "https://proxy.example.com/v1" || p.Timeout != Duration(45*time.Second) {
		t.Errorf("provider = %+v", p)
	}
	wantHeaders := map[string]string{"X-Injected": "a: b - c {d: [e]} # x", "X-Literal": "price ${NOT_A_VAR} $5"}
	if !reflect.DeepEqual(p.Headers, wantHeaders) {
		t.Errorf("headers = %q, want %q", p.Headers, wantHeaders)
	}
	wantKeys := []Key{{ID: "openai#0", Secret: "sk-\"quoted\" #not-a-comment", Weight: 5}}
	if !reflect.DeepEqual(p.Keys, wantKeys) {
		t.Errorf("keys = %+v, want %+v", p.Keys, wantKeys)
	}
	wantDropped := []string{"UNSET_KEY is not set", "EMPTY_KEY is empty", "key openai#3 has an empty secret"}
	if p.DroppedKeys() != 3 || !reflect.DeepEqual(p.DroppedKeyReasons(), wantDropped) {
		t.Errorf("dropped = %d %q, want %q", p.DroppedKeys(), p.DroppedKeyReasons(), wantDropped)
	}
	tg := cfg.Models[0].Targets[0]
	// An expanded value is never expanded again.
	if tg.Model != "gpt-4o: mini" || !reflect.DeepEqual(tg.Params, map[string]any{"user": "team-${NESTED}", "n": int64(1), "metadata": ": \n- x\n  y: ["}) {
		t.Errorf("target = %+v", tg)
	}
	vk := cfg.VirtualKeys[0]
	if vk.Hash != hashA || !vk.Disabled || vk.ExpiresAt == nil || !vk.ExpiresAt.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("virtual key = %+v", vk)
	}
	if cfg.VirtualKeys[1].ExpiresAt != nil {
		t.Errorf("expires_at of an unset variable = %v, want nil", cfg.VirtualKeys[1].ExpiresAt)
	}
	if cfg.Limits.MaxRequestBytes != DefaultMaxRequestBytes {
		t.Errorf("max_request_bytes = %d", cfg.Limits.MaxRequestBytes)
	}
}

func TestLoadEnvBadValues(t *testing.T) {
	in := doc(
		"providers:",
		"  - name: p",
		"    type: mock",
		"    keys: [{secret: x, weight: '${W}'}]",
		"    timeout: ${T}",
		"virtual_keys:",
		"  - {name: k, hash: '${H}', disabled: '${D}'}",
	)
	_, err := Load([]byte(in), env(map[string]string{"W": "2; rm -rf", "T": "90", "H": "sha256:" + strings.Repeat("A", 64), "D": "1"}))
	want := []string{
		`line 4: providers[0].keys[0].weight: expected an integer, got "2; rm -rf"`,
		`line 5: providers[0].timeout: "90" has no unit: write e.g. "90s" or "90m"`,
		`line 7: virtual_keys[0].disabled: expected true or false, got "1"`,
		`line 7: virtual_keys[0].hash: must be "sha256:" followed by 64 lowercase hex digits (franca keys hash KEY prints it)`,
	}
	if got := errLines(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestUnavailable(t *testing.T) {
	in := doc(
		"providers:",
		"  - {name: openai, type: openai, keys: [{secret: '${OPENAI_API_KEY}'}]}",
		"  - {name: two, type: anthropic, keys: [{secret: '${A1}'}, {id: backup, secret: '${A2}'}]}",
		"  - {name: half, type: gemini, keys: [{secret: '${G1}'}, {secret: '${G2}'}]}",
		"  - {name: none, type: azure, base_url: 'https://x.openai.azure.com'}",
		"  - {name: groq, type: openai-compatible, preset: groq, keys: [{secret: '${GROQ}'}]}",
		"  - {name: vllm, type: openai-compatible, preset: vllm, keys: [{secret: '${VLLM}'}]}",
		"  - {name: ollama, type: openai-compatible, preset: ollama}",
		"  - {name: own, type: openai-compatible, base_url: 'http://h/v1', keys: [{secret: '${OWN}'}]}",
		"  - {name: mock, type: mock}",
	)
	cfg, err := Load([]byte(in), env(map[string]string{"G2": "g", "A2": ""}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		why     string
		dropped int
	}{
		"openai": {"no usable key: OPENAI_API_KEY is not set", 1},
		"two":    {"no usable key: A1 is not set; A2 is empty", 2},
		"half":   {"", 1},
		"none":   {"no keys configured", 0},
		"groq":   {"no usable key: GROQ is not set", 1},
		"vllm":   {"", 1},
		"ollama": {"", 0},
		"own":    {"", 1},
		"mock":   {"", 0},
	}
	for i := range cfg.Providers {
		p := &cfg.Providers[i]
		w := want[p.Name]
		if got := p.Unavailable(); got != w.why || p.DroppedKeys() != w.dropped {
			t.Errorf("%s: Unavailable() = %q, DroppedKeys() = %d; want %q, %d", p.Name, got, p.DroppedKeys(), w.why, w.dropped)
		}
	}
	if got := cfg.Providers[2].Keys; !reflect.DeepEqual(got, []Key{{ID: "half#1", Secret: "g", Weight: 1}}) {
		t.Errorf("half keys = %+v", got)
	}
}

func TestLoadManyErrors(t *testing.T) {
	in := doc(
		"providers:",
		"  - name: openai",
		"    type: openai",
		"    base_url: not a url",
		"    keys:",
		"      - {id: k, secret: a, weight: -2}",
		"      - {id: k, secret: b}",
		"  - name: openai",
		"    type: openia",
		"  - type: azure",
		"models:",
		"  - name: chat",
		"    targets:",
		"      - {provider: openai, model: gpt-4o, params: {stream: false}}",
		"      - {provider: nobody}",
		"  - name: chat",
		"virtual_keys:",
		"  - name: app",
		"    hash: sha256:nothex",
		"    models: [chat, missing]",
		"    expires_at: 2030-13-01T00:00:00Z",
		"  - name: app",
		"    hash: ${UNSET}",
		"limits: {max_request_bytes: -5}",
		"passthrough: {provider: ghost}",
		"colour: blue",
	)
	_, err := Load([]byte(in), nil)
	want := []string{
		`line 4: providers[0].base_url: "not a url" is not an absolute http or https URL`,
		`line 6: providers[0].keys[0].weight: must not be negative`,
		`line 7: providers[0].keys[1].id: "k" is already the id of keys[0]`,
		`line 8: providers[1].name: "openai" is already the name of providers[0]`,
		`line 9: providers[1].type: unknown type "openia" (did you mean openai?)`,
		`line 10: providers[2].name: required`,
		`line 10: providers[2].base_url: required for type azure, e.g. https://RESOURCE.openai.azure.com`,
		`line 14: models[0].targets[0].params.stream: cannot be overridden`,
		`line 15: models[0].targets[1].provider: no provider named "nobody"`,
		`line 15: models[0].targets[1].model: required`,
		`line 16: models[1].name: "chat" is already the name of models[0]`,
		`line 16: models[1].targets: at least one target is required`,
		`line 19: virtual_keys[0].hash: must be "sha256:" followed by 64 lowercase hex digits (franca keys hash KEY prints it)`,
		`line 20: virtual_keys[0].models[1]: no model named "missing"`,
		`line 21: virtual_keys[0].expires_at: expected an RFC 3339 time such as "2026-01-31T00:00:00Z", got "2030-13-01T00:00:00Z"`,
		`line 22: virtual_keys[1].name: "app" is already the name of virtual_keys[0]`,
		`line 23: virtual_keys[1].hash: required, but ${UNSET} expanded to "": is UNSET set?`,
		`line 24: limits.max_request_bytes: must be positive`,
		`line 25: passthrough.provider: no provider named "ghost"`,
		`line 26: colour: unknown field`,
	}
	got := errLines(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Path != "providers[0].base_url" || fe.Line != 4 {
		t.Errorf("errors.As gave %+v", fe)
	}
}

// TestJSONAndYAML loads the same configuration written as YAML and as JSON.
func TestJSONAndYAML(t *testing.T) {
	yamlDoc := doc(
		"providers:",
		"  - name: openai",
		"    type: openai",
		"    headers: {OpenAI-Organization: org-1}",
		"    keys:",
		"      - {id: main, secret: '${KEY}', weight: 2, models: [gpt-4o]}",
		"    timeout: 2m",
		"models:",
		"  - name: gpt",
		"    targets:",
		"      - provider: openai",
		"        model: gpt-4o",
		"        params: {max_tokens: 5, top_p: 0.9, stop: ['a', 'b'], seed: null, logprobs: true}",
		"virtual_keys:",
		"  - name: app",
		"    hash: "+hashA,
		"    models: ['*']",
		"    disabled: true",
		"    expires_at: 2030-01-01T00:00:00+02:00",
		"limits: {max_request_bytes: 2048}",
		"passthrough: {provider: openai}",
	)
	jsonDoc := `
	{
	  "providers": [{"name": "openai", "type": "openai", "headers": {"OpenAI-Organization": "org-1"},
	    "keys": [{"id": "main", "secret": "${KEY}", "weight": 2, "models": ["gpt-4o"]}], "timeout": "2m"}],
	  "models": [{"name": "gpt", "targets": [{"provider": "openai", "model": "gpt-4o",
	    "params": {"max_tokens": 5, "top_p": 0.9, "stop": ["a", "b"], "seed": null, "logprobs": true}}]}],
	  "virtual_keys": [{"name": "app", "hash": "` + hashA + `", "models": ["*"], "disabled": true,
	    "expires_at": "2030-01-01T00:00:00+02:00"}],
	  "limits": {"max_request_bytes": 2048},
	  "passthrough": {"provider": "openai"}
	}`
	lookup := env(map[string]string{"KEY": "sk-1"})
	fromYAML, err := Load([]byte(yamlDoc), lookup)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := Load([]byte(jsonDoc), lookup)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromYAML, fromJSON) {
		t.Errorf("YAML gave %+v\nJSON gave %+v", fromYAML, fromJSON)
	}
	if k := fromJSON.Providers[0].Keys[0]; k.Secret != "sk-1" || k.Weight != 2 {
		t.Errorf("key = %+v", k)
	}
	// Marshalling a loaded Config and loading it again gives it back: this is how the
	// control plane hands the configuration on.
	b, err := json.Marshal(fromYAML)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Load(b, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if !reflect.DeepEqual(again, fromYAML) {
		t.Errorf("round trip:\n%s\ngave %+v\nwant %+v", b, again, fromYAML)
	}
}

func TestLoadYAMLFeatures(t *testing.T) {
	in := doc(
		"x-key: &key {weight: 2}",
		"providers:",
		"  - &base",
		"    name: a",
		"    type: openai",
		"    keys:",
		"      - <<: *key",
		"        secret: one",
		"  - <<: *base",
		"    name: b",
		"  - <<: [{name: ignored, timeout: 5s}, *base]",
		"    name: c",
		"models:",
		"  - name: m",
		"    targets:",
		"      - {provider: a, model: \"0123\"}",
		"      - {provider: b, model: 4}",
		"      - {provider: c, model: 2024-10-21, params: {max_tokens: 0x10, n: 1_000, big: 1e3}}",
		"x-unused: {anything: [goes]}",
	)
	cfg, err := Load([]byte(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names, timeouts []string
	for _, p := range cfg.Providers {
		names = append(names, p.Name)
		timeouts = append(timeouts, p.Timeout.String())
		if len(p.Keys) != 1 || p.Keys[0].Secret != "one" || p.Keys[0].Weight != 2 {
			t.Errorf("%s keys = %+v", p.Name, p.Keys)
		}
	}
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names = %q, want %q", names, want)
	}
	if want := []string{"10m0s", "10m0s", "5s"}; !reflect.DeepEqual(timeouts, want) {
		t.Errorf("timeouts = %q, want %q", timeouts, want)
	}
	var models []string
	for _, tg := range cfg.Models[0].Targets {
		models = append(models, tg.Model)
	}
	if want := []string{"0123", "4", "2024-10-21"}; !reflect.DeepEqual(models, want) {
		t.Errorf("models = %q, want %q", models, want)
	}
	if got, want := cfg.Models[0].Targets[2].Params, map[string]any{"max_tokens": int64(16), "n": int64(1000), "big": 1000.0}; !reflect.DeepEqual(got, want) {
		t.Errorf("params = %#v, want %#v", got, want)
	}
}

func TestLoadAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	_, err := Load([]byte(b.String()), nil)
	if got := errLines(t, err); len(got) != 1 || !strings.Contains(got[0], "document too large once aliases are expanded") {
		t.Errorf("problems: %q", got)
	}
	_, err = Load([]byte(strings.Repeat("[", 300)+strings.Repeat("]", 300)), nil)
	if got := errLines(t, err); len(got) != 1 || !strings.Contains(got[0], "nested too deeply") {
		t.Errorf("problems: %q", got)
	}
	_, err = Load([]byte("{\"a\":"+strings.Repeat("[", 300)+strings.Repeat("]", 300)+"}"), nil)
	if got := errLines(t, err); len(got) != 1 || !strings.Contains(got[0], "nested too deeply") {
		t.Errorf("problems: %q", got)
	}
}

func TestDuration(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Duration
		err  string
	}{
		{`"90s"`, Duration(90 * time.Second), ""},
		{`"1h2m"`, Duration(time.Hour + 2*time.Minute), ""},
		{`null`, 0, ""},
		{`90`, 0, `expected a duration such as "90s" or "2m", got 90`},
		{`"90"`, 0, `"90" has no unit: write e.g. "90s" or "90m"`},
	} {
		var d Duration
		err := json.Unmarshal([]byte(tt.in), &d)
		if d != tt.want || (err == nil) != (tt.err == "") || err != nil && err.Error() != tt.err {
			t.Errorf("UnmarshalJSON(%s) = %v, %v; want %v, %s", tt.in, d, err, tt.want, tt.err)
		}
	}
	b, err := json.Marshal(struct{ T Duration }{Duration(90 * time.Second)})
	if err != nil || string(b) != `{"T":"1m30s"}` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
}

func TestFieldErrorFormat(t *testing.T) {
	errs := Errors{
		{Path: "a.b", Message: "m1", Line: 3},
		{Path: "c", Message: "m2"},
		{Message: "m3", Line: 9},
		{Message: "m4"},
	}
	if got, want := errs.Error(), "line 3: a.b: m1\nc: m2\nline 9: m3\nm4"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestSplitPath(t *testing.T) {
	for _, tt := range []struct {
		path string
		want []any
	}{
		{"providers[2].keys[0].secret", []any{"providers", 2, "keys", 0, "secret"}},
		{`providers[0].headers["X \"B\".c"].x`, []any{"providers", 0, "headers", `X "B".c`, "x"}},
		{"limits", []any{"limits"}},
	} {
		got, ok := splitPath(tt.path)
		if !ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitPath(%q) = %#v, %v", tt.path, got, ok)
		}
		if p := rebuild(got); p != tt.path {
			t.Errorf("joinKey/joinIndex rebuilt %q as %q", tt.path, p)
		}
	}
}

func rebuild(steps []any) string {
	p := ""
	for _, s := range steps {
		switch s := s.(type) {
		case string:
			p = joinKey(p, s)
		case int:
			p = joinIndex(p, s)
		}
	}
	return p
}
