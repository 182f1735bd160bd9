package gateway

import (
	"strconv"
	"strings"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
)

// A shape is what a request parameter must hold, in JSON terms. The decoders follow
// encoding/json, whose errors speak of Go types and lose array indexes; when a body does
// not decode, its shape is walked to find the first parameter that is wrong, and the
// client is told which (OpenAI's "param", e.g. "messages[0].content") and what it must
// be. A shape is also a little stricter than encoding/json where Franca keeps a value as
// raw JSON but the API wants an object (tools[].function.parameters, metadata, …).
//
// null is accepted everywhere, as encoding/json accepts it.
type shape struct {
	kinds kind   // the JSON kinds allowed
	what  string // what the value must be, e.g. "a string or an array of content parts"
	// members are the known members of an object; others are not looked at.
	members []member
	// elem is the shape of every element of an array, when the elements are checked.
	elem *shape
	// check, when set, looks further at a value of an allowed kind.
	check func(v []byte, path string) *translate.Error
}

// member is a known member of an object.
type member struct {
	name  string
	shape *shape
}

// kind is a set of JSON kinds.
type kind uint8

const (
	kString kind = 1 << iota
	kInteger
	kNumber // any number; implies kInteger
	kBool
	kObject
	kArray
)

var (
	shString  = &shape{kinds: kString, what: "a string"}
	shInteger = &shape{kinds: kInteger, what: "an integer"}
	shNumber  = &shape{kinds: kNumber, what: "a number"}
	shBool    = &shape{kinds: kBool, what: "a boolean"}
	shObject  = &shape{kinds: kObject, what: "an object"}
	shArray   = &shape{kinds: kArray, what: "an array"}
	shStrings = &shape{kinds: kArray, what: "an array of strings", elem: shString}
)

func object(members ...member) *shape {
	return &shape{kinds: kObject, what: "an object", members: members}
}

func arrayOf(what string, elem *shape) *shape {
	return &shape{kinds: kArray, what: what, elem: elem}
}

// chatShape is the body of a chat completions request, as schema.ChatRequest decodes it.
var chatShape = func() *shape {
	imageURL := object(member{"url", shString}, member{"detail", shString})
	part := object(member{"type", shString}, member{"text", shString}, member{"image_url", imageURL},
		member{"input_audio", shObject}, member{"file", shObject}, member{"refusal", shString})
	part.what = "a content part (an object)"
	content := &shape{kinds: kString | kArray, what: "a string or an array of content parts", elem: part}
	functionCall := object(member{"name", shString}, member{"arguments", shString})
	toolCall := object(member{"index", shInteger}, member{"id", shString}, member{"type", shString}, member{"function", functionCall})
	toolCall.what = "a tool call (an object)"
	message := object(member{"role", shString}, member{"content", content}, member{"name", shString},
		member{"tool_calls", arrayOf("an array of tool calls", toolCall)}, member{"tool_call_id", shString},
		member{"refusal", shString}, member{"reasoning_content", shString})
	message.what = "a message (an object)"
	function := object(member{"name", shString}, member{"description", shString}, member{"parameters", shObject},
		member{"strict", shBool})
	tool := object(member{"type", shString}, member{"function", function})
	tool.what = "a tool (an object)"
	toolChoice := &shape{kinds: kString | kObject, what: `"auto", "none", "required" or an object naming a function`,
		members: []member{{"type", shString}, {"function", object(member{"name", shString})}}, check: checkToolChoice}
	jsonSchema := object(member{"name", shString}, member{"description", shString}, member{"schema", shObject}, member{"strict", shBool})
	return object(
		member{"model", shString},
		member{"messages", arrayOf("an array of messages", message)},
		member{"stream", shBool},
		member{"stream_options", object(member{"include_usage", shBool})},
		member{"temperature", shNumber},
		member{"top_p", shNumber},
		member{"n", shInteger},
		member{"stop", &shape{kinds: kString | kArray, what: "a string or an array of strings", elem: shString}},
		member{"max_tokens", shInteger},
		member{"max_completion_tokens", shInteger},
		member{"presence_penalty", shNumber},
		member{"frequency_penalty", shNumber},
		member{"logit_bias", shObject},
		member{"logprobs", shBool},
		member{"top_logprobs", shInteger},
		member{"seed", shInteger},
		member{"user", shString},
		member{"tools", arrayOf("an array of tools", tool)},
		member{"tool_choice", toolChoice},
		member{"parallel_tool_calls", shBool},
		member{"response_format", object(member{"type", shString}, member{"json_schema", jsonSchema})},
		member{"reasoning_effort", shString},
		member{"metadata", shObject},
		member{"store", shBool},
		member{"service_tier", shString},
		member{"modalities", shStrings},
		member{"audio", shObject},
		member{"prediction", shObject},
		member{"web_search_options", shObject},
		member{"functions", shArray},
		member{"function_call", &shape{kinds: kString | kObject, what: "a string or an object"}},
		member{"safety_identifier", shString},
		member{"prompt_cache_key", shString},
		member{"verbosity", shString},
	)
}()

