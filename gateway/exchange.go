package gateway

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/franca-gw/franca/gateway/keypool"
	"github.com/franca-gw/franca/gateway/store"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/event"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/openaisse"
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
	// Policy names the policy instance that answered the request itself (a refusal, a
	// reply of its own), or is "".
	Policy string

	g          *Gateway
	route      *route
	tried      []*keypool.Key // keys tried so far, in order
	forbidden  []*provider    // providers that refused the request itself (403)
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
	records    []AttemptRecord
	recordBuf  [1]AttemptRecord // room for the usual single attempt's record
	// The admit phase's state while a policy waits for store operations.
	call    *Call
	pending []store.Op
	asking  int // the index of the policy that asked

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

	code string // the error code of an error reply Franca made, for the record
}

func (x *Exchange) fail(e *translate.Error) *Exchange {
	x.Reply = errorReply(e)
	return x
}

// Broken reports whether the answer was a stream that ended in an error event (the
// provider's own, one Franca could not read, or a broken upstream connection) instead
// of "[DONE]".
func (x *Exchange) Broken() bool {
	if len(x.records) == 0 {
		return false
	}
	switch x.records[len(x.records)-1].Outcome {
	case OutcomeStreamError, OutcomeMalformed, OutcomeStreamCut:
		return x.records[len(x.records)-1].Status == 200
	}
	return false
}

// Usage returns the tokens the upstream reported for the last successful attempt, or nil.
func (x *Exchange) Usage() *schema.Usage { return x.usage }

// Next returns the next attempt: a key of the model's targets picked by priority and
// strategy, never one that is resting, translated for its provider. It returns nil when
// no attempt is left (the attempts or the deadline are used up, or no key may be used);
// the exchange's Reply then holds the answer for the client: the 400 of a target that
// refuses the request (whatever state its keys are in), the last upstream error, or
// the answer for keys that all rest (see exhausted), with the moment the first comes back.
func (x *Exchange) Next() *Attempt {
	if x.pending != nil {
		x.unresumed()
	}
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
		a.status = a.Reply.Status
		a.finish(a.local)
	}
	return a
}

