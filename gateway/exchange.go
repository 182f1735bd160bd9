package gateway

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/franca-gw/franca/gateway/keypool"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

// Exchange is one client request on its way through the gateway.
type Exchange struct {
	// Reply, when set, is the complete answer to send; no upstream call is needed.
	Reply *Reply
	// Endpoint is the kind of request: EndpointChat, EndpointEmbeddings, EndpointModels
	// or EndpointPassthrough ("" when the request failed before routing).
	Endpoint string
	// KeyName is the authenticated virtual key's name ("" when authentication failed).
	KeyName string
	// Model is the public model asked for, when the request names one.
	Model string
	// Stream is true when the client asked for a streamed answer.
	Stream bool

	g          *Gateway
	route      *route
	tried      []*keypool.Key // keys tried so far, in order
	retries    int            // retries of keys already tried, for the backoff
	deadline   time.Time      // no new attempt starts after it
	earliest   time.Time      // when the first resting key comes back
	raw        []byte
	chat       *schema.ChatRequest
	embeddings *schema.EmbeddingsRequest
	pass       *passRequest
	created    int64
	usage      *schema.Usage
	lastErr    *Reply
	broken     bool // the answer's stream ended in an error

	// trans holds the request translated for each target so far, without a credential;
	// transBuf is its room for the usual one or two targets.
	trans    []translation
	transBuf [2]translation
}

// translation is the request translated for one target of the route.
type translation struct {
	target int // index in route.targets
	req    *translate.Request
	used   bool // an attempt took req's header (and its spare room)
}

// Reply is an answer for the client.
type Reply struct {
	// Status is the HTTP status code.
	Status int
	// Header holds the fields to send, Content-Type among them.
	Header translate.Headers
	// Body is the whole body.
	Body []byte
}

func (x *Exchange) fail(e *translate.Error) *Exchange {
	x.Reply = errorReply(e)
	return x
}

// Broken reports whether the answer was a stream that ended in an error event (the
// provider's own, or a broken upstream connection) instead of "[DONE]".
func (x *Exchange) Broken() bool { return x.broken }

// Usage returns the tokens the upstream reported for the last successful attempt, or nil.
func (x *Exchange) Usage() *schema.Usage { return x.usage }

// Next returns the next attempt: a key of the model's targets picked by priority and
// strategy, never one that is resting, translated for its provider. It returns nil when
// no attempt is left (the attempts or the deadline are used up, or no key may be used);
// the exchange's Reply then holds the answer for the client: the 400 of a target that
// refuses the request (whatever state its keys are in), the last upstream error, or a
// 429 with the moment the first resting key comes back.
func (x *Exchange) Next() *Attempt {
	if x.Reply != nil || x.route == nil {
		return nil
	}
	now := x.g.now()
	if len(x.tried) > 0 && (len(x.tried) >= x.g.routing.MaxAttempts || now.After(x.deadline)) {
		x.exhausted(now)
		return nil
	}
	c, delay, err := x.pick(now, nil)
	if err != nil {
		x.Reply = errorReply(err)
		return nil
	}
	if c == nil && len(x.tried) == 0 {
		if err := x.refused(nil); err != nil {
			x.Reply = errorReply(err)
			return nil
		}
	}
	if c == nil || (len(x.tried) > 0 && now.Add(delay).After(x.deadline)) {
		if c != nil {
			x.g.pool.Done(c.Key, keypool.Outcome{Status: 499}, now)
		}
		x.exhausted(now)
		return nil
	}
	return x.start(c, delay, now)
}

// start makes the attempt for a picked candidate, whose target pick has translated.
func (x *Exchange) start(c *keypool.Candidate, delay time.Duration, now time.Time) *Attempt {
	x.tried = append(x.tried, c.Key)
	a, err := x.attempt(c.Target, c.Key, now)
	if err != nil {
		// The request cannot go to this target after all: the target, picked from a
		// group several targets share, refuses it (the client's to fix, whatever the
		// other targets could do), the mock's overrides do not fit it, or the key's
		// credential cannot be applied.
		x.g.pool.Done(c.Key, keypool.Outcome{Status: err.Status}, now)
		x.Reply = errorReply(err)
		return nil
	}
	a.Delay = delay
	a.sent = now.Add(delay)
	if a.Reply != nil {
		a.finish(keypool.Outcome{Status: a.Reply.Status})
	}
	return a
}

