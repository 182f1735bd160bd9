package openai

import "sort"

// DefaultBaseURL is the base URL of OpenAI's API, the default for provider type "openai".
const DefaultBaseURL = "https://api.openai.com/v1"

// DefaultAzureAPIVersion is the api-version sent to Azure OpenAI when none is configured.
const DefaultAzureAPIVersion = "2024-10-21"

// Auth styles of a preset.
const (
	// AuthBearer sends the key as "Authorization: Bearer <key>".
	AuthBearer = "bearer"
	// AuthAPIKey sends the key as "api-key: <key>" (Azure).
	AuthAPIKey = "api-key"
)

// Preset describes a known OpenAI-compatible provider: where it is, how it wants its
// credential and which parts of the Chat Completions API it honours.
type Preset struct {
	// Name is the preset's name in the configuration, e.g. "deepseek".
	Name string
	// BaseURL is the default API root, without a trailing slash.
	BaseURL string
	// KeyRequired is false for servers that usually run without a credential
	// (ollama, vllm). A key, when configured, is sent anyway.
	KeyRequired bool
	// Auth is how the key is sent: AuthBearer for every preset.
	Auth string
	// Quirks lists what the provider does differently from OpenAI. Nil means the
	// provider takes every OpenAI parameter (or is left to refuse what it cannot do).
	Quirks *Quirks
}

// Quirks are a provider's documented departures from OpenAI's Chat Completions and
// Embeddings APIs. Franca applies them to the request: a parameter the provider would
// ignore is refused with a 400 naming it (never dropped silently), a parameter the
// provider spells differently is renamed.
type Quirks struct {
	// N is true when n > 1 is honoured.
	N bool
	// Seed is the provider's name for seed ("seed", "random_seed"); "" when seeds are
	// not supported.
	Seed string
	// LogitBias is true when logit_bias is honoured.
	LogitBias bool
	// Logprobs is true when logprobs and top_logprobs are honoured.
	Logprobs bool
	// Penalties is true when presence_penalty and frequency_penalty are honoured.
	Penalties bool
	// ParallelToolCalls is true when parallel_tool_calls:false is honoured.
	ParallelToolCalls bool
	// Tools is true when function tools are supported.
	Tools bool
	// ToolChoiceRequired is the provider's spelling of tool_choice "required"
	// ("required", "any"); "" when the mode is not supported.
	ToolChoiceRequired string
	// ToolChoiceNone is true when tool_choice "none" is honoured.
	ToolChoiceNone bool
	// ToolChoiceNamed is true when tool_choice may name a function.
	ToolChoiceNamed bool
	// JSONObject and JSONSchema say which response_format types are supported.
	JSONObject, JSONSchema bool
	// MessageName is true when messages[].name is accepted.
	MessageName bool
	// Images, AudioInput and Files say which non-text content parts are accepted.
	Images, AudioInput, Files bool
	// MaxStop is the most stop sequences accepted; 0 means OpenAI's limit.
	MaxStop int
	// ReasoningEffort is true when reasoning_effort is honoured.
	ReasoningEffort bool
	// User is the provider's name for user ("user", "user_id"); "" when it is refused.
	User string
	// MaxCompletionTokens is the provider's name for max_completion_tokens
	// ("max_completion_tokens", "max_tokens").
	MaxCompletionTokens string
	// Extras lists the OpenAI-only request fields the provider accepts, among
	// store, metadata, service_tier, modalities, audio, prediction,
	// web_search_options, functions and function_call.
	Extras []string
	// StreamOptions is true when the provider accepts stream_options. When false,
	// Franca never sends it: the provider reports stream usage on its own, and
	// Franca turns that into the usage chunk a client asked for.
	StreamOptions bool
	// Strict is true when the provider rejects request fields it does not know
	// (HTTP 422): Franca then refuses fields outside Allowed, and removes ones that
	// are null or hold their default value.
	Strict bool
	// Allowed lists the top-level request fields a Strict provider accepts, after
	// renaming.
	Allowed []string

	// Embeddings is true when the provider has an /embeddings endpoint.
	Embeddings bool
	// Dimensions is the provider's name for the embeddings dimensions parameter;
	// "" when not supported.
	Dimensions string
	// Base64 is true when encoding_format "base64" is supported.
	Base64 bool
	// TokenInput is true when embeddings input may be token ids.
	TokenInput bool
	// EmbeddingsUser is true when embeddings accept user.
	EmbeddingsUser bool

	// Completions is true when the legacy /completions endpoint exists and is
	// passed through.
	Completions bool
}

