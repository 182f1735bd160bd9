package openai

import (
	"github.com/franca-gw/franca/translate/event"
	"github.com/franca-gw/franca/translate/jsonx"
)

// observer reads the typed events out of the chunks that the same-format path forwards
// as they are, and sends them marked Observed before the chunk. It reads each chunk with
// jsonx.Scanner and passes strings on as the literals the provider wrote, so that it
// allocates nothing. A chunk it cannot read yields no typed events; the chunk itself is
// still forwarded.
type observer struct {
	started bool   // Start sent
	key     []byte // a key written with escapes
}

// chunk sends the typed events of the chunk data through s: Start on the first chunk
// with an id, then the events of each choice.
func (o *observer) chunk(data []byte, s *stream) error {
	sc := jsonx.NewScanner(data)
	if sc.Peek() != '{' {
		return nil
	}
	var id, model, created, fp []byte
	var later jsonx.Scanner // at choices that came before the id
	hasLater := false
	sc.EnterObject()
	for {
		key, ok := sc.NextKey(&o.key)
		if !ok {
			break
		}
		switch string(key) {
		case "id":
			id = sc.Value()
		case "model":
			model = sc.Value()
		case "created":
			created = sc.Value()
		case "system_fingerprint":
			fp = sc.Value()
		case "choices":
			if !o.started && id == nil {
				later, hasLater = sc, true
				sc.Skip()
				continue
			}
			if err := o.start(id, model, created, fp, s); err != nil {
				return err
			}
			if err := o.choices(&sc, s); err != nil {
				return err
			}
		default:
			sc.Skip()
		}
	}
	if err := o.start(id, model, created, fp, s); err != nil {
		return err
	}
	if hasLater {
		return o.choices(&later, s)
	}
	return nil
}

// start sends Start, once, when id is a string. The chunk's system_fingerprint goes
// with it when it comes before the choices, as OpenAI writes it.
func (o *observer) start(id, model, created, fp []byte, s *stream) error {
	if o.started || !jsonx.IsString(id) || len(id) <= 2 {
		return nil
	}
	o.started = true
	n, _ := jsonx.Int(created)
	s.ev = event.Event{Kind: event.Start, Observed: true, ID: id, Created: int64(n), Lit: event.LitID}
	if jsonx.IsString(model) {
		s.ev.Model, s.ev.Lit = model, s.ev.Lit|event.LitModel
	}
	if jsonx.IsString(fp) {
		s.ev.Fingerprint, s.ev.Lit = fp, s.ev.Lit|event.LitFingerprint
	}
	return s.send()
}

// choices sends the events of the choices array sc is at.
func (o *observer) choices(sc *jsonx.Scanner, s *stream) error {
	if sc.Peek() != '[' {
		sc.Skip()
		return nil
	}
	sc.EnterArray()
	for sc.NextElem() {
		if err := o.choice(sc, s); err != nil {
			return err
		}
	}
	return nil
}

// choice sends the events of the choice sc is at: its delta's, then Finish.
func (o *observer) choice(sc *jsonx.Scanner, s *stream) error {
	if sc.Peek() != '{' {
		sc.Skip()
		return nil
	}
	var index, reason, logprobs []byte
	var delta jsonx.Scanner
	hasDelta := false
	sc.EnterObject()
	for {
		key, ok := sc.NextKey(&o.key)
		if !ok {
			break
		}
		switch string(key) {
		case "index":
			index = sc.Value()
		case "delta":
			delta, hasDelta = *sc, true
			sc.Skip()
		case "finish_reason":
			reason = sc.Value()
		case "logprobs":
			logprobs = sc.Value()
		default:
			sc.Skip()
		}
	}
	if !sc.OK() {
		return nil
	}
	k, _ := jsonx.Int(index)
	if string(logprobs) == "null" {
		logprobs = nil
	}
	role := false
	if hasDelta && delta.Peek() == '{' {
		var err error
		if role, logprobs, err = o.delta(&delta, k, logprobs, s); err != nil {
			return err
		}
	}
	if !jsonx.IsString(reason) {
		if role {
			s.ev = event.Event{Kind: event.Text, Observed: true, Choice: k, Role: true, Logprobs: logprobs}
			return s.send()
		}
		return nil
	}
	s.ev = event.Event{Kind: event.Finish, Observed: true, Choice: k, Role: role, Logprobs: logprobs,
		Reason: finishReasonOf(reason)}
	return s.send()
}

