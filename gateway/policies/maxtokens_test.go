package policies_test

import (
	"strings"
	"testing"
	"time"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/gateway/policies"
	"github.com/franca-gw/franca/translate"
)

const key = "sk-franca-policy-test"

func build(t *testing.T, policy string) (*gateway.Gateway, error) {
	t.Helper()
	cfg, err := config.Load([]byte(`
providers: [{name: mock, type: mock}]
models:
  - {name: small, targets: [{provider: mock}]}
  - {name: big, targets: [{provider: mock}]}
virtual_keys: [{name: app, hash: `+config.HashKey(key)+`}]
policies:
`+policy), nil)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := policies.Registry()
	if err != nil {
		t.Fatal(err)
	}
	return gateway.New(cfg, gateway.WithPolicies(reg))
}

func chat(g *gateway.Gateway, model, extra string) *gateway.Exchange {
	return g.Handle(&gateway.Request{Method: "POST", Path: "/v1/chat/completions",
		Header: translate.Headers{{Name: "Authorization", Value: "Bearer " + key}},
		Body:   []byte(`{"model":"` + model + `","messages":[{"role":"user","content":"hi"}]` + extra + `}`), Now: time.Now()})
}

func TestMaxOutputTokens(t *testing.T) {
	g, err := build(t, "  - {name: cap, type: max_output_tokens, models: [small], options: {limit: 100, required: true}}\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		model, extra string
		want         string // "" when the request goes on
	}{
		{"small", `,"max_tokens":100`, ""},
		{"small", `,"max_completion_tokens":1`, ""},
		{"small", `,"max_tokens":101`, `{"error":{"message":"max_tokens is too large: 101; at most 100 is allowed here","type":"invalid_request_error","param":"max_tokens","code":"invalid_value"}}`},
		{"small", `,"max_completion_tokens":5000,"max_tokens":5`, `{"error":{"message":"max_completion_tokens is too large: 5000; at most 100 is allowed here","type":"invalid_request_error","param":"max_completion_tokens","code":"invalid_value"}}`},
		{"small", ``, `{"error":{"message":"max_completion_tokens (or max_tokens) is required here; at most 100 is allowed","type":"invalid_request_error","param":"max_completion_tokens","code":"missing_required_parameter"}}`},
		{"big", `,"max_tokens":100000`, ""}, // the policy applies to small only
	} {
		x := chat(g, tc.model, tc.extra)
		switch {
		case tc.want == "" && x.Reply != nil && x.Reply.Status != 200:
			t.Errorf("%s %s: refused: %s", tc.model, tc.extra, x.Reply.Body)
		case tc.want != "" && (x.Reply == nil || x.Reply.Status != 400 || string(x.Reply.Body) != tc.want):
			t.Errorf("%s %s: got %+v\nwant 400 %s", tc.model, tc.extra, x.Reply, tc.want)
		case tc.want != "" && x.Policy != "cap":
			t.Errorf("%s %s: Policy = %q", tc.model, tc.extra, x.Policy)
		}
	}
}

func TestMaxOutputTokensOptions(t *testing.T) {
	for _, tc := range []struct{ options, want string }{
		{"{}", "policies[0].options.limit: required"},
		{"{limit: 0}", "policies[0].options.limit: must be at least 1"},
		{"{limit: ten}", `policies[0].options.limit: expected an integer, got string`},
		{"{limit: 5, requird: true}", `policies[0].options.requird: unknown option`},
	} {
		_, err := build(t, "  - {name: cap, type: max_output_tokens, options: "+tc.options+"}\n")
		if err == nil || err.Error() != tc.want {
			t.Errorf("options %s: %v\nwant %s", tc.options, err, tc.want)
		}
	}
	if _, err := build(t, "  - {name: cap, type: max_output_tokens}\n"); err == nil || !strings.HasSuffix(err.Error(), "limit: required") {
		t.Errorf("no options: %v", err)
	}
}
