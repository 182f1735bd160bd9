// Package config is Franca's one configuration schema. The Caddy module reads it from a
// file, the Envoy filter receives it as its plugin configuration, and the control plane
// pushes it to both. YAML or JSON comes in; a validated Config comes out.
//
// Field names below are the YAML/JSON keys (snake_case). Every string may contain
// ${ENV_NAME} references; Load expands them with the lookup function the adapter passes
// (os.LookupEnv), fills in defaults and validates. docs/config.md is the reference.
package config

import "time"

// Config is the whole configuration.
type Config struct {
	// Providers are the upstream LLM services Franca can send requests to.
	Providers []Provider `json:"providers"`
	// Models are the public model names clients ask for, each mapped to ordered targets.
	Models []Model `json:"models"`
	// VirtualKeys are the keys clients authenticate with. Only their hashes are stored.
	VirtualKeys []VirtualKey `json:"virtual_keys"`
	// Limits bound what a request may ask of Franca.
	Limits Limits `json:"limits,omitempty"`
	// Routing tunes retries, cooldowns and circuit breakers (docs/routing.md).
	Routing Routing `json:"routing,omitempty"`
	// State says where a fleet of gateways shares state. Empty: each gateway keeps its
	// own, in memory.
	State State `json:"state,omitempty"`
	// Passthrough routes OpenAI endpoints that name no model (files, assistants, threads,
	// batches …) to a provider.
	Passthrough Passthrough `json:"passthrough,omitempty"`
	// Policies are the policy instances a request goes through after it is authenticated
	// and its model resolved, before any upstream call (docs/extending.md): each may
	// refuse the request or answer it itself. They run in the order of their types
	// (documented with each type), then in the order written here.
	Policies []Policy `json:"policies,omitempty"`
}

// Policy is one configured instance of a policy type. Without VirtualKeys and Models it
// applies to every request; with either, only to requests that match both lists given.
type Policy struct {
	// Name identifies the instance in logs, errors and the admin API, e.g. "cap-output".
	Name string `json:"name"`
	// Type is the registered policy type, e.g. "max_output_tokens". Types are built in,
	// or added to Caddy as modules in the franca.policies namespace.
	Type string `json:"type"`
	// VirtualKeys, when set, limits the policy to requests made with these virtual keys
	// (by name).
	VirtualKeys []string `json:"virtual_keys,omitempty"`
	// Models, when set, limits the policy to requests for these public models.
	Models []string `json:"models,omitempty"`
	// Options configure the instance; what they may hold is up to the type. Values are
	// what encoding/json decodes into any, except that integers are int64.
	Options map[string]any `json:"options,omitempty"`
}

// Provider types.
const (
	TypeOpenAI           = "openai"
	TypeAzure            = "azure"
	TypeAnthropic        = "anthropic"
	TypeGemini           = "gemini"
	TypeOpenAICompatible = "openai-compatible"
	TypeMock             = "mock"
)

// Provider is one upstream service and its pool of credentials.
type Provider struct {
	// Name identifies the provider in targets, logs and metrics, e.g. "openai-eu".
	Name string `json:"name"`
	// Type is the wire format family: "openai", "azure", "anthropic", "gemini",
	// "openai-compatible" or "mock" (answers locally, needs no key or network).
	Type string `json:"type"`
	// Preset, for type "openai-compatible", names a known provider whose base URL, auth
	// header and parameter quirks Franca applies: deepseek, qwen, zhipu, moonshot,
	// qianfan, mistral, groq, xai, openrouter, ollama, vllm.
	Preset string `json:"preset,omitempty"`
	// BaseURL is the API root, e.g. "https://api.openai.com/v1". Defaults by type and
	// preset; required for azure ("https://RESOURCE.openai.azure.com") and for
	// openai-compatible without a preset.
	BaseURL string `json:"base_url,omitempty"`
	// APIVersion is Azure's api-version query parameter (default "2024-10-21") or
	// Anthropic's anthropic-version header (default "2023-06-01").
	APIVersion string `json:"api_version,omitempty"`
	// Headers are added to every request sent to this provider.
	Headers map[string]string `json:"headers,omitempty"`
	// Keys is the pool of upstream credentials. A key whose secret expands to the empty
	// string (an unset environment variable) is left out; a provider left with no key is
	// unavailable and requests routed only to it get a 503 provider_unavailable. Presets
	// that need no credential (ollama, vllm) and the mock type may have no keys.
	Keys []Key `json:"keys,omitempty"`
	// Timeout bounds a whole upstream call, e.g. "120s". Default 10m.
	Timeout Duration `json:"timeout,omitempty"`
	// FirstByteTimeout bounds the wait for the provider's response header, from the
	// moment the request is sent, e.g. "30s": an attempt with no answer by then fails as
	// a timeout, counts as a failure of the key and moves on to the next key or target.
	// Once the header has arrived only Timeout bounds the call, so a long stream is not
	// cut. Default 0: off, because a provider sends the header of an answer that is not
	// streamed only when the whole answer is written, which can take minutes.
	FirstByteTimeout Duration `json:"first_byte_timeout,omitempty"`

	// dropped says why each key Load left out was left out; see DroppedKeyReasons.
	dropped []string
}

