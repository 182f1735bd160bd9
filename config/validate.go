package config

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Validate checks the configuration and returns every problem found, as Errors, or nil.
// Load calls it after filling in defaults; call it yourself on a Config built in code.
// A provider without a usable key is not a problem here: see Provider.Unavailable.
func (c *Config) Validate() error {
	var v validator
	v.validate(c)
	return v.errs.err()
}

// validator collects the problems of one Config.
type validator struct {
	errs Errors
	// raw, when set, returns a field's text as written, before ${ENV} expansion, so
	// that messages can name the variable (Load sets it).
	raw func(path string) (string, bool)
}

// reservedParams are the body fields a target's params may not override.
var reservedParams = [...]string{"model", "messages", "stream"}

func (v *validator) validate(c *Config) {
	providers := v.providers(c.Providers)
	models := v.models(c.Models, providers, c.Providers)
	keys := v.virtualKeys(c.VirtualKeys, models)
	v.routing(&c.Routing)
	v.policies(c.Policies, keys, models)
	if r := c.State.Redis; r != nil {
		v.redis(r)
	}
	if c.Limits.MaxRequestBytes < 0 {
		v.errs.add("limits.max_request_bytes", "must be positive")
	}
	if name := c.Passthrough.Provider; name != "" {
		const path = "passthrough.provider"
		if i, ok := providers[name]; !ok {
			v.errs.add(path, "no provider named "+quote(name)+didYouMean(name, keysOf(providers)))
		} else if t := c.Providers[i].Type; t != TypeOpenAI && t != TypeAzure {
			v.errs.add(path, "provider "+quote(name)+" has type "+t+"; passthrough needs an openai or azure provider")
		}
	}
}

// name checks the name of list[i], at path: required, made of letters, digits, '.', '_'
// and '-', and unique in the list; byName collects the index of each name.
func (v *validator) name(path, list, name string, i int, byName map[string]int) {
	switch {
	case name == "":
		v.errs.add(path+".name", "required")
	case !validName(name):
		v.errs.add(path+".name", quote(name)+" may only contain letters, digits, '.', '_' and '-'")
	default:
		if first, dup := byName[name]; dup {
			v.errs.add(path+".name", quote(name)+" is already the name of "+list+"["+strconv.Itoa(first)+"]")
		} else {
			byName[name] = i
		}
	}
}

// providers checks the providers and returns the index of each by name.
func (v *validator) providers(ps []Provider) map[string]int {
	byName := make(map[string]int, len(ps))
	for i := range ps {
		p := &ps[i]
		path := joinIndex("providers", i)
		v.name(path, "providers", p.Name, i, byName)
		v.provider(p, path)
	}
	return byName
}

func (v *validator) provider(p *Provider, path string) {
	knownType := false
	for _, t := range types {
		knownType = knownType || p.Type == t
	}
	switch {
	case p.Type == "":
		v.errs.add(path+".type", "required (one of "+strings.Join(types[:], ", ")+")")
	case !knownType:
		v.errs.add(path+".type", "unknown type "+quote(p.Type)+hint(p.Type, types[:]))
	}
	if p.Preset != "" {
		if p.Type != TypeOpenAICompatible {
			v.errs.add(path+".preset", "only valid with type openai-compatible")
		} else if _, ok := LookupPreset(p.Preset); !ok {
			v.errs.add(path+".preset", "unknown preset "+quote(p.Preset)+hint(p.Preset, presetNames()))
		}
	}
	switch {
	case p.BaseURL != "":
		if msg := checkBaseURL(p.BaseURL); msg != "" {
			v.errs.add(path+".base_url", msg)
		}
	case p.Type == TypeAzure:
		v.errs.add(path+".base_url", "required for type azure, e.g. https://RESOURCE.openai.azure.com")
	case p.Type == TypeOpenAICompatible && p.Preset == "":
		v.errs.add(path+".base_url", "required for type openai-compatible without a preset")
	}
	for _, name := range sortedKeys(p.Headers) {
		hp := joinKey(path+".headers", name)
		if !validToken(name) {
			v.errs.add(hp, "not a valid header name")
		}
		if strings.ContainsAny(p.Headers[name], "\r\n\x00") {
			v.errs.add(hp, "value contains a line break or NUL")
		}
	}
	ids := make(map[string]int, len(p.Keys))
	for j := range p.Keys {
		k := &p.Keys[j]
		kp := joinIndex(path+".keys", j)
		if k.ID != "" {
			if strings.IndexFunc(k.ID, unicode.IsSpace) >= 0 {
				v.errs.add(kp+".id", quote(k.ID)+" contains whitespace")
			}
			if first, dup := ids[k.ID]; dup {
				v.errs.add(kp+".id", quote(k.ID)+" is already the id of keys["+strconv.Itoa(first)+"]")
			} else {
				ids[k.ID] = j
			}
		}
		if k.Weight < 0 {
			v.errs.add(kp+".weight", "must not be negative")
		}
		for m, name := range k.Models {
			if name == "" {
				v.errs.add(joinIndex(kp+".models", m), "empty model name")
			}
		}
	}
	if p.Timeout < 0 {
		v.errs.add(path+".timeout", "must not be negative")
	}
	if p.FirstByteTimeout < 0 {
		v.errs.add(path+".first_byte_timeout", "must not be negative")
	} else if p.FirstByteTimeout > 0 && p.Timeout > 0 && p.FirstByteTimeout > p.Timeout {
		v.errs.add(path+".first_byte_timeout", "must not be longer than timeout ("+p.Timeout.String()+")")
	}
}