// Attempt is one try of an exchange against one target.
type Attempt struct {
	// Provider is the provider's name.
	Provider string
	// Model is the upstream model name.
	Model string
	// KeyID identifies the upstream key used (never the key itself).
	KeyID string
	// Upstream is the request to send. It is nil when Reply is set.
	Upstream *translate.Request
	// Reply, when set, is the answer itself (the mock provider answers locally).
	Reply *Reply
	// Raw is true when the upstream answer goes to the client unchanged (passthrough
	// endpoints): the adapter copies status, Content-Type and body as they come.
	Raw bool
	// Timeout bounds the whole upstream call, streamed body included.
	Timeout time.Duration
	// Delay is how long to wait before sending: the backoff before retrying a key
	// already tried for this request.
	Delay time.Duration

	x      *Exchange
	p      *provider
	target translate.Target
	up     translate.Request // what Upstream points to
	key    *keypool.Key
	secret string // the key's secret, to redact from upstream errors
	sent   time.Time
	header translate.HeaderGetter
	ttfb   time.Duration
	done   bool
}

// finish reports the attempt's outcome to the key pool, once.
func (a *Attempt) finish(o keypool.Outcome) {
	if a.done || a.key == nil {
		return
	}
	a.done = true
	now := a.x.g.now()
	if o.TTFB == 0 {
		o.TTFB = a.ttfb
	}
	if u := a.x.usage; u != nil && o.Status >= 200 && o.Status < 300 {
		o.Tokens = u.TotalTokens
	}
	a.x.g.pool.Done(a.key, o, now)
}

// Close ends the attempt if nothing else did: a client that went away, an adapter that
// gave up. It is safe to call more than once and after Response, Failed or a stream's End;
// adapters defer it.
func (a *Attempt) Close() { a.finish(keypool.Outcome{Status: 499}) }

// ResponseHeader tells the attempt the upstream reply's status line has arrived with
// these header fields, before the body: it measures the time to first byte and keeps
// the provider's rate-limit fields for when the attempt ends.
func (a *Attempt) ResponseHeader(h translate.HeaderGetter) {
	a.header = h
	if !a.sent.IsZero() {
		a.ttfb = a.x.g.now().Sub(a.sent)
	}
}

// attempt makes the attempt against target ti with the pool's key pk: the request
// translated for the target (before the key was picked), with pk's credential applied.
func (x *Exchange) attempt(ti int, pk *keypool.Key, now time.Time) (*Attempt, *translate.Error) {
	t := &x.route.targets[ti]
	p := t.provider
	a := &Attempt{Provider: p.name, Model: t.model, Timeout: p.timeout, x: x, p: p, key: pk}
	k := p.key(pk)
	if k != nil {
		a.KeyID, a.secret = k.id, k.secret
	}
	if p.mock != nil {
		return a, x.mockReply(a, t)
	}
	tr, err := x.translated(ti)
	if err != nil {
		return nil, err
	}
	a.target, a.up = x.target(ti), *tr.req
	if tr.used {
		// An earlier attempt's credential sits in the header's spare room: this one
		// gets a header of its own.
		a.up.Header = a.up.Header[:len(a.up.Header):len(a.up.Header)]
	}
	tr.used = true
	a.Raw = x.Endpoint == EndpointPassthrough
	if k != nil && k.cred != nil {
		if need := k.cred.Token(); need != "" {
			return nil, &translate.Error{Status: 500, Type: translate.TypeServer, Code: "credential_unavailable",
				Message: "provider " + strconv.Quote(p.name) + " key " + strconv.Quote(k.id) + " needs token " + strconv.Quote(need) + ", which this gateway cannot obtain"}
		}
		if err := k.cred.Apply(&a.up, "", now); err != nil {
			return nil, &translate.Error{Status: 500, Type: translate.TypeServer, Code: "credential_unavailable",
				Message: "provider " + strconv.Quote(p.name) + " key " + strconv.Quote(k.id) + ": " + err.Error()}
		}
	}
	a.Upstream = &a.up
	return a, nil
}

