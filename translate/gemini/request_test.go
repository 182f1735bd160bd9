package gemini

import (
	"reflect"
	"testing"
	"time"

	"github.com/franca-gw/franca/translate"
)

func TestRequestURLAndHeaders(t *testing.T) {
	tests := []struct {
		name, model, base string
		stream            bool
		want              string
	}{
		{"plain", "gemini-2.5-flash", "", false,
			"https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"},
		{"stream", "gemini-2.5-flash", "", true,
			"https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"},
		{"models prefix kept once", "models/gemini-2.5-pro", "", false,
			"https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent"},
		{"tuned model", "tunedModels/my-tune-42", "", false,
			"https://generativelanguage.googleapis.com/v1beta/tunedModels/my-tune-42:generateContent"},
		{"base with version", "gemini-2.5-flash", "https://proxy.example/gemini/v1beta/", false,
			"https://proxy.example/gemini/v1beta/models/gemini-2.5-flash:generateContent"},
		{"escaped", "odd name/../x?y", "http://127.0.0.1:9/", false,
			"http://127.0.0.1:9/v1beta/models/odd%20name%2F..%2Fx%3Fy:generateContent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := target()
			tg.Model, tg.BaseURL = tc.model, tc.base
			req := chatRequest(t, `{"model":"m","messages":[{"role":"user","content":"hi"}]}`)
			req.Stream = tc.stream
			r, err := New().Request(req, nil, tg)
			if err != nil {
				t.Fatal(err)
			}
			if r.URL != tc.want || r.Method != "POST" || r.Stream != tc.stream {
				t.Fatalf("got %s %s stream=%v, want POST %s stream=%v", r.Method, r.URL, r.Stream, tc.want, tc.stream)
			}
			wantH := translate.Headers{{Name: "Content-Type", Value: "application/json"},
				{Name: "X-Team", Value: "blue"}}
			if !reflect.DeepEqual(r.Header, wantH) {
				t.Fatalf("header = %v, want %v", r.Header, wantH)
			}
		})
	}
}