// checkBaseURL returns what is wrong with a base URL, or "".
func checkBaseURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return quote(s) + " is not an absolute http or https URL"
	}
	if u.Fragment != "" || strings.HasSuffix(s, "#") {
		return quote(s) + " must not have a #fragment"
	}
	return ""
}

// models checks the models and returns the index of each by name.
func (v *validator) models(ms []Model, providers map[string]int, ps []Provider) map[string]int {
	byName := make(map[string]int, len(ms))
	for i := range ms {
		m := &ms[i]
		path := joinIndex("models", i)
		switch {
		case m.Name == "":
			v.errs.add(path+".name", "required")
		case m.Name == "*":
			v.errs.add(path+".name", `"*" is reserved: in virtual_keys[].models it means every model`)
		default:
			if first, dup := byName[m.Name]; dup {
				v.errs.add(path+".name", quote(m.Name)+" is already the name of models["+strconv.Itoa(first)+"]")
			} else {
				byName[m.Name] = i
			}
		}
		if len(m.Targets) == 0 {
			v.errs.add(path+".targets", "at least one target is required")
		}
		switch m.Strategy {
		case "", "round_robin", "least_inflight", "latency":
		default:
			v.errs.add(path+".strategy", "unknown strategy "+quote(m.Strategy)+hint(m.Strategy, []string{"round_robin", "least_inflight", "latency"}))
		}
		for j := range m.Targets {
			t := &m.Targets[j]
			tp := joinIndex(path+".targets", j)
			typ := ""
			if t.Provider == "" {
				v.errs.add(tp+".provider", "required")
			} else if pi, ok := providers[t.Provider]; !ok {
				v.errs.add(tp+".provider", "no provider named "+quote(t.Provider)+didYouMean(t.Provider, keysOf(providers)))
			} else {
				typ = ps[pi].Type
			}
			if t.Model == "" && typ != TypeMock { // Load sets "mock" for mock providers
				v.errs.add(tp+".model", "required")
			}
			if t.Weight < 0 {
				v.errs.add(tp+".weight", "must not be negative")
			}
			if t.Priority != nil && *t.Priority < 0 {
				v.errs.add(tp+".priority", "must not be negative")
			}
			for _, r := range reservedParams {
				if _, ok := t.Params[r]; ok {
					v.errs.add(joinKey(tp+".params", r), "cannot be overridden")
				}
			}
		}
	}
	return byName
}

func (v *validator) virtualKeys(vks []VirtualKey, models map[string]int) map[string]int {
	names := make(map[string]int, len(vks))
	hashes := make(map[string]int, len(vks))
	for i := range vks {
		k := &vks[i]
		path := joinIndex("virtual_keys", i)
		if k.Name == "" {
			v.errs.add(path+".name", "required")
		} else if first, dup := names[k.Name]; dup {
			v.errs.add(path+".name", quote(k.Name)+" is already the name of virtual_keys["+strconv.Itoa(first)+"]")
		} else {
			names[k.Name] = i
		}
		switch {
		case k.Hash == "":
			v.errs.add(path+".hash", v.emptyHashMessage(path+".hash"))
		case !validHash(k.Hash):
			v.errs.add(path+".hash", `must be "sha256:" followed by 64 lowercase hex digits (franca keys hash KEY prints it)`)
		default:
			if first, dup := hashes[k.Hash]; dup {
				v.errs.add(path+".hash", "same hash as virtual_keys["+strconv.Itoa(first)+"]")
			} else {
				hashes[k.Hash] = i
			}
		}
		for j, m := range k.Models {
			if m == "*" {
				continue
			}
			if _, ok := models[m]; !ok {
				v.errs.add(joinIndex(path+".models", j), "no model named "+quote(m)+didYouMean(m, keysOf(models)))
			}
		}
		for j, perm := range k.Permissions {
			if perm != PermissionStatus {
				v.errs.add(joinIndex(path+".permissions", j), "unknown permission "+quote(perm)+hint(perm, []string{PermissionStatus}))
			}
		}
	}
	return names
}

