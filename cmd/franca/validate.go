package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway/policies"
)

const validateUsage = "usage: franca validate FILE"

// validate loads a configuration file and reports its problems, or a one-line summary.
// Providers that cannot serve (their keys' variables are not set) are warnings.
func (c *cli) validate(args []string) int {
	if len(args) != 1 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprintln(c.stderr, validateUsage)
		return 2
	}
	file := args[0]
	var (
		data []byte
		err  error
	)
	if file == "-" {
		file = "<stdin>"
		data, err = io.ReadAll(c.stdin)
	} else {
		data, err = c.readFile(file)
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "franca validate: %v\n", err)
		return 1
	}
	cfg, err := config.Load(data, c.lookup)
	if err != nil {
		var errs config.Errors
		if !errors.As(err, &errs) {
			fmt.Fprintf(c.stderr, "%s: %v\n", file, err)
			return 1
		}
		for _, fe := range errs {
			fmt.Fprintln(c.stderr, locate(file, fe))
		}
		return 1
	}
	for i := range cfg.Providers {
		p := &cfg.Providers[i]
		if why := p.Unavailable(); why != "" {
			fmt.Fprintf(c.stderr, "%s: warning: provider %s is unavailable: %s\n", file, p.Name, why)
		} else if n := p.DroppedKeys(); n > 0 {
			fmt.Fprintf(c.stderr, "%s: warning: provider %s: %s left out: %s\n", file, p.Name, plural(n, "key"), strings.Join(p.DroppedKeyReasons(), "; "))
		}
	}
	if !c.validatePolicies(file, cfg) {
		return 1
	}
	fmt.Fprintf(c.stdout, "ok: %s, %s, %s\n",
		plural(len(cfg.Providers), "provider"), plural(len(cfg.Models), "model"), plural(len(cfg.VirtualKeys), "virtual key"))
	return 0
}

// locate formats a problem the way compilers do: "FILE:LINE: path: message".
func locate(file string, fe *config.FieldError) string {
	var b strings.Builder
	b.WriteString(file)
	if fe.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(fe.Line))
	}
	b.WriteString(": ")
	if fe.Path != "" {
		b.WriteString(fe.Path)
		b.WriteString(": ")
	}
	b.WriteString(fe.Message)
	return b.String()
}

// plural writes "1 model", "2 models".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// validatePolicies makes the policy instances of the built-in types, which checks their
// options. A type that is not built in is a warning, not an error: Caddy may have been
// built with a franca.policies module that adds it.
func (c *cli) validatePolicies(file string, cfg *config.Config) bool {
	if len(cfg.Policies) == 0 {
		return true
	}
	reg, err := policies.Registry()
	if err != nil {
		fmt.Fprintf(c.stderr, "franca validate: %v\n", err)
		return false
	}
	ok := true
	for i := range cfg.Policies {
		p := &cfg.Policies[i]
		if _, known := reg.Lookup(p.Type); !known {
			fmt.Fprintf(c.stderr, "%s: warning: policies[%d].type: %q is not a built-in policy type (%s); it needs a Caddy built with the module franca.policies.%s\n",
				file, i, p.Type, strings.Join(reg.Names(), ", "), p.Type)
			continue
		}
		if err := reg.Check(i, p); err != nil {
			fmt.Fprintf(c.stderr, "%s: %v\n", file, err)
			ok = false
		}
	}
	return ok
}
