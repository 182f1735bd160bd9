package gateway

import (
	"encoding/json"
	"strconv"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/schema"
)

// modelList answers GET /v1/models with the public models the key may use, in
// configuration order.
func (g *Gateway) modelList(vk *virtualKey) []byte {
	list := schema.ModelList{Object: "list", Data: make([]schema.Model, 0, len(g.order))}
	for _, r := range g.order {
		if vk.all || vk.models[r.name] {
			list.Data = append(list.Data, modelEntry(r))
		}
	}
	b, _ := json.Marshal(list)
	return b
}

// model answers GET /v1/models/{id}.
func (g *Gateway) model(x *Exchange, vk *virtualKey, id string) {
	r := g.models[id]
	if r == nil || !(vk.all || vk.models[id]) {
		x.fail(&translate.Error{Status: 404, Type: translate.TypeInvalidRequest, Code: "model_not_found", Param: "model",
			Message: "The model " + strconv.Quote(id) + " does not exist or you do not have access to it."})
		return
	}
	b, _ := json.Marshal(modelEntry(r))
	x.Model = id
	x.Reply = jsonReply(200, b)
}

// modelEntry describes a public model; it is owned by its first target's provider.
// Created is 0: Franca's models have no creation date.
func modelEntry(r *route) schema.Model {
	owner := "franca"
	if len(r.targets) > 0 {
		owner = r.targets[0].provider.name
	}
	return schema.Model{ID: r.name, Object: "model", OwnedBy: owner}
}