func TestRequestBody(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"system and merged turns", `{"model":"m","messages":[
			{"role":"system","content":"Be brief."},
			{"role":"user","content":"Hi"},
			{"role":"developer","content":[{"type":"text","text":"Answer in French."}]},
			{"role":"user","content":[{"type":"text","text":"How are you?"}]},
			{"role":"assistant","content":"Bien."},
			{"role":"assistant","content":[{"type":"text","text":"Et toi?"}]},
			{"role":"user","content":"Good","name":"bob"}]}`,
			`{"contents":[
				{"role":"user","parts":[{"text":"Hi"},{"text":"How are you?"}]},
				{"role":"model","parts":[{"text":"Bien."},{"text":"Et toi?"}]},
				{"role":"user","parts":[{"text":"Good"}]}],
			  "systemInstruction":{"parts":[{"text":"Be brief."},{"text":"Answer in French."}]}}`},
		{"images both kinds", `{"model":"m","messages":[{"role":"user","content":[
			{"type":"text","text":"Compare"},
			{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"high"}},
			{"type":"image_url","image_url":{"url":"https://example.com/a/cat.WEBP?size=2#x"}},
			{"type":"image_url","image_url":{"url":"https://example.com/photo"}},
			{"type":"image_url","image_url":{"url":"http://example.com/p.heic"}}]}]}`,
			`{"contents":[{"role":"user","parts":[
				{"text":"Compare"},
				{"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}},
				{"fileData":{"mimeType":"image/webp","fileUri":"https://example.com/a/cat.WEBP?size=2#x"}},
				{"fileData":{"mimeType":"image/jpeg","fileUri":"https://example.com/photo"}},
				{"fileData":{"mimeType":"image/heic","fileUri":"http://example.com/p.heic"}}]}]}`},
		{"audio and file", `{"model":"m","messages":[{"role":"user","content":[
			{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}},
			{"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0=","filename":"a.pdf"}}]}]}`,
			`{"contents":[{"role":"user","parts":[
				{"inlineData":{"mimeType":"audio/wav","data":"UklGRg=="}},
				{"inlineData":{"mimeType":"application/pdf","data":"JVBERi0="}}]}]}`},
		{"tools auto", `{"model":"m","messages":[{"role":"user","content":"Weather?"}],
			"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather now",
				"parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false},"strict":true}},
				{"type":"function","function":{"name":"noop"}}],
			"tool_choice":"auto","parallel_tool_calls":true}`,
			`{"contents":[{"role":"user","parts":[{"text":"Weather?"}]}],
			  "tools":[{"functionDeclarations":[
				{"name":"get_weather","description":"Weather now","parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}},
				{"name":"noop"}]}],
			  "toolConfig":{"functionCallingConfig":{"mode":"AUTO"}}}`},
		{"tool_choice none", `{"model":"m","messages":[{"role":"user","content":"x"}],
			"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"none"}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f"}]}],
			  "toolConfig":{"functionCallingConfig":{"mode":"NONE"}}}`},
		{"tool_choice required", `{"model":"m","messages":[{"role":"user","content":"x"}],
			"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required"}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f"}]}],
			  "toolConfig":{"functionCallingConfig":{"mode":"ANY"}}}`},
		{"tool_choice named", `{"model":"m","messages":[{"role":"user","content":"x"}],
			"tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"g"}}],
			"tool_choice":{"type":"function","function":{"name":"g"}}}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f"},{"name":"g"}]}],
			  "toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["g"]}}}`},
		{"no tools, tool_choice auto dropped", `{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"auto","parallel_tool_calls":false}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}]}`},
		{"tool results", `{"model":"m","messages":[
			{"role":"user","content":"Weather and time in Paris?"},
			{"role":"assistant","content":null,"tool_calls":[
				{"id":"call_0_0~ts~CqUBAcu98PBsig==","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Paris\"}"}},
				{"id":"fc-2","type":"function","function":{"name":"get_time","arguments":""}}]},
			{"role":"tool","tool_call_id":"fc-2","content":"12:00"},
			{"role":"tool","tool_call_id":"call_0_0~ts~CqUBAcu98PBsig==","content":[{"type":"text","text":" {\"temp\": 21, \"sky\": \"clear\"} "}]},
			{"role":"user","content":"Thanks"}]}`,
			`{"contents":[
				{"role":"user","parts":[{"text":"Weather and time in Paris?"}]},
				{"role":"model","parts":[
					{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"CqUBAcu98PBsig=="},
					{"functionCall":{"name":"get_time","args":{}}}]},
				{"role":"user","parts":[
					{"functionResponse":{"name":"get_time","response":{"result":"12:00"}}},
					{"functionResponse":{"name":"get_weather","response":{"temp":21,"sky":"clear"}}},
					{"text":"Thanks"}]}]}`},
		{"tool result that is JSON but not an object", `{"model":"m","messages":[
			{"role":"user","content":"q"},
			{"role":"assistant","content":"Let me look.","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]},
			{"role":"tool","tool_call_id":"a","content":"[1,2]"}]}`,
			`{"contents":[
				{"role":"user","parts":[{"text":"q"}]},
				{"role":"model","parts":[{"text":"Let me look."},{"functionCall":{"name":"f","args":{}}}]},
				{"role":"user","parts":[{"functionResponse":{"name":"f","response":{"result":"[1,2]"}}}]}]}`},
		{"json_object", `{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"responseMimeType":"application/json"}}`},
		{"json_schema", `{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema",
			"json_schema":{"name":"answer","strict":true,"schema":{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}}}}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"responseMimeType":"application/json",
				"responseJsonSchema":{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}}}`},
		{"response_format text", `{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"text"}}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}]}`},
		{"generation config", `{"model":"m","messages":[{"role":"user","content":"x"}],
			"temperature":0.7,"top_p":0.95,"max_tokens":100,"max_completion_tokens":256,"stop":["END","\n\n"],
			"n":2,"seed":42,"presence_penalty":0.5,"frequency_penalty":-0.25,"logprobs":true,"top_logprobs":3,
			"user":"u-1","metadata":{"k":"v"},"store":false,"service_tier":"auto","modalities":["text"],"logit_bias":{},
			"stream_options":{"include_usage":true}}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{
				"temperature":0.7,"topP":0.95,"maxOutputTokens":256,"stopSequences":["END","\n\n"],"candidateCount":2,
				"seed":42,"presencePenalty":0.5,"frequencyPenalty":-0.25,"responseLogprobs":true,"logprobs":3}}`},
		{"max_tokens and single stop", `{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":10,"stop":"STOP","temperature":0}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"temperature":0,"maxOutputTokens":10,"stopSequences":["STOP"]}}`},
		{"reasoning high", `{"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"high"}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"thinkingConfig":{"thinkingBudget":24576,"includeThoughts":true}}}`},
		{"reasoning low", `{"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"low"}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"thinkingConfig":{"thinkingBudget":1024,"includeThoughts":true}}}`},
		{"reasoning medium", `{"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"medium"}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"thinkingConfig":{"thinkingBudget":8192,"includeThoughts":true}}}`},
		{"reasoning none", `{"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"none"}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"thinkingConfig":{"thinkingBudget":0}}}`},
		{"escaping", `{"model":"m","messages":[{"role":"user","content":"quote \" backslash \\ ctl \u0001 tab \t line \u2028 é 😀 <&>"}]}`,
			`{"contents":[{"role":"user","parts":[{"text":"quote \" backslash \\ ctl \u0001 tab \t line \u2028 é 😀 <&>"}]}]}`},
		{"empty texts skipped", `{"model":"m","messages":[{"role":"system","content":""},{"role":"user","content":[{"type":"text","text":""},{"type":"text","text":"x"}]}]}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}]}`},
		{"safety_identifier and prompt_cache_key accepted, not forwarded", `{"model":"m","messages":[{"role":"user","content":"x"}],
			"safety_identifier":"sid-1","prompt_cache_key":"pck-1","user":"u-1"}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}]}`},
		{"verbosity and an unknown parameter null", `{"model":"m","messages":[{"role":"user","content":"x"}],"verbosity":null,"top_k":null}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}]}`},
		{"known key written with escapes", `{"model":"m","messages":[{"role":"user","content":"x"}],"temp\u0065rature":0.5}`,
			`{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"temperature":0.5}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := New().Request(chatRequest(t, tc.in), []byte(tc.in), target())
			if err != nil {
				t.Fatal(err)
			}
			jsonEqual(t, r.Body, tc.want)
		})
	}
}

func TestRequestErrors(t *testing.T) {
	const user = `{"role":"user","content":"x"}`
	tests := []struct {
		name, in, param, code string
	}{
		{"unknown role", `{"model":"m","messages":[{"role":"function","content":"x"}]}`, "messages[0].role", ""},
		{"no messages", `{"model":"m","messages":[{"role":"system","content":"x"}]}`, "messages", ""},
		{"prefill", `{"model":"m","messages":[` + user + `,{"role":"assistant","content":"The answer is"}]}`, "messages[1]", ""},
		{"bad image url", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x/y.png"}}]}]}`, "messages[0].content[0].image_url.url", ""},
		{"bad data url", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,abc"}}]}]}`, "messages[0].content[0].image_url.url", ""},
		{"image without url", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url"}]}]}`, "messages[0].content[0].image_url.url", ""},
		{"audio format", `{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AA==","format":"flac"}}]}]}`, "messages[0].content[0].input_audio.format", ""},
		{"file id", `{"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-abc"}}]}]}`, "messages[0].content[0].file.file_id", "unsupported_parameter"},
		{"unknown part", `{"model":"m","messages":[{"role":"user","content":[{"type":"video_url"}]}]}`, "messages[0].content[0].type", ""},
		{"refusal part from user", `{"model":"m","messages":[{"role":"user","content":[{"type":"refusal","refusal":"no"}]}]}`, "messages[0].content[0].type", ""},
		{"image in system", `{"model":"m","messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]},` + user + `]}`, "messages[0].content[0].type", ""},
		{"image in assistant", `{"model":"m","messages":[` + user + `,{"role":"assistant","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]},` + user + `]}`, "messages[1].content[0].type", ""},
		{"bad arguments", `{"model":"m","messages":[` + user + `,{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"[1]"}}]},{"role":"tool","tool_call_id":"a","content":"r"}]}`, "messages[1].tool_calls[0].function.arguments", ""},
		{"unparsable arguments", `{"model":"m","messages":[` + user + `,{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{\"a\":"}}]},{"role":"tool","tool_call_id":"a","content":"r"}]}`, "messages[1].tool_calls[0].function.arguments", ""},
		{"tool call without name", `{"model":"m","messages":[` + user + `,{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"arguments":"{}"}}]},{"role":"tool","tool_call_id":"a","content":"r"}]}`, "messages[1].tool_calls[0].function.name", ""},
		{"unknown tool_call_id", `{"model":"m","messages":[` + user + `,{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"b","content":"r"}]}`, "messages[2].tool_call_id", ""},
		{"missing tool_call_id", `{"model":"m","messages":[` + user + `,{"role":"tool","content":"r"}]}`, "messages[1].tool_call_id", ""},
		{"tool image", `{"model":"m","messages":[` + user + `,{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"a","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}`, "messages[2].content[0].type", ""},
		{"tool type", `{"model":"m","messages":[` + user + `],"tools":[{"type":"custom","function":{"name":"f"}}]}`, "tools[0].type", ""},
		{"tool name", `{"model":"m","messages":[` + user + `],"tools":[{"type":"function","function":{"description":"d"}}]}`, "tools[0].function.name", ""},
		{"tool parameters not object", `{"model":"m","messages":[` + user + `],"tools":[{"type":"function","function":{"name":"f","parameters":[1]}}]}`, "tools[0].function.parameters", ""},
		{"named tool unknown", `{"model":"m","messages":[` + user + `],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"g"}}}`, "tool_choice", ""},
		{"required without tools", `{"model":"m","messages":[` + user + `],"tool_choice":"required"}`, "tool_choice", ""},
		{"parallel_tool_calls false", `{"model":"m","messages":[` + user + `],"tools":[{"type":"function","function":{"name":"f"}}],"parallel_tool_calls":false}`, "parallel_tool_calls", "unsupported_parameter"},
		{"top_logprobs alone", `{"model":"m","messages":[` + user + `],"top_logprobs":2}`, "top_logprobs", ""},
		{"reasoning_effort", `{"model":"m","messages":[` + user + `],"reasoning_effort":"maximal"}`, "reasoning_effort", ""},
		{"response_format type", `{"model":"m","messages":[` + user + `],"response_format":{"type":"yaml"}}`, "response_format.type", ""},
		{"schema not object", `{"model":"m","messages":[` + user + `],"response_format":{"type":"json_schema","json_schema":{"name":"a","schema":[1]}}}`, "response_format.json_schema.schema", ""},
		{"logit_bias", `{"model":"m","messages":[` + user + `],"logit_bias":{"50256":-100}}`, "logit_bias", "unsupported_parameter"},
		{"audio", `{"model":"m","messages":[` + user + `],"audio":{"voice":"alloy","format":"wav"}}`, "audio", "unsupported_parameter"},
		{"modalities", `{"model":"m","messages":[` + user + `],"modalities":["text","audio"]}`, "modalities[1]", "unsupported_parameter"},
		{"prediction", `{"model":"m","messages":[` + user + `],"prediction":{"type":"content","content":"x"}}`, "prediction", "unsupported_parameter"},
		{"web_search_options", `{"model":"m","messages":[` + user + `],"web_search_options":{}}`, "web_search_options", "unsupported_parameter"},
		{"functions", `{"model":"m","messages":[` + user + `],"functions":[{"name":"f"}]}`, "functions", "unsupported_parameter"},
		{"function_call", `{"model":"m","messages":[` + user + `],"function_call":"auto"}`, "function_call", "unsupported_parameter"},
		{"store", `{"model":"m","messages":[` + user + `],"store":true}`, "store", "unsupported_parameter"},
		{"service_tier", `{"model":"m","messages":[` + user + `],"service_tier":"flex"}`, "service_tier", "unsupported_parameter"},
		{"verbosity", `{"model":"m","messages":[` + user + `],"verbosity":"low"}`, "verbosity", "unsupported_parameter"},
		{"verbosity medium", `{"model":"m","messages":[` + user + `],"verbosity":"medium"}`, "verbosity", "unsupported_parameter"},
		{"unknown parameter", `{"model":"m","messages":[` + user + `],"temprature":0.5}`, "temprature", "unsupported_parameter"},
		{"parameter in the wrong case", `{"model":"m","messages":[` + user + `],"Temperature":0.5}`, "Temperature", "unsupported_parameter"},
		{"newer OpenAI parameter", `{"model":"m","messages":[` + user + `],"prompt_cache_retention":"24h"}`, "prompt_cache_retention", "unsupported_parameter"},
		{"unknown parameter written with escapes", `{"model":"m","messages":[` + user + `],"top\u005fk":40}`, "top_k", "unsupported_parameter"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New().Request(chatRequest(t, tc.in), []byte(tc.in), target())
			e := wantError(t, err, 400, tc.param, tc.code)
			if e.Type != translate.TypeInvalidRequest || e.Message == "" {
				t.Fatalf("error = %+v", e)
			}
		})
	}
}

// TestKeyCarrier: the key goes in x-goog-api-key, after translation, into the room the
// translator left.
func TestKeyCarrier(t *testing.T) {
	r, err := New().Request(chatRequest(t, `{"model":"m","messages":[{"role":"user","content":"hi"}]}`), nil, target())
	if err != nil {
		t.Fatal(err)
	}
	n := cap(r.Header)
	if err := KeyCarrier.StaticKey("AIzaTESTKEY").Apply(r, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	want := translate.Headers{{Name: "Content-Type", Value: "application/json"}, {Name: "X-Team", Value: "blue"}, {Name: "x-goog-api-key", Value: "AIzaTESTKEY"}}
	if !reflect.DeepEqual(r.Header, want) || cap(r.Header) != n || r.URL != "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent" {
		t.Fatalf("%s %q (cap %d, was %d)", r.URL, r.Header, cap(r.Header), n)
	}
}
