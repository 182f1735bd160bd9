package config

import (
	"bytes"
	"errors"
	"io"
	"math/big"
	"strings"
	"testing"
	"testing/iotest"
)

func TestHashKey(t *testing.T) {
	// SHA-256 test vector from FIPS 180-2.
	if got, want := HashKey("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("HashKey(abc) = %s, want %s", got, want)
	}
	if !validHash(HashKey("")) {
		t.Error("HashKey gives a hash Validate refuses")
	}
}

func TestNewKey(t *testing.T) {
	// The 40 characters are the 30 bytes read as a big-endian number, modulo 62^40,
	// written in base 62 with digits 0-9A-Za-z.
	reference := func(b []byte) string {
		n := new(big.Int).SetBytes(b)
		n.Mod(n, new(big.Int).Exp(big.NewInt(62), big.NewInt(40), nil))
		var out []byte
		for i := 0; i < 40; i++ {
			r := new(big.Int)
			n.DivMod(n, big.NewInt(62), r)
			out = append([]byte{base62[r.Int64()]}, out...)
		}
		return "sk-franca-" + string(out)
	}
	inputs := [][]byte{
		make([]byte, 30),
		bytes.Repeat([]byte{0xff}, 30),
		append(make([]byte, 29), 61),
		append(make([]byte, 29), 62),
		[]byte("0123456789abcdefghijklmnopqrst"),
	}
	for _, in := range inputs {
		got, err := NewKey(bytes.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		if want := reference(in); got != want {
			t.Errorf("NewKey(%x) = %s, want %s", in, got, want)
		}
	}
	if got, _ := NewKey(bytes.NewReader(make([]byte, 30))); got != "sk-franca-"+strings.Repeat("0", 40) {
		t.Errorf("zero bytes gave %s", got)
	}
	if got, _ := NewKey(bytes.NewReader(append(make([]byte, 29), 61))); got != "sk-franca-"+strings.Repeat("0", 39)+"z" {
		t.Errorf("61 gave %s", got)
	}
	// Only 30 bytes are read.
	r := bytes.NewReader(make([]byte, 31))
	if _, err := NewKey(r); err != nil || r.Len() != 1 {
		t.Errorf("NewKey left %d bytes, err %v", r.Len(), err)
	}
	if _, err := NewKey(bytes.NewReader(make([]byte, 29))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short read: %v", err)
	}
	if _, err := NewKey(iotest.ErrReader(errors.New("boom"))); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing reader: %v", err)
	}
}
