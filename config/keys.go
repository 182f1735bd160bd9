package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
)

// KeyPrefix starts every virtual key NewKey makes.
const KeyPrefix = "sk-franca-"

// HashKey returns the form a virtual key is stored in: "sha256:" and the lowercase hex
// SHA-256 of key.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// base62 is the alphabet of generated keys.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewKey makes a virtual key: "sk-franca-" and 40 base62 characters drawn from 30 bytes
// of rand (pass crypto/rand.Reader). The 40 characters are the 240-bit number those bytes
// spell, modulo 62^40, which keeps over 238 bits of it.
func NewKey(rand io.Reader) (string, error) {
	var n [30]byte
	if _, err := io.ReadFull(rand, n[:]); err != nil {
		return "", fmt.Errorf("config: reading random bytes for a key: %w", err)
	}
	out := make([]byte, len(KeyPrefix)+40)
	copy(out, KeyPrefix)
	// Long division of the big-endian number in n by 62, 40 times: each remainder is the
	// next base62 digit from the right.
	for i := len(out) - 1; i >= len(KeyPrefix); i-- {
		rem := 0
		for j := range n {
			cur := rem<<8 | int(n[j])
			n[j] = byte(cur / 62)
			rem = cur % 62
		}
		out[i] = base62[rem]
	}
	return string(out), nil
}
