package gemini

import (
	"bytes"
	"strconv"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// appendTools writes "tools" (one functionDeclarations tool) and "toolConfig".
func appendTools(b []byte, req *schema.ChatRequest) ([]byte, error) {
	tc := req.ToolChoice
	if len(req.Tools) == 0 {
		if tc != nil && (tc.Mode == "required" || tc.Function != "") {
			return nil, translate.BadRequest("tool_choice", "tool_choice requires tools")
		}
		return b, nil
	}
	b = append(b, `,"tools":[{"functionDeclarations":[`...)
	for i := range req.Tools {
		t := &req.Tools[i]
		param := "tools[" + strconv.Itoa(i) + "]"
		if t.Type != "function" {
			return nil, translate.BadRequest(param+".type", "only tools of type \"function\" are supported by provider type gemini")
		}
		if t.Function.Name == "" {
			return nil, translate.BadRequest(param+".function.name", "a function needs a name")
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = jsonx.AppendString(b, t.Function.Name)
		if t.Function.Description != "" {
			b = append(b, `,"description":`...)
			b = jsonx.AppendString(b, t.Function.Description)
		}
		if isSet(t.Function.Parameters) {
			p := bytes.TrimSpace(t.Function.Parameters)
			if p[0] != '{' {
				return nil, translate.BadRequest(param+".function.parameters", "parameters must be a JSON Schema object")
			}
			b = append(b, `,"parametersJsonSchema":`...)
			b = append(b, p...)
		}
		b = append(b, '}')
	}
	b = append(b, "]}]"...)
	if tc == nil {
		return b, nil
	}
	b = append(b, `,"toolConfig":{"functionCallingConfig":{"mode":`...)
	switch {
	case tc.Function != "":
		if !hasTool(req.Tools, tc.Function) {
			return nil, translate.BadRequest("tool_choice", "tool_choice names function "+strconv.Quote(tc.Function)+", which is not among tools")
		}
		b = append(b, `"ANY","allowedFunctionNames":[`...)
		b = jsonx.AppendString(b, tc.Function)
		b = append(b, ']')
	case tc.Mode == "none":
		b = append(b, `"NONE"`...)
	case tc.Mode == "required":
		b = append(b, `"ANY"`...)
	default:
		b = append(b, `"AUTO"`...)
	}
	return append(b, "}}"...), nil
}

func hasTool(tools []schema.Tool, name string) bool {
	for _, t := range tools {
		if t.Function.Name == name {
			return true
		}
	}
	return false
}

// thinkingBudgets maps reasoning_effort to a thinkingConfig.thinkingBudget in tokens.
var thinkingBudgets = map[string]int{"none": 0, "minimal": 512, "low": 1024, "medium": 8192, "high": 24576}

// appendGenerationConfig writes "generationConfig" when any of its fields is set.
func appendGenerationConfig(b []byte, req *schema.ChatRequest) ([]byte, error) {
	start := len(b)
	b = append(b, `,"generationConfig":{`...)
	open := len(b)
	sep := func() {
		if len(b) > open {
			b = append(b, ',')
		}
	}
	num := func(name string, f *float64) {
		if f != nil {
			sep()
			b = append(b, name...)
			b = appendFloat(b, *f)
		}
	}
	num(`"temperature":`, req.Temperature)
	num(`"topP":`, req.TopP)
	if n := req.MaxOutputTokens(); n != nil {
		sep()
		b = append(b, `"maxOutputTokens":`...)
		b = jsonx.AppendInt(b, *n)
	}
	if len(req.Stop) > 0 {
		sep()
		b = append(b, `"stopSequences":[`...)
		for i, s := range req.Stop {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonx.AppendString(b, s)
		}
		b = append(b, ']')
	}
	if req.N != nil {
		sep()
		b = append(b, `"candidateCount":`...)
		b = jsonx.AppendInt(b, *req.N)
	}
	if req.Seed != nil {
		sep()
		b = append(b, `"seed":`...)
		b = strconv.AppendInt(b, *req.Seed, 10)
	}
	num(`"presencePenalty":`, req.PresencePenalty)
	num(`"frequencyPenalty":`, req.FrequencyPenalty)
	if req.Logprobs != nil && *req.Logprobs {
		sep()
		b = append(b, `"responseLogprobs":true`...)
		if req.TopLogprobs != nil {
			b = append(b, `,"logprobs":`...)
			b = jsonx.AppendInt(b, *req.TopLogprobs)
		}
	} else if req.TopLogprobs != nil {
		return nil, translate.BadRequest("top_logprobs", "top_logprobs requires logprobs to be true")
	}
	if rf := req.ResponseFormat; rf != nil {
		switch rf.Type {
		case "text", "":
		case "json_object":
			sep()
			b = append(b, `"responseMimeType":"application/json"`...)
		case "json_schema":
			sep()
			b = append(b, `"responseMimeType":"application/json"`...)
			if rf.JSONSchema != nil && isSet(rf.JSONSchema.Schema) {
				sch := bytes.TrimSpace(rf.JSONSchema.Schema)
				if sch[0] != '{' {
					return nil, translate.BadRequest("response_format.json_schema.schema", "schema must be a JSON Schema object")
				}
				b = append(b, `,"responseJsonSchema":`...)
				b = append(b, sch...)
			}
		default:
			return nil, translate.BadRequest("response_format.type", "response_format type must be text, json_object or json_schema")
		}
	}
	if req.ReasoningEffort != "" {
		budget, ok := thinkingBudgets[req.ReasoningEffort]
		if !ok {
			return nil, translate.BadRequest("reasoning_effort", "reasoning_effort must be none, minimal, low, medium or high")
		}
		sep()
		b = append(b, `"thinkingConfig":{"thinkingBudget":`...)
		b = jsonx.AppendInt(b, budget)
		if budget > 0 {
			b = append(b, `,"includeThoughts":true`...)
		}
		b = append(b, '}')
	}
	if len(b) == open {
		return b[:start], nil
	}
	return append(b, '}'), nil
}

// appendFloat appends f as a JSON number (the shortest form that reads back the same).
func appendFloat(b []byte, f float64) []byte {
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}
