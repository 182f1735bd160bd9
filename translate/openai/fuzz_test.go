package openai

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/franca-gw/franca/internal/fake/openaifake"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/event"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/openaisse"
	"github.com/franca-gw/franca/translate/schema"
)

var fuzzFamilies = []string{"openai", "azure", "mistral", "zhipu", "groq", "moonshot", "deepseek", "qwen", "ollama"}

// FuzzRequest translates any request the gateway could decode, for several
// families: it must not panic, and a body it builds must be a JSON object whose
// model is the target's.
func FuzzRequest(f *testing.F) {
	f.Add([]byte(body2KB(`,"seed":1,"user":"u","max_completion_tokens":3`)), uint8(2))
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":false}}`), uint8(0))
	f.Add([]byte(`{"model":"m","messages":[],"tool_choice":"required","tools":[{"type":"function","function":{"name":"f"}}],"stream_options":null,"stream":true}`), uint8(2))
	f.Add([]byte(`{"mod\u0065l":"m","messages":[{"role":"user","name":"x","content":[{"type":"image_url","image_url":{"url":"u"}}]}]}`), uint8(5))
	f.Fuzz(func(t *testing.T, raw []byte, which uint8) {
		var req schema.ChatRequest
		if json.Unmarshal(raw, &req) != nil {
			return
		}
		tr := translatorFor(t, fuzzFamilies[int(which)%len(fuzzFamilies)])
		tg := &translate.Target{Model: "up\"stream", BaseURL: "http://h/v1"}
		got, err := tr.Request(&req, raw, tg)
		if err != nil {
			if _, ok := err.(*translate.Error); !ok {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		var out map[string]json.RawMessage
		if json.Unmarshal(got.Body, &out) != nil || out == nil {
			t.Fatalf("body is not a JSON object: %q (from %q)", got.Body, raw)
		}
		var model string
		if json.Unmarshal(out["model"], &model) != nil || model != tg.Model {
			t.Fatalf("model %s in %q", out["model"], got.Body)
		}
	})
}

// FuzzStream feeds any bytes, cut anywhere, to the transcoder: it must not panic,
// and the output must not depend on where the input was cut.
func FuzzStream(f *testing.F) {
	for _, s := range []string{openaifake.StreamTextUsage, openaifake.StreamToolCalls, openaifake.StreamMoonshot,
		openaifake.StreamGroq, openaifake.StreamAzure, openaifake.StreamOpenRouterError, openaifake.StreamMidError} {
		f.Add([]byte(s), uint16(100), false)
		f.Add([]byte(s), uint16(7), true)
	}
	f.Add([]byte("data: {\"usage\":{\"a\":1},\"choices\":[]}\r\n\r\ndata: [DONE]"), uint16(3), false)
	f.Fuzz(func(t *testing.T, in []byte, cut uint16, includeUsage bool) {
		req := &schema.ChatRequest{Stream: true}
		if includeUsage {
			req.StreamOptions = &schema.StreamOptions{IncludeUsage: true}
		}
		tr := mustNew(t, "")
		// The split run has a filter, so that the typed events are read out of every
		// chunk too: that must change nothing the client gets.
		look := event.FilterFunc(func(e *event.Event, next event.Sink) error {
			e.AppendText(nil)
			return next.Event(e)
		})
		typed := false
		run := func(pieces ...[]byte) ([]byte, error) {
			var s translate.Stream = tr.Stream(req, &translate.Target{})
			if typed {
				s = openaisse.NewStream(tr.StreamDecoder(req, &translate.Target{}), includeUsage, look)
			}
			var out []byte
			for _, p := range pieces {
				var err error
				if out, err = s.Feed(out, append([]byte(nil), p...)); err != nil {
					return out, err
				}
			}
			out, err := s.End(out)
			s.Usage()
			return out, err
		}
		whole, err1 := run(in)
		i := int(cut) % (len(in) + 1)
		typed = true
		split, err2 := run(in[:i], in[i:])
		if !bytes.Equal(whole, split) || (err1 == nil) != (err2 == nil) {
			t.Fatalf("cut at %d changed the output:\n%q\n%q", i, whole, split)
		}
	})
}

// FuzzError maps any error body: no panic, and the result is OpenAI's shape.
func FuzzError(f *testing.F) {
	for _, b := range []string{openaifake.ErrInvalidKey, openaifake.ErrZhipu, openaifake.ErrMistralValidation,
		openaifake.ErrFastAPIList, openaifake.ErrVLLM, openaifake.ErrString, "<html>", ""} {
		f.Add(401, []byte(b))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := mapError(status, translate.Headers{{Name: "retry-after-ms", Value: string(body)}}, body)
		var v struct {
			Error struct {
				Message *string `json:"message"`
				Type    *string `json:"type"`
			} `json:"error"`
		}
		if json.Unmarshal(e.JSON(), &v) != nil || v.Error.Message == nil || *v.Error.Message == "" || v.Error.Type == nil {
			t.Fatalf("bad error JSON %s", e.JSON())
		}
	})
}

// FuzzSetMember edits any JSON object: the result is valid JSON with the new model,
// and malformed input is refused rather than mangled.
func FuzzSetMember(f *testing.F) {
	f.Add([]byte(`{"model":"x","a":{"model":"y"}}`), "m")
	f.Add([]byte(`{}`), "m\n\"")
	f.Add([]byte(` {"a":[1,{"b":"\\\""}], "model" : null } `), "é")
	f.Fuzz(func(t *testing.T, body []byte, model string) {
		got, err := setMember(body, "model", jsonx.AppendString(nil, model))
		var in map[string]json.RawMessage
		validObject := json.Unmarshal(body, &in) == nil && in != nil
		if err != nil {
			if validObject {
				t.Fatalf("refused valid object %q: %v", body, err)
			}
			return
		}
		var out map[string]json.RawMessage
		if json.Unmarshal(got, &out) != nil {
			if validObject {
				t.Fatalf("invalid result %q from %q", got, body)
			}
			return
		}
		var m string
		if validObject && (json.Unmarshal(out["model"], &m) != nil || (utf8.ValidString(model) && m != model)) {
			t.Fatalf("model %s, want %q (from %q)", out["model"], model, body)
		}
	})
}