// policies checks the policy instances' names and selectors. Whether a type exists and
// its options fit is the gateway's to say: types are registered where it is built.
func (v *validator) policies(ps []Policy, keys, models map[string]int) {
	names := make(map[string]int, len(ps))
	for i := range ps {
		p := &ps[i]
		path := joinIndex("policies", i)
		v.name(path, "policies", p.Name, i, names)
		if p.Type == "" {
			v.errs.add(path+".type", "required")
		}
		for j, k := range p.VirtualKeys {
			if _, ok := keys[k]; !ok {
				v.errs.add(joinIndex(path+".virtual_keys", j), "no virtual key named "+quote(k)+didYouMean(k, keysOf(keys)))
			}
		}
		for j, m := range p.Models {
			if _, ok := models[m]; !ok {
				v.errs.add(joinIndex(path+".models", j), "no model named "+quote(m)+didYouMean(m, keysOf(models)))
			}
		}
	}
}

// emptyHashMessage explains an empty hash, naming the variable when the hash was written
// as ${NAME}.
func (v *validator) emptyHashMessage(path string) string {
	const hint = "required (when written as ${NAME}, check that the environment variable is set)"
	if v.raw == nil {
		return hint
	}
	raw, _ := v.raw(path)
	if name, ok := soleEnvRef(raw); ok {
		return "required, but ${" + name + "} expanded to \"\": is " + name + " set?"
	}
	if strings.Contains(raw, "${") {
		return hint
	}
	return "required"
}

// validName reports whether s is made of letters, digits, '.', '_' and '-'.
func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return s != ""
}

// validToken reports whether s is an HTTP token (RFC 9110 section 5.6.2), as a header
// name must be.
func validToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return s != ""
}

// validHash reports whether s is "sha256:" and 64 lowercase hex digits.
func validHash(s string) bool {
	hex, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(hex) != 64 {
		return false
	}
	for i := 0; i < len(hex); i++ {
		if c := hex[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (v *validator) routing(r *Routing) {
	if r.MaxAttempts < 0 {
		v.errs.add("routing.max_attempts", "must be at least 1")
	}
	if r.BreakerFailures < 0 {
		v.errs.add("routing.breaker_failures", "must be at least 1")
	}
	for _, d := range []struct {
		name string
		v    Duration
	}{{"deadline", r.Deadline}, {"backoff", r.Backoff}, {"max_backoff", r.MaxBackoff}, {"cooldown", r.Cooldown},
		{"max_cooldown", r.MaxCooldown}, {"invalid_cooldown", r.InvalidCooldown}, {"breaker_open", r.BreakerOpen}} {
		if d.v < 0 {
			v.errs.add("routing."+d.name, "must not be negative")
		}
	}
	if r.MaxCooldown > 0 && r.MaxCooldown < r.Cooldown {
		v.errs.add("routing.max_cooldown", "must be at least routing.cooldown ("+time.Duration(r.Cooldown).String()+")")
	}
}

// redis checks that the Redis deployment is one server, a Cluster or Sentinels.
func (v *validator) redis(r *Redis) {
	switch {
	case r.Address == "" && len(r.Addresses) == 0:
		v.errs.add("state.redis.address", "required (host:port), or addresses")
	case r.Address != "" && len(r.Addresses) > 0:
		v.errs.add("state.redis.addresses", "set address or addresses, not both")
	case len(r.Addresses) > 1 && !r.Cluster && r.MasterName == "":
		v.errs.add("state.redis.addresses", "several addresses are a Redis Cluster (set cluster: true) or Sentinels (set master_name)")
	}
	for i, a := range r.Addresses {
		if a == "" {
			v.errs.add("state.redis.addresses["+strconv.Itoa(i)+"]", "required (host:port)")
		}
	}
	if r.Cluster && r.MasterName != "" {
		v.errs.add("state.redis.cluster", "a Cluster has no Sentinel master: set cluster or master_name, not both")
	}
}
