package caddymodule_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/gateway/store"
	"github.com/franca-gw/franca/internal/redistest"
	"github.com/franca-gw/franca/translate"
)

func init() { caddy.RegisterModule(countingPolicy{}) }

// countingPolicy is the test policy type "test_counting", a Caddy module: it reserves
// one request on a per-key counter in the store and refuses the request once the
// configured limit is reached. It proves the admit phase's store round trip through
// Caddy, on the in-memory store and on Redis.
type countingPolicy struct{}

func (countingPolicy) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "franca.policies.test_counting", New: func() caddy.Module { return countingPolicy{} }}
}

func (countingPolicy) FrancaPolicy() gateway.PolicyType {
	return gateway.PolicyType{Name: "test_counting", Order: gateway.OrderQuota, New: func(options []byte) (gateway.Policy, error) {
		var o struct {
			Limit int64 `json:"limit"`
		}
		if err := gateway.DecodeOptions(options, &o); err != nil {
			return nil, err
		}
		return counting(o.Limit), nil
	}}
}

type counting int64

func (limit counting) Admit(c *gateway.Call) gateway.Decision {
	switch {
	case c.StoreErr != nil:
		return gateway.Refuse(&translate.Error{Status: 503, Type: translate.TypeServer, Code: "store_unavailable", Message: c.StoreErr.Error()})
	case c.Results == nil:
		return gateway.Need(store.ReserveOp("count:{"+c.KeyName+"}", 1, int64(limit), time.Hour))
	case !c.Results[0].OK:
		return gateway.Refuse(&translate.Error{Status: 429, Type: translate.TypeRateLimit, Code: "rate_limit_exceeded",
			Message: "at most " + strconv.FormatInt(int64(limit), 10) + " requests; this is request " + strconv.FormatInt(c.Results[0].Count+1, 10)})
	}
	return gateway.Continue()
}

// TestPolicyStoreRoundTrip: a policy that needs a counter gets it from the store Caddy
// shares state through — memory for one instance, Redis for a fleet — and decides with
// it. On Redis the counter is the fleet's: one another gateway already counted shows.
func TestPolicyStoreRoundTrip(t *testing.T) {
	addr := redistest.Start(t)
	for _, tc := range []struct {
		name, state string
		seed        int // requests another gateway counted already
	}{
		{"memory", "", 0},
		{"redis", fmt.Sprintf("state: {redis: {address: %q, prefix: \"pol:\"}}", addr), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.seed > 0 {
				if got := redistest.Command(t, addr, "SET", "pol:count:{tests}", strconv.Itoa(tc.seed)); got != "+OK" {
					t.Fatalf("seed: %q", got)
				}
			}
			f := start(t, basicConfig+tc.state+`
policies:
  - {name: three, type: test_counting, options: {limit: 3}}
`)
			body := `{"model":"mock-chat","messages":[{"role":"user","content":"hi"}]}`
			for i := tc.seed + 1; i <= 3; i++ {
				if status, _, got := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", body); status != 200 {
					t.Fatalf("request %d: %d %s", i, status, got)
				}
			}
			status, _, got := f.do(t, "POST", "/v1/chat/completions", testKey, "application/json", body)
			want := `{"error":{"message":"at most 3 requests; this is request 4","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}`
			if status != 429 || got != want {
				t.Fatalf("request 4: %d %s\nwant 429 %s", status, got, want)
			}
		})
	}
}