// embeddingsShape is the body of an embeddings request, as schema.EmbeddingsRequest
// decodes it.
var embeddingsShape = object(
	member{"model", shString},
	member{"input", &shape{kinds: kString | kArray, what: "a string, an array of strings or an array of token ids", check: checkInput}},
	member{"encoding_format", shString},
	member{"dimensions", shInteger},
	member{"user", shString},
)

// modelShape is what a passthrough body is read for: its model.
var modelShape = object(member{"model", shString})

// checkToolChoice checks the mode of a tool_choice string, and that an object names its
// function, as schema.ToolChoice requires.
func checkToolChoice(v []byte, path string) *translate.Error {
	if v[0] == '"' {
		switch mode, _ := unquote(v); mode {
		case "auto", "none", "required":
			return nil
		}
		return invalidValue(path, `expected "auto", "none", "required" or an object naming a function`, v)
	}
	// The object decodes as encoding/json would: members matched case-insensitively,
	// a later one over an earlier.
	name := ""
	var buf [64]byte
	jsonx.EachMember(v, func(m jsonx.Member) bool {
		if fn := m.Value(v); strings.EqualFold(string(m.Name(v, buf[:0])), "function") {
			jsonx.EachMember(fn, func(m jsonx.Member) bool {
				if strings.EqualFold(string(m.Name(fn, buf[:0])), "name") {
					if s, ok := unquote(m.Value(fn)); ok {
						name = s
					}
				}
				return true
			})
		}
		return true
	})
	if name == "" {
		return &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "missing_required_parameter",
			Param: path + ".function.name", Message: "Missing required parameter: '" + path + ".function.name'."}
	}
	return nil
}

// checkInput checks an embeddings input array: all strings, all token ids, or all
// arrays of token ids, as schema.Input decodes them.
func checkInput(v []byte, path string) *translate.Error {
	if v[0] != '[' {
		return nil
	}
	var elem *shape
	var err *translate.Error
	i := 0
	jsonx.EachElement(v, func(start, end int) bool {
		e := v[start:end]
		if elem == nil {
			switch e[0] {
			case 'n':
			case '"':
				elem = shString
			case '[':
				elem = arrayOf("an array of token ids", &shape{kinds: kInteger, what: "a token id (an integer)"})
			default:
				elem = &shape{kinds: kInteger, what: "a token id (an integer)"}
				if e[0] != '-' && (e[0] < '0' || e[0] > '9') {
					elem = &shape{what: "a string, a token id (an integer) or an array of token ids"}
				}
			}
		}
		if elem != nil {
			err = elem.walk(e, path+"["+strconv.Itoa(i)+"]")
		}
		i++
		return err == nil
	})
	return err
}

