package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// manyKeys writes a configuration with n virtual keys.
func manyKeys(n int) []byte {
	var b strings.Builder
	b.WriteString(doc(
		"providers:",
		"  - {name: openai, type: openai, keys: [{secret: '${OPENAI_API_KEY}'}, {secret: sk-2, weight: 2}]}",
		"  - {name: mock, type: mock}",
		"models:",
		"  - {name: gpt-4o, targets: [{provider: openai, model: gpt-4o}, {provider: mock}]}",
		"  - {name: mock, targets: [{provider: mock}]}",
		"virtual_keys:",
	))
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - name: app-%d\n    hash: %s\n    models: [gpt-4o, mock]\n", i, HashKey(fmt.Sprint("key-", i)))
		if i%10 == 0 {
			b.WriteString("    expires_at: 2030-01-01T00:00:00Z\n")
		}
	}
	return []byte(b.String())
}

func TestLoad1000Keys(t *testing.T) {
	cfg, err := Load(manyKeys(1000), env(map[string]string{"OPENAI_API_KEY": "sk-1"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.VirtualKeys) != 1000 {
		t.Fatalf("%d virtual keys", len(cfg.VirtualKeys))
	}
	last := cfg.VirtualKeys[999]
	if last.Name != "app-999" || last.Hash != HashKey("key-999") || len(last.Models) != 2 || last.ExpiresAt != nil {
		t.Errorf("last key = %+v", last)
	}
	if cfg.VirtualKeys[990].ExpiresAt == nil {
		t.Errorf("key 990 has no expiry")
	}
	// A duplicate at the end is found, with its line.
	data := append(manyKeys(1000), "  - {name: app-5, hash: "+HashKey("key-7")+"}\n"...)
	_, err = Load(data, nil)
	want := "line 3108: virtual_keys[1000].name: \"app-5\" is already the name of virtual_keys[5]\n" +
		"line 3108: virtual_keys[1000].hash: same hash as virtual_keys[7]"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func BenchmarkLoad1000Keys(b *testing.B) {
	data := manyKeys(1000)
	lookup := env(map[string]string{"OPENAI_API_KEY": "sk-1"})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(data, lookup); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad1000KeysJSON(b *testing.B) {
	lookup := env(map[string]string{"OPENAI_API_KEY": "sk-1"})
	cfg, err := Load(manyKeys(1000), lookup)
	if err != nil {
		b.Fatal(err)
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(data, lookup); err != nil {
			b.Fatal(err)
		}
	}
}
