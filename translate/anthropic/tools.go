package anthropic

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// jsonTool is the tool that emulates response_format.
type jsonTool struct {
	name        string
	description string
	schema      json.RawMessage
}

const (
	objectSchema    = `{"type":"object"}`
	emptyToolSchema = `{"type":"object","properties":{}}`
	jsonToolDesc    = "Give your final answer to the user by calling this tool: its input is the answer, a JSON value that matches the input schema."
)

// jsonToolFor returns the tool emulating response_format and whether it is used.
//
// It is used for json_schema and json_object unless tool_choice is "required" or names
// a function: then the model must call one of the client's tools and, as with OpenAI,
// the response format never comes into play.
func jsonToolFor(req *schema.ChatRequest) (jsonTool, bool, error) {
	rf := req.ResponseFormat
	if rf == nil {
		return jsonTool{}, false, nil
	}
	var jt jsonTool
	switch rf.Type {
	case "", "text":
		return jsonTool{}, false, nil
	case "json_object":
		jt = jsonTool{name: DefaultJSONToolName, description: jsonToolDesc, schema: json.RawMessage(objectSchema)}
	case "json_schema":
		js := rf.JSONSchema
		if js == nil {
			return jsonTool{}, false, translate.BadRequest("response_format.json_schema",
				`response_format of type "json_schema" needs a json_schema member`)
		}
		jt = jsonTool{name: js.Name, description: js.Description, schema: js.Schema}
		if jt.name == "" {
			jt.name = DefaultJSONToolName
		}
		if jt.description == "" {
			jt.description = jsonToolDesc
		}
		if !present(jt.schema) {
			jt.schema = json.RawMessage(objectSchema)
		} else if s := bytes.TrimSpace(jt.schema); s[0] != '{' {
			return jsonTool{}, false, translate.BadRequest("response_format.json_schema.schema", "the schema must be a JSON object")
		}
	default:
		return jsonTool{}, false, translate.BadRequest("response_format.type",
			`response_format.type must be "text", "json_object" or "json_schema"`)
	}
	if tc := req.ToolChoice; tc != nil && (tc.Mode == "required" || tc.Function != "") {
		return jsonTool{}, false, nil
	}
	return jt, true, nil
}

// jsonToolName returns the name of the tool emulating response_format, or "" when the
// request does not use one. Response and Stream use it to recognise that tool's call.
func jsonToolName(req *schema.ChatRequest) string {
	if req == nil {
		return ""
	}
	jt, on, err := jsonToolFor(req)
	if err != nil || !on {
		return ""
	}
	return jt.name
}

// appendTools writes tools and tool_choice.
//
// With the response_format tool in use, it is listed after the client's tools, and
// tool_choice makes the model call a tool: that very tool when the client has no tools
// or chose "none", else any tool (the client's, or the answer tool), which is how
// OpenAI's models treat tools together with a response format.
func appendTools(b []byte, req *schema.ChatRequest, jt jsonTool, jsonOn bool) ([]byte, error) {
	tc := req.ToolChoice
	if len(req.Tools) == 0 && !jsonOn {
		if tc != nil && (tc.Mode == "required" || tc.Function != "") {
			return nil, translate.BadRequest("tool_choice", "tool_choice requires tools")
		}
		return b, nil // "auto", "none" and parallel_tool_calls mean nothing without tools
	}
	b = append(b, `,"tools":[`...)
	for i := range req.Tools {
		t := &req.Tools[i]
		path := "tools[" + strconv.Itoa(i) + "]"
		if t.Type != "" && t.Type != "function" {
			return nil, translate.BadRequest(path+".type", `tool type must be "function"`)
		}
		if t.Function.Name == "" {
			return nil, translate.BadRequest(path+".function.name", "tools need a function name")
		}
		if jsonOn && t.Function.Name == jt.name {
			return nil, translate.BadRequest("response_format.json_schema.name",
				"the response format's name "+strconv.Quote(jt.name)+" is also the name of a tool; choose another")
		}
		params := t.Function.Parameters
		if !present(params) {
			params = json.RawMessage(emptyToolSchema)
		} else if s := bytes.TrimSpace(params); s[0] != '{' {
			return nil, translate.BadRequest(path+".function.parameters", "parameters must be a JSON Schema object")
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = appendToolDef(b, t.Function.Name, t.Function.Description, params)
	}
	if jsonOn {
		if len(req.Tools) > 0 {
			b = append(b, ',')
		}
		b = appendToolDef(b, jt.name, jt.description, jt.schema)
	}
	b = append(b, ']')

	noParallel := req.ParallelToolCalls != nil && !*req.ParallelToolCalls
	switch {
	case jsonOn && (len(req.Tools) == 0 || (tc != nil && tc.Mode == "none")):
		b = append(b, `,"tool_choice":{"type":"tool","name":`...)
		b = jsonx.AppendString(b, jt.name)
		return append(b, '}'), nil
	case jsonOn:
		b = append(b, `,"tool_choice":{"type":"any"`...)
	case tc == nil && noParallel:
		b = append(b, `,"tool_choice":{"type":"auto"`...)
	case tc == nil:
		return b, nil
	case tc.Function != "":
		b = append(b, `,"tool_choice":{"type":"tool","name":`...)
		b = jsonx.AppendString(b, tc.Function)
	case tc.Mode == "none":
		return append(b, `,"tool_choice":{"type":"none"}`...), nil
	case tc.Mode == "required":
		b = append(b, `,"tool_choice":{"type":"any"`...)
	default:
		b = append(b, `,"tool_choice":{"type":"auto"`...)
	}
	if noParallel {
		b = append(b, `,"disable_parallel_tool_use":true`...)
	}
	return append(b, '}'), nil
}

func appendToolDef(b []byte, name, description string, schema []byte) []byte {
	b = append(b, `{"name":`...)
	b = jsonx.AppendString(b, name)
	if description != "" {
		b = append(b, `,"description":`...)
		b = jsonx.AppendString(b, description)
	}
	b = append(b, `,"input_schema":`...)
	b = append(b, bytes.TrimSpace(schema)...)
	return append(b, '}')
}