// mockReply answers the attempt locally, for the mock provider.
func (x *Exchange) mockReply(a *Attempt, t *target) *translate.Error {
	var status int
	var h translate.Headers
	var body []byte
	var usage *schema.Usage
	switch x.Endpoint {
	case EndpointChat:
		req := x.chat
		if t.params != nil {
			var err error
			if req, _, err = override(x.raw, t.params, req); err != nil {
				return asError(err)
			}
		}
		status, h, body, usage = t.provider.mock.Chat(req, t.model, x.created)
	case EndpointEmbeddings:
		status, h, body, usage = t.provider.mock.Embeddings(x.embeddings, t.model)
	default:
		return unsupportedEndpoint(x, t.provider)
	}
	a.Reply = &Reply{Status: status, Header: h, Body: body}
	if status < 300 {
		x.usage = usage
	}
	return nil
}

// translated returns the request translated for target ti, without a credential. It is
// built once per exchange: the keys of one target share it.
func (x *Exchange) translated(ti int) (*translation, *translate.Error) {
	for i := range x.trans {
		if x.trans[i].target == ti {
			return &x.trans[i], nil
		}
	}
	if x.trans == nil {
		x.trans = x.transBuf[:0]
	}
	t := &x.route.targets[ti]
	p := t.provider
	var err error
	var up *translate.Request
	switch x.Endpoint {
	case EndpointChat:
		req, raw := x.chat, x.raw
		if t.params != nil {
			if req, raw, err = override(raw, t.params, req); err != nil {
				break
			}
		}
		up, err = p.chat.Request(req, raw, &t.request)
	case EndpointEmbeddings:
		if p.embeddings == nil {
			err = unsupportedEndpoint(x, p)
			break
		}
		up, err = p.embeddings.EmbeddingsRequest(x.embeddings, x.raw, &t.request)
	case EndpointPassthrough:
		if p.passthrough == nil {
			err = unsupportedEndpoint(x, p)
			break
		}
		up, err = p.passthrough.Passthrough(x.pass.method, x.pass.path, x.pass.query, x.pass.header, x.raw, t.model, &t.request)
	}
	if err != nil {
		return nil, asError(err)
	}
	x.trans = append(x.trans, translation{target: ti, req: up})
	return &x.trans[len(x.trans)-1], nil
}

// target is what the translators know of target ti when they read its answer.
func (x *Exchange) target(ti int) translate.Target {
	t := x.route.targets[ti].request
	t.Created = x.created
	return t
}

// prepare translates the request, before the pool is asked for a key, for the target of
// grp whose keys are the candidates only allows (every one when only is nil), when they
// all serve one target: a request that target refuses is the client's to fix, and gets
// that answer whatever state the keys are in. A group shared by several targets is
// translated for the one its key is picked for (translating for every one would cost
// each request a translation per target); all is set to translate for every one of
// them, as the answer when no key at all may be used. The mock answers locally and is
// not prepared.
func (x *Exchange) prepare(grp *keypool.Group, only func(*keypool.Candidate) bool, all bool) *translate.Error {
	sole := -1
	for i := range grp.Candidates {
		c := &grp.Candidates[i]
		if x.route.targets[c.Target].provider.mock != nil || (only != nil && !only(c)) || c.Target == sole {
			continue
		}
		if sole >= 0 && !all {
			return nil // several targets: the pick decides which one is translated
		}
		sole = c.Target
	}
	for i := range grp.Candidates {
		c := &grp.Candidates[i]
		if x.route.targets[c.Target].provider.mock != nil || (only != nil && !only(c)) {
			continue
		}
		if _, err := x.translated(c.Target); err != nil {
			return err
		}
	}
	return nil
}

// refused returns the error of the first target, by priority, that refuses the request,
// among those only allows; nil when every target accepts it. It answers instead of the
// wait for keys when none may be used.
func (x *Exchange) refused(only func(*keypool.Candidate) bool) *translate.Error {
	for _, grp := range x.route.groups {
		if err := x.prepare(grp, only, true); err != nil {
			return err
		}
	}
	return nil
}

// unsupportedEndpoint is the 400 for a request the provider's family has no endpoint for.
func unsupportedEndpoint(x *Exchange, p *provider) *translate.Error {
	what := "embeddings"
	if x.Endpoint == EndpointPassthrough {
		what = "/v1" + x.pass.path
	}
	return &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "unsupported_endpoint", Param: "model",
		Message: "model " + strconv.Quote(x.Model) + " is served by provider type " + p.typ + ", which has no " + what + " endpoint"}
}

