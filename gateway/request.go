package gateway

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/franca-gw/franca/config"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

// Request is a client request as the adapter received it.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the URL path, e.g. "/v1/chat/completions". Everything up to and including
	// the first "/v1" segment is ignored, so Franca may be mounted under any prefix.
	Path string
	// Query is the raw query string, without "?".
	Query string
	// Header gives the request's header fields.
	Header translate.HeaderGetter
	// Body is the whole request body.
	Body []byte
	// Now is the time the request arrived.
	Now time.Time
}

// Endpoint kinds.
const (
	EndpointChat        = "chat"
	EndpointEmbeddings  = "embeddings"
	EndpointModels      = "models"
	EndpointPassthrough = "passthrough"
	EndpointStatus      = "status"
)

// Handle authenticates and routes r. The returned exchange either holds the complete Reply
// or hands out upstream attempts with Next. It is Authenticate followed by the caller's
// Handle, for adapters that have the whole request at once.
func (g *Gateway) Handle(r *Request) *Exchange {
	vk, err := g.authenticate(r.Header, r.Now)
	if err != nil {
		return &Exchange{Reply: errorReply(err), created: r.Now.Unix()}
	}
	return g.route(vk, r, true)
}

// Caller is a client whose virtual key Authenticate accepted. Its Handle is the step that
// needs the body.
type Caller struct {
	g  *Gateway
	vk *virtualKey
}

// KeyName returns the name of the caller's virtual key.
func (c *Caller) KeyName() string { return c.vk.cfg.Name }

// Authenticate checks the virtual key in the request header alone (Authorization: Bearer
// or api-key), at now. It returns the caller, or the complete error reply (401) when the
// key is missing, unknown, disabled or expired. Adapters call it before they read the
// body, so that a request that will be refused never has its body buffered.
func (g *Gateway) Authenticate(h translate.HeaderGetter, now time.Time) (*Caller, *Reply) {
	vk, err := g.authenticate(h, now)
	if err != nil {
		return nil, errorReply(err)
	}
	return &Caller{g: g, vk: vk}, nil
}

// Handle routes r, whose header Authenticate accepted, on behalf of the caller: r is
// the whole request, body included. The returned exchange either holds the complete
// Reply or hands out upstream attempts with Next.
func (c *Caller) Handle(r *Request) *Exchange { return c.g.route(c.vk, r, true) }

// route handles r on behalf of the authenticated key vk. admit says whether the admit
// phase's policies run: they run once per client request, not again in a later stage.
func (g *Gateway) route(vk *virtualKey, r *Request, admit bool) *Exchange {
	x := &Exchange{created: r.Now.Unix(), g: g, deadline: r.Now.Add(time.Duration(g.routing.Deadline))}
	endpoint := apiPath(r.Path)
	x.KeyName = vk.cfg.Name
	if int64(len(r.Body)) > g.maxBody {
		return x.fail(g.TooLarge())
	}
	switch {
	case endpoint == "/chat/completions":
		x.Endpoint = EndpointChat
		if r.Method != "POST" {
			return x.fail(methodNotAllowed(r.Method, endpoint))
		}
		g.routeChat(x, vk, r)
	case endpoint == "/embeddings":
		x.Endpoint = EndpointEmbeddings
		if r.Method != "POST" {
			return x.fail(methodNotAllowed(r.Method, endpoint))
		}
		g.routeEmbeddings(x, vk, r)
	case endpoint == "/models":
		x.Endpoint = EndpointModels
		if r.Method != "GET" {
			return x.fail(methodNotAllowed(r.Method, endpoint))
		}
		x.Reply = jsonReply(200, g.modelList(vk))
	case endpoint == "/status" && r.Method == "GET":
		x.Endpoint = EndpointStatus
		if !vk.cfg.Can(config.PermissionStatus) {
			return x.fail(&translate.Error{Status: 403, Type: translate.TypePermission, Code: "permission_denied",
				Message: "The virtual key " + strconv.Quote(vk.cfg.Name) + " may not read /v1/status: it needs permissions: [status] in its configuration."})
		}
		x.Reply = g.statusReply()
	case strings.HasPrefix(endpoint, "/models/") && r.Method == "GET":
		x.Endpoint = EndpointModels
		g.model(x, vk, endpoint[len("/models/"):])
	case !routed(endpoint) && routed(apiPath(strings.ToLower(r.Path))):
		// "/v1/Chat/Completions", "/V1/embeddings": OpenAI's paths are lower case, and a
		// spelling of an endpoint Franca answers itself must not reach passthrough.
		return x.fail(&translate.Error{Status: 404, Type: translate.TypeInvalidRequest, Code: "unknown_url",
			Message: "Unknown request URL: " + r.Method + " " + r.Path + ". Paths are case-sensitive; did you mean " + strings.ToLower(r.Path) + "?"})
	default:
		x.Endpoint = EndpointPassthrough
		g.routePassthrough(x, vk, r, endpoint)
	}
	if admit && x.Endpoint != EndpointModels && x.Endpoint != EndpointStatus {
		x.admit(r)
	}
	return x
}

