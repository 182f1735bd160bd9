package openaifake

// Recorded streams in each provider's exact framing ("data: {…}\n\n", ending in
// "data: [DONE]\n\n"), written after the providers' published examples. The ids,
// timestamps and texts are made up; the shapes are the providers'.

// StreamText is an OpenAI text stream without usage: role chunk, two content
// chunks, finish chunk, [DONE].
const StreamText = `data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}

data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]}

data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"content":"! How can I help? ✓"},"logprobs":null,"finish_reason":null}]}

data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}

data: [DONE]

`

// StreamTextUsage is StreamText as OpenAI sends it with
// stream_options.include_usage: "usage":null on every chunk and a final usage chunk
// with choices [].
const StreamTextUsage = `data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"content":"! How can I help? ✓"},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}

data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}

data: [DONE]

`

// StreamToolCalls is an OpenAI stream of two parallel tool calls whose arguments
// arrive split across chunks, with include_usage on.
const StreamToolCalls = `data: {"id":"chatcmpl-B9N4aTsu1Kc7n5iIkN6cbM2U2qQ3h","object":"chat.completion.chunk","created":1741573468,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f9f4fb6dbf","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","type":"function","function":{"name":"get_weather","arguments":""}}],"refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-B9N4aTsu1Kc7n5iIkN6cbM2U2qQ3h","object":"chat.completion.chunk","created":1741573468,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f9f4fb6dbf","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"lo"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-B9N4aTsu1Kc7n5iIkN6cbM2U2qQ3h","object":"chat.completion.chunk","created":1741573468,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f9f4fb6dbf","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"cation\": \"Par"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-B9N4aTsu1Kc7n5iIkN6cbM2U2qQ3h","object":"chat.completion.chunk","created":1741573468,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f9f4fb6dbf","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"is\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-B9N4aTsu1Kc7n5iIkN6cbM2U2qQ3h","object":"chat.completion.chunk","created":1741573468,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f9f4fb6dbf","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_5sZQmrgHLb1HQ5iAyhpBKrKl","type":"function","function":{"name":"get_time","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-B9N4aTsu1Kc7n5iIkN6cbM2U2qQ3h","object":"chat.completion.chunk","created":1741573468,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f9f4fb6dbf","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"tz\": \"Europe/Paris\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-B9N4aTsu1Kc7n5iIkN6cbM2U2qQ3h","object":"chat.completion.chunk","created":1741573468,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f9f4fb6dbf","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}

data: {"id":"chatcmpl-B9N4aTsu1Kc7n5iIkN6cbM2U2qQ3h","object":"chat.completion.chunk","created":1741573468,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f9f4fb6dbf","choices":[],"usage":{"prompt_tokens":81,"completion_tokens":46,"total_tokens":127,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}

data: [DONE]

`

// StreamDeepSeekReasoning is a deepseek-reasoner stream: reasoning_content deltas,
// then content deltas, and usage on the last chunk (with its choice), as DeepSeek's
// reasoning-model guide shows.
const StreamDeepSeekReasoning = `data: {"id":"a8fb12e2-bc3d-4c5a-8b6f-0d2f5e0c9e11","object":"chat.completion.chunk","created":1738200000,"model":"deepseek-reasoner","system_fingerprint":"fp_7e73fd9a08_prod0425fp8","choices":[{"index":0,"delta":{"role":"assistant","content":null,"reasoning_content":""},"logprobs":null,"finish_reason":null}]}

data: {"id":"a8fb12e2-bc3d-4c5a-8b6f-0d2f5e0c9e11","object":"chat.completion.chunk","created":1738200000,"model":"deepseek-reasoner","system_fingerprint":"fp_7e73fd9a08_prod0425fp8","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"9.11 vs 9.9: compare tenths"},"logprobs":null,"finish_reason":null}]}

data: {"id":"a8fb12e2-bc3d-4c5a-8b6f-0d2f5e0c9e11","object":"chat.completion.chunk","created":1738200000,"model":"deepseek-reasoner","system_fingerprint":"fp_7e73fd9a08_prod0425fp8","choices":[{"index":0,"delta":{"content":null,"reasoning_content":", 9 > 1."},"logprobs":null,"finish_reason":null}]}

data: {"id":"a8fb12e2-bc3d-4c5a-8b6f-0d2f5e0c9e11","object":"chat.completion.chunk","created":1738200000,"model":"deepseek-reasoner","system_fingerprint":"fp_7e73fd9a08_prod0425fp8","choices":[{"index":0,"delta":{"content":"9.9 is greater.","reasoning_content":null},"logprobs":null,"finish_reason":null}]}

data: {"id":"a8fb12e2-bc3d-4c5a-8b6f-0d2f5e0c9e11","object":"chat.completion.chunk","created":1738200000,"model":"deepseek-reasoner","system_fingerprint":"fp_7e73fd9a08_prod0425fp8","choices":[{"index":0,"delta":{"content":"","reasoning_content":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":14,"completion_tokens":25,"total_tokens":39,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":19},"prompt_cache_hit_tokens":0,"prompt_cache_miss_tokens":14}}

data: [DONE]

`

