package config

import (
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Load parses a configuration, YAML or JSON (a document whose first non-blank character
// is '{' is read as JSON), expands ${NAME} references in every string value with lookup,
// applies defaults and validates. Adapters pass os.LookupEnv as lookup; nil means no
// variable is set.
//
// Expansion happens in the parsed values, never in the raw text, so a variable's value
// is always a plain string and cannot change the document's structure. "$${" writes a
// literal "${"; a variable that is not set expands to "". A non-string field (a number,
// a boolean, a duration, a time) may be written as a string made of ${NAME} references;
// its expansion is then read as that kind, and an empty expansion leaves the field unset.
//
// Keys whose secret is empty after expansion are left out (see Provider.DroppedKeys).
// Every problem found is returned at once, as Errors sorted by line; the Config is nil
// then.
func Load(data []byte, lookup func(string) (string, bool)) (*Config, error) {
	var errs Errors
	root, fatal := parse(data, &errs)
	if fatal != nil {
		errs = append(errs, fatal)
		errs.sortByLine()
		return nil, errs
	}
	cfg := new(Config)
	d := decoder{lookup: lookup, errs: &errs}
	d.decode(root, reflect.ValueOf(cfg).Elem(), "")
	decodeErrs := len(errs)

	cfg.setDefaults()
	v := validator{raw: func(path string) (string, bool) {
		n, ok := root.lookup(path)
		if !ok || n.kind != scalarNode {
			return "", false
		}
		return n.value, true
	}}
	v.validate(cfg)
	for _, fe := range v.errs {
		if !coveredBy(fe.Path, errs[:decodeErrs]) {
			errs = append(errs, fe)
		}
	}
	if len(errs) > 0 {
		for _, fe := range errs {
			if fe.Line == 0 {
				if n, _ := root.lookup(fe.Path); n != nil {
					fe.Line = n.line
				}
			}
		}
		errs.sortByLine()
		return nil, errs
	}
	cfg.dropEmptyKeys(root, lookup)
	return cfg, nil
}

// coveredBy reports whether a problem at path was already reported while decoding, at
// path or at a field that contains it: the validator sees the zero value such a field was
// left with and would only repeat the problem.
func coveredBy(path string, decodeErrs Errors) bool {
	for _, fe := range decodeErrs {
		if fe.Path != "" && under(path, fe.Path) {
			return true
		}
	}
	return false
}

// setDefaults fills in what the configuration leaves out.
func (c *Config) setDefaults() {
	types := make(map[string]string, len(c.Providers))
	for i := range c.Providers {
		p := &c.Providers[i]
		if p.BaseURL == "" {
			p.BaseURL = DefaultBaseURL(p.Type, p.Preset)
		}
		p.BaseURL = strings.TrimRight(p.BaseURL, "/")
		if p.APIVersion == "" {
			switch p.Type {
			case TypeAzure:
				p.APIVersion = DefaultAzureAPIVersion
			case TypeAnthropic:
				p.APIVersion = DefaultAnthropicVersion
			}
		}
		if p.Timeout == 0 {
			p.Timeout = DefaultTimeout
		}
		for j := range p.Keys {
			k := &p.Keys[j]
			if k.ID == "" {
				k.ID = p.Name + "#" + strconv.Itoa(j)
			}
			if k.Weight == 0 {
				k.Weight = 1
			}
		}
		if _, dup := types[p.Name]; !dup {
			types[p.Name] = p.Type
		}
	}
	for i := range c.Models {
		for j := range c.Models[i].Targets {
			t := &c.Models[i].Targets[j]
			if t.Model == "" && types[t.Provider] == TypeMock {
				t.Model = "mock"
			}
			if t.Weight == 0 {
				t.Weight = 1
			}
		}
	}
	if c.Limits.MaxRequestBytes == 0 {
		c.Limits.MaxRequestBytes = DefaultMaxRequestBytes
	}
	c.Routing.setDefaults()
	if r := c.State.Redis; r != nil && r.Prefix == "" {
		r.Prefix = "franca:"
	}
}

// setDefaults fills the routing fields left unset.
func (r *Routing) setDefaults() {
	setInt := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	setDur := func(v *Duration, d time.Duration) {
		if *v == 0 {
			*v = Duration(d)
		}
	}
	setInt(&r.MaxAttempts, 3)
	setDur(&r.Deadline, 60*time.Second)
	setDur(&r.Backoff, 200*time.Millisecond)
	setDur(&r.MaxBackoff, 5*time.Second)
	setDur(&r.Cooldown, 10*time.Second)
	setDur(&r.MaxCooldown, 10*time.Minute)
	setDur(&r.InvalidCooldown, time.Hour)
	setInt(&r.BreakerFailures, 5)
	setDur(&r.BreakerOpen, 30*time.Second)
}

// dropEmptyKeys removes keys whose secret is empty and records why on their provider.
func (c *Config) dropEmptyKeys(root *node, lookup func(string) (string, bool)) {
	for i := range c.Providers {
		p := &c.Providers[i]
		kept := p.Keys[:0]
		for j, k := range p.Keys {
			if k.Secret != "" {
				kept = append(kept, k)
				continue
			}
			reason := "key " + k.ID + " has an empty secret"
			if n, ok := root.lookup(joinKey(joinIndex(joinKey(joinIndex("providers", i), "keys"), j), "secret")); ok {
				if name, ok := soleEnvRef(n.value); ok {
					reason = name + " is not set"
					if lookup != nil {
						if _, set := lookup(name); set {
							reason = name + " is empty"
						}
					}
				}
			}
			p.dropped = append(p.dropped, reason)
		}
		if len(kept) == 0 {
			kept = nil
		}
		clear(p.Keys[len(kept):])
		p.Keys = kept
	}
}