// routed reports whether Franca answers endpoint itself rather than passing it through,
// for some method.
func routed(endpoint string) bool {
	switch endpoint {
	case "/chat/completions", "/embeddings", "/models", "/status":
		return true
	}
	return strings.HasPrefix(endpoint, "/models/")
}

// TooLarge is the error for a body over MaxRequestBytes.
func (g *Gateway) TooLarge() *translate.Error {
	return &translate.Error{Status: 413, Type: translate.TypeInvalidRequest, Code: "request_too_large",
		Message: "request body is larger than the limit of " + strconv.FormatInt(g.maxBody, 10) + " bytes"}
}

// apiPath returns the path after the first "/v1" segment, or the whole path if it has none.
func apiPath(p string) string {
	for i := 0; i+3 <= len(p); i++ {
		if p[i:i+3] == "/v1" && (i+3 == len(p) || p[i+3] == '/') {
			return p[i+3:]
		}
	}
	return p
}

func methodNotAllowed(method, endpoint string) *translate.Error {
	return &translate.Error{Status: 405, Type: translate.TypeInvalidRequest, Code: "method_not_allowed",
		Message: "method " + method + " is not allowed on /v1" + endpoint}
}

// authenticate finds the virtual key presented as "Authorization: Bearer KEY" or "api-key: KEY".
func (g *Gateway) authenticate(h translate.HeaderGetter, now time.Time) (*virtualKey, *translate.Error) {
	key := ""
	if a := h.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		key = strings.TrimSpace(a[7:])
	} else if a := h.Get("Api-Key"); a != "" {
		key = a
	}
	if key == "" {
		return nil, &translate.Error{Status: 401, Type: translate.TypeInvalidRequest, Code: "missing_api_key",
			Message: "You didn't provide an API key. Send your Franca virtual key as 'Authorization: Bearer KEY'."}
	}
	sum := sha256.Sum256([]byte(key))
	var hash [7 + 64]byte
	copy(hash[:], "sha256:")
	hex.Encode(hash[7:], sum[:])
	vk := g.keys[string(hash[:])]
	// The map lookup is by a hash of the key, which tells an observer nothing about the
	// key; the comparison below is constant-time all the same.
	if vk == nil || subtle.ConstantTimeCompare([]byte(vk.cfg.Hash), hash[:]) != 1 {
		return nil, &translate.Error{Status: 401, Type: translate.TypeInvalidRequest, Code: "invalid_api_key",
			Message: "Incorrect API key provided. Check the Franca virtual key you sent."}
	}
	return vk, usable(vk, now)
}

// usable checks that a known key may be used at now: it is neither disabled nor expired.
func usable(vk *virtualKey, now time.Time) *translate.Error {
	if vk.cfg.Disabled {
		return &translate.Error{Status: 401, Type: translate.TypeInvalidRequest, Code: "key_disabled",
			Message: "The virtual key " + strconv.Quote(vk.cfg.Name) + " is disabled."}
	}
	if vk.cfg.ExpiresAt != nil && !now.Before(*vk.cfg.ExpiresAt) {
		return &translate.Error{Status: 401, Type: translate.TypeInvalidRequest, Code: "key_expired",
			Message: "The virtual key " + strconv.Quote(vk.cfg.Name) + " expired at " + vk.cfg.ExpiresAt.UTC().Format(time.RFC3339) + "."}
	}
	return nil
}

