// Package fake is the base of the fake providers that tests put behind Franca: an HTTP
// server on 127.0.0.1 that records every request it receives and answers from a queue of
// scripted replies, writing streamed replies piece by piece with a flush after each.
// Test-only.
package fake

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Recorded is a request the fake received.
type Recorded struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
}

// Reply is a scripted answer.
type Reply struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// Header fields to send.
	Header http.Header
	// Body is written at once, unless Chunks is set.
	Body []byte
	// Chunks are written one by one with a flush after each; a streamed reply.
	Chunks [][]byte
	// Delay is waited before the status line is written.
	Delay time.Duration
	// Hijack, when true, closes the connection after writing Chunks without ending the
	// body properly (a reset mid-stream), or before anything when Chunks is empty.
	Hijack bool
}

// Responder answers a request when no scripted reply is queued.
type Responder func(r *Recorded) Reply

// Server is a fake provider.
type Server struct {
	// URL is the server's base URL, e.g. "http://127.0.0.1:41234".
	URL string

	srv      *httptest.Server
	mu       sync.Mutex
	queue    []Reply
	recorded []Recorded
	fallback Responder
}

// New starts a fake on 127.0.0.1 that answers with fallback when its queue is empty,
// and stops it when the test ends.
func New(t testing.TB, fallback Responder) *Server {
	s := &Server{fallback: fallback}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Enqueue adds replies to give, in order, to the next requests.
func (s *Server) Enqueue(r ...Reply) {
	s.mu.Lock()
	s.queue = append(s.queue, r...)
	s.mu.Unlock()
}

// Requests returns a copy of the requests received so far.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Recorded(nil), s.recorded...)
}

// Last returns the last request received; it fails the test if there was none.
func (s *Server) Last(t testing.TB) Recorded {
	t.Helper()
	r := s.Requests()
	if len(r) == 0 {
		t.Fatal("fake provider received no request")
	}
	return r[len(r)-1]
}

// Reset forgets recorded requests and queued replies.
func (s *Server) Reset() {
	s.mu.Lock()
	s.queue, s.recorded = nil, nil
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := Recorded{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
	s.mu.Lock()
	s.recorded = append(s.recorded, rec)
	var reply Reply
	if len(s.queue) > 0 {
		reply, s.queue = s.queue[0], s.queue[1:]
	} else if s.fallback != nil {
		reply = s.fallback(&rec)
	} else {
		reply = Reply{Status: 404, Body: []byte(`{"error":"no reply scripted"}`)}
	}
	s.mu.Unlock()
	Write(w, reply)
}

// Write sends reply on w. It is exported for fakes that route requests themselves.
func Write(w http.ResponseWriter, reply Reply) {
	if reply.Delay > 0 {
		time.Sleep(reply.Delay)
	}
	if reply.Hijack && len(reply.Chunks) == 0 {
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			c.Close()
		}
		return
	}
	for k, v := range reply.Header {
		w.Header()[k] = v
	}
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	if reply.Chunks == nil {
		w.WriteHeader(status)
		w.Write(reply.Body)
		return
	}
	w.WriteHeader(status)
	rc := http.NewResponseController(w)
	for _, c := range reply.Chunks {
		w.Write(c)
		rc.Flush()
	}
	if reply.Hijack {
		if c, _, err := rc.Hijack(); err == nil {
			c.Close()
		}
	}
}

// SSE splits an event stream into chunks of at most n bytes, so that a streamed reply
// reaches Franca cut at arbitrary places.
func SSE(stream string, n int) [][]byte {
	var out [][]byte
	for len(stream) > 0 {
		k := min(n, len(stream))
		out = append(out, []byte(stream[:k]))
		stream = stream[k:]
	}
	return out
}