// mockReply makes the mock provider's answer the attempt's reply, and its outcome what
// the key pool learns: the mock's status and header, so that a simulated 429 rests the
// key exactly as long as its Retry-After and x-ratelimit-* fields say, as a real one
// would. A simulated rejection of the key (401, 403) reaches the client as a real one
// does, as the 502 upstream_authentication_failed, but is this request's alone: the key
// is not marked invalid, or one "mock:error 401" would turn every mock model away for
// the invalid-key cooldown (an hour by default), reloads included.
func (a *Attempt) mockReply(status int, h translate.Headers, body []byte, usage *schema.Usage) {
	a.Reply = &Reply{Status: status, Header: h, Body: body}
	a.local = keypool.Outcome{Status: status, Header: h}
	if status < 300 {
		a.x.usage = usage
		return
	}
	e, rejected := a.upstreamError(status, h, body)
	a.code = e.Code
	if rejected {
		a.Reply = errorReply(e)
		a.local.Status = 400 // the request asked for it; the key is fine
	}
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
	// FirstByteTimeout, when not 0, bounds the wait for the upstream's response header
	// from the moment the request is sent (after Delay): with no header by then, the
	// adapter abandons the attempt and reports it with NoFirstByte. Once the header has
	// come, only Timeout applies. It is the provider's first_byte_timeout.
	FirstByteTimeout time.Duration
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
	// local is what a local Reply (the mock's) tells the key pool.
	local keypool.Outcome

	// For the attempt's record: the provider's status, how the attempt ended when the
	// adapter said more than a status, what went wrong, and the stream.
	status  int
	outcome Outcome
	code    string
	err     string
	stream  *usageStream
	rec     AttemptRecord
	// abandoned is set when the attempt was given up unsent.
	abandoned bool
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
	o.Model = a.Model
	// A key's failure counts once per client request towards its circuit breaker.
	o.Repeat = a.x.triedBefore(a.key)
	a.x.g.pool.Done(a.key, o, now)
	a.record(o)
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
	a := &Attempt{Provider: p.name, Model: t.model, Timeout: p.timeout, FirstByteTimeout: p.firstByte, x: x, p: p, key: pk}
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
	switch x.Endpoint {
	case EndpointChat:
		req, raw := x.chat, x.raw
		if t.params != nil {
			var err error
			if req, raw, err = override(x.raw, t.params, req); err != nil {
				return asError(err)
			}
		}
		a.mockReply(t.provider.mock.Chat(req, raw, t.model, x.created))
	case EndpointEmbeddings:
		a.mockReply(t.provider.mock.Embeddings(x.embeddings, x.raw, t.model))
	default:
		return unsupportedEndpoint(x, t.provider)
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
	if e := decodeBody(b, out, chatShape); e != nil {
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
// target may not share (rate limit, overload, server error, rejected upstream credential;
// a 403, which the provider's other keys would share, only when another provider serves
// the model):
// the adapter should call Next and try again, and send reply only if Next returns nil.
func (a *Attempt) Response(status int, h translate.HeaderGetter, body []byte) (reply *Reply, retry bool) {
	if a.header == nil {
		a.ResponseHeader(h)
	}
	a.status = status
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
			a.failWith(r)
			a.outcome, a.err = OutcomeMalformed, err.Error()
			a.finish(keypool.Outcome{Status: 502, Header: h})
			return r, true
		}
		a.x.usage = usage
		a.finish(keypool.Outcome{Status: status, Header: h})
		return jsonReply(status, out), false
	}
	e, rejected := a.upstreamError(status, h, body)
	r := errorReply(e)
	a.failWith(r)
	a.err = e.Message
	outcome := status
	switch {
	case rejected:
		outcome = 401 // whatever status said so (Gemini's 400 API_KEY_INVALID)
	case status == 403 || e.Status == 403:
		// The provider refused this request, not the key: its other keys would refuse it
		// too, so none is tried; another provider may serve it.
		outcome = 403
		a.x.forbidden = append(a.x.forbidden, a.p)
	}
	a.finish(keypool.Outcome{Status: outcome, Header: h, RetryAfter: e.RetryAfter})
	if outcome == 403 {
		return r, a.x.otherProvider()
	}
	// The translated status counts too: Gemini answers a bad key with a 400 that its
	// translator maps to 401, a failure another target's credential may not share.
	return r, retryable(status) || retryable(e.Status)
}

// otherProvider reports whether a target of the exchange is served by a provider that
// has not refused the request.
func (x *Exchange) otherProvider() bool {
	for _, t := range x.route.targets {
		if !slices.Contains(x.forbidden, t.provider) {
			return true
		}
	}
	return false
}

// upstreamError maps a provider's error reply. rejected reports that the provider said
// the key itself is invalid, expired or revoked (a 401, or a status the translator maps
// to 401: Gemini's 400 API_KEY_INVALID), so that the key pool marks the key invalid. A
// rejected upstream credential is Franca's problem, not the client's: it becomes a 502
// rather than a 401 the client would take for its own key. A 403 is the provider refusing
// this request (a project without access to the model, a region it does not serve), not
// the key: the client gets a 403 that says the provider refused it, with the provider's
// code, or upstream_permission_denied.
func (a *Attempt) upstreamError(status int, h translate.HeaderGetter, body []byte) (e *translate.Error, rejected bool) {
	e = a.p.errors.Error(status, h, body)
	// A provider may quote the credential it rejected; it must not reach the client.
	if k := a.secret; len(k) >= 4 && strings.Contains(e.Message, k) {
		e.Message = strings.ReplaceAll(e.Message, k, "[redacted]")
	}
	switch {
	case status == 401 || e.Status == 401:
		return &translate.Error{Status: 502, Type: translate.TypeServer, Code: "upstream_authentication_failed",
			Message: "provider " + strconv.Quote(a.Provider) + " rejected Franca's credential " + strconv.Quote(a.KeyID) + ": " + e.Message}, true
	case (status == 403 || e.Status == 403) && !a.Raw:
		code := e.Code
		if code == "" {
			code = "upstream_permission_denied"
		}
		return &translate.Error{Status: 403, Type: translate.TypePermission, Code: code,
			Message: "provider " + strconv.Quote(a.Provider) + " refused the request: " + e.Message}, false
	}
	return e, false
}

// retryable reports whether another target might succeed where this status failed.
func retryable(status int) bool {
	return status == 401 || status == 403 || status == 408 || status == 429 || status >= 500
}

// Failed maps a transport failure (connection refused, reset, timeout) before any answer
// arrived. The adapter should call Next and send the reply only if Next returns nil.
// After a stream began, a failure is the stream breaking off (StreamCut).
func (a *Attempt) Failed(err error) *Reply {
	r := errorReply(&translate.Error{Status: 502, Type: translate.TypeServer, Code: "upstream_unreachable",
		Message: "provider " + strconv.Quote(a.Provider) + " could not be reached: " + err.Error()})
	if a.stream != nil {
		a.StreamCut(err)
		return r
	}
	a.failWith(r)
	a.err = err.Error()
	a.finish(keypool.Outcome{Status: 0})
	return r
}

// NoFirstByte reports that the upstream sent no response header within FirstByteTimeout
// and the adapter gave the attempt up. It counts as a failure of the key, like a
// connection error; the adapter should call Next and send the reply (a 504
// upstream_timeout) only if Next returns nil.
func (a *Attempt) NoFirstByte() *Reply {
	r := errorReply(&translate.Error{Status: 504, Type: translate.TypeServer, Code: "upstream_timeout",
		Message: "provider " + strconv.Quote(a.Provider) + " sent no response within " + a.FirstByteTimeout.String() + " (its first_byte_timeout)"})
	a.failWith(r)
	a.outcome, a.err = OutcomeTimeout, "no response header within the first_byte_timeout of "+a.FirstByteTimeout.String()
	a.finish(keypool.Outcome{Status: 0})
	return r
}

// Stream returns the transcoder for a successful streamed answer, or nil for a raw
// passthrough, whose bytes go to the client as they come. filters are stream filters
// that run, in order, between the provider's decoder and the OpenAI encoder
// (docs/architecture.md); none is configured yet, so the adapters pass none. Every
// provider family's translator is an event.Source; one that is not streams unfiltered.
func (a *Attempt) Stream(filters ...event.Filter) translate.Stream {
	if a.Raw {
		return nil
	}
	var s translate.Stream
	if src, ok := a.p.chat.(event.Source); ok && len(filters) > 0 {
		s = openaisse.NewStream(src.StreamDecoder(a.x.chat, &a.target), a.x.chat.IncludeUsage(), filters...)
	} else {
		s = a.p.chat.Stream(a.x.chat, &a.target)
	}
	a.stream = &usageStream{Stream: s, a: a}
	a.status = 200
	return a.stream
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

// Feed passes the bytes on; when the transcoder gives up on the stream (an event over
// the SSE reader's bound, say), the stream is broken: the usage seen so far is kept and
// the key's outcome is a broken stream, as for one that breaks off. The adapter ends
// the stream with StreamError.
func (s *usageStream) Feed(dst, p []byte) ([]byte, error) {
	out, err := s.Stream.Feed(dst, p)
	if err != nil {
		// A stream Franca cannot read (or an event over the reader's bound): a failure
		// of the key, with the usage seen so far.
		s.a.end(OutcomeMalformed, 0, err)
	}
	return out, err
}

func (s *usageStream) End(dst []byte) ([]byte, error) {
	out, err := s.Stream.End(dst)
	s.a.x.usage = s.Stream.Usage()
	status := 200
	if f, ok := s.Stream.(translate.Failer); ok && f.Failed() {
		status = 0
		s.a.outcome, s.a.err = OutcomeStreamError, "the provider ended the stream with an error event"
	} else if err != nil {
		status = 0
		s.a.outcome, s.a.err = OutcomeStreamCut, err.Error()
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
	return &Reply{Status: e.Status, Header: h, Body: e.JSON(), code: e.Code}
}

// ErrorReply returns the reply for e, for adapters that fail before Handle (an unreadable
// or oversized body).
func ErrorReply(e *translate.Error) *Reply { return errorReply(e) }
