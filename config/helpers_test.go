package config

import (
	"strings"
	"testing"
)

// env returns a lookup over m.
func env(m map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

// doc joins lines into a YAML document, so that tests can count lines.
func doc(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// errLines returns the problems of err one per element, or nil when err is nil.
func errLines(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	if _, ok := err.(Errors); !ok {
		t.Fatalf("error is a %T, want Errors: %v", err, err)
	}
	return strings.Split(err.Error(), "\n")
}

// hashA and hashB are valid virtual key hashes.
var (
	hashA = HashKey("a")
	hashB = HashKey("b")
)
