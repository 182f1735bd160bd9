package main

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/translate"
)

// Headers the downstream filter sets for the router and the upstream filter. A client
// cannot set them: the downstream filter removes them from every request first.
const (
	// headerCluster names the cluster for the route's cluster_header: the model's
	// available providers in target order, joined with "+" ("anthropic+openai").
	headerCluster = "x-franca-cluster"
	// headerKey carries the authenticated virtual key's name (never the key).
	headerKey = "x-franca-key"
	// headerModel carries the public model, for routes and access logs.
	headerModel = "x-franca-model"
	// headerPerTry is Envoy's router header that sets the retry policy's per_try_timeout
	// for one request: the lead provider's first_byte_timeout, in milliseconds. The HTTP
	// connection manager removes it from external requests before the filters run; the
	// router reads it after them and does not forward it.
	headerPerTry = "x-envoy-upstream-rq-per-try-timeout-ms"
)

// internalHeaders are the headers only the filter may set; headerRequest is in
// attempts.go.
var internalHeaders = [...]string{headerCluster, headerKey, headerModel, headerRequest}

// downstream is the "franca" filter for one HTTP stream.
type downstream struct {
	types.DefaultHttpContext
	p       *plugin
	headers pairs
	// caller is the client whose virtual key the request header carried, once accepted.
	caller *gateway.Caller
	// replied is set once the filter answered the request itself.
	replied bool
	// reshape is set when the answer is Envoy's own plain-text error, which the filter
	// rewrites into OpenAI's error shape; status is its status.
	reshape bool
	status  int
	// id names the request for the upstream filter (headerRequest), once forwarded.
	id string
	// x is the request's exchange, once routed: the source of its record.
	x *gateway.Exchange
}

// OnHttpRequestHeaders removes headers only the filter may set, authenticates the virtual
// key, refuses a body announced too large, and waits for the body (Envoy buffers it)
// before deciding anything else. A request the header alone refuses is answered here:
// its body is never waited for nor buffered.
func (d *downstream) OnHttpRequestHeaders(_ int, endOfStream bool) types.Action {
	h, err := proxywasm.GetHttpRequestHeaders()
	if err != nil {
		return d.fail("reading the request headers", err)
	}
	d.headers = h
	for _, name := range internalHeaders {
		if d.headers.Get(name) != "" {
			if err := proxywasm.RemoveHttpRequestHeader(name); err != nil {
				return d.fail("removing "+name, err)
			}
			d.headers = without(d.headers, name)
		}
	}
	// The gateway of the headers serves the body too, should the configuration change
	// in between.
	caller, refused := d.p.gw.Authenticate(d.headers, d.p.vm.now())
	if refused != nil {
		return d.reply(refused)
	}
	d.caller = caller
	if n := contentLength(d.headers.Get("content-length")); n > d.p.gw.MaxRequestBytes() {
		return d.reply(gateway.ErrorReply(d.p.gw.TooLarge()))
	}
	if endOfStream {
		return d.route(nil)
	}
	return types.ActionPause
}

// OnHttpRequestBody buffers the body up to the configured limit, then routes.
func (d *downstream) OnHttpRequestBody(size int, endOfStream bool) types.Action {
	if d.replied {
		return types.ActionPause
	}
	if int64(size) > d.p.gw.MaxRequestBytes() {
		return d.reply(gateway.ErrorReply(d.p.gw.TooLarge()))
	}
	if !endOfStream {
		return types.ActionPause
	}
	body, err := requestBody(size)
	if err != nil {
		return d.fail("reading the request body", err)
	}
	return d.route(body)
}

// route runs the gateway's decision: a local answer, or the cluster to send the request
// to with the client's credential removed. The cluster names only providers with a key
// that may take the request now, as the VM's pool sees it after applying the cooldowns
// other workers shared; when none has, the answer is the core's 429 with the moment the
// first key comes back, and nothing goes upstream.
func (d *downstream) route(body []byte) types.Action {
	now := d.p.vm.now()
	d.p.shared.sync(now)
	path, query := splitPath(d.headers.Get(":path"))
	x := d.caller.Handle(&gateway.Request{
		Method: d.headers.Get(":method"), Path: path, Query: query,
		Header: d.headers, Body: body, Now: now,
	})
	d.x = x
	// A policy that needs shared state waits for it here. Shared data is reached by
	// synchronous host calls; operations it cannot carry out (all but raise, until the
	// control plane's state service arrives) reach the policy as a store error.
	for ops := x.Pending(); ops != nil; ops = x.Pending() {
		x.Resume(sharedDo(ops, now))
	}
	if x.Reply != nil {
		return d.reply(x.Reply)
	}
	providers := x.Providers()
	if x.Reply != nil {
		return d.reply(x.Reply)
	}
	if len(providers) == 0 || d.p.mock[providers[0]] {
		// Next answers for the mock, or says why no target can serve.
		a := x.Next()
		if a != nil && a.Reply != nil {
			return d.reply(a.Reply)
		}
		if x.Reply != nil {
			return d.reply(x.Reply)
		}
		// Next chose a real provider of the mock's priority: Envoy sends the request.
		a.Abandon()
	}
	// A mock behind a real provider cannot be a cluster: it is left out.
	cluster := make([]byte, 0, 64)
	for _, name := range providers {
		if d.p.mock[name] {
			continue
		}
		if len(cluster) > 0 {
			cluster = append(cluster, '+')
		}
		cluster = append(cluster, name...)
	}
	d.id = d.p.vm.ids.make()
	perTry := ""
	if lead, _, _ := strings.Cut(string(cluster), "+"); d.p.firstByte[lead] > 0 {
		perTry = strconv.FormatInt(d.p.firstByte[lead], 10)
	}
	set := [...][2]string{{headerCluster, string(cluster)}, {headerKey, x.KeyName}, {headerModel, x.Model}, {headerRequest, d.id}, {headerPerTry, perTry}}
	for _, f := range set {
		if f[1] == "" {
			continue
		}
		if err := proxywasm.ReplaceHttpRequestHeader(f[0], f[1]); err != nil {
			return d.fail("setting "+f[0], err)
		}
	}
	// The virtual key must never reach a provider.
	for _, name := range [...]string{"authorization", "api-key"} {
		if d.headers.Get(name) != "" {
			if err := proxywasm.RemoveHttpRequestHeader(name); err != nil {
				return d.fail("removing "+name, err)
			}
		}
	}
	return types.ActionContinue
}