// resolve finds the public model and checks the key may use it.
func (g *Gateway) resolve(vk *virtualKey, model string) (*route, *translate.Error) {
	if model == "" {
		return nil, &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "missing_required_parameter",
			Param: "model", Message: "you must provide a model parameter"}
	}
	r := g.models[model]
	if r == nil {
		return nil, &translate.Error{Status: 404, Type: translate.TypeInvalidRequest, Code: "model_not_found", Param: "model",
			Message: "The model " + strconv.Quote(model) + " does not exist or is not configured in Franca."}
	}
	if !vk.all && !vk.models[model] {
		return nil, &translate.Error{Status: 403, Type: translate.TypePermission, Code: "model_not_allowed", Param: "model",
			Message: "The virtual key " + strconv.Quote(vk.cfg.Name) + " is not allowed to use model " + strconv.Quote(model) + "."}
	}
	return r, nil
}

func (g *Gateway) routeChat(x *Exchange, vk *virtualKey, r *Request) {
	var req schema.ChatRequest
	if err := decodeChatBody(r.Body, &req); err != nil {
		x.fail(err)
		return
	}
	rt, err := g.resolve(vk, req.Model)
	if err != nil {
		x.fail(err)
		return
	}
	if len(req.Messages) == 0 {
		x.fail(&translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "missing_required_parameter",
			Param: "messages", Message: "messages must be a non-empty array"})
		return
	}
	for i := range req.Messages {
		role := req.Messages[i].Role
		switch role {
		case "system", "developer", "user", "assistant", "tool", "function":
			continue
		}
		param := "messages[" + strconv.Itoa(i) + "].role"
		switch role {
		case "":
			x.fail(&translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "missing_required_parameter",
				Param: param, Message: "Missing required parameter: '" + param + "'."})
			return
		default:
			x.fail(&translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "invalid_value", Param: param,
				Message: "Invalid value for '" + param + "': expected 'system', 'developer', 'user', 'assistant', 'tool' or 'function', but got " + strconv.Quote(role) + " instead."})
			return
		}
	}
	x.Model, x.Stream = req.Model, req.Stream
	x.route, x.raw, x.chat = rt, r.Body, &req
}

func (g *Gateway) routeEmbeddings(x *Exchange, vk *virtualKey, r *Request) {
	var req schema.EmbeddingsRequest
	if err := decodeBody(r.Body, &req, embeddingsShape); err != nil {
		x.fail(err)
		return
	}
	rt, err := g.resolve(vk, req.Model)
	if err != nil {
		x.fail(err)
		return
	}
	if len(req.Input.Strings) == 0 && req.Input.Tokens == nil {
		x.fail(&translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "missing_required_parameter",
			Param: "input", Message: "input must be a non-empty string or array"})
		return
	}
	x.Model = req.Model
	x.route, x.raw, x.embeddings = rt, r.Body, &req
}

// decodeBody parses a JSON body into v, which must decode as s describes, and turns
// failures into OpenAI's 400s: invalid_json for a body that is not JSON, invalid_type
// (or invalid_value, missing_required_parameter) naming the parameter at fault and what
// it must be, in JSON terms, for a body that is JSON. Never a Go type: encoding/json's
// own errors are replaced by what walking s finds.
func decodeBody(body []byte, v any, s *shape) *translate.Error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "invalid_json",
			Message: "the request body is empty; expected a JSON object"}
	}
	err := json.Unmarshal(body, v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "invalid_json",
			Message: "We could not parse the JSON body of your request: " + se.Error() + " (at byte " + strconv.FormatInt(se.Offset, 10) + ")"}
	}
	if e := s.caseVariant(body); e != nil {
		return e
	}
	// The shape is stricter than encoding/json (raw members that must be objects), so
	// it is walked on success too.
	if e := s.walk(body, ""); e != nil {
		return e
	}
	if err != nil {
		// Only what the shape does not describe gets here (nesting too deep to walk):
		// encoding/json's wording names Go types, which mean nothing to a client.
		return &translate.Error{Status: 400, Type: translate.TypeInvalidRequest, Code: "invalid_json",
			Message: "We could not decode the JSON body of your request."}
	}
	return nil
}
