//go:build !wasip1

package main

import (
	"strings"
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

// startStatus starts a plugin and returns whether it started and its critical logs.
func startStatus(t *testing.T, r runner, root string, cfg []byte) (types.OnPluginStartStatus, []string, []string) {
	t.Helper()
	opt := proxytest.NewEmulatorOption().WithVMContext(r.vm(t)).WithPluginConfiguration(cfg)
	if root != "" {
		opt = opt.WithProperty([]string{"plugin_root_id"}, []byte(root))
	}
	host, reset := proxytest.NewHostEmulator(opt)
	defer reset()
	host.StartVM()
	st := host.StartPlugin()
	return st, host.GetCriticalLogs(), host.GetWarnLogs()
}

// TestInvalidConfigurationFailsStart: a plugin with a bad configuration does not start,
// and says which field is wrong, one log line per problem.
func TestInvalidConfigurationFailsStart(t *testing.T) {
	cases := []struct {
		name string
		root string
		cfg  string
		logs []string
	}{
		{"empty", rootDownstream, "", []string{"franca: no configuration"}},
		{"not JSON", rootUpstream, `{"providers": [`, []string{"franca: invalid configuration: "}},
		{"unknown type and model provider", rootDownstream, `{
  "providers": [{"name": "p", "type": "openia", "keys": [{"secret": "k"}]}],
  "models": [{"name": "m", "targets": [{"provider": "q", "model": "x"}]}],
  "virtual_keys": [{"name": "k", "hash": "sha256:00"}]
}`, []string{"providers[0].type", "models[0].targets[0].provider", "virtual_keys[0].hash"}},
		{"unknown root id", "franca-sidecar", string(testConfig()), []string{`unknown root_id "franca-sidecar"`}},
	}
	forEachRunner(t, func(t *testing.T, r runner) {
		for _, c := range cases {
			st, crit, _ := startStatus(t, r, c.root, []byte(c.cfg))
			if st != types.OnPluginStartStatusFailed {
				t.Errorf("%s: plugin started", c.name)
				continue
			}
			all := strings.Join(crit, "\n")
			for _, want := range c.logs {
				if !strings.Contains(all, want) {
					t.Errorf("%s: logs %q lack %q", c.name, crit, want)
				}
			}
			if c.name == "unknown type and model provider" && len(crit) < 3 {
				t.Errorf("%s: %d log lines, want one per problem: %q", c.name, len(crit), crit)
			}
		}
	})
}

// TestConfigurationStarts: the example's YAML form is accepted as well as JSON; a
// provider whose key variable is not set in the VM's environment is named in a warning.
func TestConfigurationStarts(t *testing.T) {
	yaml := `
providers:
  - {name: openai, type: openai, keys: [{secret: "${FRANCA_TEST_OPENAI_KEY}"}]}
  - {name: mock, type: mock}
models:
  - {name: gpt, targets: [{provider: openai, model: gpt-4o-mini}]}
  - {name: mock-chat, targets: [{provider: mock}]}
virtual_keys:
  - {name: team, hash: "sha256:` + strings.Repeat("ab", 32) + `"}
`
	forEachRunner(t, func(t *testing.T, r runner) {
		for _, root := range []string{rootDownstream, rootUpstream, ""} {
			st, crit, warn := startStatus(t, r, root, []byte(yaml))
			if st != types.OnPluginStartStatusOK {
				t.Fatalf("root %q: failed: %q", root, crit)
			}
			if !strings.Contains(strings.Join(warn, "\n"), `provider "openai" is unavailable`) {
				t.Errorf("root %q: warnings %q", root, warn)
			}
		}
	})
}

// The VM's environment (vm_config.environment_variables in Envoy) feeds ${NAME}: shown
// natively, where the environment is the test process's.
func TestConfigurationReadsEnvironment(t *testing.T) {
	t.Setenv("FRANCA_TEST_UNSET_KEY", "sk-deepseek")
	s := start(t, runners[0], rootDownstream, testConfig(), nil)
	defer s.stop()
	if w := s.host.GetWarnLogs(); len(w) != 0 {
		t.Fatalf("warnings %q", w)
	}
	_, fwd := s.downstreamRun(t, chatRequest(`{"model":"only-deepseek","messages":[{"role":"user","content":"hi"}]}`))
	if fwd == nil || pairs(fwd.header).Get(headerCluster) != "deepseek" {
		t.Fatalf("forwarded %+v", fwd)
	}
}
