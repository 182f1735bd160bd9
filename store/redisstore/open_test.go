package redisstore

import (
	"reflect"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/franca-gw/franca/config"
)

// TestOpenPicksTheClient: one server, a Cluster, Sentinels, as the configuration says.
func TestOpenPicksTheClient(t *testing.T) {
	for _, c := range []struct {
		r    config.Redis
		want redis.UniversalClient
	}{
		{config.Redis{Address: "a:1"}, (*redis.Client)(nil)},
		{config.Redis{Address: "a:1", Cluster: true}, (*redis.ClusterClient)(nil)},
		{config.Redis{Addresses: []string{"a:1", "b:1"}, Cluster: true}, (*redis.ClusterClient)(nil)},
		// A failover client is a *redis.Client that asks the Sentinels for the master.
		{config.Redis{Addresses: []string{"a:1", "b:1"}, MasterName: "m"}, (*redis.Client)(nil)},
	} {
		s := Open(&c.r, 0)
		if got, want := reflect.TypeOf(s.c), reflect.TypeOf(c.want); got != want {
			t.Errorf("%+v: %v, want %v", c.r, got, want)
		}
		s.Close()
	}
}