// StreamMoonshot is a Moonshot (Kimi) stream: usage arrives inside the last chunk's
// choice, not at the top level.
const StreamMoonshot = `data: {"id":"cmpl-1305b94c570f447fbde3180560736287","object":"chat.completion.chunk","created":1698999575,"model":"moonshot-v1-8k","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

data: {"id":"cmpl-1305b94c570f447fbde3180560736287","object":"chat.completion.chunk","created":1698999575,"model":"moonshot-v1-8k","choices":[{"index":0,"delta":{"content":"你好"},"finish_reason":null}]}

data: {"id":"cmpl-1305b94c570f447fbde3180560736287","object":"chat.completion.chunk","created":1698999575,"model":"moonshot-v1-8k","choices":[{"index":0,"delta":{},"finish_reason":"stop","usage":{"prompt_tokens":19,"completion_tokens":13,"total_tokens":32}}]}

data: [DONE]

`

// StreamGroq is a Groq stream with include_usage: x_groq carries the request id on
// the first chunk and usage on the finish chunk, then the standard usage chunk.
const StreamGroq = `data: {"id":"chatcmpl-8566e76f-7ded-47d7-a2ca-d212098af00c","object":"chat.completion.chunk","created":1716131679,"model":"llama-3.3-70b-versatile","system_fingerprint":"fp_179b0f92c9","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"x_groq":{"id":"req_01hy8ppkajfqk987jv2vx88m9r"}}

data: {"id":"chatcmpl-8566e76f-7ded-47d7-a2ca-d212098af00c","object":"chat.completion.chunk","created":1716131679,"model":"llama-3.3-70b-versatile","system_fingerprint":"fp_179b0f92c9","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}]}

data: {"id":"chatcmpl-8566e76f-7ded-47d7-a2ca-d212098af00c","object":"chat.completion.chunk","created":1716131679,"model":"llama-3.3-70b-versatile","system_fingerprint":"fp_179b0f92c9","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"x_groq":{"id":"req_01hy8ppkajfqk987jv2vx88m9r","usage":{"queue_time":0.07535312,"prompt_tokens":23,"prompt_time":0.006,"completion_tokens":1,"completion_time":0.022,"total_tokens":24,"total_time":0.028}}}

data: {"id":"chatcmpl-8566e76f-7ded-47d7-a2ca-d212098af00c","object":"chat.completion.chunk","created":1716131679,"model":"llama-3.3-70b-versatile","system_fingerprint":"fp_179b0f92c9","choices":[],"usage":{"queue_time":0.07535312,"prompt_tokens":23,"prompt_time":0.006,"completion_tokens":1,"completion_time":0.022,"total_tokens":24,"total_time":0.028}}

data: [DONE]

`

// StreamMistral is a Mistral stream: no stream_options (Mistral refuses it), usage on
// the last chunk next to its choice.
const StreamMistral = `data: {"id":"e5cc70bb28c444948073e77776eb30ef","object":"chat.completion.chunk","created":1702256327,"model":"mistral-small-latest","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

data: {"id":"e5cc70bb28c444948073e77776eb30ef","object":"chat.completion.chunk","created":1702256327,"model":"mistral-small-latest","choices":[{"index":0,"delta":{"content":"Bonjour"},"finish_reason":null}]}

data: {"id":"e5cc70bb28c444948073e77776eb30ef","object":"chat.completion.chunk","created":1702256327,"model":"mistral-small-latest","choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"total_tokens":12,"completion_tokens":2}}

data: [DONE]

`

// StreamAzure is an Azure OpenAI stream with include_usage: a first chunk with no
// choices and the prompt's content-filter results, content_filter_results on each
// choice, then the usage chunk.
const StreamAzure = `data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}],"usage":null}

data: {"choices":[{"content_filter_results":{},"delta":{"content":"","refusal":null,"role":"assistant"},"finish_reason":null,"index":0,"logprobs":null}],"created":1731400000,"id":"chatcmpl-AStA4sD3y9Bw6V3t2dmvOP4i0xyzq","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","system_fingerprint":"fp_04751d0b65","usage":null}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":"Hello!"},"finish_reason":null,"index":0,"logprobs":null}],"created":1731400000,"id":"chatcmpl-AStA4sD3y9Bw6V3t2dmvOP4i0xyzq","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","system_fingerprint":"fp_04751d0b65","usage":null}

data: {"choices":[{"content_filter_results":{},"delta":{},"finish_reason":"stop","index":0,"logprobs":null}],"created":1731400000,"id":"chatcmpl-AStA4sD3y9Bw6V3t2dmvOP4i0xyzq","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","system_fingerprint":"fp_04751d0b65","usage":null}

data: {"choices":[],"created":1731400000,"id":"chatcmpl-AStA4sD3y9Bw6V3t2dmvOP4i0xyzq","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","system_fingerprint":"fp_04751d0b65","usage":{"completion_tokens":3,"prompt_tokens":8,"total_tokens":11}}

data: [DONE]

`

// StreamMidError is an OpenAI stream that breaks off with an error event and no
// [DONE].
const StreamMidError = `data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}

data: {"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}

`

// StreamOpenRouterError is an OpenRouter stream broken by a provider error: the
// error object comes on a chunk with finish_reason "error", after a keep-alive
// comment.
const StreamOpenRouterError = `: OPENROUTER PROCESSING

data: {"id":"gen-1741569952-abc","object":"chat.completion.chunk","created":1741569952,"model":"openai/gpt-4o","provider":"OpenAI","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}

data: {"id":"gen-1741569952-abc","object":"chat.completion.chunk","created":1741569952,"model":"openai/gpt-4o","provider":"OpenAI","error":{"code":502,"message":"Provider disconnected unexpectedly"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}

`