// presets is the table of known providers. Sources for each quirk are listed in
// docs/providers/openai.md.
var presets = map[string]*Preset{
	"deepseek": {Name: "deepseek", BaseURL: "https://api.deepseek.com/v1", KeyRequired: true, Auth: AuthBearer, Quirks: &Quirks{
		Logprobs: true, Penalties: true, Tools: true,
		ToolChoiceRequired: "required", ToolChoiceNone: true, ToolChoiceNamed: true,
		JSONObject: true, MessageName: true, User: "user",
		MaxCompletionTokens: "max_tokens", StreamOptions: true,
	}},
	"qwen": {Name: "qwen", BaseURL: "https://dashscope.aliyuncs.com/compatible-mode/v1", KeyRequired: true, Auth: AuthBearer, Quirks: &Quirks{
		N: true, Seed: "seed", Logprobs: true, Penalties: true, ParallelToolCalls: true, Tools: true,
		ToolChoiceNone: true, ToolChoiceNamed: true,
		JSONObject: true, JSONSchema: true, MessageName: true, Images: true, AudioInput: true,
		User: "user", MaxCompletionTokens: "max_tokens", Extras: []string{"modalities", "audio"},
		StreamOptions: true,
		Embeddings:    true, Dimensions: "dimensions", EmbeddingsUser: true,
		Completions: true,
	}},
	"zhipu": {Name: "zhipu", BaseURL: "https://open.bigmodel.cn/api/paas/v4", KeyRequired: true, Auth: AuthBearer, Quirks: &Quirks{
		Tools: true, JSONObject: true, Images: true, MaxStop: 1,
		User: "user_id", MaxCompletionTokens: "max_tokens",
		Embeddings: true, Dimensions: "dimensions",
	}},
	"moonshot": {Name: "moonshot", BaseURL: "https://api.moonshot.ai/v1", KeyRequired: true, Auth: AuthBearer, Quirks: &Quirks{
		N: true, Penalties: true, Tools: true, ToolChoiceNone: true,
		JSONObject: true, MessageName: true, Images: true,
		User: "user", MaxCompletionTokens: "max_tokens",
	}},
	"qianfan": {Name: "qianfan", BaseURL: "https://qianfan.baidubce.com/v2", KeyRequired: true, Auth: AuthBearer, Quirks: &Quirks{
		Seed: "seed", Penalties: true, ParallelToolCalls: true, Tools: true,
		ToolChoiceRequired: "required", ToolChoiceNone: true, ToolChoiceNamed: true,
		JSONObject: true, JSONSchema: true, MessageName: true, Images: true,
		User: "user", MaxCompletionTokens: "max_completion_tokens", StreamOptions: true,
		Embeddings: true, EmbeddingsUser: true,
	}},
	"mistral": {Name: "mistral", BaseURL: "https://api.mistral.ai/v1", KeyRequired: true, Auth: AuthBearer, Quirks: &Quirks{
		N: true, Seed: "random_seed", Penalties: true, ParallelToolCalls: true, Tools: true,
		ToolChoiceRequired: "any", ToolChoiceNone: true, ToolChoiceNamed: true,
		JSONObject: true, JSONSchema: true, Images: true,
		MaxCompletionTokens: "max_tokens", Extras: []string{"prediction"},
		Strict: true,
		Allowed: []string{"model", "messages", "temperature", "top_p", "max_tokens", "stream", "stop",
			"random_seed", "response_format", "tools", "tool_choice", "presence_penalty",
			"frequency_penalty", "n", "prediction", "parallel_tool_calls", "prompt_mode", "safe_prompt"},
		Embeddings: true, Dimensions: "output_dimension", Base64: true,
	}},
	"groq": {Name: "groq", BaseURL: "https://api.groq.com/openai/v1", KeyRequired: true, Auth: AuthBearer, Quirks: &Quirks{
		Seed: "seed", Penalties: true, ParallelToolCalls: true, Tools: true,
		ToolChoiceRequired: "required", ToolChoiceNone: true, ToolChoiceNamed: true,
		JSONObject: true, JSONSchema: true, Images: true, ReasoningEffort: true,
		User: "user", MaxCompletionTokens: "max_completion_tokens", Extras: []string{"service_tier"},
		StreamOptions: true,
	}},
	"xai": {Name: "xai", BaseURL: "https://api.x.ai/v1", KeyRequired: true, Auth: AuthBearer, Quirks: &Quirks{
		N: true, Seed: "seed", LogitBias: true, Logprobs: true, Penalties: true, ParallelToolCalls: true,
		Tools: true, ToolChoiceRequired: "required", ToolChoiceNone: true, ToolChoiceNamed: true,
		JSONObject: true, JSONSchema: true, MessageName: true, Images: true, ReasoningEffort: true,
		User: "user", MaxCompletionTokens: "max_completion_tokens", StreamOptions: true,
		Completions: true,
	}},
	// OpenRouter routes to many providers and itself drops what the chosen provider
	// cannot do; Franca passes every parameter.
	"openrouter": {Name: "openrouter", BaseURL: "https://openrouter.ai/api/v1", KeyRequired: true, Auth: AuthBearer},
	"ollama": {Name: "ollama", BaseURL: "http://127.0.0.1:11434/v1", Auth: AuthBearer, Quirks: &Quirks{
		Seed: "seed", Logprobs: true, Penalties: true, Tools: true,
		JSONObject: true, JSONSchema: true, MessageName: true, Images: true, ReasoningEffort: true,
		User: "user", MaxCompletionTokens: "max_tokens", StreamOptions: true,
		Embeddings: true, Dimensions: "dimensions", Base64: true, TokenInput: true, EmbeddingsUser: true,
		Completions: true,
	}},
	// vLLM implements nearly all of Chat Completions and refuses what a model cannot
	// do itself; Franca passes every parameter.
	"vllm": {Name: "vllm", BaseURL: "http://127.0.0.1:8000/v1", Auth: AuthBearer},
}

