package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/gateway/store"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

// A policy is a step of the admit phase: after Franca has authenticated the virtual key
// and resolved the request's model, and before any key is picked or any upstream call is
// made, every policy instance that applies to the request is asked for its Decision, in
// a fixed order. The first that refuses or answers ends the request; when all continue,
// the request is routed.
//
// Policy types are registered by name in a Registry that the adapter hands to New
// (WithPolicies): the built-in types, and in Caddy the modules of the franca.policies
// namespace. The configuration's policies section makes instances of them, each with its
// options and the virtual keys and models it applies to. docs/extending.md shows how to
// write one.

// Policy is one configured policy instance. Admit is called by many requests at once
// and must be safe for concurrent use; it must not do I/O: a policy that needs remote
// state (a counter, a cached answer) returns the store operations it needs in its
// Decision; the adapter carries them out and Admit is called again for the same request
// with their results in Call.Results.
type Policy interface {
	// Admit decides on the request c describes.
	Admit(c *Call) Decision
}

// PolicyType is a kind of policy that the configuration can make instances of.
type PolicyType struct {
	// Name is the type's name in the configuration's policies[].type, e.g.
	// "max_output_tokens".
	Name string
	// Order places the type's instances in the admit phase: lower runs first; instances
	// of types with the same Order run in configuration order. The built-in orders are
	// listed in docs/extending.md (guardrails before quotas before the cache, so that a
	// refused request spends no quota and a cache hit passed every guardrail).
	Order int
	// New makes an instance from the configured options, as JSON (an empty object when
	// none are set). An error names the option it is about, relative to the options
	// (e.g. "limit: must be positive"); New prefixes the instance's path.
	New func(options []byte) (Policy, error)
}

// Orders of the policy kinds the admit phase knows of; a type picks the one it belongs
// with, or a value in between.
const (
	// OrderGuardrail is for policies that check or rewrite the request's content.
	OrderGuardrail = 100
	// OrderQuota is for rate limits, quotas and budgets.
	OrderQuota = 200
	// OrderCache is for policies that answer from stored replies.
	OrderCache = 300
)

// Registry holds policy types by name. Build it before the gateway; it is read-only
// once handed to New.
type Registry struct {
	types map[string]PolicyType
}

