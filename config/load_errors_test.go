package config

import (
	"reflect"
	"strings"
	"testing"
)

// TestLoadErrors checks each problem Load reports: its line, path and message.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"redis without an address", doc(
			"state:",
			"  redis: {prefix: x}",
		), []string{
			"line 2: state.redis.address: required (host:port), or addresses",
		}},
		{"redis addresses", doc(
			"state:",
			"  redis:",
			"    address: a:1",
			"    addresses: [b:1, '']",
			"    cluster: true",
			"    master_name: m",
		), []string{
			"line 4: state.redis.addresses: set address or addresses, not both",
			"line 4: state.redis.addresses[1]: required (host:port)",
			"line 5: state.redis.cluster: a Cluster has no Sentinel master: set cluster or master_name, not both",
		}},
		{"redis several addresses", doc(
			"state:",
			"  redis: {addresses: [a:1, b:1]}",
		), []string{
			"line 2: state.redis.addresses: several addresses are a Redis Cluster (set cluster: true) or Sentinels (set master_name)",
		}},
		{"provider name required", doc(
			"providers:",
			"  - type: mock",
		), []string{
			"line 2: providers[0].name: required",
		}},
		{"provider name characters", doc(
			"providers:",
			"  - name: a/b",
			"    type: mock",
		), []string{
			"line 2: providers[0].name: \"a/b\" may only contain letters, digits, '.', '_' and '-'",
		}},
		{"provider name duplicate", doc(
			"providers:",
			"  - {name: p, type: mock}",
			"  - {name: q, type: mock}",
			"  - {name: p, type: mock}",
		), []string{
			"line 4: providers[2].name: \"p\" is already the name of providers[0]",
		}},
		{"provider type required", doc(
			"providers:",
			"  - name: p",
		), []string{
			"line 2: providers[0].type: required (one of openai, azure, anthropic, gemini, openai-compatible, mock)",
		}},
		{"provider type typo", doc(
			"providers:",
			"  - {name: p, type: antropic}",
		), []string{
			"line 2: providers[0].type: unknown type \"antropic\" (did you mean anthropic?)",
		}},
		{"provider type unknown", doc(
			"providers:",
			"  - {name: p, type: bedrock}",
		), []string{
			"line 2: providers[0].type: unknown type \"bedrock\" (one of openai, azure, anthropic, gemini, openai-compatible, mock)",
		}},
		{"preset needs openai-compatible", doc(
			"providers:",
			"  - {name: p, type: openai, preset: groq, keys: [{secret: k}]}",
		), []string{
			"line 2: providers[0].preset: only valid with type openai-compatible",
		}},
		{"preset unknown", doc(
			"providers:",
			"  - {name: p, type: openai-compatible, preset: deepsek}",
			"  - {name: q, type: openai-compatible, preset: together}",
		), []string{
			"line 2: providers[0].preset: unknown preset \"deepsek\" (did you mean deepseek?)",
			"line 3: providers[1].preset: unknown preset \"together\" (one of deepseek, qwen, zhipu, moonshot, qianfan, mistral, groq, xai, openrouter, ollama, vllm)",
		}},
		{"openai-compatible without preset needs base_url", doc(
			"providers:",
			"  - {name: p, type: openai-compatible}",
		), []string{
			"line 2: providers[0].base_url: required for type openai-compatible without a preset",
		}},
		{"azure needs base_url", doc(
			"providers:",
			"  - {name: p, type: azure, keys: [{secret: k}]}",
		), []string{
			"line 2: providers[0].base_url: required for type azure, e.g. https://RESOURCE.openai.azure.com",
		}},
		{"base_url not absolute", doc(
			"providers:",
			"  - {name: p, type: openai, base_url: api.openai.com/v1}",
			"  - {name: q, type: openai, base_url: 'ftp://example.com'}",
			"  - {name: r, type: openai, base_url: 'https://example.com/v1#x'}",
			"  - {name: s, type: openai, base_url: 'https:///v1'}",
		), []string{
			"line 2: providers[0].base_url: \"api.openai.com/v1\" is not an absolute http or https URL",
			"line 3: providers[1].base_url: \"ftp://example.com\" is not an absolute http or https URL",
			"line 4: providers[2].base_url: \"https://example.com/v1#x\" must not have a #fragment",
			"line 5: providers[3].base_url: \"https:///v1\" is not an absolute http or https URL",
		}},
		{"headers", doc(
			"providers:",
			"  - name: p",
			"    type: mock",
			"    headers:",
			"      X-Good: fine",
			"      Bad Name: x",
			"      X-Split: \"a\\r\\nInjected: b\"",
		), []string{
			"line 6: providers[0].headers[\"Bad Name\"]: not a valid header name",
			"line 7: providers[0].headers.X-Split: value contains a line break or NUL",
		}},
		{"key ids unique", doc(
			"providers:",
			"  - name: p",
			"    type: mock",
			"    keys:",
			"      - {id: p#1, secret: a}",
			"      - {secret: b}",
			"      - {id: p#1, secret: c}",
		), []string{
			"line 6: providers[0].keys[1].id: \"p#1\" is already the id of keys[0]",
			"line 7: providers[0].keys[2].id: \"p#1\" is already the id of keys[0]",
		}},
		{"key id without whitespace", doc(
			"providers:",
			"  - name: p",
			"    type: mock",
			"    keys:",
			"      - {id: team a, secret: a}",
			"      - {id: \"b\\tc\", secret: b}",
		), []string{
			"line 5: providers[0].keys[0].id: \"team a\" contains whitespace",
			"line 6: providers[0].keys[1].id: \"b\\tc\" contains whitespace",
		}},
		{"max_cooldown", doc(
			"routing: {cooldown: 30s, max_cooldown: 10s}",
		), []string{
			"line 1: routing.max_cooldown: must be at least routing.cooldown (30s)",
		}},
		{"max_cooldown negative", doc(
			"routing: {max_cooldown: -1m}",
		), []string{
			"line 1: routing.max_cooldown: must not be negative",
		}},
		{"key weight and models", doc(
			"providers:",
			"  - name: p",
			"    type: mock",
			"    keys:",
			"      - secret: a",
			"        weight: -1",
			"        models: [gpt-4o, '']",
		), []string{
			"line 6: providers[0].keys[0].weight: must not be negative",
			"line 7: providers[0].keys[0].models[1]: empty model name",
		}},
		{"timeout", doc(
			"providers:",
			"  - {name: p, type: mock, timeout: -5s}",
			"  - {name: q, type: mock, timeout: 30}",
			"  - {name: r, type: mock, timeout: soon}",
			"  - {name: s, type: mock, timeout: [1s]}",
		), []string{
			"line 2: providers[0].timeout: must not be negative",
			"line 3: providers[1].timeout: \"30\" has no unit: write e.g. \"30s\" or \"30m\"",
			"line 4: providers[2].timeout: expected a duration such as \"90s\" or \"2m\", got \"soon\"",
			"line 5: providers[3].timeout: expected a duration such as \"90s\" or \"2m\", got a list",
		}},
		{"first byte timeout", doc(
			"providers:",
			"  - {name: p, type: mock, first_byte_timeout: -1s}",
			"  - {name: q, type: mock, timeout: 30s, first_byte_timeout: 1m}",
			"  - {name: r, type: mock, first_byte_timeout: 11m}",
			"  - {name: s, type: mock, timeout: 30s, first_byte_timeout: 30s}",
		), []string{
			"line 2: providers[0].first_byte_timeout: must not be negative",
			"line 3: providers[1].first_byte_timeout: must not be longer than timeout (30s)",
			"line 4: providers[2].first_byte_timeout: must not be longer than timeout (10m0s)",
		}},
		{"model name", doc(
			"providers: [{name: p, type: mock}]",
			"models:",
			"  - targets: [{provider: p}]",
			"  - {name: m, targets: [{provider: p}]}",
			"  - {name: m, targets: [{provider: p}]}",
			"  - {name: '*', targets: [{provider: p}]}",
		), []string{
			"line 3: models[0].name: required",
			"line 5: models[2].name: \"m\" is already the name of models[1]",
			"line 6: models[3].name: \"*\" is reserved: in virtual_keys[].models it means every model",
		}},
		{"model targets required", doc(
			"models:",
			"  - name: m",
			"  - name: n",
			"    targets: []",
		), []string{
			"line 2: models[0].targets: at least one target is required",
			"line 4: models[1].targets: at least one target is required",
		}},
		{"target provider", doc(
			"providers: [{name: openai, type: openai, keys: [{secret: k}]}]",
			"models:",
			"  - name: m",
			"    targets:",
			"      - model: x",
			"      - {provider: opneai, model: x}",
			"      - {provider: vertex, model: x}",
		), []string{
			"line 5: models[0].targets[0].provider: required",
			"line 6: models[0].targets[1].provider: no provider named \"opneai\" (did you mean openai?)",
			"line 7: models[0].targets[2].provider: no provider named \"vertex\"",
		}},
		{"target model", doc(
			"providers:",
			"  - {name: mock, type: mock}",
			"  - {name: openai, type: openai}",
			"models:",
			"  - name: m",
			"    targets: [{provider: mock}, {provider: openai}]",
		), []string{
			"line 6: models[0].targets[1].model: required",
		}},
		{"target params", doc(
			"providers: [{name: p, type: mock}]",
			"models:",
			"  - name: m",
			"    targets:",
			"      - provider: p",
			"        params: {model: x, messages: [], stream: true, max_tokens: 10}",
		), []string{
			"line 6: models[0].targets[0].params.model: cannot be overridden",
			"line 6: models[0].targets[0].params.messages: cannot be overridden",
			"line 6: models[0].targets[0].params.stream: cannot be overridden",
		}},
		{"virtual key name", doc(
			"virtual_keys:",
			"  - hash: "+hashA,
			"  - {name: k, hash: "+hashB+"}",
			"  - {name: k, hash: "+HashKey("c")+"}",
		), []string{
			"line 2: virtual_keys[0].name: required",
			"line 4: virtual_keys[2].name: \"k\" is already the name of virtual_keys[1]",
		}},
		{"virtual key hash empty", doc(
			"virtual_keys:",
			"  - {name: a, hash: ''}",
			"  - {name: b, hash: '${UNSET_HASH}'}",
			"  - {name: c}",
		), []string{
			"line 2: virtual_keys[0].hash: required",
			"line 3: virtual_keys[1].hash: required, but ${UNSET_HASH} expanded to \"\": is UNSET_HASH set?",
			"line 4: virtual_keys[2].hash: required",
		}},
		{"virtual key hash format", doc(
			"virtual_keys:",
			"  - {name: a, hash: "+strings.ToUpper(hashA[7:])+"}",
			"  - {name: b, hash: 'sha256:"+strings.ToUpper(hashA[7:])+"'}",
			"  - {name: c, hash: 'sha256:abc'}",
			"  - {name: d, hash: 'sha512:"+hashA[7:]+"'}",
		), []string{
			"line 2: virtual_keys[0].hash: must be \"sha256:\" followed by 64 lowercase hex digits (franca keys hash KEY prints it)",
			"line 3: virtual_keys[1].hash: must be \"sha256:\" followed by 64 lowercase hex digits (franca keys hash KEY prints it)",
			"line 4: virtual_keys[2].hash: must be \"sha256:\" followed by 64 lowercase hex digits (franca keys hash KEY prints it)",
			"line 5: virtual_keys[3].hash: must be \"sha256:\" followed by 64 lowercase hex digits (franca keys hash KEY prints it)",
		}},
		{"virtual key permissions", doc(
			"virtual_keys:",
			"  - {name: a, hash: "+hashA+", permissions: [status, statsu, admin]}",
		), []string{
			"line 2: virtual_keys[0].permissions[1]: unknown permission \"statsu\" (did you mean status?)",
			"line 2: virtual_keys[0].permissions[2]: unknown permission \"admin\" (one of status)",
		}},
		{"virtual key hash duplicate", doc(
			"virtual_keys:",
			"  - {name: a, hash: "+hashA+"}",
			"  - {name: b, hash: "+hashB+"}",
			"  - {name: c, hash: "+hashA+"}",
		), []string{
			"line 4: virtual_keys[2].hash: same hash as virtual_keys[0]",
		}},
		{"virtual key models", doc(
			"providers: [{name: p, type: mock}]",
			"models: [{name: chat, targets: [{provider: p}]}]",
			"virtual_keys:",
			"  - name: a",
			"    hash: "+hashA,
			"    models: ['*', chat, caht, embed]",
		), []string{
			"line 6: virtual_keys[0].models[2]: no model named \"caht\" (did you mean chat?)",
			"line 6: virtual_keys[0].models[3]: no model named \"embed\"",
		}},
		{"passthrough", doc(
			"providers:",
			"  - {name: claude, type: anthropic}",
			"passthrough: {provider: claude}",
		), []string{
			"line 3: passthrough.provider: provider \"claude\" has type anthropic; passthrough needs an openai or azure provider",
		}},
		{"passthrough unknown", doc(
			"providers:",
			"  - {name: openai, type: openai}",
			"passthrough:",
			"  provider: openia",
		), []string{
			"line 4: passthrough.provider: no provider named \"openia\" (did you mean openai?)",
		}},
		{"limits", doc(
			"limits:",
			"  max_request_bytes: -1",
		), []string{
			"line 2: limits.max_request_bytes: must be positive",
		}},
		{"unknown fields", doc(
			"provider: []",
			"providers:",
			"  - name: p",
			"    type: openai",
			"    base_ulr: https://example.com",
			"    keys:",
			"      - secert: x",
			"models:",
			"  - name: m",
			"    targets: [{provider: p, model: m, temperature: 0}]",
			"limits: {max_body: 1}",
			"extra: true",
		), []string{
			"line 1: provider: unknown field (did you mean providers?)",
			"line 5: providers[0].base_ulr: unknown field (did you mean base_url?)",
			"line 7: providers[0].keys[0].secert: unknown field (did you mean secret?)",
			"line 10: models[0].targets[0].temperature: unknown field",
			"line 11: limits.max_body: unknown field",
			"line 12: extra: unknown field",
		}},
		{"wrong kinds", doc(
			"providers:",
			"  - name: [p]",
			"    type: mock",
			"    headers: [a]",
			"    keys:",
			"      - {secret: {a: b}, weight: three}",
			"      - {secret: x, weight: 1.5}",
			"      - {secret: x, weight: 99999999999999999999}",
			"models: {name: m}",
			"virtual_keys:",
			"  - {name: k, hash: "+hashA+", disabled: yes, expires_at: tomorrow}",
			"limits: {max_request_bytes: '1024'}",
		), []string{
			"line 2: providers[0].name: expected a string, got a list",
			"line 4: providers[0].headers: expected a mapping, got a list",
			"line 6: providers[0].keys[0].secret: expected a string, got a mapping",
			"line 6: providers[0].keys[0].weight: expected an integer, got a string \"three\"",
			"line 7: providers[0].keys[1].weight: expected an integer, got a number \"1.5\"",
			"line 8: providers[0].keys[2].weight: expected an integer, got a number \"99999999999999999999\"",
			"line 9: models: expected a list, got a mapping",
			"line 11: virtual_keys[0].disabled: expected true or false, got a string \"yes\"",
			"line 11: virtual_keys[0].expires_at: expected an RFC 3339 time such as \"2026-01-31T00:00:00Z\", got \"tomorrow\"",
			"line 12: limits.max_request_bytes: expected an integer, got a string \"1024\"",
		}},
		{"top level not a mapping", doc(
			"- providers",
		), []string{
			"line 1: expected a mapping, got a list",
		}},
		{"env reference errors", doc(
			"providers:",
			"  - name: p",
			"    type: mock",
			"    keys:",
			"      - secret: ${UNCLOSED",
			"      - secret: ${1BAD}",
			"      - secret: ${A:?message}",
		), []string{
			"line 5: providers[0].keys[0].secret: unterminated ${ (write $${ for a literal ${)",
			"line 6: providers[0].keys[1].secret: invalid environment variable name \"1BAD\" in ${...} (letters, digits and _, not starting with a digit, optionally followed by :-default; write $${ for a literal ${)",
			"line 7: providers[0].keys[2].secret: invalid environment variable name \"A:?message\" in ${...} (letters, digits and _, not starting with a digit, optionally followed by :-default; write $${ for a literal ${)",
		}},
		{"duplicate keys", doc(
			"providers:",
			"  - name: p",
			"    type: mock",
			"    name: q",
			"providers: []",
		), []string{
			"line 4: providers[0].name: duplicate key (first at line 2)",
			"line 5: providers: duplicate key (first at line 1)",
		}},
		{"yaml syntax", doc(
			"providers:",
			"  - name: p",
			"   type: mock",
		), []string{
			"line 1: invalid YAML: did not find expected '-' indicator",
		}},
		{"yaml tabs", "providers:\n\t- name: p\n", []string{
			"line 2: invalid YAML: found character that cannot start any token",
		}},
		{"two documents", doc(
			"providers: []",
			"---",
			"models: []",
		), []string{
			"line 2: only one YAML document is allowed",
		}},
		{"unsupported tag", doc(
			"providers:",
			"  - name: !secret p",
			"    type: mock",
		), []string{
			"line 2: providers[0].name: unsupported YAML tag !secret",
		}},
		{"json syntax", doc(
			`{`,
			`  "providers": [`,
			`    {"name": "p", "type": "mock",}`,
			`  ]`,
			`}`,
		), []string{
			"line 3: invalid JSON: invalid character '}' looking for beginning of object key string",
		}},
		{"json unknown field and duplicate", doc(
			`{`,
			`  "providers": [{"name": "p", "type": "mock", "Name": "q"}],`,
			`  "models": [],`,
			`  "models": []`,
			`}`,
		), []string{
			"line 2: providers[0].Name: unknown field (did you mean name?)",
			"line 4: models: duplicate key (first at line 3)",
		}},
		{"json truncated", `{"providers": [`, []string{
			"line 1: invalid JSON: unexpected end of input",
		}},
		{"json trailing data", `{"providers": []} {}`, []string{
			"line 1: invalid JSON: unexpected data after the top-level value",
		}},
		{"json wrong kinds", doc(
			`{"providers": [{"name": 1, "type": "mock", "keys": [{"secret": "x", "weight": "2"}]}],`,
			` "limits": {"max_request_bytes": 1e3}}`,
		), []string{
			"line 1: providers[0].keys[0].weight: expected an integer, got a string \"2\"",
			"line 2: limits.max_request_bytes: expected an integer, got a number \"1e3\"",
		}},
		{"extension fields only at the top", doc(
			"x-anchors: {a: &t mock}",
			"providers:",
			"  - {name: p, type: *t, x-note: hi}",
		), []string{
			"line 3: providers[0].x-note: unknown field",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load([]byte(tt.in), env(nil))
			if cfg != nil {
				t.Errorf("Load returned a Config along with errors")
			}
			if got := errLines(t, err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
