package caddymodule

import (
	"crypto/sha256"
	"encoding/hex"
	"os"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("franca", parseCaddyfile)
	// Ordered before reverse_proxy so that `franca` works without a route block.
	httpcaddyfile.RegisterDirectiveOrder("franca", httpcaddyfile.Before, "reverse_proxy")
}

// parseCaddyfile sets up the handler from Caddyfile tokens:
//
//	franca [<matcher>] [<config_file>] {
//	    config <config_file>
//	}
//
// The file is read once here, for its digest (Handler.ConfigDigest): the adapted JSON
// then changes when the file does, so that `caddy reload` takes an edited file.
func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	f := new(Handler)
	if err := f.UnmarshalCaddyfile(h.Dispenser); err != nil {
		return nil, err
	}
	return f, nil
}

// UnmarshalCaddyfile reads the franca directive.
func (f *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive name
	if d.NextArg() {
		f.ConfigFile = d.Val()
		if d.NextArg() {
			return d.ArgErr()
		}
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "config":
			if !d.NextArg() {
				return d.ArgErr()
			}
			if f.ConfigFile != "" {
				return d.Err("franca: config given twice")
			}
			f.ConfigFile = d.Val()
			if d.NextArg() {
				return d.ArgErr()
			}
		default:
			return d.Errf("franca: unknown subdirective %q (expected config)", d.Val())
		}
	}
	if f.ConfigFile == "" {
		return d.Err("franca: a configuration file is required: franca { config /path/franca.yaml }")
	}
	f.ConfigDigest = fileDigest(f.ConfigFile)
	return nil
}

// fileDigest returns "sha256:" and the hex SHA-256 of the file's content, or "" when it
// cannot be read (Provision, which reads it again, then says why).
func fileDigest(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Interface guards.
var (
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
	_ caddyfile.Unmarshaler       = (*Handler)(nil)
)
