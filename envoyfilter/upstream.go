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

// How the upstream filter treats the answer of its attempt.
const (
	// answerWhole buffers the whole answer and maps it (a JSON body, an error).
	answerWhole = iota
	// answerStream transcodes an event stream chunk by chunk.
	answerStream
	// answerRaw lets a passthrough stream through unchanged.
	answerRaw
)

// upstream is the "franca-upstream" filter for one attempt: Envoy creates the upstream
// filter chain anew for every try, after it picked the host, so a retry to another
// priority (another provider) gets its own translation and upstream key.
type upstream struct {
	types.DefaultHttpContext
	p        *plugin
	headers  pairs
	key      string
	provider string
	x        *gateway.Exchange
	a        *gateway.Attempt
	// rid names the client request (headerRequest), to which the VM ties the attempt.
	rid string

	answer int
	status int
	// header is the provider's response header.
	header pairs
	stream translate.Stream
	out    []byte
	// broken is set once the stream failed; what comes after is dropped.
	broken bool
	// replied is set once the filter answered the request itself.
	replied bool
}

// OnHttpRequestHeaders checks the request came through the downstream filter and finds
// the provider of this attempt, then waits for the body.
func (u *upstream) OnHttpRequestHeaders(_ int, endOfStream bool) types.Action {
	h, err := proxywasm.GetHttpRequestHeaders()
	if err != nil {
		return u.fail(500, "internal_error", "could not read the request headers: "+err.Error())
	}
	u.headers = h
	u.key = u.headers.Get(headerKey)
	if u.key == "" {
		// Without the downstream filter's mark the request was not authenticated:
		// sending it with Franca's upstream key would make Envoy an open proxy.
		return u.fail(403, "not_authenticated", "the request did not pass Franca's downstream filter (root_id "+strconv.Quote(rootDownstream)+")")
	}
	var from string
	u.provider, from = providerOfAttempt()
	if !u.p.providers[u.provider] {
		proxywasm.LogErrorf("franca-upstream: %s %q is not a provider of the configuration", from, u.provider)
		return u.fail(500, "cluster_not_mapped", "the upstream cluster is not mapped to a Franca provider: name the cluster after the provider or set its metadata filter_metadata.franca.provider ("+from+" is "+strconv.Quote(u.provider)+")")
	}
	if endOfStream {
		return u.translate(nil)
	}
	return types.ActionPause
}

// OnHttpRequestBody waits for the whole body and translates the request.
func (u *upstream) OnHttpRequestBody(size int, endOfStream bool) types.Action {
	if u.replied {
		return types.ActionPause
	}
	if !endOfStream {
		return types.ActionPause
	}
	body, err := requestBody(size)
	if err != nil {
		return u.fail(500, "internal_error", "could not read the request body: "+err.Error())
	}
	return u.translate(body)
}

// providerOfAttempt names the provider of the host Envoy picked for this attempt: the
// host's metadata filter_metadata.franca.provider, else its cluster's, else the name of
// its cluster. It also says which of them it used.
func providerOfAttempt() (name, from string) {
	for _, p := range [...]struct {
		path []string
		from string
	}{
		{[]string{"upstream_host_metadata", "filter_metadata", "franca", "provider"}, "endpoint metadata franca.provider"},
		{[]string{"cluster_metadata", "filter_metadata", "franca", "provider"}, "cluster metadata franca.provider"},
		{[]string{"cluster_name"}, "cluster"},
	} {
		if v, err := proxywasm.GetProperty(p.path); err == nil && len(v) > 0 {
			return string(v), p.from
		}
	}
	return "", "cluster"
}

// translate builds this attempt's upstream request in place of the client's, with a key
// of the attempt's provider that is not resting (cooldowns other workers shared are
// applied first) and, on a retry, not the key the request just tried when the provider
// has another.
func (u *upstream) translate(body []byte) types.Action {
	now := u.p.vm.now()
	u.p.shared.sync(now)
	path, query := splitPath(u.headers.Get(":path"))
	u.x = u.p.gw.HandleAs(u.key, &gateway.Request{
		Method: u.headers.Get(":method"), Path: path, Query: query,
		Header: u.headers, Body: body, Now: now,
	})
	if u.x.Reply != nil {
		return u.reply(u.x.Reply)
	}
	u.rid = u.headers.Get(headerRequest)
	u.p.vm.requests.prime(u.rid, u.x)
	a := u.x.AttemptFor(u.provider)
	if a == nil {
		return u.reply(u.x.Reply)
	}
	if a.Reply != nil {
		return u.reply(a.Reply)
	}
	u.a = a
	u.p.vm.requests.begin(u.rid, a, now)
	up := a.Upstream
	scheme, authority, target := splitURL(up.URL)
	h := make([][2]string, 0, 8+len(up.Header))
	h = append(h, [2]string{":method", up.Method}, [2]string{":path", target}, [2]string{":authority", authority}, [2]string{":scheme", scheme})
	for _, f := range u.headers {
		if keepHeader(f[0]) {
			h = append(h, f)
		}
	}
	for _, f := range up.Header {
		h = append(h, [2]string{strings.ToLower(f.Name), f.Value})
	}
	if len(up.Body) > 0 || body != nil {
		h = append(h, [2]string{"content-length", strconv.Itoa(len(up.Body))})
	}
	if err := proxywasm.ReplaceHttpRequestHeaders(h); err != nil {
		u.abandon()
		return u.fail(500, "internal_error", "could not set the upstream request headers: "+err.Error())
	}
	if body != nil {
		if err := proxywasm.ReplaceHttpRequestBody(up.Body); err != nil {
			u.abandon()
			return u.fail(500, "internal_error", "could not set the upstream request body: "+err.Error())
		}
	}
	u.headers = nil
	return types.ActionContinue
}

