package config

import (
	"os"
	"testing"
)

// FuzzLoad checks that Load never panics, and that what it accepts passes Validate.
func FuzzLoad(f *testing.F) {
	if b, err := os.ReadFile("../examples/franca.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"providers": [{"name": "m", "type": "mock", "keys": [{"secret": "${K}"}]}], "models": [{"name": "a", "targets": [{"provider": "m", "params": {"n": 1.5}}]}]}`))
	f.Add([]byte("x-a: &a {name: p, type: mock}\nproviders: [*a, {<<: *a, name: q}]\n"))
	f.Add([]byte("virtual_keys: [{name: k, hash: '" + hashA + "', expires_at: 2030-01-01T00:00:00Z}]\n"))
	f.Add([]byte("providers:\n  - name: p\n    type: openai-compatible\n    preset: vllm\n    timeout: ${T}\n"))
	lookup := env(map[string]string{"K": "k", "T": "5s", "E": ""})
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Load(data, lookup)
		if err != nil {
			if _, ok := err.(Errors); !ok || cfg != nil {
				t.Fatalf("Load returned %T %v with config %v", err, err, cfg != nil)
			}
			for _, fe := range err.(Errors) {
				if fe.Message == "" {
					t.Fatalf("problem without a message at %q", fe.Path)
				}
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Load accepted a config that Validate refuses: %v", err)
		}
		_ = cfg.Summary()
	})
}
