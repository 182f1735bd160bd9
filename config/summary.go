package config

import (
	"sort"
	"time"
)

// Summary describes a configuration without its secrets, for status output and the
// admin API: no key secrets, no virtual key hashes, no header values.
type Summary struct {
	Providers   []ProviderSummary   `json:"providers"`
	Models      []ModelSummary      `json:"models"`
	VirtualKeys []VirtualKeySummary `json:"virtual_keys"`
	Limits      Limits              `json:"limits"`
	// Passthrough is the passthrough provider's name, or "".
	Passthrough string `json:"passthrough,omitempty"`
}

// ProviderSummary describes one provider.
type ProviderSummary struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Preset     string `json:"preset,omitempty"`
	BaseURL    string `json:"base_url,omitempty"`
	APIVersion string `json:"api_version,omitempty"`
	// Headers are the names of the extra headers sent, sorted; their values may be secret.
	Headers []string `json:"headers,omitempty"`
	// KeyIDs are the ids of the keys in use, in order.
	KeyIDs []string `json:"key_ids"`
	// Keys is len(KeyIDs).
	Keys int `json:"keys"`
	// DroppedKeys says why keys were left out (see Provider.DroppedKeyReasons).
	DroppedKeys []string `json:"dropped_keys,omitempty"`
	Timeout     Duration `json:"timeout"`
	// FirstByteTimeout is Provider.FirstByteTimeout; absent when off.
	FirstByteTimeout Duration `json:"first_byte_timeout,omitempty"`
	// Unavailable is Provider.Unavailable: empty when the provider can serve.
	Unavailable string `json:"unavailable,omitempty"`
}

// ModelSummary describes one public model.
type ModelSummary struct {
	Name string `json:"name"`
	// Targets are "provider/model", in order of preference.
	Targets []string `json:"targets"`
}

// VirtualKeySummary describes one virtual key, without its hash.
type VirtualKeySummary struct {
	Name string `json:"name"`
	// Models the key may use; empty means all.
	Models []string `json:"models"`
	// Passthrough is the key's passthrough setting as configured; absent means the
	// default (allowed exactly when the key may use all models).
	Passthrough *bool      `json:"passthrough,omitempty"`
	Disabled    bool       `json:"disabled,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	// Permissions are VirtualKey.Permissions.
	Permissions []string `json:"permissions,omitempty"`
}

// Summary returns a secret-free description of c. Its slices are never nil, so that
// they serialise as [].
func (c *Config) Summary() Summary {
	s := Summary{
		Providers:   make([]ProviderSummary, len(c.Providers)),
		Models:      make([]ModelSummary, len(c.Models)),
		VirtualKeys: make([]VirtualKeySummary, len(c.VirtualKeys)),
		Limits:      c.Limits,
		Passthrough: c.Passthrough.Provider,
	}
	for i := range c.Providers {
		p := &c.Providers[i]
		ps := ProviderSummary{
			Name:             p.Name,
			Type:             p.Type,
			Preset:           p.Preset,
			BaseURL:          p.BaseURL,
			APIVersion:       p.APIVersion,
			KeyIDs:           make([]string, len(p.Keys)),
			Keys:             len(p.Keys),
			DroppedKeys:      p.DroppedKeyReasons(),
			Timeout:          p.Timeout,
			Unavailable:      p.Unavailable(),
			FirstByteTimeout: p.FirstByteTimeout,
		}
		for name := range p.Headers {
			ps.Headers = append(ps.Headers, name)
		}
		sort.Strings(ps.Headers)
		for j, k := range p.Keys {
			ps.KeyIDs[j] = k.ID
		}
		if len(ps.DroppedKeys) == 0 {
			ps.DroppedKeys = nil
		}
		s.Providers[i] = ps
	}
	for i, m := range c.Models {
		ms := ModelSummary{Name: m.Name, Targets: make([]string, len(m.Targets))}
		for j, t := range m.Targets {
			ms.Targets[j] = t.Provider + "/" + t.Model
		}
		s.Models[i] = ms
	}
	for i, k := range c.VirtualKeys {
		ks := VirtualKeySummary{
			Name:        k.Name,
			Models:      append([]string{}, k.Models...),
			Disabled:    k.Disabled,
			Permissions: append([]string(nil), k.Permissions...),
		}
		if k.Passthrough != nil {
			p := *k.Passthrough
			ks.Passthrough = &p
		}
		if k.ExpiresAt != nil {
			t := *k.ExpiresAt
			ks.ExpiresAt = &t
		}
		s.VirtualKeys[i] = ks
	}
	return s
}
