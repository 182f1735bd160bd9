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

	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/translate"
)

// maxUpstreamError bounds how much of a non-stream upstream answer is read into memory.
const maxUpstreamBody = 64 << 20

// ServeHTTP answers an OpenAI API request. It never calls next: Franca is terminal.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	start := time.Now()
	// One gateway serves the whole request, stream included, even if another is swapped
	// in meanwhile.
	gw := h.gw.Load()
	body, tooLarge, err := readBody(r, gw.MaxRequestBytes())
	if err != nil {
		// The client went away or sent a broken body; nothing useful can be answered.
		return caddyhttp.Error(http.StatusBadRequest, err)
	}
	if tooLarge {
		writeReply(w, gateway.ErrorReply(gw.TooLarge()))
		return nil
	}
	x := gw.Handle(&gateway.Request{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Header: r.Header, Body: body, Now: start,
	})
	rec := record{start: start, x: x}
	defer func() { h.log(&rec) }()
	for a := x.Next(); a != nil; a = x.Next() {
		rec.a = a
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
	resp, err := h.client.Do(req)
	if err != nil {
		if r.Context().Err() != nil {
			rec.status = 499 // the client left; there is no one to answer
			return true
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
		copyRaw(w, resp)
		return true
	case ok && !a.Raw && a.Upstream.Stream:
		rec.status = resp.StatusCode
		h.stream(r.Context(), w, resp, a, rec)
		return true
	}
	b, err := readUpstream(resp)
	if err != nil {
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
					clientGone(s, a, rec, werr, out)
					return
				}
				rc.Flush()
			}
			if ferr != nil {
				rec.err = ferr
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
			if client.Err() != nil {
				clientGone(s, a, rec, rerr, out)
				return
			}
			rec.err = rerr
			// Usage seen so far still counts.
			s.End(out[:0])
			w.Write(a.StreamError(scrub(rerr)))
			rc.Flush()
			return
		}
	}
}

// clientGone ends a stream whose client left: the attempt is closed first, so that the
// key pool records no failure of the upstream key (a client that hangs up says nothing
// about the provider), and the usage seen so far is still counted.
func clientGone(s translate.Stream, a *gateway.Attempt, rec *record, err error, out []byte) {
	rec.err = err
	a.Close()
	s.End(out[:0])
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

// copyRaw sends a passthrough stream as it comes.
func copyRaw(w http.ResponseWriter, resp *http.Response) {
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
				return
			}
			rc.Flush()
		}
		if err != nil {
			return
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

// record is what the access log says about one request.
type record struct {
	start  time.Time
	x      *gateway.Exchange
	a      *gateway.Attempt
	status int
	err    error
}

// log writes one line per request with its usage. Secrets never appear: the upstream key
// is named by its id.
func (h *Handler) log(rec *record) {
	x := rec.x
	fields := make([]zap.Field, 0, 14)
	fields = append(fields,
		zap.String("endpoint", x.Endpoint),
		zap.String("virtual_key", x.KeyName),
		zap.String("model", x.Model),
		zap.Bool("stream", x.Stream),
		zap.Int("status", rec.status),
		zap.Duration("duration", time.Since(rec.start)),
	)
	if a := rec.a; a != nil {
		fields = append(fields, zap.String("provider", a.Provider), zap.String("upstream_model", a.Model), zap.String("upstream_key", a.KeyID))
	}
	if u := x.Usage(); u != nil {
		fields = append(fields,
			zap.Int("prompt_tokens", u.PromptTokens),
			zap.Int("completion_tokens", u.CompletionTokens),
			zap.Int("cached_tokens", u.CachedTokens()),
			zap.Int("reasoning_tokens", u.ReasoningTokens()),
		)
	}
	if rec.err != nil {
		fields = append(fields, zap.String("error", rec.err.Error()))
	} else if x.Broken() {
		fields = append(fields, zap.String("error", "the provider ended the stream with an error event"))
	}
	h.logger.Info("request", fields...)
}

var _ translate.HeaderGetter = http.Header(nil)
