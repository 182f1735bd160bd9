package openai

import (
	"strings"
	"testing"

	"github.com/franca-gw/franca/translate"
)

func TestRequestBytesKeepEverythingButModel(t *testing.T) {
	// The model is replaced on the bytes: spacing, key order and the nested "model"
	// keys (a message's content part, a tool's parameters, a response schema) stay.
	raw := `{ "messages": [{"role":"user","content":[{"type":"text","text":"which \"model\": are you?","model":"inner"}]},
  {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"model\":\"x\"}"}}]}],
  "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"model":{"type":"string"}},"required":["model"]}}}],
  "model" : "public-name",
  "metadata": {"model": "keep"} }`
	want := strings.Replace(raw, `"model" : "public-name"`, `"model" : "gpt-4o-2024-08-06"`, 1)
	tr := mustNew(t, "")
	got, err := tr.Request(mustChat(t, raw), []byte(raw), &translate.Target{Model: "gpt-4o-2024-08-06"})
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Body) != want {
		t.Fatalf("body:\n got: %s\nwant: %s", got.Body, want)
	}
}

func TestRequestModelWithEscapes(t *testing.T) {
	raw := `{"model":"a\"b","messages":[{"role":"user","content":"hi"}]}`
	got, err := mustNew(t, "").Request(mustChat(t, raw), []byte(raw), &translate.Target{Model: `up"stream</x>`})
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "body", got.Body, `{"model":"up\"stream</x>","messages":[{"role":"user","content":"hi"}]}`)
}

