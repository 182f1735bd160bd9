package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestDocsCoverEveryField fails when a configuration field's key is missing from
// docs/config.md: add a row for it there.
func TestDocsCoverEveryField(t *testing.T) {
	b, err := os.ReadFile("../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, path string)
	var missing []string
	walk = func(typ reflect.Type, path string) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ.PkgPath() != reflect.TypeFor[Config]().PkgPath() || seen[typ] {
			return
		}
		seen[typ] = true
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			if !f.IsExported() {
				continue
			}
			key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if key == "" || key == "-" {
				missing = append(missing, typ.Name()+"."+f.Name+" has no json key")
				continue
			}
			if !strings.Contains(text, "| `"+key+"` |") {
				missing = append(missing, path+key)
			}
			walk(f.Type, path+key+".")
		}
	}
	walk(reflect.TypeFor[Config](), "")
	if len(seen) < 8 {
		t.Errorf("walked only %d struct types", len(seen))
	}
	for _, m := range missing {
		t.Errorf("docs/config.md has no table row for %s", m)
	}
	for _, p := range presets {
		if !strings.Contains(text, "| `"+p.Name+"` | `"+p.BaseURL+"` |") {
			t.Errorf("docs/config.md has no row for preset %s with base URL %s", p.Name, p.BaseURL)
		}
	}
}