// walk checks the value v against s and returns the error about the first parameter
// that does not fit, path being v's own name ("" for the whole body).
func (s *shape) walk(v []byte, path string) *translate.Error {
	v = trim(v)
	if len(v) == 0 || v[0] == 'n' {
		return nil
	}
	got, k := kindOf(v)
	if s.kinds&k == 0 && !(k == kInteger && s.kinds&kNumber != 0) {
		return invalidType(path, s.what, got)
	}
	switch k {
	case kInteger, kNumber:
		if s.kinds&kNumber != 0 {
			if _, err := strconv.ParseFloat(string(v), 64); err != nil {
				return invalidValue(path, "expected a number within the range of a 64-bit float", v)
			}
			break
		}
		if _, err := strconv.ParseInt(string(v), 10, 64); err != nil {
			return invalidValue(path, "expected an integer within the range of a 64-bit integer", v)
		}
	case kObject:
		if len(s.members) == 0 {
			break
		}
		var err *translate.Error
		var buf [64]byte
		jsonx.EachMember(v, func(m jsonx.Member) bool {
			if ms := s.member(m.Name(v, buf[:0])); ms != nil {
				err = ms.shape.walk(m.Value(v), join(path, ms.name))
			}
			return err == nil
		})
		if err != nil {
			return err
		}
	case kArray:
		if s.elem == nil {
			break
		}
		var err *translate.Error
		i := 0
		jsonx.EachElement(v, func(start, end int) bool {
			err = s.elem.walk(v[start:end], path+"["+strconv.Itoa(i)+"]")
			i++
			return err == nil
		})
		if err != nil {
			return err
		}
	}
	if s.check != nil {
		return s.check(v, path)
	}
	return nil
}

// member finds the member named name the way encoding/json matches a struct field: by
// its exact name, else case-insensitively.
func (s *shape) member(name []byte) *member {
	for i := range s.members {
		if s.members[i].name == string(name) {
			return &s.members[i]
		}
	}
	for i := range s.members {
		if strings.EqualFold(s.members[i].name, string(name)) {
			return &s.members[i]
		}
	}
	return nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func trim(v []byte) []byte {
	i := jsonx.SkipWS(v, 0)
	j := len(v)
	for j > i && (v[j-1] == ' ' || v[j-1] == '\t' || v[j-1] == '\n' || v[j-1] == '\r') {
		j--
	}
	return v[i:j]
}

// kindOf returns the kind of the JSON value v (not null) and its name in messages.
func kindOf(v []byte) (string, kind) {
	switch v[0] {
	case '"':
		return "a string", kString
	case '{':
		return "an object", kObject
	case '[':
		return "an array", kArray
	case 't', 'f':
		return "a boolean", kBool
	}
	for _, c := range v {
		if c == '.' || c == 'e' || c == 'E' {
			return "a decimal", kNumber
		}
	}
	return "an integer", kInteger
}

func unquote(v []byte) (string, bool) {
	if !jsonx.IsString(v) {
		return "", false
	}
	b, ok := jsonx.AppendUnquoted(nil, v)
	return string(b), ok
}

// invalidType is OpenAI's error for a parameter of the wrong JSON type.
func invalidType(path, what, got string) *translate.Error {
	if path == "" {
		return &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "invalid_type",
			Message: "The request body must be a JSON object, but got " + got + " instead."}
	}
	return &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "invalid_type", Param: path,
		Message: "Invalid type for '" + path + "': expected " + what + ", but got " + got + " instead."}
}

// invalidValue is the error for a value of the right type that cannot be taken.
func invalidValue(path, expected string, v []byte) *translate.Error {
	if len(v) > 64 {
		v = append(v[:61:61], "..."...)
	}
	return &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "invalid_value", Param: path,
		Message: "Invalid value for '" + path + "': " + expected + ", but got " + string(v) + " instead."}
}

// caseVariant refuses a top-level member whose name is a known parameter's in another
// case ("MODEL"). encoding/json would take it for the parameter, while the provider, which
// gets the body as the client wrote it, would not: {"MODEL":"o1-pro","model":"cheap"}
// must not be checked as one model and run as another. OpenAI's parameter names are
// case-sensitive; so is Franca.
func (s *shape) caseVariant(body []byte) *translate.Error {
	if len(s.members) == 0 {
		return nil
	}
	var bad string
	var scratch [64]byte
	jsonx.EachMember(body, func(m jsonx.Member) bool {
		name := m.Name(body, scratch[:0])
		for i := range s.members {
			known := s.members[i].name
			if string(name) != known && strings.EqualFold(string(name), known) {
				bad = string(name)
				return false
			}
		}
		return true
	})
	if bad == "" {
		return nil
	}
	return &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "unknown_parameter", Param: bad,
		Message: "Unrecognized request argument supplied: " + bad + " (parameter names are case-sensitive)"}
}
