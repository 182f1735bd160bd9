package gemini

import (
	"encoding/json"
	"math"

	"github.com/franca-gw/franca/translate/jsonx"
)

// logprobsResult is a candidate's logprobsResult.
type logprobsResult struct {
	TopCandidates []struct {
		Candidates []tokenLogprob `json:"candidates"`
	} `json:"topCandidates"`
	ChosenCandidates []tokenLogprob `json:"chosenCandidates"`
}

type tokenLogprob struct {
	Token          string  `json:"token"`
	LogProbability float64 `json:"logProbability"`
}

// appendLogprobs writes OpenAI's choice logprobs object from Gemini's logprobsResult:
// one content entry per chosen token, with the top candidates at the same position.
func appendLogprobs(b []byte, r *logprobsResult) []byte {
	b = append(b, `{"content":[`...)
	for i, c := range r.ChosenCandidates {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendTokenLogprob(b, c)
		b = b[:len(b)-1]
		b = append(b, `,"top_logprobs":[`...)
		if i < len(r.TopCandidates) {
			for j, t := range r.TopCandidates[i].Candidates {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendTokenLogprob(b, t)
			}
		}
		b = append(b, "]}"...)
	}
	return append(b, `],"refusal":null}`...)
}

func appendTokenLogprob(b []byte, t tokenLogprob) []byte {
	b = append(b, `{"token":`...)
	b = jsonx.AppendString(b, t.Token)
	b = append(b, `,"logprob":`...)
	lp := t.LogProbability
	if math.IsInf(lp, 0) || math.IsNaN(lp) {
		lp = -9999
	}
	b = appendFloat(b, lp)
	b = append(b, `,"bytes":[`...)
	for i := 0; i < len(t.Token); i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonx.AppendInt(b, int(t.Token[i]))
	}
	return append(b, "]}"...)
}

// appendLogprobsJSON decodes a raw logprobsResult and writes OpenAI's logprobs, or null
// when it cannot be read.
func appendLogprobsJSON(b, raw []byte) []byte {
	var r logprobsResult
	if json.Unmarshal(raw, &r) != nil {
		return append(b, "null"...)
	}
	return appendLogprobs(b, &r)
}
