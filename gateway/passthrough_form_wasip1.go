//go:build wasip1

package gateway

import "github.com/franca-gw/franca/translate"

// formModel refuses multipart/form-data bodies in the Envoy filter: reading a form needs
// the standard library's mime/multipart, whose mime package reaches for the file system
// when it starts (/etc/mime.types), and the WASI imports that brings (path_open,
// path_filestat_get) are not exported by the Wasm host of every Envoy the filter
// supports, which would refuse to load the whole module. Caddy reads such bodies.
func formModel([]byte, string) (string, *translate.Error) {
	return "", &translate.Error{Status: 415, Type: translate.TypeInvalidRequest, Code: "unsupported_media_type",
		Message: "multipart/form-data bodies (audio transcriptions, image edits, file uploads) are not supported by Franca's Envoy filter; send them through Franca in Caddy"}
}
