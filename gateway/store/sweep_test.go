package store

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// TestMemorySweep: expired keys nobody reads again do not pile up.
func TestMemorySweep(t *testing.T) {
	now := time.Unix(1000, 0)
	m := NewMemory(func() time.Time { return now })
	for i := 0; i < 100; i++ {
		m.Do(context.Background(), []Op{SetOp(strconv.Itoa(i), []byte("x"), time.Second)})
	}
	now = now.Add(time.Second)
	for i := 0; i < 30; i++ {
		m.Do(context.Background(), []Op{SetOp("kept"+strconv.Itoa(i), nil, 0)})
	}
	if len(m.values) > 64 {
		t.Fatalf("%d values kept", len(m.values))
	}
}
