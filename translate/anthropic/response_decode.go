package anthropic

import (
	"github.com/franca-gw/franca/translate/jsonx"
)

// Member names of the types decodeMessage reads, as their json tags spell them
// (TestDecodeMessageFields keeps them in step).
var (
	messageMembers = [...]string{"type", "id", "model", "content", "stop_reason", "usage", "error"}
	blockMembers   = [...]string{"type", "text", "id", "name", "input", "thinking"}
	tokenMembers   = [...]string{"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}
	errorMembers   = [...]string{"type", "message"}
)

// decodeMessage reads a message in one pass, without reflection. It returns false,
// leaving m zero, for anything it does not decode exactly as json.Unmarshal would (see
// jsonx.Decoder); Response then falls back to json.Unmarshal. FuzzDecodeMessage checks
// the two agree.
func decodeMessage(body []byte, m *message) bool {
	*m = message{}
	ok := jsonx.Decode(body, func(d *jsonx.Decoder) bool {
		return d.Peek() == '{' && d.Object(messageMembers[:], func(i int) bool {
			switch messageMembers[i] {
			case "type":
				return d.Str(&m.Type)
			case "id":
				return d.Str(&m.ID)
			case "model":
				return d.Str(&m.Model)
			case "content":
				return decodeBlocks(d, m)
			case "stop_reason":
				return d.Str(&m.StopReason)
			case "usage":
				return decodeTokens(d, &m.Usage)
			case "error":
				if d.Null() {
					return true
				}
				e := new(errorObject)
				m.Error = e
				return d.Object(errorMembers[:], func(i int) bool {
					if i == 0 {
						return d.Str(&e.Type)
					}
					return d.Str(&e.Message)
				})
			}
			return false
		})
	})
	if !ok {
		*m = message{}
	}
	return ok
}

func decodeBlocks(d *jsonx.Decoder, m *message) bool {
	if d.Null() {
		return true
	}
	out := make([]contentBlock, 0, 2)
	ok := d.Array(func() bool {
		out = append(out, contentBlock{})
		c := &out[len(out)-1]
		if d.Null() {
			return true
		}
		return d.Object(blockMembers[:], func(i int) bool {
			switch blockMembers[i] {
			case "type":
				return d.Str(&c.Type)
			case "text":
				return d.Str(&c.Text)
			case "id":
				return d.Str(&c.ID)
			case "name":
				return d.Str(&c.Name)
			case "input":
				v, ok := d.Raw()
				c.Input = v
				return ok
			case "thinking":
				return d.Str(&c.Thinking)
			}
			return false
		})
	})
	m.Content = out
	return ok
}

func decodeTokens(d *jsonx.Decoder, k *tokens) bool {
	if d.Null() {
		return true
	}
	return d.Object(tokenMembers[:], func(i int) bool {
		switch tokenMembers[i] {
		case "input_tokens":
			return d.Int(&k.InputTokens)
		case "output_tokens":
			return d.Int(&k.OutputTokens)
		case "cache_creation_input_tokens":
			return d.Int(&k.CacheCreationInputTokens)
		case "cache_read_input_tokens":
			return d.Int(&k.CacheReadInputTokens)
		}
		return false
	})
}