// Key is one upstream credential of a provider.
type Key struct {
	// ID names the key in logs and status output; the secret never appears there. It may
	// not contain whitespace (a space separates a key from a model in shared cooldowns).
	// Defaults to "<provider>#<index>".
	ID string `json:"id,omitempty"`
	// Secret is the credential, usually written as ${ENV_NAME}.
	Secret string `json:"secret"`
	// Weight is the key's share of traffic relative to the provider's other keys. Default
	// (and value of 0) 1; negative is invalid.
	Weight int `json:"weight,omitempty"`
	// Models, when set, limits the key to these upstream model names.
	Models []string `json:"models,omitempty"`
	// RPM, when set, is the key's requests-per-minute limit at the provider. Franca
	// steers traffic to the key's siblings once it has sent that many in the current
	// minute, before the provider answers 429.
	RPM int `json:"rpm,omitempty"`
	// TPM, when set, is the key's tokens-per-minute limit, used the same way with the
	// tokens the provider reported.
	TPM int `json:"tpm,omitempty"`
}

// Model maps a public model name to the providers and upstream models that serve it.
type Model struct {
	// Name is the public model name clients put in "model", e.g. "claude-sonnet".
	Name string `json:"name"`
	// Targets are tried in order: the first is used, the next ones when it fails before
	// the client has received anything.
	Targets []Target `json:"targets"`
	// Strategy picks among the keys of targets that share a priority: "round_robin"
	// (smooth weighted round robin, the default), "least_inflight" (fewest requests in
	// flight per unit of weight) or "latency" (lowest moving average of time to first byte).
	Strategy string `json:"strategy,omitempty"`
}

// Target is one provider and upstream model that can serve a public model.
type Target struct {
	// Provider is the name of a provider in providers.
	Provider string `json:"provider"`
	// Model is the provider's own model name (for azure, the deployment name). Load sets
	// "mock" when it is empty and the provider has type mock.
	Model string `json:"model"`
	// Params override request parameters for this target, e.g. {"max_tokens": 1024}:
	// each key replaces the client's value of the same top-level body field. "model",
	// "messages" and "stream" cannot be overridden. Values are what encoding/json decodes
	// into any, except that integers are int64: string, bool, int64, float64, nil,
	// []any and map[string]any.
	Params map[string]any `json:"params,omitempty"`
	// Priority orders targets: lower first; targets with the same priority share traffic
	// by Weight, and the next priority is used only when none of them can serve.
	// Default: the target's position in the list, so targets are tried in order.
	Priority *int `json:"priority,omitempty"`
	// Weight is the target's share of traffic among targets of the same priority.
	// Default 1.
	Weight int `json:"weight,omitempty"`
}

// VirtualKey is a key Franca hands to an application.
type VirtualKey struct {
	// Name identifies the key in logs and usage records.
	Name string `json:"name"`
	// Hash is "sha256:" followed by the hex SHA-256 of the key. `franca keys new` prints it.
	Hash string `json:"hash"`
	// Models lists the public model names the key may use; "*" or empty allows all.
	Models []string `json:"models,omitempty"`
	// Passthrough says whether the key may call the endpoints whose requests name no model
	// (files, batches, vector stores, assistants, threads, uploads, stored responses …),
	// which go to passthrough.provider. A model list cannot limit them (a batch runs
	// whatever models its input file names), so when unset they are allowed for a key that
	// may use all models and refused (403 permission_denied) for a key with a model list.
	Passthrough *bool `json:"passthrough,omitempty"`
	// Disabled refuses the key without removing it.
	Disabled bool `json:"disabled,omitempty"`
	// ExpiresAt, when set, refuses the key from that moment on (RFC 3339).
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// Permissions grants the key operator endpoints beyond the model API: "status" lets
	// it read GET /v1/status, which shows every provider and upstream key id. Default
	// none: a key without "status" gets 403 permission_denied there.
	Permissions []string `json:"permissions,omitempty"`
}

// Permissions a virtual key may be given (VirtualKey.Permissions).
const (
	// PermissionStatus allows GET /v1/status.
	PermissionStatus = "status"
)