// keepHeader says which of the client's header fields go on to the provider besides the
// translator's own: request ids and trace context. The rest (the client's SDK headers,
// Accept-Encoding, which could bring a compressed answer the translators cannot read,
// and Envoy's own x-envoy-* fields, which say how this proxy is set up) stays behind,
// as with the Caddy module's fresh upstream request.
func keepHeader(name string) bool {
	switch name {
	case "x-request-id", "traceparent", "tracestate", "b3":
		return true
	}
	return strings.HasPrefix(name, "x-b3-")
}

// splitURL splits an absolute URL into scheme, authority and path with query.
func splitURL(u string) (scheme, authority, target string) {
	scheme = "https"
	if i := strings.Index(u, "://"); i >= 0 {
		scheme, u = u[:i], u[i+3:]
	}
	if i := strings.IndexAny(u, "/?"); i >= 0 {
		authority, target = u[:i], u[i:]
	} else {
		authority = u
	}
	if target == "" || target[0] == '?' {
		target = "/" + target
	}
	return scheme, authority, target
}

// OnHttpResponseHeaders decides how to treat the answer: transcode a successful stream as
// it comes, let a passthrough stream through, or buffer everything else to map it whole.
func (u *upstream) OnHttpResponseHeaders(_ int, endOfStream bool) types.Action {
	if u.a == nil {
		return types.ActionContinue
	}
	h, err := proxywasm.GetHttpResponseHeaders()
	if err != nil {
		proxywasm.LogErrorf("franca-upstream: reading the response headers: %v", err)
		return types.ActionContinue
	}
	u.header = h
	u.status, _ = strconv.Atoi(u.header.Get(":status"))
	// The time to first byte and the provider's rate-limit fields go to the key pool.
	u.a.ResponseHeader(u.header)
	ok := u.status >= 200 && u.status < 300
	ct := u.header.Get("content-type")
	switch {
	case ok && u.a.Raw && (u.a.Upstream.Stream || strings.HasPrefix(ct, "text/event-stream")):
		u.answer = answerRaw
		u.setResponseHeaders(u.status, contentTypeOnly(ct), -1)
		if endOfStream {
			u.rawDone()
		}
		return types.ActionContinue
	case ok && !u.a.Raw && u.a.Upstream.Stream && !endOfStream:
		u.answer = answerStream
		u.stream = u.a.Stream()
		u.setResponseHeaders(200, append(gateway.StreamHeader(), translate.Header{Name: "X-Accel-Buffering", Value: "no"}), -1)
		return types.ActionContinue
	}
	u.answer = answerWhole
	if endOfStream {
		// No body to map: keep the mapped status and header.
		reply, _ := u.a.Response(u.status, u.header, nil)
		u.settle()
		u.setResponseHeaders(reply.Status, reply.Header, -1)
		return types.ActionContinue
	}
	return types.ActionPause
}

// OnHttpResponseBody transcodes a stream chunk by chunk, or maps a whole answer once it
// is complete.
func (u *upstream) OnHttpResponseBody(size int, endOfStream bool) types.Action {
	if u.a == nil {
		return types.ActionContinue
	}
	switch u.answer {
	case answerRaw:
		if endOfStream {
			u.rawDone()
		}
		return types.ActionContinue
	case answerStream:
		return u.transcode(size, endOfStream)
	}
	if !endOfStream {
		return types.ActionPause
	}
	var body []byte
	if size > 0 {
		var err error
		if body, err = proxywasm.GetHttpResponseBody(0, size); err != nil {
			proxywasm.LogErrorf("franca-upstream: reading the response body: %v", err)
		}
	}
	// The outcome (status, rate-limit fields, time to first byte) goes to the key pool.
	reply, _ := u.a.Response(u.status, u.header, body)
	u.settle()
	// Envoy's retry policy decides on the mapped status: a 429, a 5xx or a rejected
	// upstream credential (mapped to 502) is retried on the next priority.
	u.setResponseHeaders(reply.Status, reply.Header, len(reply.Body))
	if err := proxywasm.ReplaceHttpResponseBody(reply.Body); err != nil {
		proxywasm.LogErrorf("franca-upstream: setting the response body: %v", err)
	}
	u.recordUsage()
	return types.ActionContinue
}

