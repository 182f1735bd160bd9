package caddymodule

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/translate"
)

// maxUpstreamError bounds how much of a non-stream upstream answer is read into memory.
const maxUpstreamBody = 64 << 20

// ServeHTTP answers an OpenAI API request. It never calls next: Franca is terminal.
//
// The virtual key is checked from the header before the body is read: a refused request
// never has its body buffered, and its answer does not wait for the body.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	start := time.Now()
	// One gateway serves the whole request, stream included, even if another is swapped
	// in meanwhile.
	gw := h.gw.Load()
	caller, refused := gw.Authenticate(r.Header, start)
	if refused != nil {
		h.refuse(w, r, refused, &record{start: start, x: &gateway.Exchange{Reply: refused}})
		return nil
	}
	body, tooLarge, err := readBody(r, gw.MaxRequestBytes())
	if err != nil {
		// The client went away or sent a broken body; nothing useful can be answered.
		return caddyhttp.Error(http.StatusBadRequest, err)
	}
	if tooLarge {
		reply := gateway.ErrorReply(gw.TooLarge())
		h.refuse(w, r, reply, &record{start: start, x: &gateway.Exchange{Reply: reply, KeyName: caller.KeyName()}})
		return nil
	}
	x := caller.Handle(&gateway.Request{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Header: r.Header, Body: body, Now: start,
	})
	rec := record{start: start, x: x}
	defer func() { h.log(&rec) }()
	// A policy that needs shared state (a counter, a cached answer) waits for it here:
	// one round trip to the store per policy that asks.
	for ops := x.Pending(); ops != nil; ops = x.Pending() {
		x.Resume(h.store.Do(r.Context(), ops))
	}
	for a := x.Next(); a != nil; a = x.Next() {
		if a.Reply != nil {
			rec.status = a.Reply.Status
			writeReply(w, a.Reply)
			return nil
		}
		if done := h.try(w, r, a, &rec); done {
			return nil
		}
	}
	rec.status = x.Reply.Status
	writeReply(w, x.Reply)
	return nil
}

// refuse answers a request whose body was not read, or not to its end. Over HTTP/1 the
// answer says "Connection: close": net/http then writes it at once instead of first
// reading up to 256 KiB of the body a client may still be sending (to keep the
// connection for another request), and closes the connection after it. HTTP/2 and 3
// refuse the rest of the body on the request's own stream.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, reply *gateway.Reply, rec *record) {
	if r.ProtoMajor == 1 && r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	rec.status = reply.Status
	writeReply(w, reply)
	h.log(rec)
}

// try makes one upstream attempt. It returns false when the attempt failed in a way the
// next target may not, and nothing has been written to the client.
func (h *Handler) try(w http.ResponseWriter, r *http.Request, a *gateway.Attempt, rec *record) bool {
	defer a.Close()
	ctx := r.Context()
	if a.Delay > 0 {
		t := time.NewTimer(a.Delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			rec.status = 499 // the client left; there is no one to answer
			a.ClientGone(ctx.Err())
			return true
		}
	}
	if a.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.Timeout)
		defer cancel()
	}
	up := a.Upstream
	req, err := http.NewRequestWithContext(ctx, up.Method, up.URL, bytes.NewReader(up.Body))
	if err != nil {
		writeReply(w, a.Failed(err))
		return true
	}
	for _, f := range up.Header {
		req.Header.Add(f.Name, f.Value)
	}
	// The first-byte timer is the provider's own, so it is a timer on this call rather
	// than the transport's ResponseHeaderTimeout, which all providers share. It is
	// stopped when the header comes: from then on only the whole-call timeout applies.
	var firstByte *time.Timer
	if a.FirstByteTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		req = req.WithContext(ctx)
		firstByte = time.AfterFunc(a.FirstByteTimeout, cancel)
	}
	resp, err := h.client.Do(req)
	if firstByte != nil && !firstByte.Stop() {
		// The timer went off, whether or not the header came in the meantime: the
		// call's context is cancelled, so its body could not be read anyway.
		if err == nil {
			resp.Body.Close()
		}
		if r.Context().Err() != nil {
			rec.status = 499
			a.ClientGone(r.Context().Err())
			return true
		}
		a.NoFirstByte()
		return false
	}
	if err != nil {
		if r.Context().Err() != nil {
			rec.status = 499 // the client left; there is no one to answer
			a.ClientGone(r.Context().Err())
			return true
		}
		if errors.Is(err, context.DeadlineExceeded) {
			a.TimedOut(errors.New("no answer within the provider's timeout"))
			return false
		}
		a.Failed(scrub(err))
		return false
	}
	defer resp.Body.Close()
	a.ResponseHeader(resp.Header)
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	switch {
	case ok && a.Raw && (a.Upstream.Stream || isEventStream(resp)):
		rec.status = resp.StatusCode
		err := copyRaw(w, resp)
		if err != nil && r.Context().Err() != nil {
			a.ClientGone(err)
		} else {
			a.RawDone(resp.StatusCode, scrub(err))
		}
		return true
	case ok && !a.Raw && a.Upstream.Stream:
		rec.status = resp.StatusCode
		h.stream(r.Context(), w, resp, a, rec)
		return true
	}
	b, err := readUpstream(resp)
	if err != nil {
		if r.Context().Err() != nil {
			rec.status = 499
			a.ClientGone(r.Context().Err())
			return true
		}
		if errors.Is(err, context.DeadlineExceeded) {
			a.TimedOut(errors.New("the answer did not complete within the provider's timeout"))
			return false
		}
		a.Failed(scrub(err))
		return false
	}
	reply, retry := a.Response(resp.StatusCode, resp.Header, b)
	if retry {
		return false
	}
	rec.status = reply.Status
	writeReply(w, reply)
	return true
}

