package gateway

import (
	"errors"
	"strconv"
	"time"

	"github.com/franca-gw/franca/gateway/keypool"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

// The attempt runtime: adapters report what happened on the wire — response headers,
// a whole body, a stream's end, a transport failure, a timeout, the client leaving — and
// the attempt classifies it, tells the key pool, keeps the usage seen so far and writes
// one AttemptRecord. The exchange gathers them into one Record per request, the single
// source of the adapters' log lines (and of the ledger, metrics and spans to come), so
// that Caddy and Envoy account the same event the same way.

// Outcome is how an attempt, or a whole request, ended.
type Outcome string

// Outcomes.
const (
	// OutcomeOK: a complete answer (2xx), or a stream that reached its end.
	OutcomeOK Outcome = "ok"
	// OutcomeRefused: Franca answered the request itself without any upstream attempt
	// (authentication, validation, a policy, no usable key). Requests only.
	OutcomeRefused Outcome = "refused"
	// OutcomeUpstreamError: the provider answered with an error status.
	OutcomeUpstreamError Outcome = "upstream_error"
	// OutcomeUnreachable: no answer came (connection refused or reset before the
	// answer began).
	OutcomeUnreachable Outcome = "unreachable"
	// OutcomeTimeout: the provider did not answer, or not completely, in time.
	OutcomeTimeout Outcome = "timeout"
	// OutcomeMalformed: an answer, or a stream, Franca could not read.
	OutcomeMalformed Outcome = "malformed"
	// OutcomeStreamError: the provider ended its stream with an error event of its own.
	OutcomeStreamError Outcome = "stream_error"
	// OutcomeStreamCut: the stream broke off: the connection was lost, or the body
	// ended before the stream's end.
	OutcomeStreamCut Outcome = "stream_cut"
	// OutcomeClientGone: the client went away before the answer was complete. It says
	// nothing about the provider: the key is not charged with a failure.
	OutcomeClientGone Outcome = "client_gone"
)

// failed reports whether the outcome counts as a failure of the upstream key.
func (o Outcome) failed() bool {
	switch o {
	case OutcomeUnreachable, OutcomeTimeout, OutcomeMalformed, OutcomeStreamCut, OutcomeStreamError:
		return true
	}
	return false
}

// AttemptRecord is what one upstream attempt did.
type AttemptRecord struct {
	// Provider is the provider's name.
	Provider string `json:"provider"`
	// Model is the upstream model.
	Model string `json:"upstream_model"`
	// KeyID names the upstream key (never the secret).
	KeyID string `json:"upstream_key,omitempty"`
	// Status is the provider's HTTP status; 0 when no answer came.
	Status int `json:"status"`
	// Outcome is how the attempt ended.
	Outcome Outcome `json:"outcome"`
	// Code is the error code of the reply the attempt's failure makes for the client
	// (the provider's own, or Franca's: upstream_unreachable, upstream_timeout …).
	Code string `json:"code,omitempty"`
	// Error says what went wrong, for outcomes other than ok ("" otherwise). It never
	// holds a secret.
	Error string `json:"error,omitempty"`
	// TTFB is the time from sending to the answer's first byte; 0 when unknown.
	TTFB time.Duration `json:"ttfb_ns,omitempty"`
	// Usage is what the provider reported for the attempt, up to where it ended; nil
	// when it reported nothing.
	Usage *schema.Usage `json:"usage,omitempty"`
}

// Record is the one structured account of a client request.
type Record struct {
	// Endpoint is the kind of request ("" when it failed before routing).
	Endpoint string `json:"endpoint,omitempty"`
	// KeyName is the virtual key's name ("" when authentication failed).
	KeyName string `json:"virtual_key,omitempty"`
	// Model is the public model asked for.
	Model string `json:"model,omitempty"`
	// Stream is true when the client asked for a stream.
	Stream bool `json:"stream"`
	// Status is the HTTP status the client got; 499 when it went away before any.
	Status int `json:"status"`
	// Outcome is how the request ended: refused, or the outcome of its last attempt.
	Outcome Outcome `json:"outcome"`
	// Code is the error code of the client's answer, when it was an error.
	Code string `json:"code,omitempty"`
	// Policy names the policy instance that answered the request, if one did.
	Policy string `json:"policy,omitempty"`
	// Usage is the usage of the attempt that answered; nil when none reported any.
	Usage *schema.Usage `json:"usage,omitempty"`
	// Attempts are the upstream attempts, in order.
	Attempts []AttemptRecord `json:"attempts,omitempty"`
}

// Record returns the request's record, given the HTTP status the adapter sent the
// client (499 when the client went away before any). Call it once the request is over.
func (x *Exchange) Record(status int) *Record {
	r := &Record{Endpoint: x.Endpoint, KeyName: x.KeyName, Model: x.Model, Stream: x.Stream,
		Status: status, Policy: x.Policy, Usage: x.usage, Attempts: x.records}
	switch {
	case len(x.records) > 0:
		r.Outcome = x.records[len(x.records)-1].Outcome
		if status == 499 && r.Outcome == OutcomeOK {
			r.Outcome = OutcomeClientGone
		}
	case status == 499:
		r.Outcome = OutcomeClientGone
	case status >= 200 && status < 300:
		r.Outcome = OutcomeOK // a reply Franca made itself: models, status, a policy's answer
	default:
		r.Outcome = OutcomeRefused
	}
	switch {
	case x.Reply != nil && x.Reply.Status == status:
		r.Code = x.Reply.code
	case x.lastErr != nil && x.lastErr.Status == status:
		r.Code = x.lastErr.code
	case status >= 400 && len(x.records) > 0:
		// The attempts were made through other exchanges (AddAttempt): the last one's
		// failure is the client's answer.
		r.Code = x.records[len(x.records)-1].Code
	}
	return r
}

// failWith keeps r as the reply for the client should no other attempt follow, and its
// code for the attempt's record.
func (a *Attempt) failWith(r *Reply) {
	a.x.lastErr = r
	a.code = r.code
}

// ClientGone ends the attempt because the client went away: the usage the stream
// reported so far is kept, and the key is not charged with a failure.
func (a *Attempt) ClientGone(err error) {
	a.end(OutcomeClientGone, 499, err)
}

// StreamCut ends a streamed attempt whose upstream connection broke off mid-stream: a
// failure of the key, with the usage seen so far.
func (a *Attempt) StreamCut(err error) {
	a.end(OutcomeStreamCut, 0, err)
}

// TimedOut ends an attempt that got no answer, or no complete one, in time: a failure
// of the key. It returns the reply for the client should no other attempt follow: a 504.
func (a *Attempt) TimedOut(err error) *Reply {
	if err == nil {
		err = errors.New("timed out")
	}
	r := errorReply(&translate.Error{Status: 504, Type: translate.TypeServer, Code: "upstream_timeout",
		Message: "provider " + strconv.Quote(a.Provider) + " did not answer in time: " + err.Error()})
	if !a.done {
		a.failWith(r)
	}
	a.end(OutcomeTimeout, 0, err)
	return r
}

// RawDone ends a passthrough attempt whose answer went to the client as it came; err
// is what broke the copy, or nil when the answer went through whole.
func (a *Attempt) RawDone(status int, err error) {
	if err != nil {
		a.end(OutcomeStreamCut, 0, err)
		return
	}
	a.finish(keypool.Outcome{Status: status, Header: a.header})
}

// end ends the attempt with an outcome the adapter observed after the answer began;
// poolStatus is what the key pool hears (0: a failure; 499: no verdict on the key).
func (a *Attempt) end(o Outcome, poolStatus int, err error) {
	if a.done {
		return
	}
	if a.stream != nil {
		a.x.usage = a.stream.Stream.Usage()
	}
	a.outcome = o
	if err != nil {
		a.err = err.Error()
	}
	a.finish(keypool.Outcome{Status: poolStatus, Header: a.header})
}

// Abandon ends an attempt that was never sent (the adapter chose otherwise): the key
// pool hears no verdict, and the request's record does not list it.
func (a *Attempt) Abandon() {
	a.abandoned = true
	a.finish(keypool.Outcome{Status: 499})
}

// record appends the attempt's record to its exchange; finish calls it once.
func (a *Attempt) record(o keypool.Outcome) {
	if a.abandoned {
		return
	}
	out := a.outcome
	if out == "" {
		switch s := o.Status; {
		case s >= 200 && s < 400:
			out = OutcomeOK
		case s == 499:
			out = OutcomeClientGone
		case s == 0:
			out = OutcomeUnreachable
		default:
			out = OutcomeUpstreamError
		}
	}
	r := AttemptRecord{Provider: a.Provider, Model: a.Model, KeyID: a.KeyID, Status: a.status, Outcome: out,
		Code: a.code, Error: a.err, TTFB: a.ttfb}
	if out == OutcomeOK || out == OutcomeClientGone || out.failed() {
		r.Usage = a.x.usage
	}
	a.rec = r
	if a.x.records == nil {
		a.x.records = a.x.recordBuf[:0]
	}
	a.x.records = append(a.x.records, r)
}

// Record returns the attempt's record, once the attempt has ended (ok is false before).
func (a *Attempt) Record() (r AttemptRecord, ok bool) { return a.rec, a.done }

// AddAttempt adds the record of an attempt made through another exchange of the same
// client request, for a proxy that splits a request between stages (Envoy's upstream
// filter makes the attempts of the downstream filter's request). The attempt that
// answered is the last one added; its usage becomes the request's when the exchange has
// none of its own.
func (x *Exchange) AddAttempt(r AttemptRecord) {
	if x.records == nil {
		x.records = x.recordBuf[:0]
	}
	x.records = append(x.records, r)
	if r.Usage != nil {
		x.usage = r.Usage
	}
}