// override applies a target's parameter overrides to the client's body: the members the
// target sets are cut out, the target's values appended in name order, and the rest is
// kept as the client wrote it. The new body is decoded again.
func override(raw []byte, params map[string]json.RawMessage, req *schema.ChatRequest) (*schema.ChatRequest, []byte, error) {
	size := len(raw) + 2
	names := make([]string, 0, len(params))
	for k, v := range params {
		names = append(names, k)
		size += len(k) + len(v) + 4
	}
	slices.Sort(names)
	b := make([]byte, 1, size)
	b[0] = '{'
	var scratch [64]byte
	err := jsonx.EachMember(raw, func(m jsonx.Member) bool {
		if _, set := params[string(m.Name(raw, scratch[:0]))]; set {
			return true
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, raw[m.KeyStart:m.KeyEnd]...)
		b = append(b, ':')
		b = append(b, raw[m.ValueStart:m.ValueEnd]...)
		return true
	})
	if err != nil {
		// Deeper than jsonx walks (encoding/json decoded the body): the slow way.
		return overrideJSON(raw, params)
	}
	for _, k := range names {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = jsonx.AppendString(b, k)
		b = append(b, ':')
		b = append(b, params[k]...)
	}
	b = append(b, '}')
	out := new(schema.ChatRequest)
	if e := decodeChatBody(b, out); e != nil {
		return nil, nil, translate.BadRequest("", "the configured parameter overrides do not fit the request: "+e.Message)
	}
	return out, b, nil
}

// overrideJSON is override through a map of the members.
func overrideJSON(raw []byte, params map[string]json.RawMessage) (*schema.ChatRequest, []byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, nil, err
	}
	for k, v := range params {
		fields[k] = v
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return nil, nil, err
	}
	out := new(schema.ChatRequest)
	if e := decodeBody(b, out); e != nil {
		return nil, nil, translate.BadRequest("", "the configured parameter overrides do not fit the request: "+e.Message)
	}
	return out, b, nil
}

func asError(err error) *translate.Error {
	if e, ok := err.(*translate.Error); ok {
		return e
	}
	return &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Message: err.Error()}
}

// Response maps a complete upstream answer. When retry is true the failure is one another
// target may not share (rate limit, overload, server error, rejected upstream credential):
// the adapter should call Next and try again, and send reply only if Next returns nil.
func (a *Attempt) Response(status int, h translate.HeaderGetter, body []byte) (reply *Reply, retry bool) {
	if a.header == nil {
		a.ResponseHeader(h)
	}
	if status >= 200 && status < 300 {
		if a.Raw {
			a.finish(keypool.Outcome{Status: status, Header: h})
			return &Reply{Status: status, Header: contentType(h.Get("Content-Type")), Body: body}, false
		}
		var out []byte
		var usage *schema.Usage
		var err error
		switch a.x.Endpoint {
		case EndpointChat:
			out, usage, err = a.p.chat.Response(body, a.x.chat, &a.target)
		case EndpointEmbeddings:
			out, usage, err = a.p.embeddings.EmbeddingsResponse(body, a.x.embeddings, &a.target)
		}
		if err != nil {
			r := errorReply(&translate.Error{Status: 502, Type: translate.TypeServer, Code: "bad_upstream_response",
				Message: "provider " + strconv.Quote(a.Provider) + " answered with a body Franca could not read: " + err.Error()})
			a.x.lastErr = r
			a.finish(keypool.Outcome{Status: 502, Header: h})
			return r, true
		}
		a.x.usage = usage
		a.finish(keypool.Outcome{Status: status, Header: h})
		return jsonReply(status, out), false
	}
	e, rejected := a.upstreamError(status, h, body)
	r := errorReply(e)
	a.x.lastErr = r
	outcome := status
	if rejected && status != 401 && status != 403 {
		outcome = 401 // a key rejected with another status (Gemini's 400 API_KEY_INVALID)
	}
	a.finish(keypool.Outcome{Status: outcome, Header: h, RetryAfter: e.RetryAfter})
	// The translated status counts too: Gemini answers a bad key with a 400 that its
	// translator maps to 401, a failure another target's credential may not share.
	return r, retryable(status) || retryable(e.Status)
}

