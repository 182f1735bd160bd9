package redisstore_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway/store"
	"github.com/franca-gw/franca/gateway/store/storetest"
	"github.com/franca-gw/franca/internal/redistest"
	"github.com/franca-gw/franca/store/redisstore"
)

// TestRedis runs the store table against a real redis-server.
func TestRedis(t *testing.T) {
	addr := redistest.Start(t)
	s := redisstore.Open(&config.Redis{Address: addr, Prefix: "t:"}, 0)
	defer s.Close()
	raw := redis.NewClient(&redis.Options{Addr: addr})
	defer raw.Close()
	storetest.Run(t, storetest.Harness{Store: s, Now: time.Now, Stream: func(t *testing.T, key string) [][]byte {
		msgs, err := raw.XRange(context.Background(), "t:"+key, "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		var out [][]byte
		for _, m := range msgs {
			out = append(out, []byte(m.Values["v"].(string)))
		}
		return out
	}})
}

// TestRedisExpiry: the keys carry the lifetimes the operations give them, under the
// prefix.
func TestRedisExpiry(t *testing.T) {
	addr := redistest.Start(t)
	s := redisstore.Open(&config.Redis{Address: addr, Prefix: "x:"}, 0)
	defer s.Close()
	until := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	_, err := s.Do(context.Background(), []store.Op{
		store.SetOp("v", []byte("x"), 10*time.Second), store.SetOp("forever", []byte("x"), 0),
		store.RaiseOp("c", until), store.ReserveOp("n", 1, 5, time.Minute), store.SettleOp("n", 1, time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	ttl := func(key string) int64 {
		n, err := strconv.ParseInt(redistest.Command(t, addr, "PTTL", key)[1:], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := ttl("x:v"); n <= 0 || n > 10_000 {
		t.Fatalf("set: pttl %d", n)
	}
	if n := ttl("x:forever"); n != -1 {
		t.Fatalf("set without ttl: pttl %d", n)
	}
	if at := redistest.Command(t, addr, "PEXPIRETIME", "x:c"); at != ":"+strconv.FormatInt(until.UnixMilli(), 10) {
		t.Fatalf("raise: pexpiretime %s, want %d", at, until.UnixMilli())
	}
	// The settle did not stretch the reservation's window.
	if n := ttl("x:n"); n <= 0 || n > 60_000 {
		t.Fatalf("counter: pttl %d", n)
	}
	// A raise to a past time moves nothing.
	res, err := s.Do(context.Background(), []store.Op{store.RaiseOp("old", time.Now().Add(-time.Second))})
	if err != nil || res[0].OK || !res[0].Until.IsZero() || redistest.Command(t, addr, "EXISTS", "x:old") != ":0" {
		t.Fatalf("past raise: %+v %v", res, err)
	}
}

// TestRedisSilentIsBounded: against a server that never answers, Do and Watch return
// their errors within the timeout instead of hanging.
func TestRedisSilentIsBounded(t *testing.T) {
	for _, handshake := range []bool{false, true} {
		t.Run(fmt.Sprintf("handshake=%v", handshake), func(t *testing.T) { silentIsBounded(t, handshake) })
	}
}

func silentIsBounded(t *testing.T, handshake bool) {
	s := redisstore.Open(&config.Redis{Address: redistest.Silent(t, handshake), Prefix: "s:"}, 200*time.Millisecond)
	defer s.Close()
	returned := make(chan error, 2)
	go func() {
		_, err := s.Do(context.Background(), []store.Op{store.RaiseOp("c", time.Now().Add(time.Hour))})
		returned <- err
	}()
	var stop func()
	go func() {
		var err error
		stop, err = s.Watch(context.Background(), "c", func(string, []byte) {})
		returned <- err
	}()
	for i := 0; i < 2; i++ {
		select {
		case err := <-returned:
			if err == nil {
				t.Fatal("no error from a server that never answers")
			}
		case <-time.After(30 * time.Second):
			t.Fatal("a call to a silent server hangs")
		}
	}
	stop()
}

// TestRedisWatchReadsAgainAfterReconnect: a watch whose connection was lost reads the
// entries again once go-redis subscribed anew, so a cooldown raised meanwhile (here
// written without its announcement) is not missed.
func TestRedisWatchReadsAgainAfterReconnect(t *testing.T) {
	addr := redistest.Start(t)
	s := redisstore.Open(&config.Redis{Address: addr, Prefix: "r:"}, 0)
	defer s.Close()
	seen := make(chan string, 16)
	stop, err := s.Watch(context.Background(), "cool:", func(k string, v []byte) { seen <- k + "=" + string(v) })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	until := strconv.FormatInt(time.Now().Add(time.Hour).UnixMilli(), 10)
	if got := redistest.Command(t, addr, "SET", "r:cool:p/k", until); got != "+OK" {
		t.Fatal(got)
	}
	if got := redistest.Command(t, addr, "CLIENT", "KILL", "TYPE", "pubsub"); got != ":1" {
		t.Fatalf("client kill: %s", got)
	}
	select {
	case got := <-seen:
		if got != "cool:p/k="+until {
			t.Fatalf("watched %s", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the watch never read the entries again")
	}
}