// NewRegistry returns a registry holding types. Registering a name twice is an error.
func NewRegistry(types ...PolicyType) (*Registry, error) {
	r := &Registry{types: make(map[string]PolicyType, len(types))}
	for _, t := range types {
		if err := r.Register(t); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Register adds a type.
func (r *Registry) Register(t PolicyType) error {
	switch {
	case t.Name == "":
		return fmt.Errorf("policy type without a name")
	case t.New == nil:
		return fmt.Errorf("policy type %q: New is nil", t.Name)
	}
	if _, dup := r.types[t.Name]; dup {
		return fmt.Errorf("policy type %q is registered twice", t.Name)
	}
	r.types[t.Name] = t
	return nil
}

// Lookup returns the type registered as name.
func (r *Registry) Lookup(name string) (PolicyType, bool) {
	if r == nil {
		return PolicyType{}, false
	}
	t, ok := r.types[name]
	return t, ok
}

// Names returns the registered type names, sorted.
func (r *Registry) Names() []string {
	if r == nil {
		return nil
	}
	out := make([]string, 0, len(r.types))
	for n := range r.types {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// WithPolicies gives the gateway the policy types the configuration's policies may
// name. Without it, a configuration with policies fails to build.
func WithPolicies(r *Registry) Option { return func(g *Gateway) { g.registry = r } }

// Call is what a policy sees of a request. Its fields must not be changed, except
// where a field says so.
type Call struct {
	// Endpoint is the kind of request: EndpointChat, EndpointEmbeddings or
	// EndpointPassthrough.
	Endpoint string
	// KeyName is the authenticated virtual key's name.
	KeyName string
	// Model is the public model the request names ("" for passthrough endpoints that
	// name none).
	Model string
	// Stream is true when the client asked for a streamed answer.
	Stream bool
	// Header gives the client request's header fields.
	Header translate.HeaderGetter
	// Chat is the decoded chat request (Endpoint is EndpointChat), else nil.
	Chat *schema.ChatRequest
	// Embeddings is the decoded embeddings request, else nil.
	Embeddings *schema.EmbeddingsRequest
	// Body is the request body as the client sent it.
	Body []byte
	// Now is the time the request arrived.
	Now time.Time
	// Results are the results of the store operations this policy's last Decision
	// asked for, in their order, when Admit is called again for them; nil on the first
	// call. StoreErr is set instead when the store could not carry them out (it is
	// unreachable, or the adapter cannot do such operations): the policy decides whether
	// to let the request through or refuse it.
	Results  []store.Result
	StoreErr error
}

// Decision is a policy's answer. The zero Decision lets the request go on.
type Decision struct {
	// Reply, when set, ends the request with this answer: a refusal, or a reply the
	// policy made itself.
	Reply *Reply
	// Ops, when set (and Reply is not), are the store operations the policy needs
	// before it can decide: the adapter carries them out in one round trip and the
	// policy's Admit is called again with their results.
	Ops []store.Op
}

// Need asks for store operations before the policy decides.
func Need(ops ...store.Op) Decision { return Decision{Ops: ops} }

// Continue lets the request go on to the next policy.
func Continue() Decision { return Decision{} }

// Refuse ends the request with e in OpenAI's error shape.
func Refuse(e *translate.Error) Decision { return Decision{Reply: errorReply(e)} }

// Answer ends the request with r.
func Answer(r *Reply) Decision { return Decision{Reply: r} }

// policyInstance is a configured instance with what it applies to.
type policyInstance struct {
	name   string
	order  int
	policy Policy
	keys   map[string]bool // nil: every key
	models map[string]bool // nil: every model
}

// applies reports whether the instance applies to a request of key for model.
func (p *policyInstance) applies(key, model string) bool {
	return (p.keys == nil || p.keys[key]) && (p.models == nil || p.models[model])
}

// buildPolicies makes the configuration's policy instances, in the order they run.
func buildPolicies(ps []config.Policy, r *Registry) ([]*policyInstance, error) {
	out := make([]*policyInstance, 0, len(ps))
	for i := range ps {
		in, err := r.instance(i, &ps[i])
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	slices.SortStableFunc(out, func(a, b *policyInstance) int { return a.order - b.order })
	return out, nil
}

// Check makes the instance configured as policies[i], as New would, and returns the
// error New would return for it: an unknown type, or options the type refuses.
func (r *Registry) Check(i int, c *config.Policy) error {
	_, err := r.instance(i, c)
	return err
}

// instance makes the instance configured as policies[i].
func (r *Registry) instance(i int, c *config.Policy) (*policyInstance, error) {
	path := "policies[" + strconv.Itoa(i) + "]"
	t, ok := r.Lookup(c.Type)
	if !ok {
		msg := "unknown policy type " + strconv.Quote(c.Type)
		if names := r.Names(); len(names) > 0 {
			msg += " (this gateway has: " + strings.Join(names, ", ") + ")"
		} else {
			msg += " (this gateway has no policy types)"
		}
		return nil, fmt.Errorf("%s.type: %s", path, msg)
	}
	opts := []byte("{}")
	if len(c.Options) > 0 {
		b, err := json.Marshal(c.Options)
		if err != nil {
			return nil, fmt.Errorf("%s.options: %v", path, err)
		}
		opts = b
	}
	p, err := t.New(opts)
	if err != nil {
		return nil, fmt.Errorf("%s.options.%v", path, err)
	}
	in := &policyInstance{name: c.Name, order: t.Order, policy: p}
	if len(c.VirtualKeys) > 0 {
		in.keys = set(c.VirtualKeys)
	}
	if len(c.Models) > 0 {
		in.models = set(c.Models)
	}
	return in, nil
}

func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// admit starts the admit phase: the policies that apply to the exchange's request run
// in order, until one answers or asks for store operations (Pending).
func (x *Exchange) admit(r *Request) {
	if len(x.g.policies) == 0 || x.Reply != nil {
		return
	}
	x.call = &Call{Endpoint: x.Endpoint, KeyName: x.KeyName, Model: x.Model, Stream: x.Stream,
		Header: r.Header, Chat: x.chat, Embeddings: x.embeddings, Body: r.Body, Now: r.Now}
	x.runPolicies(0)
}

// runPolicies asks the policies from the i-th on.
func (x *Exchange) runPolicies(i int) {
	for ; i < len(x.g.policies); i++ {
		p := x.g.policies[i]
		if !p.applies(x.KeyName, x.Model) {
			continue
		}
		d := p.policy.Admit(x.call)
		x.call.Results, x.call.StoreErr = nil, nil
		switch {
		case d.Reply != nil:
			x.Reply, x.Policy = d.Reply, p.name
			x.call = nil
			return
		case len(d.Ops) > 0:
			x.pending, x.asking = d.Ops, i
			return
		}
	}
	x.call = nil
}

// Pending returns the store operations a policy of the admit phase needs before the
// exchange can go on, or nil. The adapter carries them out in one round trip and hands
// the results to Resume; until then the exchange has no Reply and no attempt (Next and
// Providers answer a 500 if asked).
func (x *Exchange) Pending() []store.Op { return x.pending }

// Resume gives the policy that asked for the Pending operations their results (or err,
// when the store could not carry them out), and goes on with the admit phase.
func (x *Exchange) Resume(results []store.Result, err error) {
	if x.pending == nil {
		return
	}
	if err == nil && len(results) != len(x.pending) {
		err = errors.New("the store returned " + strconv.Itoa(len(results)) + " results for " + strconv.Itoa(len(x.pending)) + " operations")
	}
	x.pending = nil
	x.call.Results, x.call.StoreErr = results, err
	x.runPolicies(x.asking)
}

// DecodeOptions decodes a policy instance's options (the JSON a PolicyType's New is
// given) into v, a pointer to a struct with json tags. Unknown options are errors. An
// error reads "NAME: problem" in the configuration's terms (no Go types), for New to
// return as it is.
func DecodeOptions(options []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(options))
	d.DisallowUnknownFields()
	err := d.Decode(v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return errors.New(te.Field + ": expected " + jsonKind(te.Type.Kind()) + ", got " + te.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if n, uerr := strconv.Unquote(name); uerr == nil {
			name = n
		}
		return errors.New(name + ": unknown option")
	}
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names a Go kind the way a configuration's author knows it.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return "another type"
}

// unresumed ends an exchange whose adapter asked for attempts while a policy still
// waited for store operations: a fault of the adapter, answered as one.
func (x *Exchange) unresumed() {
	x.pending = nil
	x.fail(&translate.Error{Status: 500, Type: translate.TypeServer, Code: "internal_error",
		Message: "the store operations of policy " + strconv.Quote(x.g.policies[x.asking].name) + " were not carried out"})
}
