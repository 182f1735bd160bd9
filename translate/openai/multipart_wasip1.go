//go:build wasip1

package openai

// setFormField leaves a multipart/form-data body as it is in the Envoy filter, which
// refuses such bodies before they reach a translator (gateway/passthrough_form_wasip1.go):
// mime/multipart would bring WASI imports Envoy's Wasm host may not export.
func setFormField(string, []byte, string, string) ([]byte, bool) { return nil, false }