// delta sends the events of the delta object sc is at for choice k: text, reasoning,
// tool calls. The first event takes the role, if the delta has one, and the logprobs.
// It returns the role and the logprobs when no event took them.
func (o *observer) delta(sc *jsonx.Scanner, k int, logprobs []byte, s *stream) (bool, []byte, error) {
	role := false
	var content, reasoning, calls []byte
	sc.EnterObject()
	for {
		key, ok := sc.NextKey(&o.key)
		if !ok {
			break
		}
		switch string(key) {
		case "role":
			role = jsonx.IsString(sc.Value())
		case "content":
			content = sc.Value()
		case "reasoning_content", "reasoning":
			reasoning = sc.Value()
		case "tool_calls":
			calls = sc.Value()
		default:
			sc.Skip()
		}
	}
	if !sc.OK() {
		return false, nil, nil
	}
	send := func(e event.Event) error {
		e.Observed, e.Choice, e.Role, e.Logprobs = true, k, role, logprobs
		role, logprobs = false, nil
		s.ev = e
		return s.send()
	}
	if jsonx.IsString(reasoning) && len(reasoning) > 2 {
		if err := send(event.Event{Kind: event.Reasoning, Text: reasoning, Lit: event.LitText}); err != nil {
			return false, nil, err
		}
	}
	if jsonx.IsString(content) && (len(content) > 2 || role) {
		if err := send(event.Event{Kind: event.Text, Text: content, Lit: event.LitText}); err != nil {
			return false, nil, err
		}
	}
	if len(calls) > 0 && calls[0] == '[' {
		cs := jsonx.NewScanner(calls)
		cs.EnterArray()
		for cs.NextElem() {
			e, ok := o.toolCall(&cs)
			if !ok {
				break
			}
			if err := send(e); err != nil {
				return false, nil, err
			}
		}
	}
	return role, logprobs, nil
}

// toolCall reads the tool call element sc is at into a ToolCall event (when it has an
// id) or a ToolArgs event.
func (o *observer) toolCall(sc *jsonx.Scanner) (event.Event, bool) {
	e := event.Event{Kind: event.ToolArgs, Lit: event.LitText}
	if !sc.EnterObject() {
		return e, false
	}
	for {
		key, ok := sc.NextKey(&o.key)
		if !ok {
			break
		}
		switch string(key) {
		case "index":
			e.Tool, _ = sc.Int()
		case "id":
			if v := sc.Value(); jsonx.IsString(v) {
				e.Kind, e.ID, e.Lit = event.ToolCall, v, e.Lit|event.LitID
			}
		case "function":
			if sc.Peek() != '{' {
				sc.Skip()
				continue
			}
			sc.EnterObject()
			for {
				key, ok := sc.NextKey(&o.key)
				if !ok {
					break
				}
				switch v := sc.Value(); string(key) {
				case "name":
					if jsonx.IsString(v) {
						e.Name, e.Lit = v, e.Lit|event.LitName
					}
				case "arguments":
					if jsonx.IsString(v) {
						e.Text = v
					}
				}
			}
		default:
			sc.Skip()
		}
	}
	if e.Text == nil {
		e.Text = emptyLiteral
	}
	return e, sc.OK()
}

var emptyLiteral = []byte(`""`)

// finishReasonOf returns the finish_reason literal v as a string, without allocating
// for the reasons OpenAI defines.
func finishReasonOf(v []byte) string {
	switch string(v) {
	case `"stop"`:
		return "stop"
	case `"length"`:
		return "length"
	case `"tool_calls"`:
		return "tool_calls"
	case `"content_filter"`:
		return "content_filter"
	case `"function_call"`:
		return "function_call"
	}
	if u, ok := jsonx.AppendUnquoted(nil, v); ok {
		return string(u)
	}
	return ""
}
