package main

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

	"github.com/franca-gw/franca/gateway"
)

// Ending the attempts Envoy abandons.
//
// Every upstream attempt counts a request in flight on its key (and a half-open key lets
// one probe through at a time), so the key pool must hear how each attempt ended. The
// upstream filter reports the outcome when the answer is complete. An attempt Envoy gives
// up on before that never says so to the filter: a per-try timeout, a reset or a failed
// connection followed by a retry, or the client going away. And Envoy does not call
// proxy_on_log for upstream filters, the call the SDK turns into OnHttpStreamDone.
//
// So the downstream filter names each request it forwards (headerRequest), and the VM
// keeps, per request, the attempt still waiting for its outcome and the keys tried. All
// attempts of one request run on the worker thread of its downstream stream, that is in
// one VM. An open attempt is ended:
//
//   - as failed (the breaker counts it) when the next attempt of its request starts:
//     Envoy only retries an attempt that got no answer the filter could see whole;
//   - when its request's downstream stream is done: as failed when Envoy answered with
//     its own 5xx or its response code details name an upstream failure, else as closed
//     (the client went away; no count against the key);
//   - as closed after attemptMaxAge, when neither happened (the downstream filter runs in
//     another VM).
//
// The keys tried let a retry on the same provider take another key (Exchange.TriedKey).
const (
	// headerRequest names the client request for the upstream filter.
	headerRequest = "x-franca-request"
	// attemptMaxAge is how long an attempt without an outcome is kept open.
	attemptMaxAge = 15 * time.Minute
	// triedMaxAge is how long the keys tried by a request whose last attempt failed are
	// remembered for a retry.
	triedMaxAge = 5 * time.Minute
	// maxTried bounds the keys remembered per request (Envoy bounds the retries).
	maxTried = 8
)

// requestAttempts is what the VM keeps of one client request's attempts.
type requestAttempts struct {
	// open is the attempt whose outcome the pool has not had yet, if any.
	open *gateway.Attempt
	// since is when the last attempt started.
	since time.Time
	// tried are the keys of the attempts so far, as provider and key id.
	tried [][2]string
	// records are the records of the attempts that ended, for the request's record.
	records []gateway.AttemptRecord
}

// ended adds the record of a, which has ended, to the request's.
func (r *requestAttempts) ended(a *gateway.Attempt) {
	if rec, ok := a.Record(); ok && len(r.records) < maxTried {
		r.records = append(r.records, rec)
	}
}

// requests are the VM's requests with attempts, by headerRequest.
type requests map[string]*requestAttempts

var errAbandoned = errors.New("no answer before Envoy gave the attempt up and retried (a per-try timeout, a reset or a failed connection)")

// prime prepares x, the exchange of a new attempt of request id: the attempt before it,
// if still open, is ended as failed, and x learns the keys the request tried already.
func (rs requests) prime(id string, x *gateway.Exchange) {
	r := rs[id]
	if r == nil {
		return
	}
	if r.open != nil {
		r.open.Failed(errAbandoned)
		r.ended(r.open)
		r.open = nil
	}
	for _, k := range r.tried {
		x.TriedKey(k[0], k[1])
	}
}

// begin records a, the new attempt of request id, as open.
func (rs requests) begin(id string, a *gateway.Attempt, now time.Time) {
	if id == "" {
		return
	}
	r := rs[id]
	if r == nil {
		r = &requestAttempts{}
		rs[id] = r
	}
	r.open, r.since = a, now
	if len(r.tried) < maxTried {
		r.tried = append(r.tried, [2]string{a.Provider, a.KeyID})
	}
}

// settle notes that a's outcome reached the pool. The request's attempts are kept for
// its record until its downstream stream is done (or sweep drops them).
func (rs requests) settle(id string, a *gateway.Attempt) {
	r := rs[id]
	if r == nil {
		return
	}
	if r.open == a {
		r.open = nil
		r.ended(a)
	}
}

// done ends the request id: its downstream stream is over. An attempt still open failed
// when failed is set, else its client went away. It returns the records of the
// request's attempts.
func (rs requests) done(id string, failed error) []gateway.AttemptRecord {
	r := rs[id]
	if r == nil {
		return nil
	}
	delete(rs, id)
	if r.open != nil {
		var timeout timeoutError
		switch {
		case errors.As(failed, &timeout):
			r.open.TimedOut(failed)
		case failed != nil:
			r.open.Failed(failed)
		default:
			r.open.ClientGone(errClientGone)
		}
		r.open.Close()
		r.ended(r.open)
	}
	return r.records
}

var errClientGone = errors.New("the client went away before the answer was complete")

// sweep drops what no callback will end: attempts open for attemptMaxAge (closed), and
// failed requests no retry came for within triedMaxAge.
func (rs requests) sweep(now time.Time) {
	for id, r := range rs {
		age := now.Sub(r.since)
		switch {
		case r.open != nil && age >= attemptMaxAge:
			r.open.Close()
			delete(rs, id)
		case r.open == nil && age >= triedMaxAge:
			delete(rs, id)
		}
	}
}

// requestIDs makes the ids the downstream filter gives requests: unique in the process
// (a random prefix per VM), short.
type requestIDs struct {
	prefix string
	next   uint64
}

func (g *requestIDs) make() string {
	if g.prefix == "" {
		g.prefix = strconv.FormatUint(rand.Uint64(), 36) + "-"
	}
	g.next++
	return g.prefix + strconv.FormatUint(g.next, 36)
}

// upstreamFailure says whether the downstream stream that just ended lost its upstream
// attempt to an upstream failure, from what the downstream filter saw: Envoy's own 5xx
// answer, or response code details that name one ("upstream_reset_before_response_started",
// "upstream_per_try_timeout", …). It returns nil when nothing says so (a client that went
// away).
func (d *downstream) upstreamFailure() error {
	details := ""
	if b, err := proxywasm.GetProperty([]string{"response", "code_details"}); err == nil {
		details = string(b)
	}
	switch {
	case strings.HasPrefix(details, "upstream_") && strings.Contains(details, "timeout"):
		// upstream_per_try_timeout, upstream_response_timeout, …
		return timeoutError("Envoy gave the attempt up: " + details)
	case d.reshape && d.status >= 500:
		return errors.New("Envoy answered " + strconv.Itoa(d.status) + " for the attempt")
	case strings.HasPrefix(details, "upstream_"):
		return errors.New("the attempt ended with " + details)
	}
	return nil
}

// timeoutError is an attempt Envoy gave up on because one of its timeouts ran out.
type timeoutError string

func (e timeoutError) Error() string { return string(e) }