func TestRequestDoesNotModifyRaw(t *testing.T) {
	raw := []byte(`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	keep := string(raw)
	if _, err := mustNew(t, "").Request(mustChat(t, string(raw)), raw, &translate.Target{Model: "gpt-4o"}); err != nil {
		t.Fatal(err)
	}
	if string(raw) != keep {
		t.Fatalf("raw changed: %s", raw)
	}
}

func TestChatRequests(t *testing.T) {
	const hello = `"messages":[{"role":"user","content":"hi"}]`
	tests := []struct {
		name    string
		family  string // "openai", "azure" or a preset
		raw     string
		target  translate.Target
		url     string
		header  translate.Headers
		body    string // compared as JSON
		exact   bool   // compare body bytes exactly
		stream  bool
		wantErr string // translate.Error JSON
	}{
		{
			name: "openai plain", family: "openai",
			raw:    `{"model":"fast",` + hello + `,"temperature":0.2}`,
			target: translate.Target{Model: "gpt-4o-mini", Header: translate.Headers{{Name: "OpenAI-Organization", Value: "org-1"}}},
			url:    "https://api.openai.com/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}, {Name: "OpenAI-Organization", Value: "org-1"}},
			body:   `{"model":"gpt-4o-mini",` + hello + `,"temperature":0.2}`, exact: true,
		},
		{
			name: "openai stream asks upstream for usage", family: "openai",
			raw:    `{"model":"fast",` + hello + `,"stream":true}`,
			target: translate.Target{BaseURL: "http://127.0.0.1:9/v1/", Model: "gpt-4o-mini"},
			url:    "http://127.0.0.1:9/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"gpt-4o-mini",` + hello + `,"stream":true,"stream_options":{"include_usage":true}}`, exact: true,
			stream: true,
		},
		{
			name: "openai stream with include_usage false keeps other stream options", family: "openai",
			raw:    `{"model":"fast",` + hello + `,"stream":true,"stream_options":{"include_usage":false,"include_obfuscation":false}}`,
			target: translate.Target{Model: "gpt-4o-mini"},
			url:    "https://api.openai.com/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"gpt-4o-mini",` + hello + `,"stream":true,"stream_options":{"include_usage":true,"include_obfuscation":false}}`,
			stream: true,
		},
		{
			name: "openai stream with null stream_options", family: "openai",
			raw:    `{"model":"fast",` + hello + `,"stream":true,"stream_options":null}`,
			target: translate.Target{Model: "gpt-4o-mini"},
			url:    "https://api.openai.com/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"gpt-4o-mini",` + hello + `,"stream":true,"stream_options":{"include_usage":true}}`, exact: true,
			stream: true,
		},
		{
			name: "openai stream already asking for usage", family: "openai",
			raw:    `{"model":"fast",` + hello + `,"stream":true,"stream_options":{"include_usage":true}}`,
			target: translate.Target{Model: "gpt-4o-mini"},
			url:    "https://api.openai.com/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"gpt-4o-mini",` + hello + `,"stream":true,"stream_options":{"include_usage":true}}`, exact: true,
			stream: true,
		},
		{
			name: "azure default api-version", family: "azure",
			raw:    `{"model":"fast",` + hello + `}`,
			target: translate.Target{BaseURL: "https://res.openai.azure.com", Model: "my gpt4o"},
			url:    "https://res.openai.azure.com/openai/deployments/my%20gpt4o/chat/completions?api-version=2024-10-21",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"my gpt4o",` + hello + `}`, exact: true,
		},
		{
			name: "azure api-version and stream", family: "azure",
			raw:    `{"model":"fast",` + hello + `,"stream":true}`,
			target: translate.Target{BaseURL: "https://res.openai.azure.com/", Model: "gpt4o", APIVersion: "2025-04-01-preview"},
			url:    "https://res.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2025-04-01-preview",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"gpt4o",` + hello + `,"stream":true,"stream_options":{"include_usage":true}}`, exact: true,
			stream: true,
		},
		{
			name: "deepseek default base URL and reasoning model", family: "deepseek",
			raw:    `{"model":"r1",` + hello + `,"stream":true,"max_tokens":100}`,
			target: translate.Target{Model: "deepseek-reasoner"},
			url:    "https://api.deepseek.com/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"deepseek-reasoner",` + hello + `,"stream":true,"max_tokens":100,"stream_options":{"include_usage":true}}`, exact: true,
			stream: true,
		},
		{
			name: "deepseek renames max_completion_tokens", family: "deepseek",
			raw:    `{"model":"r1",` + hello + `,"max_completion_tokens":50}`,
			target: translate.Target{Model: "deepseek-chat"},
			url:    "https://api.deepseek.com/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"deepseek-chat",` + hello + `,"max_tokens":50}`,
		},
		{
			name: "deepseek refuses n", family: "deepseek",
			raw: `{"model":"x",` + hello + `,"n":2}`, target: translate.Target{Model: "deepseek-chat"},
			wantErr: `{"error":{"message":"parameter \"n\" is not supported by provider type openai-compatible (preset deepseek)","type":"invalid_request_error","param":"n","code":"unsupported_parameter"}}`,
		},
		{
			name: "deepseek refuses images", family: "deepseek",
			raw:     `{"model":"x","messages":[{"role":"user","content":[{"type":"text","text":"what?"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}`,
			target:  translate.Target{Model: "deepseek-chat"},
			wantErr: `{"error":{"message":"parameter \"messages[0].content[1]\" is not supported by provider type openai-compatible (preset deepseek)","type":"invalid_request_error","param":"messages[0].content[1]","code":"unsupported_parameter"}}`,
		},
		{
			name: "deepseek refuses store", family: "deepseek",
			raw: `{"model":"x",` + hello + `,"store":true}`, target: translate.Target{Model: "deepseek-chat"},
			wantErr: `{"error":{"message":"parameter \"store\" is not supported by provider type openai-compatible (preset deepseek)","type":"invalid_request_error","param":"store","code":"unsupported_parameter"}}`,
		},
		{
			name: "deepseek takes store false and n 1", family: "deepseek",
			raw:    `{"model":"x",` + hello + `,"store":false,"n":1,"seed":null}`,
			target: translate.Target{Model: "deepseek-chat"},
			url:    "https://api.deepseek.com/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"deepseek-chat",` + hello + `,"store":false,"n":1,"seed":null}`, exact: true,
		},
		{
			name: "deepseek refuses json_schema", family: "deepseek",
			raw:     `{"model":"x",` + hello + `,"response_format":{"type":"json_schema","json_schema":{"name":"a","schema":{"type":"object"}}}}`,
			target:  translate.Target{Model: "deepseek-chat"},
			wantErr: `{"error":{"message":"parameter \"response_format\" is not supported by provider type openai-compatible (preset deepseek)","type":"invalid_request_error","param":"response_format","code":"unsupported_parameter"}}`,
		},
		{
			name: "mistral renames and strips", family: "mistral",
			raw: `{"model":"m",` + hello + `,"seed":42,"tool_choice":"required","max_completion_tokens":64,"stream":true,` +
				`"stream_options":{"include_usage":true},"logprobs":false,"user":"","metadata":null,` +
				`"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}`,
			target: translate.Target{Model: "mistral-large-latest"},
			url:    "https://api.mistral.ai/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body: `{"model":"mistral-large-latest",` + hello + `,"random_seed":42,"tool_choice":"any","max_tokens":64,"stream":true,` +
				`"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}`,
			stream: true,
		},
		{
			name: "mistral stream without stream_options is not edited", family: "mistral",
			raw:    `{"model":"m",` + hello + `,"stream":true,"n":2}`,
			target: translate.Target{Model: "mistral-small-latest"},
			url:    "https://api.mistral.ai/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"mistral-small-latest",` + hello + `,"stream":true,"n":2}`, exact: true,
			stream: true,
		},
		{
			name: "mistral refuses user", family: "mistral",
			raw: `{"model":"m",` + hello + `,"user":"u-1"}`, target: translate.Target{Model: "mistral-small-latest"},
			wantErr: `{"error":{"message":"parameter \"user\" is not supported by provider type openai-compatible (preset mistral)","type":"invalid_request_error","param":"user","code":"unsupported_parameter"}}`,
		},
		{
			name: "mistral refuses unknown fields", family: "mistral",
			raw: `{"model":"m",` + hello + `,"top_k":5}`, target: translate.Target{Model: "mistral-small-latest"},
			wantErr: `{"error":{"message":"parameter \"top_k\" is not supported by provider type openai-compatible (preset mistral)","type":"invalid_request_error","param":"top_k","code":"unsupported_parameter"}}`,
		},
		{
			name: "mistral refuses safety_identifier", family: "mistral",
			raw: `{"model":"m",` + hello + `,"safety_identifier":"sid-1"}`, target: translate.Target{Model: "mistral-small-latest"},
			wantErr: `{"error":{"message":"parameter \"safety_identifier\" is not supported by provider type openai-compatible (preset mistral)","type":"invalid_request_error","param":"safety_identifier","code":"unsupported_parameter"}}`,
		},
		{
			name: "mistral refuses prompt_cache_key", family: "mistral",
			raw: `{"model":"m",` + hello + `,"prompt_cache_key":"pck-1"}`, target: translate.Target{Model: "mistral-small-latest"},
			wantErr: `{"error":{"message":"parameter \"prompt_cache_key\" is not supported by provider type openai-compatible (preset mistral)","type":"invalid_request_error","param":"prompt_cache_key","code":"unsupported_parameter"}}`,
		},
		{
			name: "mistral refuses verbosity", family: "mistral",
			raw: `{"model":"m",` + hello + `,"verbosity":"low"}`, target: translate.Target{Model: "mistral-small-latest"},
			wantErr: `{"error":{"message":"parameter \"verbosity\" is not supported by provider type openai-compatible (preset mistral)","type":"invalid_request_error","param":"verbosity","code":"unsupported_parameter"}}`,
		},
		{
			name: "mistral drops the new OpenAI parameters when empty", family: "mistral",
			raw:    `{"model":"m",` + hello + `,"safety_identifier":"","prompt_cache_key":null,"verbosity":""}`,
			target: translate.Target{Model: "mistral-small-latest"},
			url:    "https://api.mistral.ai/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"mistral-small-latest",` + hello + `}`,
		},
		{
			name: "groq forwards the new OpenAI parameters as sent", family: "groq",
			raw:    `{"model":"g",` + hello + `,"safety_identifier":"sid-1","prompt_cache_key":"pck-1","verbosity":"low","top_k":5}`,
			target: translate.Target{Model: "llama-3.3-70b-versatile"},
			url:    "https://api.groq.com/openai/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"llama-3.3-70b-versatile",` + hello + `,"safety_identifier":"sid-1","prompt_cache_key":"pck-1","verbosity":"low","top_k":5}`, exact: true,
		},
		{
			name: "mistral refuses message names", family: "mistral",
			raw: `{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","name":"ann","content":"hi"}]}`, target: translate.Target{Model: "mistral-small-latest"},
			wantErr: `{"error":{"message":"parameter \"messages[1].name\" is not supported by provider type openai-compatible (preset mistral)","type":"invalid_request_error","param":"messages[1].name","code":"unsupported_parameter"}}`,
		},
		{
			name: "mistral refuses logprobs", family: "mistral",
			raw: `{"model":"m",` + hello + `,"logprobs":true}`, target: translate.Target{Model: "mistral-small-latest"},
			wantErr: `{"error":{"message":"parameter \"logprobs\" is not supported by provider type openai-compatible (preset mistral)","type":"invalid_request_error","param":"logprobs","code":"unsupported_parameter"}}`,
		},
		{
			name: "mistral drops the empty fields SDKs add to history", family: "mistral",
			raw:    `{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo","refusal":null,"annotations":[],"audio":null},{"role":"user","content":"again"}]}`,
			target: translate.Target{Model: "mistral-small-latest"},
			url:    "https://api.mistral.ai/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"mistral-small-latest","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"},{"role":"user","content":"again"}]}`,
		},
		{
			name: "mistral refuses reasoning_content in history", family: "mistral",
			raw: `{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo","reasoning_content":"hmm"}]}`, target: translate.Target{Model: "mistral-small-latest"},
			wantErr: `{"error":{"message":"parameter \"messages[1].reasoning_content\" is not supported by provider type openai-compatible (preset mistral)","type":"invalid_request_error","param":"messages[1].reasoning_content","code":"unsupported_parameter"}}`,
		},
		{
			name: "groq refuses message names", family: "groq",
			raw: `{"model":"g","messages":[{"role":"user","name":"ann","content":"hi"}]}`, target: translate.Target{Model: "llama-3.3-70b-versatile"},
			wantErr: `{"error":{"message":"parameter \"messages[0].name\" is not supported by provider type openai-compatible (preset groq)","type":"invalid_request_error","param":"messages[0].name","code":"unsupported_parameter"}}`,
		},
		{
			name: "groq n must be 1", family: "groq",
			raw: `{"model":"g",` + hello + `,"n":3}`, target: translate.Target{Model: "llama-3.3-70b-versatile"},
			wantErr: `{"error":{"message":"parameter \"n\" is not supported by provider type openai-compatible (preset groq)","type":"invalid_request_error","param":"n","code":"unsupported_parameter"}}`,
		},
		{
			name: "groq refuses logit_bias", family: "groq",
			raw: `{"model":"g",` + hello + `,"logit_bias":{"50256":-100}}`, target: translate.Target{Model: "llama-3.3-70b-versatile"},
			wantErr: `{"error":{"message":"parameter \"logit_bias\" is not supported by provider type openai-compatible (preset groq)","type":"invalid_request_error","param":"logit_bias","code":"unsupported_parameter"}}`,
		},
		{
			name: "groq refuses top_logprobs", family: "groq",
			raw: `{"model":"g",` + hello + `,"top_logprobs":2}`, target: translate.Target{Model: "llama-3.3-70b-versatile"},
			wantErr: `{"error":{"message":"parameter \"top_logprobs\" is not supported by provider type openai-compatible (preset groq)","type":"invalid_request_error","param":"top_logprobs","code":"unsupported_parameter"}}`,
		},
		{
			name: "groq passes seed, n 1, tools required, service_tier", family: "groq",
			raw:    `{"model":"g",` + hello + `,"n":1,"seed":7,"service_tier":"flex","tool_choice":"required","tools":[{"type":"function","function":{"name":"f"}}],"stream":true}`,
			target: translate.Target{Model: "llama-3.3-70b-versatile"},
			url:    "https://api.groq.com/openai/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"llama-3.3-70b-versatile",` + hello + `,"n":1,"seed":7,"service_tier":"flex","tool_choice":"required","tools":[{"type":"function","function":{"name":"f"}}],"stream":true,"stream_options":{"include_usage":true}}`, exact: true,
			stream: true,
		},
		{
			name: "zhipu renames user, sends no stream_options", family: "zhipu",
			raw:    `{"model":"z",` + hello + `,"user":"user-123456","stream":true,"stream_options":{"include_usage":true}}`,
			target: translate.Target{Model: "glm-4-plus"},
			url:    "https://open.bigmodel.cn/api/paas/v4/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"glm-4-plus",` + hello + `,"user_id":"user-123456","stream":true}`,
			stream: true,
		},
		{
			name: "zhipu allows one stop sequence", family: "zhipu",
			raw: `{"model":"z",` + hello + `,"stop":["a","b"]}`, target: translate.Target{Model: "glm-4-plus"},
			wantErr: `{"error":{"message":"provider type openai-compatible (preset zhipu) accepts at most 1 stop sequence(s)","type":"invalid_request_error","param":"stop","code":null}}`,
		},
		{
			name: "zhipu tool_choice auto only", family: "zhipu",
			raw: `{"model":"z",` + hello + `,"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"f"}}}`, target: translate.Target{Model: "glm-4-plus"},
			wantErr: `{"error":{"message":"parameter \"tool_choice\" is not supported by provider type openai-compatible (preset zhipu)","type":"invalid_request_error","param":"tool_choice","code":"unsupported_parameter"}}`,
		},
		{
			name: "moonshot refuses tool_choice required", family: "moonshot",
			raw: `{"model":"k",` + hello + `,"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required"}`, target: translate.Target{Model: "kimi-k2"},
			wantErr: `{"error":{"message":"parameter \"tool_choice\" is not supported by provider type openai-compatible (preset moonshot)","type":"invalid_request_error","param":"tool_choice","code":"unsupported_parameter"}}`,
		},
		{
			name: "moonshot stream sends no stream_options", family: "moonshot",
			raw:    `{"model":"k",` + hello + `,"stream":true,"n":2}`,
			target: translate.Target{Model: "moonshot-v1-8k"},
			url:    "https://api.moonshot.ai/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"moonshot-v1-8k",` + hello + `,"stream":true,"n":2}`, exact: true,
			stream: true,
		},
		{
			name: "qwen takes modalities and json_schema, refuses logit_bias", family: "qwen",
			raw: `{"model":"q",` + hello + `,"logit_bias":{"1":1}}`, target: translate.Target{Model: "qwen-plus"},
			wantErr: `{"error":{"message":"parameter \"logit_bias\" is not supported by provider type openai-compatible (preset qwen)","type":"invalid_request_error","param":"logit_bias","code":"unsupported_parameter"}}`,
		},
		{
			name: "qwen audio output", family: "qwen",
			raw:    `{"model":"q",` + hello + `,"modalities":["text","audio"],"audio":{"voice":"Cherry","format":"wav"},"stream":true,"stream_options":{"include_usage":true}}`,
			target: translate.Target{Model: "qwen-omni-turbo"},
			url:    "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"qwen-omni-turbo",` + hello + `,"modalities":["text","audio"],"audio":{"voice":"Cherry","format":"wav"},"stream":true,"stream_options":{"include_usage":true}}`, exact: true,
			stream: true,
		},
		{
			name: "qianfan", family: "qianfan",
			raw:    `{"model":"e",` + hello + `,"max_completion_tokens":10}`,
			target: translate.Target{Model: "ernie-4.5-turbo-128k"},
			url:    "https://qianfan.baidubce.com/v2/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"ernie-4.5-turbo-128k",` + hello + `,"max_completion_tokens":10}`, exact: true,
		},
		{
			name: "ollama without a key sends no authorization", family: "ollama",
			raw:    `{"model":"l",` + hello + `}`,
			target: translate.Target{Model: "llama3.2"},
			url:    "http://127.0.0.1:11434/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"llama3.2",` + hello + `}`, exact: true,
		},
		{
			name: "ollama refuses n", family: "ollama",
			raw: `{"model":"l",` + hello + `,"n":2}`, target: translate.Target{Model: "llama3.2"},
			wantErr: `{"error":{"message":"parameter \"n\" is not supported by provider type openai-compatible (preset ollama)","type":"invalid_request_error","param":"n","code":"unsupported_parameter"}}`,
		},
		{
			name: "vllm passes everything", family: "vllm",
			raw:    `{"model":"v",` + hello + `,"n":2,"logit_bias":{"1":5},"top_k":20,"guided_json":{"type":"object"}}`,
			target: translate.Target{BaseURL: "http://gpu-1:8000/v1", Model: "Qwen/Qwen2.5-7B-Instruct"},
			url:    "http://gpu-1:8000/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"Qwen/Qwen2.5-7B-Instruct",` + hello + `,"n":2,"logit_bias":{"1":5},"top_k":20,"guided_json":{"type":"object"}}`, exact: true,
		},
		{
			name: "openrouter passes provider routing", family: "openrouter",
			raw:    `{"model":"o",` + hello + `,"provider":{"order":["anthropic"]},"stream":true}`,
			target: translate.Target{Model: "anthropic/claude-sonnet-4", Header: translate.Headers{{Name: "X-Title", Value: "Franca"}}},
			url:    "https://openrouter.ai/api/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}, {Name: "X-Title", Value: "Franca"}},
			body:   `{"model":"anthropic/claude-sonnet-4",` + hello + `,"provider":{"order":["anthropic"]},"stream":true,"stream_options":{"include_usage":true}}`, exact: true,
			stream: true,
		},
		{
			name: "xai", family: "xai",
			raw:    `{"model":"x",` + hello + `,"n":2,"logprobs":true,"reasoning_effort":"low"}`,
			target: translate.Target{Model: "grok-3-mini"},
			url:    "https://api.x.ai/v1/chat/completions",
			header: translate.Headers{{Name: "Content-Type", Value: "application/json"}},
			body:   `{"model":"grok-3-mini",` + hello + `,"n":2,"logprobs":true,"reasoning_effort":"low"}`, exact: true,
		},
		{
			name: "xai refuses web_search_options", family: "xai",
			raw: `{"model":"x",` + hello + `,"web_search_options":{}}`, target: translate.Target{Model: "grok-3"},
			wantErr: `{"error":{"message":"parameter \"web_search_options\" is not supported by provider type openai-compatible (preset xai)","type":"invalid_request_error","param":"web_search_options","code":"unsupported_parameter"}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := translatorFor(t, tc.family)
			got, err := tr.Request(mustChat(t, tc.raw), []byte(tc.raw), &tc.target)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("no error; body %s", got.Body)
				}
				e := asError(t, err)
				if e.Status != 400 {
					t.Fatalf("status %d", e.Status)
				}
				jsonEqual(t, "error", e.JSON(), tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Method != "POST" || got.URL != tc.url || got.Stream != tc.stream {
				t.Fatalf("got %s %s stream=%v, want POST %s stream=%v", got.Method, got.URL, got.Stream, tc.url, tc.stream)
			}
			headersEqual(t, got.Header, tc.header)
			if tc.exact && string(got.Body) != tc.body {
				t.Fatalf("body:\n got: %s\nwant: %s", got.Body, tc.body)
			}
			jsonEqual(t, "body", got.Body, tc.body)
		})
	}
}

func TestEmbeddingsRequests(t *testing.T) {
	tests := []struct {
		name    string
		family  string
		raw     string
		target  translate.Target
		url     string
		body    string
		wantErr string
	}{
		{
			name: "openai", family: "openai",
			raw:    `{"model":"emb","input":["a","b"],"dimensions":256,"encoding_format":"base64"}`,
			target: translate.Target{Model: "text-embedding-3-small"},
			url:    "https://api.openai.com/v1/embeddings",
			body:   `{"model":"text-embedding-3-small","input":["a","b"],"dimensions":256,"encoding_format":"base64"}`,
		},
		{
			name: "azure", family: "azure",
			raw:    `{"model":"emb","input":"a"}`,
			target: translate.Target{BaseURL: "https://res.openai.azure.com", Model: "emb-deploy"},
			url:    "https://res.openai.azure.com/openai/deployments/emb-deploy/embeddings?api-version=2024-10-21",
			body:   `{"model":"emb-deploy","input":"a"}`,
		},
		{
			name: "mistral renames dimensions", family: "mistral",
			raw:    `{"model":"emb","input":["a"],"dimensions":512}`,
			target: translate.Target{Model: "codestral-embed"},
			url:    "https://api.mistral.ai/v1/embeddings",
			body:   `{"model":"codestral-embed","input":["a"],"output_dimension":512}`,
		},
		{
			name: "mistral refuses user", family: "mistral",
			raw: `{"model":"emb","input":["a"],"user":"u"}`, target: translate.Target{Model: "mistral-embed"},
			wantErr: `{"error":{"message":"parameter \"user\" is not supported by provider type openai-compatible (preset mistral)","type":"invalid_request_error","param":"user","code":"unsupported_parameter"}}`,
		},
		{
			name: "zhipu refuses base64", family: "zhipu",
			raw: `{"model":"emb","input":"a","encoding_format":"base64"}`, target: translate.Target{Model: "embedding-3"},
			wantErr: `{"error":{"message":"parameter \"encoding_format\" is not supported by provider type openai-compatible (preset zhipu)","type":"invalid_request_error","param":"encoding_format","code":"unsupported_parameter"}}`,
		},
		{
			name: "qwen refuses token input", family: "qwen",
			raw: `{"model":"emb","input":[1,2,3]}`, target: translate.Target{Model: "text-embedding-v4"},
			wantErr: `{"error":{"message":"parameter \"input\" is not supported by provider type openai-compatible (preset qwen)","type":"invalid_request_error","param":"input","code":"unsupported_parameter"}}`,
		},
		{
			name: "ollama token input", family: "ollama",
			raw:    `{"model":"emb","input":[[1,2],[3]]}`,
			target: translate.Target{Model: "nomic-embed-text"},
			url:    "http://127.0.0.1:11434/v1/embeddings",
			body:   `{"model":"nomic-embed-text","input":[[1,2],[3]]}`,
		},
	}
	for _, p := range []string{"deepseek", "groq", "xai", "moonshot"} {
		tests = append(tests, struct {
			name    string
			family  string
			raw     string
			target  translate.Target
			url     string
			body    string
			wantErr string
		}{
			name: p + " has no embeddings", family: p,
			raw: `{"model":"emb","input":"a"}`, target: translate.Target{Model: "x"},
			wantErr: `{"error":{"message":"provider type openai-compatible (preset ` + p + `) has no /v1/embeddings endpoint","type":"not_found_error","param":null,"code":"unsupported_endpoint"}}`,
		})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := translatorFor(t, tc.family)
			got, err := tr.EmbeddingsRequest(mustEmb(t, tc.raw), []byte(tc.raw), &tc.target)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("no error; body %s", got.Body)
				}
				jsonEqual(t, "error", asError(t, err).JSON(), tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Method != "POST" || got.URL != tc.url || got.Stream {
				t.Fatalf("got %s %s stream=%v, want POST %s", got.Method, got.URL, got.Stream, tc.url)
			}
			jsonEqual(t, "body", got.Body, tc.body)
		})
	}
}

func TestNewAndPresets(t *testing.T) {
	if _, err := New("nope"); err == nil || !strings.Contains(err.Error(), "deepseek") {
		t.Fatalf("unknown preset: %v", err)
	}
	want := []string{"deepseek", "groq", "mistral", "moonshot", "ollama", "openrouter", "qianfan", "qwen", "vllm", "xai", "zhipu"}
	if got := Presets(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Presets() = %v", got)
	}
	urls := map[string]string{
		"deepseek": "https://api.deepseek.com/v1", "qwen": "https://dashscope.aliyuncs.com/compatible-mode/v1",
		"zhipu": "https://open.bigmodel.cn/api/paas/v4", "moonshot": "https://api.moonshot.ai/v1",
		"qianfan": "https://qianfan.baidubce.com/v2", "mistral": "https://api.mistral.ai/v1",
		"groq": "https://api.groq.com/openai/v1", "xai": "https://api.x.ai/v1",
		"openrouter": "https://openrouter.ai/api/v1", "ollama": "http://127.0.0.1:11434/v1",
		"vllm": "http://127.0.0.1:8000/v1",
	}
	for name, u := range urls {
		p, ok := LookupPreset(name)
		if !ok || p.BaseURL != u || p.Auth != AuthBearer || p.KeyRequired == (name == "ollama" || name == "vllm") {
			t.Errorf("LookupPreset(%q) = %+v, %v", name, p, ok)
		}
	}
	if p, ok := LookupPreset(""); !ok || p.BaseURL != "" || p.KeyRequired {
		t.Errorf("LookupPreset(\"\") = %+v, %v", p, ok)
	}
	if _, ok := LookupPreset("nope"); ok {
		t.Error("LookupPreset(nope) found")
	}
	// The copy LookupPreset returns cannot change the table.
	p, _ := LookupPreset("groq")
	p.Quirks.N = true
	p.Quirks.Extras[0] = "x"
	if presets["groq"].Quirks.N || presets["groq"].Quirks.Extras[0] != "service_tier" {
		t.Fatal("LookupPreset leaked the table")
	}
}
