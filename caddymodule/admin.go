package caddymodule

import (
	"encoding/json"
	"net/http"
	"sort"
	"sync"

	"github.com/caddyserver/caddy/v2"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway"
)

// loaded holds the summary of every provisioned handler's configuration, for the admin
// route. Caddy's admin modules are separate instances from the handlers they report on;
// a UsagePool is how Caddy's own modules share state across them and across reloads.
var loaded = caddy.NewUsagePool()

// loadedEntry is one configuration in use.
type loadedEntry struct {
	mu      sync.Mutex
	summary config.Summary
	status  func() gateway.Status
}

// Destruct satisfies caddy.Destructor.
func (*loadedEntry) Destruct() error { return nil }

// register adds (or takes one more use of) the entry for key and sets its contents.
func register(key string, s config.Summary, status func() gateway.Status) *loadedEntry {
	v, _ := loaded.LoadOrStore(key, &loadedEntry{})
	e := v.(*loadedEntry)
	e.set(s, status)
	return e
}

// set replaces the entry's contents.
func (e *loadedEntry) set(s config.Summary, status func() gateway.Status) {
	e.mu.Lock()
	e.summary, e.status = s, status
	e.mu.Unlock()
}

func unregister(key string) { loaded.Delete(key) }

// AdminRoutes serves, on Caddy's admin API, GET /franca/config: a summary of each loaded
// Franca configuration — providers, key ids, models, virtual key names — and GET
// /franca/status: the state of every upstream key (ok, cooling, invalid, open), its
// requests in flight, recent error rate and latency. Neither shows a secret or a key hash.
type AdminRoutes struct{}

// CaddyModule returns the Caddy module information.
func (AdminRoutes) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "admin.api.franca",
		New: func() caddy.Module { return new(AdminRoutes) },
	}
}

// Routes returns the admin routes.
func (AdminRoutes) Routes() []caddy.AdminRoute {
	return []caddy.AdminRoute{
		{Pattern: "/franca/config", Handler: caddy.AdminHandlerFunc(serveConfig)},
		{Pattern: "/franca/status", Handler: caddy.AdminHandlerFunc(serveStatus)},
	}
}

// adminEntry is one entry of GET /franca/config (Config set) or GET /franca/status
// (Status set).
type adminEntry struct {
	// Source is the configuration file (or "inline config") and a short digest of it.
	Source string          `json:"source"`
	Config *config.Summary `json:"config,omitempty"`
	Status *gateway.Status `json:"status,omitempty"`
}

func serveConfig(w http.ResponseWriter, r *http.Request) error {
	return serveEntries(w, r, func(e *loadedEntry) adminEntry {
		s := e.summary
		return adminEntry{Config: &s}
	})
}

func serveStatus(w http.ResponseWriter, r *http.Request) error {
	return serveEntries(w, r, func(e *loadedEntry) adminEntry {
		st := e.status()
		return adminEntry{Status: &st}
	})
}

// serveEntries answers a GET with one entry per loaded configuration, made by entry
// (called with the entry locked), ordered by source.
func serveEntries(w http.ResponseWriter, r *http.Request, entry func(*loadedEntry) adminEntry) error {
	if r.Method != http.MethodGet {
		return caddy.APIError{HTTPStatus: http.StatusMethodNotAllowed, Message: "GET only"}
	}
	out := []adminEntry{}
	loaded.Range(func(k, v any) bool {
		e := v.(*loadedEntry)
		e.mu.Lock()
		if e.status != nil {
			a := entry(e)
			a.Source = k.(string)
			out = append(out, a)
		}
		e.mu.Unlock()
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(out)
}

// Interface guard.
var _ caddy.AdminRouter = AdminRoutes{}