// stream transcodes an upstream event stream to the client, flushing after every read.
// Once the first byte is out, a failure can only end the stream with an error event.
// client is the client request's context: when it ends, the client has left, which is
// no failure of the upstream key.
func (h *Handler) stream(client context.Context, w http.ResponseWriter, resp *http.Response, a *gateway.Attempt, rec *record) {
	s := a.Stream()
	for _, f := range gateway.StreamHeader() {
		w.Header().Set(f.Name, f.Value)
	}
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	rc.Flush()
	bufs := streamBufs.Get().(*streamBuf)
	defer streamBufs.Put(bufs)
	buf, out := bufs.in[:], bufs.out[:0]
	defer func() {
		if cap(out) <= 64<<10 {
			bufs.out = out[:0]
		}
	}()
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			var ferr error
			out, ferr = s.Feed(out[:0], buf[:n])
			if len(out) > 0 {
				if _, werr := w.Write(out); werr != nil {
					rec.err = werr
					a.ClientGone(werr)
					return
				}
				rc.Flush()
			}
			if ferr != nil {
				rec.err = ferr // the attempt has ended: a malformed stream
				w.Write(a.StreamError(ferr))
				rc.Flush()
				return
			}
		}
		if rerr == io.EOF {
			out, err := s.End(out[:0])
			w.Write(out)
			if err != nil {
				rec.err = err
				w.Write(a.StreamError(err))
			}
			rc.Flush()
			return
		}
		if rerr != nil {
			rec.err = rerr
			if client.Err() != nil {
				a.ClientGone(rerr)
				return
			}
			if errors.Is(rerr, context.DeadlineExceeded) {
				a.TimedOut(errors.New("the stream did not complete within the provider's timeout"))
			} else {
				a.StreamCut(scrub(rerr))
			}
			w.Write(a.StreamError(scrub(rerr)))
			rc.Flush()
			return
		}
	}
}

// streamBuf holds the buffers of one stream: the upstream bytes read and the events
// written. They are pooled, as a stream's lifetime is a request's.
type streamBuf struct {
	in  [32 << 10]byte
	out []byte
}

var streamBufs = sync.Pool{New: func() any { return &streamBuf{out: make([]byte, 0, 8<<10)} }}

// readUpstream reads a whole upstream answer, up to maxUpstreamBody bytes, into a
// buffer sized by its Content-Length when it has one.
func readUpstream(resp *http.Response) ([]byte, error) {
	n := resp.ContentLength
	if n < 0 || n > maxUpstreamBody {
		n = 4 << 10
	}
	return readAll(io.LimitReader(resp.Body, maxUpstreamBody), int(n))
}

