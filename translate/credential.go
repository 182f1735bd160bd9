package translate

import (
	"net/url"
	"strings"
	"time"
)

// Credential puts an upstream credential on a translated request. Translators never see
// a secret: they build the request (method, URL, headers, body) for the target, the
// gateway then picks a key, and the key's Credential is applied to that final request as
// a separate step, so that a credential may cover everything the translator wrote.
//
// Three kinds of credential fit the interface:
//
//   - A static key carried in a header field or a query parameter (KeyCarrier.StaticKey),
//     today the only kind: Token is "" and Apply adds the field or the parameter.
//   - A signature over the final request, such as AWS SigV4 for Bedrock: its secrets are
//     configuration, so Token is "" too, and Apply reads Method, URL, Header and Body,
//     signs them with now as the signing time, and adds the Authorization, X-Amz-Date
//     and X-Amz-Content-Sha256 fields. Apply must then be the last change to the request.
//   - A bearer token only the adapter can obtain, such as a Vertex AI OAuth access token
//     minted from a service account: the core does no I/O, so Token names the token
//     needed (an identity the adapter's token cache understands, e.g. the service account
//     and scope). The gateway then hands the attempt out with its credential still to
//     apply and the token's name; the adapter takes the token from its cache or fetches
//     it (synchronously in Caddy; pause, dispatch and resume in Envoy) and gives it back,
//     and the gateway calls Apply with it. Apply adds "Authorization: Bearer <token>".
//
// A Credential is built once per configured key and shared by concurrent requests: it
// must be safe for concurrent use and must not keep r.
type Credential interface {
	// Token names the token the adapter must supply to Apply, or "" when the credential
	// needs nothing from the adapter.
	Token() string
	// Apply adds the credential to r, the request as it will be sent, at time now. token
	// is the token Token named, as the adapter supplied it ("" when Token is "").
	Apply(r *Request, token string, now time.Time) error
}

// KeyCarrier says how a provider family carries a static key: in a header field, after
// a prefix, or as a URL query parameter.
type KeyCarrier struct {
	// Header names the header field that carries the key, e.g. "Authorization" or
	// "x-api-key".
	Header string
	// Prefix comes before the key in the field, e.g. "Bearer ".
	Prefix string
	// Query, when set, names the URL query parameter that carries the key instead of a
	// header field.
	Query string
}

// StaticKey returns the credential that sends secret the carrier's way. The field value
// (or query parameter) is built once here, not per request. An empty secret gives a
// credential that adds nothing, for servers that need no key (a local Ollama or vLLM).
func (c KeyCarrier) StaticKey(secret string) Credential {
	if secret == "" {
		return noCredential{}
	}
	if c.Query != "" {
		return &staticKey{query: url.QueryEscape(c.Query) + "=" + url.QueryEscape(secret)}
	}
	return &staticKey{field: Header{Name: c.Header, Value: c.Prefix + secret}}
}

// staticKey is a key sent as a header field or a query parameter.
type staticKey struct {
	field Header
	query string // "name=value", escaped
}

func (*staticKey) Token() string { return "" }

// Apply appends the field to the request's header (translators leave room for it, so
// this does not allocate) or the parameter to its URL.
func (k *staticKey) Apply(r *Request, _ string, _ time.Time) error {
	if k.query == "" {
		r.Header = append(r.Header, k.field)
		return nil
	}
	sep := "?"
	if strings.IndexByte(r.URL, '?') >= 0 {
		sep = "&"
	}
	r.URL += sep + k.query
	return nil
}

// noCredential adds nothing.
type noCredential struct{}

func (noCredential) Token() string                           { return "" }
func (noCredential) Apply(*Request, string, time.Time) error { return nil }
