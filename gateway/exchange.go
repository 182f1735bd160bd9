package gateway

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/franca-gw/franca/translate"
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

	route      *route
	next       int
	raw        []byte
	chat       *schema.ChatRequest
	embeddings *schema.EmbeddingsRequest
	pass       *passRequest
	created    int64
	usage      *schema.Usage
	lastErr    *Reply
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

// Usage returns the tokens the upstream reported for the last successful attempt, or nil.
func (x *Exchange) Usage() *schema.Usage { return x.usage }

// Next returns the next attempt: the next target of the model, translated for its
// provider. It returns nil when no target is left; the exchange's Reply then holds the
// answer for the client (the last upstream error, or why no target could be tried).
func (x *Exchange) Next() *Attempt {
	if x.Reply != nil {
		return nil
	}
	for x.route != nil && x.next < len(x.route.targets) {
		t := &x.route.targets[x.next]
		x.next++
		if t.provider.unavailable != "" {
			if x.lastErr == nil {
				x.lastErr = errorReply(&translate.Error{Status: 503, Type: translate.TypeServer, Code: "provider_unavailable",
					Message: "model " + strconv.Quote(x.Model) + ": provider " + strconv.Quote(t.provider.name) + " is unavailable: " + t.provider.unavailable})
			}
			continue
		}
		a, err := x.attempt(t)
		if err != nil {
			// The request itself cannot be translated for this provider: that is the
			// client's to fix, whatever the other targets could do.
			x.Reply = errorReply(err)
			return nil
		}
		return a
	}
	if x.lastErr != nil {
		x.Reply = x.lastErr
	} else {
		x.Reply = errorReply(&translate.Error{Status: 502, Type: translate.TypeServer, Code: "no_target",
			Message: "no target could serve model " + strconv.Quote(x.Model)})
	}
	return nil
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

	x      *Exchange
	p      *provider
	target translate.Target
}

func (x *Exchange) attempt(t *target) (*Attempt, *translate.Error) {
	p := t.provider
	a := &Attempt{Provider: p.name, Model: t.model, Timeout: p.timeout, x: x, p: p}
	a.target = translate.Target{BaseURL: p.base, Model: t.model, Header: p.header, APIVersion: p.apiVersion, Created: x.created}
	if k := p.pickKey(); k != nil {
		a.KeyID, a.target.Key = k.ID, k.Secret
	}
	var err error
	switch x.Endpoint {
	case EndpointChat:
		req, raw := x.chat, x.raw
		if t.params != nil {
			if req, raw, err = override(raw, t.params, req); err != nil {
				return nil, asError(err)
			}
		}
		if p.mock != nil {
			status, h, body, usage := p.mock.Chat(req, t.model, x.created)
			a.Reply = &Reply{Status: status, Header: h, Body: body}
			if status < 300 {
				x.usage = usage
			}
			return a, nil
		}
		a.Upstream, err = p.chat.Request(req, raw, &a.target)
	case EndpointEmbeddings:
		if p.mock != nil {
			status, h, body, usage := p.mock.Embeddings(x.embeddings, t.model)
			a.Reply = &Reply{Status: status, Header: h, Body: body}
			if status < 300 {
				x.usage = usage
			}
			return a, nil
		}
		if p.embeddings == nil {
			return nil, &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "unsupported_endpoint", Param: "model",
				Message: "model " + strconv.Quote(x.Model) + " is served by provider type " + p.typ + ", which has no embeddings endpoint"}
		}
		a.Upstream, err = p.embeddings.EmbeddingsRequest(x.embeddings, x.raw, &a.target)
	case EndpointPassthrough:
		if p.passthrough == nil {
			return nil, &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "unsupported_endpoint", Param: "model",
				Message: "model " + strconv.Quote(x.Model) + " is served by provider type " + p.typ + ", which has no /v1" + x.pass.path + " endpoint"}
		}
		a.Raw = true
		a.Upstream, err = p.passthrough.Passthrough(x.pass.method, x.pass.path, x.pass.query, x.pass.header, x.raw, t.model, &a.target)
	}
	if err != nil {
		return nil, asError(err)
	}
	return a, nil
}

// override applies a target's parameter overrides to the client's body.
func override(raw []byte, params map[string]json.RawMessage, req *schema.ChatRequest) (*schema.ChatRequest, []byte, error) {
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
	if err := json.Unmarshal(b, out); err != nil {
		return nil, nil, translate.BadRequest("", "the configured parameter overrides do not fit the request: "+err.Error())
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
	if status >= 200 && status < 300 {
		if a.Raw {
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
			return r, true
		}
		a.x.usage = usage
		return jsonReply(status, out), false
	}
	e := a.upstreamError(status, h, body)
	r := errorReply(e)
	a.x.lastErr = r
	return r, retryable(status)
}

// upstreamError maps a provider's error reply. A rejected upstream credential is Franca's
// problem, not the client's: it becomes a 502 rather than a 401 the client would take
// for its own key.
func (a *Attempt) upstreamError(status int, h translate.HeaderGetter, body []byte) *translate.Error {
	e := a.p.errors.Error(status, h, body)
	// A provider may quote the credential it rejected; it must not reach the client.
	if k := a.target.Key; len(k) >= 4 && strings.Contains(e.Message, k) {
		e.Message = strings.ReplaceAll(e.Message, k, "[redacted]")
	}
	if status == 401 || (status == 403 && !a.Raw) {
		return &translate.Error{Status: 502, Type: translate.TypeServer, Code: "upstream_authentication_failed",
			Message: "provider " + strconv.Quote(a.Provider) + " rejected Franca's credential " + strconv.Quote(a.KeyID) + ": " + e.Message}
	}
	return e
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
	return r
}

// Stream returns the transcoder for a successful streamed answer, or nil for a raw
// passthrough, whose bytes go to the client as they come.
func (a *Attempt) Stream() translate.Stream {
	if a.Raw {
		return nil
	}
	return &usageStream{Stream: a.p.chat.Stream(a.x.chat, &a.target), x: a.x}
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

// usageStream records the stream's usage on the exchange when the stream ends.
type usageStream struct {
	translate.Stream
	x *Exchange
}

func (s *usageStream) End(dst []byte) ([]byte, error) {
	out, err := s.Stream.End(dst)
	s.x.usage = s.Stream.Usage()
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