// transcode converts one chunk of a provider's event stream into OpenAI chunks. Partial
// events wait in the transcoder for the next chunk.
func (u *upstream) transcode(size int, endOfStream bool) types.Action {
	out := u.out[:0]
	if !u.broken && size > 0 {
		chunk, err := proxywasm.GetHttpResponseBody(0, size)
		if err != nil {
			proxywasm.LogErrorf("franca-upstream: reading a stream chunk: %v", err)
		}
		var ferr error
		out, ferr = u.stream.Feed(out, chunk)
		if ferr != nil {
			u.broken = true
			out = append(out, u.a.StreamError(ferr)...)
			proxywasm.LogWarnf("franca-upstream: stream from %s broke: %v", u.provider, ferr)
			// The attempt has ended: a malformed stream counts against the key, with its
			// usage so far.
			u.settle()
		}
	}
	if endOfStream && !u.broken {
		var err error
		// End reports the stream's outcome to the key pool.
		out, err = u.stream.End(out)
		if err != nil {
			out = append(out, u.a.StreamError(err)...)
			proxywasm.LogWarnf("franca-upstream: stream from %s ended early: %v", u.provider, err)
		}
		u.settle()
		u.recordUsage()
	}
	if err := proxywasm.ReplaceHttpResponseBody(out); err != nil {
		proxywasm.LogErrorf("franca-upstream: setting a stream chunk: %v", err)
	}
	u.out = out
	return types.ActionContinue
}

// setResponseHeaders replaces the provider's response header with Franca's: the status,
// the fields of the mapped answer and, for a whole body, its length.
func (u *upstream) setResponseHeaders(status int, fields translate.Headers, length int) {
	h := make([][2]string, 0, 2+len(fields))
	h = append(h, [2]string{":status", strconv.Itoa(status)})
	for _, f := range fields {
		h = append(h, [2]string{strings.ToLower(f.Name), f.Value})
	}
	if length >= 0 {
		h = append(h, [2]string{"content-length", strconv.Itoa(length)})
	}
	if err := proxywasm.ReplaceHttpResponseHeaders(h); err != nil {
		proxywasm.LogErrorf("franca-upstream: setting the response headers: %v", err)
	}
}

func contentTypeOnly(ct string) translate.Headers {
	if ct == "" {
		return nil
	}
	return translate.Headers{{Name: "content-type", Value: ct}}
}

// usageProperty is the filter state the upstream filter leaves for access logs
// (%FILTER_STATE(wasm.franca.usage:PLAIN)%): who used what, and the tokens.
const usageProperty = "franca.usage"

// usage is what usageProperty holds.
type usage struct {
	Key              string `json:"key"`
	Model            string `json:"model,omitempty"`
	Provider         string `json:"provider"`
	UpstreamModel    string `json:"upstream_model"`
	UpstreamKey      string `json:"upstream_key,omitempty"`
	PromptTokens     int    `json:"prompt_tokens"`
	CompletionTokens int    `json:"completion_tokens"`
	CachedTokens     int    `json:"cached_tokens"`
	ReasoningTokens  int    `json:"reasoning_tokens"`
}

// recordUsage writes this attempt's usage as a JSON object to usageProperty.
func (u *upstream) recordUsage() {
	v := usage{Key: u.x.KeyName, Model: u.x.Model, Provider: u.a.Provider, UpstreamModel: u.a.Model, UpstreamKey: u.a.KeyID}
	if us := u.x.Usage(); us != nil {
		v.PromptTokens, v.CompletionTokens = us.PromptTokens, us.CompletionTokens
		v.CachedTokens, v.ReasoningTokens = us.CachedTokens(), us.ReasoningTokens()
	}
	b, _ := json.Marshal(&v)
	if err := proxywasm.SetProperty([]string{usageProperty}, b); err != nil {
		proxywasm.LogDebugf("franca-upstream: setting %s: %v", usageProperty, err)
	}
}

func (u *upstream) reply(r *gateway.Reply) types.Action {
	u.replied = true
	sendReply(r)
	return types.ActionPause
}

func (u *upstream) fail(status int, code, msg string) types.Action {
	return u.reply(gateway.ErrorReply(&translate.Error{Status: status, Type: translate.TypeServer, Code: code,
		Message: "franca-upstream: " + msg}))
}

// rawDone reports a passthrough answer that went through whole.
func (u *upstream) rawDone() {
	u.a.Response(u.status, u.header, nil)
	u.settle()
}

// settle notes that the attempt's outcome reached the key pool.
func (u *upstream) settle() { u.p.vm.requests.settle(u.rid, u.a) }

// abandon ends an attempt that is not sent after all.
func (u *upstream) abandon() {
	u.a.Abandon()
	u.settle()
	u.a = nil
}

// OnHttpStreamDone ends the attempt if its answer did not (a reset, a client gone), drops
// its state and gives the collector its chance. Envoy does not call it for upstream
// filters (the SDK hears of a stream's end through proxy_on_log, which Envoy sends to the
// downstream filters only): the VM ends such attempts otherwise, see attempts.go.
func (u *upstream) OnHttpStreamDone() {
	if u.a != nil {
		u.a.Close()
		u.settle()
	}
	u.headers, u.header, u.x, u.a, u.stream, u.out = nil, nil, nil, nil, nil, nil
	u.p.vm.gc.streamDone()
}
