package translate

import (
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// CheckChatParams refuses, with Unsupported, the first top-level member of raw, the
// client's chat request body, that schema.ChatRequest does not know (see
// schema.KnownChatParam) and that is not null. Decoding into ChatRequest drops such
// members, so translators that build a new body for their provider call it, and a
// parameter Franca does not know (a newer OpenAI one, or a typo) is never lost
// silently; translators that forward raw need not. A null asks for nothing and passes.
// A raw that is not an object (empty for a request built in code, or the JSON null,
// which decodes to an empty ChatRequest) has no member to refuse: the translator judges
// the decoded request.
func CheckChatParams(raw []byte, provider string) *Error {
	var unknown []byte
	found := false
	jsonx.EachMember(raw, func(m jsonx.Member) bool {
		name := m.Name(raw, nil)
		if schema.KnownChatParam(string(name)) || string(m.Value(raw)) == "null" {
			return true
		}
		unknown, found = name, true
		return false
	})
	if found {
		return Unsupported(string(unknown), provider)
	}
	return nil
}