// Can reports whether the key has the permission perm.
func (k *VirtualKey) Can(perm string) bool {
	for _, p := range k.Permissions {
		if p == perm {
			return true
		}
	}
	return false
}

// Limits bound requests.
type Limits struct {
	// MaxRequestBytes is the largest request body accepted; larger gets 413.
	// Default 10 MiB (DefaultMaxRequestBytes), which Load fills in.
	MaxRequestBytes int64 `json:"max_request_bytes,omitempty"`
}

// Passthrough says where OpenAI endpoints without a model go.
type Passthrough struct {
	// Provider names an "openai" or "azure" provider for endpoints whose requests name no
	// model (files, assistants, threads, batches, vector stores, uploads). When empty,
	// those endpoints answer 404.
	Provider string `json:"provider,omitempty"`
}

// DefaultMaxRequestBytes is Limits.MaxRequestBytes when unset.
const DefaultMaxRequestBytes = 10 << 20

// Duration is a time.Duration written as a Go duration string, e.g. "90s" or "2m".
type Duration time.Duration

// Routing tunes how Franca retries, cools keys down and cuts failing keys off.
type Routing struct {
	// MaxAttempts bounds the upstream attempts for one request, the first included.
	// Default 3.
	MaxAttempts int `json:"max_attempts,omitempty"`
	// Deadline bounds the time in which new attempts may start, from the request's
	// arrival. Default 60s.
	Deadline Duration `json:"deadline,omitempty"`
	// Backoff is the first wait before retrying a key or target that was already tried
	// for the request; each later retry waits twice as long, with full jitter.
	// Trying a key not yet tried does not wait. Default 200ms.
	Backoff Duration `json:"backoff,omitempty"`
	// MaxBackoff caps a single wait. Default 5s.
	MaxBackoff Duration `json:"max_backoff,omitempty"`
	// Cooldown is how long a rate-limited or overloaded key rests when the provider does
	// not say how long (±20% jitter). Default 10s.
	Cooldown Duration `json:"cooldown,omitempty"`
	// MaxCooldown caps every delay a provider asks for (Retry-After and the other
	// rate-limit signals), so that a huge value cannot rest a key for long. At least
	// cooldown. Default 10m.
	MaxCooldown Duration `json:"max_cooldown,omitempty"`
	// InvalidCooldown is how long a key rests that the provider rejected as invalid,
	// expired or revoked (401, Gemini's API_KEY_INVALID …). Default 1h.
	InvalidCooldown Duration `json:"invalid_cooldown,omitempty"`
	// BreakerFailures is the number of consecutive failures (5xx, connection errors,
	// timeouts) that opens a key's circuit. Default 5.
	BreakerFailures int `json:"breaker_failures,omitempty"`
	// BreakerOpen is how long an open circuit stays open before one probe request is let
	// through. Default 30s.
	BreakerOpen Duration `json:"breaker_open,omitempty"`
}

// State says where shared state lives.
type State struct {
	// Redis, when set, shares key cooldowns among every Caddy instance that points at the
	// same Redis, so that one instance's 429 keeps the others off that key (the Store
	// seam, docs/store.md). Every call to it is bounded; when it is down each instance
	// keeps its own state. The Envoy filter shares state among its worker threads through
	// proxy-wasm shared data and ignores this.
	Redis *Redis `json:"redis,omitempty"`
}

// Redis is a Redis deployment: one server, a Redis Cluster, or a master watched by
// Sentinels.
type Redis struct {
	// Address is "host:port" of the one server, of a node of the Cluster, or of a
	// Sentinel. Set it or Addresses.
	Address string `json:"address,omitempty"`
	// Addresses are several "host:port" in place of Address: nodes of a Cluster (with
	// Cluster set) or Sentinels (with MasterName set).
	Addresses []string `json:"addresses,omitempty"`
	// Cluster says the addresses are nodes of a Redis Cluster.
	Cluster bool `json:"cluster,omitempty"`
	// MasterName, when set, is the name of the master the Sentinels at the addresses
	// watch; Franca then follows that master through failovers.
	MasterName string `json:"master_name,omitempty"`
	// Username for Redis ACLs; empty for none.
	Username string `json:"username,omitempty"`
	// Password, usually written as ${ENV_NAME}; empty for none.
	Password string `json:"password,omitempty"`
	// DB is the database number. Default 0.
	DB int `json:"db,omitempty"`
	// Prefix starts every key and channel name Franca uses. Default "franca:".
	Prefix string `json:"prefix,omitempty"`
}

// Addrs returns the addresses to connect to: Addresses, or Address alone.
func (r *Redis) Addrs() []string {
	if len(r.Addresses) > 0 {
		return r.Addresses
	}
	return []string{r.Address}
}
