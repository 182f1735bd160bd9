// Package caddymodule puts Franca into Caddy: the HTTP handler http.handlers.franca (the
// Caddyfile directive `franca`) and the admin route /franca/ on Caddy's admin API.
//
// The handler is terminal: it answers the request itself, making the upstream calls the
// gateway core decides on with a pooled HTTP transport, and streams SSE answers through
// with a flush after every chunk of events.
package caddymodule

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/gateway/keypool"
	"github.com/franca-gw/franca/gateway/store"
)

func init() {
	caddy.RegisterModule(Handler{})
	caddy.RegisterModule(AdminRoutes{})
}

// Handler is Franca's Caddy HTTP handler. Give it a configuration file or the
// configuration inline; both follow Franca's one schema (docs/config.md).
type Handler struct {
	// ConfigFile is the path of a Franca configuration file, YAML or JSON.
	// ${ENV_NAME} references in it are expanded from Caddy's environment.
	ConfigFile string `json:"config_file,omitempty"`
	// Config is the configuration inline, as JSON. Used when ConfigFile is empty.
	Config json.RawMessage `json:"config,omitempty"`
	// ConfigDigest is "sha256:" and the hex SHA-256 of ConfigFile's content, which the
	// `franca` Caddyfile directive records when the Caddyfile is adapted. Franca does not
	// use it: it is there so that the adapted JSON changes whenever the file does, and
	// `caddy reload` (which skips a configuration equal to the running one) loads the
	// edited file. A JSON configuration that names ConfigFile may set it the same way
	// ("sha256:" + the first field of `sha256sum FILE`), or be reloaded with --force.
	ConfigDigest string `json:"config_digest,omitempty"`

	// gw is the gateway new requests go through (see SetGateway). A pointer, so that
	// the Handler value Caddy copies carries no atomic field.
	gw      *atomic.Pointer[gateway.Gateway]
	pool    *keypool.Pool
	store   store.Store
	poolKey string
	client  *http.Client
	logger  *zap.Logger
	entry   string
	admin   *loadedEntry // the handler's entry of the admin routes, under entry
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.franca",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision loads and validates the configuration and sets up the upstream transport.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	data, source := []byte(h.Config), "inline config"
	if h.ConfigFile != "" {
		var err error
		if data, err = os.ReadFile(h.ConfigFile); err != nil {
			return fmt.Errorf("franca: config_file: %w", err)
		}
		source = h.ConfigFile
	}
	if len(data) == 0 {
		return errors.New("franca: no configuration: set config_file or config")
	}
	cfg, err := config.Load(data, os.LookupEnv)
	if err != nil {
		return fmt.Errorf("franca: %s: %w", source, err)
	}
	h.pool, h.store, h.poolKey = sharedPool(source, cfg, h.logger)
	gw, err := h.NewGateway(cfg)
	if err != nil {
		return fmt.Errorf("franca: %s: %w", source, err)
	}
	h.gw = new(atomic.Pointer[gateway.Gateway])
	h.gw.Store(gw)
	for i := range cfg.Providers {
		p := &cfg.Providers[i]
		if reason := p.Unavailable(); reason != "" {
			h.logger.Warn("provider unavailable", zap.String("provider", p.Name), zap.String("reason", reason))
		} else if n := p.DroppedKeys(); n > 0 {
			h.logger.Warn("provider keys left out", zap.String("provider", p.Name), zap.Strings("reasons", p.DroppedKeyReasons()))
		}
	}
	h.client = &http.Client{
		Transport: newTransport(),
		// Redirects from a provider are answers to pass on, not to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	sum := sha256.Sum256(data)
	h.entry = source + " " + hex.EncodeToString(sum[:6])
	h.admin = register(h.entry, cfg.Summary(), h.status)
	h.logger.Info("franca loaded", zap.String("source", source), zap.Int("providers", len(cfg.Providers)),
		zap.Int("models", len(cfg.Models)), zap.Int("virtual_keys", len(cfg.VirtualKeys)))
	return nil
}

// NewGateway builds a gateway for cfg on the handler's key pool, for SetGateway: keys
// keep their state (cooldowns, circuit breakers) across the change, take cfg's weights,
// models and limits, and start afresh when their secret changed; keys cfg no longer has
// leave the pool. cfg must be loaded and validated (config.Load).
func (h *Handler) NewGateway(cfg *config.Config) (*gateway.Gateway, error) {
	reg, err := policyRegistry()
	if err != nil {
		return nil, err
	}
	return gateway.New(cfg, gateway.WithClock(time.Now), gateway.WithRand(rand.Float64), gateway.WithPool(h.pool), gateway.WithPolicies(reg))
}

// SetGateway makes g the gateway of every request that starts from now on, without a
// Caddy reload (a configuration pushed at run time, by the control plane). Requests and
// streams in flight finish on the gateway they started with. Build g with NewGateway so
// that it shares the handler's key pool; the admin routes then report it, under the
// source the handler was provisioned with.
func (h *Handler) SetGateway(g *gateway.Gateway) {
	h.gw.Store(g)
	h.admin.set(g.Config().Summary(), h.status)
}

// status reports the current gateway's keys, for the admin routes.
func (h *Handler) status() gateway.Status { return h.gw.Load().Status() }

// Cleanup releases the handler's idle upstream connections and admin entry.
func (h *Handler) Cleanup() error {
	if h.client != nil {
		h.client.CloseIdleConnections()
	}
	if h.entry != "" {
		unregister(h.entry)
	}
	if h.poolKey != "" {
		pools.Delete(h.poolKey)
	}
	return nil
}

// newTransport returns the pooled transport for upstream calls. Provider calls are few
// hosts with many concurrent requests, so the idle pool per host is large.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// Interface guards.
var (
	_ caddy.Provisioner  = (*Handler)(nil)
	_ caddy.CleanerUpper = (*Handler)(nil)
)
