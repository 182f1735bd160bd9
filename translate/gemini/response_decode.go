package gemini

import (
	"github.com/franca-gw/franca/translate/jsonx"
)

// Member names of the types decodeResponse reads, as their json tags spell them
// (TestDecodeResponseFields keeps them in step).
var (
	responseMembers  = [...]string{"candidates", "promptFeedback", "usageMetadata", "modelVersion", "responseId"}
	candidateMembers = [...]string{"content", "finishReason", "index", "logprobsResult"}
	contentMembers   = [...]string{"parts"}
	partMembers      = [...]string{"text", "thought", "thoughtSignature", "functionCall"}
	callMembers      = [...]string{"id", "name", "args"}
	feedbackMembers  = [...]string{"blockReason"}
	usageMembers     = [...]string{"promptTokenCount", "candidatesTokenCount", "totalTokenCount", "cachedContentTokenCount", "thoughtsTokenCount"}
)

// decodeResponse reads a GenerateContentResponse in one pass, without reflection. It
// returns false, leaving r zero, for anything it does not decode exactly as
// json.Unmarshal would (see jsonx.Decoder); Response then falls back to json.Unmarshal.
// FuzzDecodeResponse checks the two agree.
func decodeResponse(body []byte, r *genResponse) bool {
	*r = genResponse{}
	ok := jsonx.Decode(body, func(d *jsonx.Decoder) bool {
		return d.Peek() == '{' && d.Object(responseMembers[:], func(i int) bool {
			switch responseMembers[i] {
			case "candidates":
				return decodeCandidates(d, &r.Candidates)
			case "promptFeedback":
				if d.Null() {
					return true
				}
				f := new(promptFeedback)
				r.PromptFeedback = f
				return d.Object(feedbackMembers[:], func(int) bool { return d.Str(&f.BlockReason) })
			case "usageMetadata":
				if d.Null() {
					return true
				}
				u := new(usageMeta)
				r.UsageMetadata = u
				return decodeUsage(d, u)
			case "modelVersion":
				return d.Str(&r.ModelVersion)
			case "responseId":
				return d.Str(&r.ResponseID)
			}
			return false
		})
	})
	if !ok {
		*r = genResponse{}
	}
	return ok
}

func decodeCandidates(d *jsonx.Decoder, dst *[]candidate) bool {
	if d.Null() {
		return true
	}
	out := make([]candidate, 0, 1)
	ok := d.Array(func() bool {
		out = append(out, candidate{})
		c := &out[len(out)-1]
		if d.Null() {
			return true
		}
		return d.Object(candidateMembers[:], func(i int) bool {
			switch candidateMembers[i] {
			case "content":
				if d.Null() {
					return true
				}
				return d.Object(contentMembers[:], func(int) bool { return decodeParts(d, &c.Content.Parts) })
			case "finishReason":
				return d.Str(&c.FinishReason)
			case "index":
				return d.IntPtr(&c.Index)
			case "logprobsResult":
				v, ok := d.Raw()
				c.LogprobsResult = v
				return ok
			}
			return false
		})
	})
	*dst = out
	return ok
}

func decodeParts(d *jsonx.Decoder, dst *[]part) bool {
	if d.Null() {
		return true
	}
	out := make([]part, 0, 2)
	ok := d.Array(func() bool {
		out = append(out, part{})
		p := &out[len(out)-1]
		if d.Null() {
			return true
		}
		return d.Object(partMembers[:], func(i int) bool {
			switch partMembers[i] {
			case "text":
				return d.StrPtr(&p.Text)
			case "thought":
				return d.Bool(&p.Thought)
			case "thoughtSignature":
				return d.Str(&p.ThoughtSignature)
			case "functionCall":
				if d.Null() {
					return true
				}
				fc := new(functionCall)
				p.FunctionCall = fc
				return d.Object(callMembers[:], func(i int) bool {
					switch callMembers[i] {
					case "id":
						return d.Str(&fc.ID)
					case "name":
						return d.Str(&fc.Name)
					}
					v, ok := d.Raw()
					fc.Args = v
					return ok
				})
			}
			return false
		})
	})
	*dst = out
	return ok
}

func decodeUsage(d *jsonx.Decoder, u *usageMeta) bool {
	return d.Object(usageMembers[:], func(i int) bool {
		switch usageMembers[i] {
		case "promptTokenCount":
			return d.Int(&u.PromptTokenCount)
		case "candidatesTokenCount":
			return d.Int(&u.CandidatesTokenCount)
		case "totalTokenCount":
			return d.Int(&u.TotalTokenCount)
		case "cachedContentTokenCount":
			return d.Int(&u.CachedContentTokenCount)
		case "thoughtsTokenCount":
			return d.Int(&u.ThoughtsTokenCount)
		}
		return false
	})
}
