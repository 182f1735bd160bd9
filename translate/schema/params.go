package schema

// KnownChatParam reports whether name is a top-level member of a Chat Completions
// request that ChatRequest decodes: one of its JSON keys, matched exactly
// (encoding/json would also take "Temperature" for "temperature"; OpenAI does not).
//
// Translators that build a new body for their provider instead of forwarding the
// client's refuse the other members, so that a parameter Franca does not know (a newer
// OpenAI one, or a typo) never vanishes silently on the way.
func KnownChatParam(name string) bool { return chatParams[name] }

// chatParams holds the JSON keys of ChatRequest's fields (a test keeps them in step).
var chatParams = map[string]bool{
	"model": true, "messages": true, "stream": true, "stream_options": true,
	"temperature": true, "top_p": true, "n": true, "stop": true, "max_tokens": true,
	"max_completion_tokens": true, "presence_penalty": true, "frequency_penalty": true,
	"logit_bias": true, "logprobs": true, "top_logprobs": true, "seed": true, "user": true,
	"tools": true, "tool_choice": true, "parallel_tool_calls": true, "response_format": true,
	"reasoning_effort": true, "metadata": true, "store": true, "service_tier": true,
	"modalities": true, "audio": true, "prediction": true, "web_search_options": true,
	"functions": true, "function_call": true, "safety_identifier": true,
	"prompt_cache_key": true, "verbosity": true,
}