// readAll is io.ReadAll into a buffer of size bytes at first (one more, so that the
// read that meets the end needs no larger buffer).
func readAll(r io.Reader, size int) ([]byte, error) {
	b := make([]byte, 0, size+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// copyRaw sends a passthrough stream as it comes. It returns what broke the copy, or
// nil when the whole answer went through.
func copyRaw(w http.ResponseWriter, resp *http.Response) error {
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
			rc.Flush()
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func isEventStream(resp *http.Response) bool {
	return strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream")
}

func writeReply(w http.ResponseWriter, r *gateway.Reply) {
	for _, f := range r.Header {
		w.Header().Set(f.Name, f.Value)
	}
	w.WriteHeader(r.Status)
	w.Write(r.Body)
}

// readBody reads the whole body up to limit bytes; tooLarge reports a larger body.
func readBody(r *http.Request, limit int64) (body []byte, tooLarge bool, err error) {
	if r.ContentLength > limit {
		return nil, true, nil
	}
	if r.Body == nil {
		return nil, false, nil
	}
	n := r.ContentLength
	if n < 0 || n > 64<<10 {
		n = 4 << 10
	}
	body, err = readAll(io.LimitReader(r.Body, limit+1), int(n))
	if err != nil {
		return nil, false, err
	}
	if int64(len(body)) > limit {
		return nil, true, nil
	}
	return body, false, nil
}

// scrub removes the upstream URL from a transport error: a URL may carry a credential in
// its query (some providers accept ?key=) and never belongs in a client's error.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// record is what the adapter knows of a request beyond the exchange: when it began, the
// status it sent and what broke the answer.
type record struct {
	start  time.Time
	x      *gateway.Exchange
	status int
	err    error
}

// log writes one line per request from the exchange's record. Secrets never appear:
// the upstream key is named by its id.
func (h *Handler) log(rec *record) {
	r := rec.x.Record(rec.status)
	fields := make([]zap.Field, 0, 18)
	fields = append(fields,
		zap.String("endpoint", r.Endpoint),
		zap.String("virtual_key", r.KeyName),
		zap.String("model", r.Model),
		zap.Bool("stream", r.Stream),
		zap.Int("status", r.Status),
		zap.String("outcome", string(r.Outcome)),
		zap.Duration("duration", time.Since(rec.start)),
	)
	if r.Code != "" {
		fields = append(fields, zap.String("code", r.Code))
	}
	if r.Policy != "" {
		fields = append(fields, zap.String("policy", r.Policy))
	}
	if n := len(r.Attempts); n > 0 {
		last := &r.Attempts[n-1]
		fields = append(fields, zap.String("provider", last.Provider), zap.String("upstream_model", last.Model),
			zap.String("upstream_key", last.KeyID), zap.Array("attempts", attemptRecords(r.Attempts)))
	}
	if u := r.Usage; u != nil {
		fields = append(fields,
			zap.Int("prompt_tokens", u.PromptTokens),
			zap.Int("completion_tokens", u.CompletionTokens),
			zap.Int("cached_tokens", u.CachedTokens()),
			zap.Int("reasoning_tokens", u.ReasoningTokens()),
		)
	}
	switch {
	case rec.err != nil:
		fields = append(fields, zap.String("error", scrub(rec.err).Error()))
	case len(r.Attempts) > 0 && r.Attempts[len(r.Attempts)-1].Error != "" && r.Outcome != gateway.OutcomeOK:
		fields = append(fields, zap.String("error", r.Attempts[len(r.Attempts)-1].Error))
	}
	h.logger.Info("request", fields...)
}

// attemptRecords writes the request's attempts into the log line, each as an object
// with the fields of gateway.AttemptRecord.
type attemptRecords []gateway.AttemptRecord

// MarshalLogArray writes each attempt as an object.
func (as attemptRecords) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for i := range as {
		if err := enc.AppendObject(attemptRecord{&as[i]}); err != nil {
			return err
		}
	}
	return nil
}

// attemptRecord writes one attempt's record into the log line.
type attemptRecord struct{ *gateway.AttemptRecord }

// MarshalLogObject writes the record's fields, usage as token counts.
func (a attemptRecord) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("provider", a.Provider)
	enc.AddString("upstream_model", a.Model)
	if a.KeyID != "" {
		enc.AddString("upstream_key", a.KeyID)
	}
	enc.AddInt("status", a.Status)
	enc.AddString("outcome", string(a.Outcome))
	if a.Code != "" {
		enc.AddString("code", a.Code)
	}
	if a.Error != "" {
		enc.AddString("error", a.Error)
	}
	if a.TTFB > 0 {
		enc.AddDuration("ttfb", a.TTFB)
	}
	if u := a.Usage; u != nil {
		enc.AddInt("prompt_tokens", u.PromptTokens)
		enc.AddInt("completion_tokens", u.CompletionTokens)
	}
	return nil
}

var _ translate.HeaderGetter = http.Header(nil)