// upstreamError maps a provider's error reply. A rejected upstream credential is Franca's
// problem, not the client's: it becomes a 502 rather than a 401 the client would take
// for its own key. The translated status decides as well as the upstream one: Gemini
// rejects a key with 400 API_KEY_INVALID, which its translator maps to 401. rejected
// reports that the provider refused the key itself, whatever status it used, so that the
// key pool marks the key invalid.
func (a *Attempt) upstreamError(status int, h translate.HeaderGetter, body []byte) (e *translate.Error, rejected bool) {
	e = a.p.errors.Error(status, h, body)
	// A provider may quote the credential it rejected; it must not reach the client.
	if k := a.secret; len(k) >= 4 && strings.Contains(e.Message, k) {
		e.Message = strings.ReplaceAll(e.Message, k, "[redacted]")
	}
	if status == 401 || e.Status == 401 || ((status == 403 || e.Status == 403) && !a.Raw) {
		return &translate.Error{Status: 502, Type: translate.TypeServer, Code: "upstream_authentication_failed",
			Message: "provider " + strconv.Quote(a.Provider) + " rejected Franca's credential " + strconv.Quote(a.KeyID) + ": " + e.Message}, true
	}
	return e, false
}

// retryable reports whether another target might succeed where this status failed.
func retryable(status int) bool {
	return status == 401 || status == 403 || status == 408 || status == 429 || status >= 500
}

// Failed maps a transport failure (connection refused, reset, timeout) before any answer
// arrived. The adapter should call Next and send the reply only if Next returns nil.
func (a *Attempt) Failed(err error) *Reply {
	r := errorReply(&translate.Error{Status: 502, Type: translate.TypeServer, Code: "upstream_unreachable",
		Message: "provider " + strconv.Quote(a.Provider) + " could not be reached: " + err.Error()})
	a.x.lastErr = r
	a.finish(keypool.Outcome{Status: 0})
	return r
}

// Stream returns the transcoder for a successful streamed answer, or nil for a raw
// passthrough, whose bytes go to the client as they come.
func (a *Attempt) Stream() translate.Stream {
	if a.Raw {
		return nil
	}
	return &usageStream{Stream: a.p.chat.Stream(a.x.chat, &a.target), a: a}
}

// StreamError returns the event that ends a stream broken after it started, in OpenAI's
// error shape.
func (a *Attempt) StreamError(err error) []byte {
	e, ok := err.(*translate.Error)
	if !ok {
		e = &translate.Error{Status: 502, Type: translate.TypeServer, Code: "stream_interrupted",
			Message: "the stream from provider " + strconv.Quote(a.Provider) + " broke off: " + err.Error()}
	}
	return e.StreamErrorEvent()
}

// usageStream records the stream's usage on the exchange, and its outcome on the key,
// when the stream ends: a stream that breaks off counts as a failure of the key.
type usageStream struct {
	translate.Stream
	a *Attempt
}

func (s *usageStream) End(dst []byte) ([]byte, error) {
	out, err := s.Stream.End(dst)
	s.a.x.usage = s.Stream.Usage()
	status := 200
	if f, ok := s.Stream.(translate.Failer); err != nil || (ok && f.Failed()) {
		status = 0
		s.a.x.broken = true
	}
	s.a.finish(keypool.Outcome{Status: status, Header: s.a.header})
	return out, err
}

// SSEHeader is the header of a streamed chat answer.
var sseHeader = translate.Headers{{Name: "Content-Type", Value: "text/event-stream"}, {Name: "Cache-Control", Value: "no-cache"}}

// StreamHeader returns the header fields to send before a streamed chat answer.
func StreamHeader() translate.Headers { return sseHeader }

func contentType(ct string) translate.Headers {
	if ct == "" {
		return nil
	}
	return translate.Headers{{Name: "Content-Type", Value: ct}}
}

var jsonHeader = translate.Headers{{Name: "Content-Type", Value: "application/json"}}

func jsonReply(status int, body []byte) *Reply {
	return &Reply{Status: status, Header: jsonHeader, Body: body}
}

func errorReply(e *translate.Error) *Reply {
	h := jsonHeader
	if e.RetryAfter != "" {
		h = translate.Headers{jsonHeader[0], {Name: "Retry-After", Value: e.RetryAfter}}
	}
	return &Reply{Status: e.Status, Header: h, Body: e.JSON()}
}

// ErrorReply returns the reply for e, for adapters that fail before Handle (an unreadable
// or oversized body).
func ErrorReply(e *translate.Error) *Reply { return errorReply(e) }