// plain is the entry for openai-compatible without a preset: a server that behaves
// like OpenAI at a base URL the configuration gives.
var plain = &Preset{Name: "", Auth: AuthBearer}

// Presets lists the preset names, sorted.
func Presets() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupPreset returns the preset named name. The empty name is the plain
// OpenAI-compatible server: no default base URL, no key required (one is sent when
// configured), no quirks.
func LookupPreset(name string) (Preset, bool) {
	if name == "" {
		return *plain, true
	}
	p, ok := presets[name]
	if !ok {
		return Preset{}, false
	}
	c := *p
	if p.Quirks != nil {
		q := *p.Quirks
		q.Extras = append([]string(nil), q.Extras...)
		q.Allowed = append([]string(nil), q.Allowed...)
		c.Quirks = &q
	}
	return c, true
}

// hasEmbeddings reports whether a preset serves /embeddings; presets without
// quirks do.
func (p *Preset) hasEmbeddings() bool { return p.Quirks == nil || p.Quirks.Embeddings }

// hasCompletions reports whether /completions is passed through.
func (p *Preset) hasCompletions() bool { return p.Quirks == nil || p.Quirks.Completions }

// acceptsStreamOptions reports whether stream_options may be sent.
func (p *Preset) acceptsStreamOptions() bool { return p.Quirks == nil || p.Quirks.StreamOptions }
