package anthropic

import (
	"reflect"
	"testing"
	"time"

	"github.com/franca-gw/franca/translate"
)

func TestRequestBody(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{{
		name: "simple chat",
		in:   `{"model":"claude","messages":[{"role":"user","content":"Hello"}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hello"}]}`,
	}, {
		name: "one system message is a string",
		in:   `{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"system":"Be brief.",
			"messages":[{"role":"user","content":"Hi"}]}`,
	}, {
		name: "system and developer anywhere become text blocks; users around them merge",
		in: `{"model":"m","messages":[
			{"role":"system","content":"Be brief."},
			{"role":"user","content":"Hi"},
			{"role":"developer","content":[{"type":"text","text":"Answer in French."},{"type":"text","text":""}]},
			{"role":"user","content":"Again"}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,
			"system":[{"type":"text","text":"Be brief."},{"type":"text","text":"Answer in French."}],
			"messages":[{"role":"user","content":[{"type":"text","text":"Hi"},{"type":"text","text":"Again"}]}]}`,
	}, {
		name: "multi-turn",
		in: `{"model":"m","messages":[
			{"role":"user","content":"Hi"},
			{"role":"assistant","content":"Hello! How can I help?","reasoning_content":"greet back"},
			{"role":"user","content":[{"type":"text","text":"Tell me a joke"}]}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[
			{"role":"user","content":"Hi"},
			{"role":"assistant","content":"Hello! How can I help?"},
			{"role":"user","content":[{"type":"text","text":"Tell me a joke"}]}]}`,
	}, {
		name: "consecutive assistants merge",
		in: `{"model":"m","messages":[
			{"role":"user","content":"Hi"},
			{"role":"assistant","content":"One."},
			{"role":"assistant","content":[{"type":"text","text":"Two."},{"type":"refusal","refusal":"No."}]}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[
			{"role":"user","content":"Hi"},
			{"role":"assistant","content":[{"type":"text","text":"One."},{"type":"text","text":"Two."},{"type":"text","text":"No."}]}]}`,
	}, {
		name: "assistant prefill is passed as is",
		in: `{"model":"m","messages":[{"role":"user","content":"List three colours as JSON."},
			{"role":"assistant","content":"{\"colours\": ["}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[
			{"role":"user","content":"List three colours as JSON."},
			{"role":"assistant","content":"{\"colours\": ["}]}`,
	}, {
		name: "images by data URL and by http URL",
		in: `{"model":"m","messages":[{"role":"user","content":[
			{"type":"text","text":"Compare"},
			{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"high"}},
			{"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":[
			{"type":"text","text":"Compare"},
			{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
			{"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]}]}`,
	}, {
		name: "sampling parameters, stop string, user, stream",
		in: `{"model":"m","messages":[{"role":"user","content":"Hi"}],"temperature":0.7,"top_p":0.9,
			"stop":"END","user":"user-42","stream":true,"stream_options":{"include_usage":true},"n":1,
			"presence_penalty":0,"logprobs":false,"store":false,"modalities":["text"],"service_tier":"auto"}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],
			"metadata":{"user_id":"user-42"},"stop_sequences":["END"],"temperature":0.7,"top_p":0.9,"stream":true}`,
	}, {
		name: "safety_identifier is the user_id, before user; prompt_cache_key is not forwarded",
		in: `{"model":"m","messages":[{"role":"user","content":"Hi"}],"user":"user-42","safety_identifier":"sid-7",
			"prompt_cache_key":"pck-1"}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],
			"metadata":{"user_id":"sid-7"}}`,
	}, {
		name: "safety_identifier alone; null verbosity and unknown parameter",
		in:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"safety_identifier":"sid-7","verbosity":null,"top_k":null}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],
			"metadata":{"user_id":"sid-7"}}`,
	}, {
		name: "known parameter written with escapes",
		in:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"temp\u0065rature":0.5}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],"temperature":0.5}`,
	}, {
		name: "stop array",
		in:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"stop":["a","b\n"]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],"stop_sequences":["a","b\n"]}`,
	}, {
		name: "max_tokens",
		in:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"max_tokens":300}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":300,"messages":[{"role":"user","content":"Hi"}]}`,
	}, {
		name: "max_completion_tokens wins over max_tokens",
		in:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"max_tokens":300,"max_completion_tokens":200}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":200,"messages":[{"role":"user","content":"Hi"}]}`,
	}, {
		name: "tools with tool_choice auto",
		in: `{"model":"m","messages":[{"role":"user","content":"Weather in Paris?"}],"tool_choice":"auto",
			"tools":[{"type":"function","function":{"name":"get_weather","description":"Get the weather",
				"parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}},
				{"type":"function","function":{"name":"get_time"}}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Weather in Paris?"}],
			"tools":[{"name":"get_weather","description":"Get the weather",
				"input_schema":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}},
				{"name":"get_time","input_schema":{"type":"object","properties":{}}}],
			"tool_choice":{"type":"auto"}}`,
	}, {
		name: "tool_choice required",
		in:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"tool_choice":"required","tools":[{"type":"function","function":{"name":"f"}}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],
			"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"any"}}`,
	}, {
		name: "tool_choice none",
		in:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"tool_choice":"none","parallel_tool_calls":false,"tools":[{"type":"function","function":{"name":"f"}}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],
			"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"none"}}`,
	}, {
		name: "named tool_choice",
		in: `{"model":"m","messages":[{"role":"user","content":"Hi"}],"tool_choice":{"type":"function","function":{"name":"f"}},
			"tools":[{"type":"function","function":{"name":"f"}}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],
			"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"tool","name":"f"}}`,
	}, {
		name: "no tool_choice",
		in:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"function","function":{"name":"f"}}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],
			"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}]}`,
	}, {
		name: "parallel_tool_calls false without tool_choice",
		in:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"parallel_tool_calls":false,"tools":[{"type":"function","function":{"name":"f"}}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],
			"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"auto","disable_parallel_tool_use":true}}`,
	}, {
		name: "parallel_tool_calls false with required",
		in:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"parallel_tool_calls":false,"tool_choice":"required","tools":[{"type":"function","function":{"name":"f"}}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],
			"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"any","disable_parallel_tool_use":true}}`,
	}, {
		name: "tool_choice auto and parallel_tool_calls without tools mean nothing",
		in:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"tool_choice":"auto","parallel_tool_calls":false}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}]}`,
	}, {
		name: "tool calls and consecutive tool results",
		in: `{"model":"m","messages":[
			{"role":"user","content":"Weather and time in Paris?"},
			{"role":"assistant","content":"","tool_calls":[
				{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"location\": \"Paris\"}"}},
				{"id":"toolu_2","type":"function","function":{"name":"get_time","arguments":""}}]},
			{"role":"tool","tool_call_id":"toolu_1","content":"21°C"},
			{"role":"tool","tool_call_id":"toolu_2","content":[{"type":"text","text":"14:00"}]},
			{"role":"user","content":"Thanks. And tomorrow?"}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[
			{"role":"user","content":"Weather and time in Paris?"},
			{"role":"assistant","content":[
				{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"location":"Paris"}},
				{"type":"tool_use","id":"toolu_2","name":"get_time","input":{}}]},
			{"role":"user","content":[
				{"type":"tool_result","tool_use_id":"toolu_1","content":"21°C"},
				{"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"14:00"}]},
				{"type":"text","text":"Thanks. And tomorrow?"}]}]}`,
	}, {
		name: "assistant text before tool calls",
		in: `{"model":"m","messages":[{"role":"user","content":"Hi"},
			{"role":"assistant","content":"Let me look.","tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":"{}"}}]},
			{"role":"tool","tool_call_id":"t1","content":"ok"}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"},
			{"role":"assistant","content":[{"type":"text","text":"Let me look."},{"type":"tool_use","id":"t1","name":"f","input":{}}]},
			{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}]}`,
	}, {
		name: "response_format json_schema",
		in: `{"model":"m","messages":[{"role":"user","content":"Weather?"}],"response_format":{"type":"json_schema",
			"json_schema":{"name":"weather_report","strict":true,"schema":{"type":"object","properties":{"city":{"type":"string"}}}}}}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Weather?"}],
			"tools":[{"name":"weather_report","description":"` + jsonToolDesc + `",
				"input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
			"tool_choice":{"type":"tool","name":"weather_report"}}`,
	}, {
		name: "response_format json_schema with description and no name",
		in: `{"model":"m","messages":[{"role":"user","content":"Weather?"}],"response_format":{"type":"json_schema",
			"json_schema":{"description":"A weather report.","schema":{"type":"object"}}}}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Weather?"}],
			"tools":[{"name":"json_response","description":"A weather report.","input_schema":{"type":"object"}}],
			"tool_choice":{"type":"tool","name":"json_response"}}`,
	}, {
		name: "response_format json_object",
		in:   `{"model":"m","messages":[{"role":"user","content":"JSON please"}],"response_format":{"type":"json_object"}}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"JSON please"}],
			"tools":[{"name":"json_response","description":"` + jsonToolDesc + `","input_schema":{"type":"object"}}],
			"tool_choice":{"type":"tool","name":"json_response"}}`,
	}, {
		name: "response_format text is the default",
		in:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"text"}}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}]}`,
	}, {
		name: "response_format with tools: the model must call some tool",
		in: `{"model":"m","messages":[{"role":"user","content":"Hi"}],"parallel_tool_calls":false,
			"tools":[{"type":"function","function":{"name":"f"}}],"response_format":{"type":"json_object"}}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],
			"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}},
				{"name":"json_response","description":"` + jsonToolDesc + `","input_schema":{"type":"object"}}],
			"tool_choice":{"type":"any","disable_parallel_tool_use":true}}`,
	}, {
		name: "response_format with tools and tool_choice none: the answer tool is forced",
		in: `{"model":"m","messages":[{"role":"user","content":"Hi"}],"tool_choice":"none",
			"tools":[{"type":"function","function":{"name":"f"}}],"response_format":{"type":"json_object"}}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],
			"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}},
				{"name":"json_response","description":"` + jsonToolDesc + `","input_schema":{"type":"object"}}],
			"tool_choice":{"type":"tool","name":"json_response"}}`,
	}, {
		name: "response_format with tool_choice required does not apply",
		in: `{"model":"m","messages":[{"role":"user","content":"Hi"}],"tool_choice":"required",
			"tools":[{"type":"function","function":{"name":"f"}}],"response_format":{"type":"json_object"}}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],
			"tools":[{"name":"f","input_schema":{"type":"object","properties":{}}}],"tool_choice":{"type":"any"}}`,
	}, {
		name: "reasoning_effort without a limit",
		in:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"reasoning_effort":"medium"}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":8192,"messages":[{"role":"user","content":"Hi"}],
			"thinking":{"type":"enabled","budget_tokens":4096}}`,
	}, {
		name: "reasoning_effort high within a small limit",
		in:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"reasoning_effort":"high","max_completion_tokens":8000,"temperature":1}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":8000,"messages":[{"role":"user","content":"Hi"}],"temperature":1,
			"thinking":{"type":"enabled","budget_tokens":4000}}`,
	}, {
		name: "reasoning_effort low within a tight limit keeps the minimum budget",
		in:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"reasoning_effort":"low","max_tokens":1500}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":1500,"messages":[{"role":"user","content":"Hi"}],
			"thinking":{"type":"enabled","budget_tokens":1024}}`,
	}, {
		name: "reasoning_effort none",
		in:   `{"model":"m","messages":[{"role":"user","content":"Hi"}],"reasoning_effort":"none"}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}]}`,
	}, {
		name: "tool result with an image",
		in: `{"model":"m","messages":[{"role":"user","content":"Chart?"},
			{"role":"assistant","content":null,"tool_calls":[{"id":"t1","type":"function","function":{"name":"chart","arguments":"{\"q\":1}"}}]},
			{"role":"tool","tool_call_id":"t1","content":[{"type":"text","text":"here"},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}}]}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Chart?"},
			{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"chart","input":{"q":1}}]},
			{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"here"},
				{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}}]}]}]}`,
	}, {
		name: "escapes survive",
		in:   `{"model":"m","messages":[{"role":"user","content":"quote \" backslash \\ tab \t nul \u0000 line \u2028 emoji 😀"}]}`,
		want: `{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":"quote \" backslash \\ tab \t nul \u0000 line \u2028 emoji 😀"}]}`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := parseRequest(t, tt.in)
			got, err := New().Request(req, []byte(tt.in), target())
			if err != nil {
				t.Fatalf("Request: %v", err)
			}
			assertJSON(t, got.Body, tt.want)
		})
	}
}

func TestRequestErrors(t *testing.T) {
	const user = `"messages":[{"role":"user","content":"Hi"}]`
	const unsupported = "unsupported_parameter"
	tests := []struct {
		name  string
		in    string
		code  string
		param string
	}{
		{"n", `{"model":"m",` + user + `,"n":2}`, unsupported, "n"},
		{"seed", `{"model":"m",` + user + `,"seed":7}`, unsupported, "seed"},
		{"presence_penalty", `{"model":"m",` + user + `,"presence_penalty":0.5}`, unsupported, "presence_penalty"},
		{"frequency_penalty", `{"model":"m",` + user + `,"frequency_penalty":-1}`, unsupported, "frequency_penalty"},
		{"logit_bias", `{"model":"m",` + user + `,"logit_bias":{"50256":-100}}`, unsupported, "logit_bias"},
		{"logprobs", `{"model":"m",` + user + `,"logprobs":true}`, unsupported, "logprobs"},
		{"top_logprobs", `{"model":"m",` + user + `,"top_logprobs":0}`, unsupported, "top_logprobs"},
		{"audio", `{"model":"m",` + user + `,"audio":{"voice":"alloy","format":"mp3"}}`, unsupported, "audio"},
		{"modalities", `{"model":"m",` + user + `,"modalities":["text","audio"]}`, unsupported, "modalities"},
		{"prediction", `{"model":"m",` + user + `,"prediction":{"type":"content","content":"x"}}`, unsupported, "prediction"},
		{"web_search_options", `{"model":"m",` + user + `,"web_search_options":{}}`, unsupported, "web_search_options"},
		{"functions", `{"model":"m",` + user + `,"functions":[{"name":"f"}]}`, unsupported, "functions"},
		{"function_call", `{"model":"m",` + user + `,"function_call":"auto"}`, unsupported, "function_call"},
		{"store", `{"model":"m",` + user + `,"store":true}`, unsupported, "store"},
		{"metadata", `{"model":"m",` + user + `,"metadata":{"k":"v"}}`, unsupported, "metadata"},
		{"service_tier", `{"model":"m",` + user + `,"service_tier":"flex"}`, unsupported, "service_tier"},
		{"verbosity", `{"model":"m",` + user + `,"verbosity":"high"}`, unsupported, "verbosity"},
		{"verbosity medium", `{"model":"m",` + user + `,"verbosity":"medium"}`, unsupported, "verbosity"},
		{"unknown parameter", `{"model":"m",` + user + `,"top_k":40}`, unsupported, "top_k"},
		{"typo", `{"model":"m",` + user + `,"max_token":100}`, unsupported, "max_token"},
		{"parameter in the wrong case", `{"model":"m",` + user + `,"Temperature":0.5}`, unsupported, "Temperature"},
		{"newer OpenAI parameter", `{"model":"m",` + user + `,"prompt_cache_retention":"24h"}`, unsupported, "prompt_cache_retention"},
		{"unknown parameter written with escapes", `{"model":"m",` + user + `,"top\u005fk":40}`, unsupported, "top_k"},
		{"input_audio part", `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Hi"},
			{"type":"input_audio","input_audio":{"data":"AAA=","format":"wav"}}]}]}`, unsupported, "messages[0].content[1]"},
		{"file part", `{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":[
			{"type":"file","file":{"file_id":"file-1"}}]}]}`, unsupported, "messages[1].content[0]"},
		{"image in system", `{"model":"m","messages":[{"role":"system","content":[
			{"type":"image_url","image_url":{"url":"https://x/y.png"}}]},{"role":"user","content":"Hi"}]}`, unsupported, "messages[0].content[0]"},
		{"image in assistant", `{"model":"m","messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":[
			{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}`, unsupported, "messages[1].content[0]"},
		{"image URL scheme", `{"model":"m","messages":[{"role":"user","content":[
			{"type":"image_url","image_url":{"url":"ftp://x/y.png"}}]}]}`, "", "messages[0].content[0].image_url.url"},
		{"data URL not base64", `{"model":"m","messages":[{"role":"user","content":[
			{"type":"image_url","image_url":{"url":"data:image/png,abc"}}]}]}`, "", "messages[0].content[0].image_url.url"},
		{"invalid tool call arguments", `{"model":"m","messages":[{"role":"user","content":"Hi"},
			{"role":"assistant","content":null,"tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}},
			{"id":"b","type":"function","function":{"name":"f","arguments":"{\"x\":"}}]}]}`, "", "messages[1].tool_calls[1].function.arguments"},
		{"tool call arguments not an object", `{"model":"m","messages":[{"role":"user","content":"Hi"},
			{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"[1]"}}]}]}`, "", "messages[1].tool_calls[0].function.arguments"},
		{"tool message without id", `{"model":"m","messages":[{"role":"user","content":"Hi"},{"role":"tool","content":"x"}]}`, "", "messages[1].tool_call_id"},
		{"unknown role", `{"model":"m","messages":[{"role":"function","name":"f","content":"x"}]}`, "", "messages[0].role"},
		{"response_format type", `{"model":"m",` + user + `,"response_format":{"type":"yaml"}}`, "", "response_format.type"},
		{"json_schema missing", `{"model":"m",` + user + `,"response_format":{"type":"json_schema"}}`, "", "response_format.json_schema"},
		{"json tool name taken", `{"model":"m",` + user + `,"tools":[{"type":"function","function":{"name":"json_response"}}],
			"response_format":{"type":"json_object"}}`, "", "response_format.json_schema.name"},
		{"reasoning with response_format", `{"model":"m",` + user + `,"reasoning_effort":"low","response_format":{"type":"json_object"}}`, "", "reasoning_effort"},
		{"reasoning_effort value", `{"model":"m",` + user + `,"reasoning_effort":"extreme"}`, "", "reasoning_effort"},
		{"reasoning with too small a limit", `{"model":"m",` + user + `,"reasoning_effort":"low","max_completion_tokens":1024}`, "", "max_completion_tokens"},
		{"tool_choice without tools", `{"model":"m",` + user + `,"tool_choice":"required"}`, "", "tool_choice"},
		{"tool parameters not an object", `{"model":"m",` + user + `,"tools":[{"type":"function","function":{"name":"f","parameters":[]}}]}`, "", "tools[0].function.parameters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := parseRequest(t, tt.in)
			got, err := New().Request(req, []byte(tt.in), target())
			if err == nil {
				t.Fatalf("no error; body %s", got.Body)
			}
			e := assertError(t, err, 400, translate.TypeInvalidRequest, tt.code, tt.param)
			if e.Message == "" {
				t.Fatal("empty message")
			}
		})
	}
}

func TestUnsupportedMessage(t *testing.T) {
	req := parseRequest(t, `{"model":"m","messages":[{"role":"user","content":"Hi"}],"seed":1}`)
	_, err := New().Request(req, nil, target())
	want := `{"error":{"message":"parameter \"seed\" is not supported by provider type anthropic","type":"invalid_request_error","param":"seed","code":"unsupported_parameter"}}`
	if got := string(err.(*translate.Error).JSON()); got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

func TestRequestURLAndHeaders(t *testing.T) {
	tests := []struct {
		name    string
		base    string
		version string
		stream  bool
		extra   translate.Headers
		url     string
		header  translate.Headers
	}{{
		name:   "defaults",
		base:   "https://api.anthropic.com",
		url:    "https://api.anthropic.com/v1/messages",
		header: translate.Headers{{Name: "content-type", Value: "application/json"}, {Name: "anthropic-version", Value: "2023-06-01"}},
	}, {
		name:    "stream, version and extra headers",
		base:    "http://127.0.0.1:8080/",
		version: "2024-01-01",
		stream:  true,
		extra:   translate.Headers{{Name: "anthropic-beta", Value: "prompt-caching-2024-07-31"}},
		url:     "http://127.0.0.1:8080/v1/messages",
		header: translate.Headers{{Name: "content-type", Value: "application/json"}, {Name: "anthropic-version", Value: "2024-01-01"}, {Name: "accept", Value: "text/event-stream"},
			{Name: "anthropic-beta", Value: "prompt-caching-2024-07-31"}},
	}, {
		name:   "base URL with /v1",
		base:   "https://proxy.example/anthropic/v1",
		url:    "https://proxy.example/anthropic/v1/messages",
		header: translate.Headers{{Name: "content-type", Value: "application/json"}, {Name: "anthropic-version", Value: "2023-06-01"}},
	}, {
		name:   "empty base URL",
		url:    "https://api.anthropic.com/v1/messages",
		header: translate.Headers{{Name: "content-type", Value: "application/json"}, {Name: "anthropic-version", Value: "2023-06-01"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"model":"m","messages":[{"role":"user","content":"Hi"}]}`
			if tt.stream {
				body = `{"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true}`
			}
			tg := target()
			tg.BaseURL, tg.APIVersion, tg.Header = tt.base, tt.version, tt.extra
			got, err := New().Request(parseRequest(t, body), []byte(body), tg)
			if err != nil {
				t.Fatal(err)
			}
			if got.Method != "POST" || got.URL != tt.url || got.Stream != tt.stream {
				t.Fatalf("got %s %s stream=%v, want POST %s stream=%v", got.Method, got.URL, got.Stream, tt.url, tt.stream)
			}
			if !reflect.DeepEqual(got.Header, tt.header) {
				t.Fatalf("headers\n got %v\nwant %v", got.Header, tt.header)
			}
		})
	}
}

func TestRequestModelFallback(t *testing.T) {
	body := `{"model":"claude-haiku","messages":[{"role":"user","content":"Hi"}]}`
	tg := target()
	tg.Model = ""
	got, err := New().Request(parseRequest(t, body), []byte(body), tg)
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, got.Body, `{"model":"claude-haiku","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}]}`)
}

// TestKeyCarrier: the key goes in x-api-key, after translation, into the room the
// translator left.
func TestKeyCarrier(t *testing.T) {
	body := `{"model":"c","messages":[{"role":"user","content":"hi"}]}`
	r, err := New().Request(parseRequest(t, body), []byte(body), target())
	if err != nil {
		t.Fatal(err)
	}
	n := cap(r.Header)
	if err := KeyCarrier.StaticKey("sk-ant-test").Apply(r, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	want := translate.Headers{{Name: "content-type", Value: "application/json"}, {Name: "anthropic-version", Value: "2023-06-01"}, {Name: "x-api-key", Value: "sk-ant-test"}}
	if !reflect.DeepEqual(r.Header, want) || cap(r.Header) != n {
		t.Fatalf("header %q (cap %d, was %d)", r.Header, cap(r.Header), n)
	}
}
