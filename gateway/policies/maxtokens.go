package policies

import (
	"errors"
	"strconv"

	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/translate"
)

// MaxOutputTokens is the policy type "max_output_tokens": it refuses a chat request
// whose max_completion_tokens (or max_tokens) is above a limit, so that no single
// request can run up a large answer; with required set, it also refuses a request that
// sets neither, which would otherwise get the provider's own maximum. Refusals are 400s
// naming the parameter, as OpenAI answers an invalid value. Other endpoints pass.
//
// Options:
//
//	limit: the largest value allowed (required, at least 1)
//	required: refuse chat requests that set no maximum (default false)
func MaxOutputTokens() gateway.PolicyType {
	return gateway.PolicyType{Name: "max_output_tokens", Order: gateway.OrderGuardrail, New: newMaxOutputTokens}
}

type maxOutputTokens struct {
	limit    int
	required bool
}

func newMaxOutputTokens(options []byte) (gateway.Policy, error) {
	var o struct {
		Limit    *int `json:"limit"`
		Required bool `json:"required"`
	}
	if err := gateway.DecodeOptions(options, &o); err != nil {
		return nil, err
	}
	switch {
	case o.Limit == nil:
		return nil, errors.New("limit: required")
	case *o.Limit < 1:
		return nil, errors.New("limit: must be at least 1")
	}
	return &maxOutputTokens{limit: *o.Limit, required: o.Required}, nil
}

// Admit refuses a chat request over the limit, or without one when it is required.
func (p *maxOutputTokens) Admit(c *gateway.Call) gateway.Decision {
	if c.Chat == nil {
		return gateway.Continue()
	}
	param, v := "max_completion_tokens", c.Chat.MaxCompletionTokens
	if v == nil {
		param, v = "max_tokens", c.Chat.MaxTokens
	}
	limit := strconv.Itoa(p.limit)
	switch {
	case v == nil && p.required:
		return gateway.Refuse(&translate.Error{Status: 400, Type: translate.TypeInvalidRequest,
			Code: "missing_required_parameter", Param: "max_completion_tokens",
			Message: "max_completion_tokens (or max_tokens) is required here; at most " + limit + " is allowed"})
	case v != nil && *v > p.limit:
		return gateway.Refuse(&translate.Error{Status: 400, Type: translate.TypeInvalidRequest,
			Code: "invalid_value", Param: param,
			Message: param + " is too large: " + strconv.Itoa(*v) + "; at most " + limit + " is allowed here"})
	}
	return gateway.Continue()
}