func (d *downstream) reply(r *gateway.Reply) types.Action {
	d.replied, d.status = true, r.Status
	sendReply(r)
	return types.ActionPause
}

// fail answers a host call failure, which should not happen, with a 500.
func (d *downstream) fail(what string, err error) types.Action {
	proxywasm.LogErrorf("franca: %s: %v", what, err)
	return d.reply(gateway.ErrorReply(&translate.Error{Status: 500, Type: translate.TypeServer, Code: "internal_error",
		Message: "Franca's Envoy filter failed " + what}))
}

// OnHttpResponseHeaders spots Envoy's own error answers (no healthy upstream, timeout,
// unknown cluster, body over the buffer limit), which come as plain text, so that the
// client gets an error in OpenAI's shape like every other.
func (d *downstream) OnHttpResponseHeaders(_ int, endOfStream bool) types.Action {
	if d.replied {
		return types.ActionContinue
	}
	status, _ := proxywasm.GetHttpResponseHeader(":status")
	d.status, _ = strconv.Atoi(status)
	if d.status < 400 || endOfStream {
		return types.ActionContinue
	}
	ct, _ := proxywasm.GetHttpResponseHeader("content-type")
	if strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "text/event-stream") {
		return types.ActionContinue
	}
	d.reshape = true
	return types.ActionPause
}

// OnHttpResponseBody rewrites a plain-text error once it is whole.
func (d *downstream) OnHttpResponseBody(size int, endOfStream bool) types.Action {
	if !d.reshape {
		return types.ActionContinue
	}
	if !endOfStream {
		return types.ActionPause
	}
	var text []byte
	if size > 0 {
		text, _ = proxywasm.GetHttpResponseBody(0, min(size, 512))
	}
	r := gateway.ErrorReply(proxyError(d.status, string(text)))
	for _, f := range [...][2]string{{"content-type", "application/json"}, {"content-length", strconv.Itoa(len(r.Body))}} {
		if err := proxywasm.ReplaceHttpResponseHeader(f[0], f[1]); err != nil {
			proxywasm.LogErrorf("franca: setting %s: %v", f[0], err)
		}
	}
	if err := proxywasm.ReplaceHttpResponseBody(r.Body); err != nil {
		proxywasm.LogErrorf("franca: rewriting an error body: %v", err)
	}
	return types.ActionContinue
}

// proxyError is the OpenAI-shaped error for an error Envoy answered itself.
func proxyError(status int, text string) *translate.Error {
	text = strings.TrimSpace(text)
	if text == "" {
		text = "no details"
	}
	e := &translate.Error{Status: status, Type: translate.TypeServer, Message: "Envoy answered " + strconv.Itoa(status) + ": " + text}
	switch {
	case status == 413:
		e.Type, e.Code = translate.TypeInvalidRequest, "request_too_large"
	case status == 504:
		e.Code = "upstream_timeout"
	case status == 502 || status == 503:
		e.Code = "upstream_unreachable"
	case status < 500:
		e.Type, e.Code = translate.TypeInvalidRequest, "proxy_error"
	default:
		e.Code = "proxy_error"
	}
	return e
}

// OnHttpStreamDone ends the request's upstream attempt if Envoy left it open (see
// attempts.go) and gives the collector its chance between requests.
func (d *downstream) OnHttpStreamDone() {
	var attempts []gateway.AttemptRecord
	if d.id != "" {
		var failed error
		if r := d.p.vm.requests[d.id]; r != nil && r.open != nil {
			failed = d.upstreamFailure()
		}
		attempts = d.p.vm.requests.done(d.id, failed)
	}
	if d.x != nil {
		d.logRecord(attempts)
	}
	d.headers, d.caller, d.x = nil, nil, nil
	d.p.vm.gc.streamDone()
}

// logRecord writes the request's record, with the attempts the upstream filter made
// for it, as one log line (the Caddy module's access log line has the same fields).
// A request whose answer never began is recorded with status 499: the client left.
func (d *downstream) logRecord(attempts []gateway.AttemptRecord) {
	for _, a := range attempts {
		d.x.AddAttempt(a)
	}
	status := d.status
	if status == 0 {
		status = 499
	}
	b, err := json.Marshal(d.x.Record(status))
	if err != nil {
		proxywasm.LogErrorf("franca: encoding the request record: %v", err)
		return
	}
	proxywasm.LogInfof("franca: request %s", b)
}

// without returns h without the fields named name.
func without(h pairs, name string) pairs {
	out := h[:0:0]
	for _, f := range h {
		if !translate.EqualFold(f[0], name) {
			out = append(out, f)
		}
	}
	return out
}
