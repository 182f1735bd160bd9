package gemini

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/jsonx"
	"github.com/franca-gw/franca/translate/schema"
)

func partParam(i, j int) string {
	return msgParam(i) + ".content[" + strconv.Itoa(j) + "]"
}

// userPart writes one content part of a user message.
func (w *contentsWriter) userPart(i, j int, p *schema.ContentPart) error {
	param := partParam(i, j)
	switch p.Type {
	case "text":
		if p.Text != "" {
			w.text("user", p.Text)
		}
		return nil
	case "image_url":
		if p.ImageURL == nil || p.ImageURL.URL == "" {
			return translate.BadRequest(param+".image_url.url", "an image_url part needs a url")
		}
		return w.media(param+".image_url.url", p.ImageURL.URL)
	case "input_audio":
		var a struct {
			Data   string `json:"data"`
			Format string `json:"format"`
		}
		if json.Unmarshal(p.InputAudio, &a) != nil || a.Data == "" {
			return translate.BadRequest(param+".input_audio", "input_audio needs data (base64) and format")
		}
		mime, ok := audioTypes[a.Format]
		if !ok {
			return translate.BadRequest(param+".input_audio.format", "format must be \"wav\" or \"mp3\"")
		}
		w.inlineData(mime, a.Data)
		return nil
	case "file":
		var f struct {
			FileData string `json:"file_data"`
			FileID   string `json:"file_id"`
		}
		if json.Unmarshal(p.File, &f) != nil {
			return translate.BadRequest(param+".file", "file must be an object")
		}
		if f.FileData == "" {
			if f.FileID != "" {
				return translate.Unsupported(param+".file.file_id", providerType)
			}
			return translate.BadRequest(param+".file.file_data", "a file part needs file_data (a base64 data: URL)")
		}
		mime, data, ok := parseDataURL(f.FileData)
		if !ok {
			return translate.BadRequest(param+".file.file_data", "file_data must be a data: URL with base64 data, e.g. data:application/pdf;base64,…")
		}
		w.inlineData(mime, data)
		return nil
	}
	return translate.BadRequest(param+".type", "content part type "+strconv.Quote(p.Type)+" is not supported by provider type gemini")
}

var audioTypes = map[string]string{"wav": "audio/wav", "mp3": "audio/mp3"}

// media writes an image given by data: URL (inline) or http(s) URL (fileData).
func (w *contentsWriter) media(param, u string) error {
	if strings.HasPrefix(u, "data:") {
		mime, data, ok := parseDataURL(u)
		if !ok {
			return translate.BadRequest(param, "a data: URL must be of the form data:<media type>;base64,<data>")
		}
		w.inlineData(mime, data)
		return nil
	}
	if !hasPrefixFold(u, "https://") && !hasPrefixFold(u, "http://") {
		return translate.BadRequest(param, "an image URL must be an http(s) URL or a base64 data: URL")
	}
	w.part("user")
	w.b = append(w.b, `{"fileData":{"mimeType":`...)
	w.b = jsonx.AppendString(w.b, imageTypeByExt(u))
	w.b = append(w.b, `,"fileUri":`...)
	w.b = jsonx.AppendString(w.b, u)
	w.b = append(w.b, "}}"...)
	return nil
}

func (w *contentsWriter) inlineData(mime, data string) {
	w.part("user")
	w.b = append(w.b, `{"inlineData":{"mimeType":`...)
	w.b = jsonx.AppendString(w.b, mime)
	w.b = append(w.b, `,"data":`...)
	w.b = jsonx.AppendString(w.b, data)
	w.b = append(w.b, "}}"...)
}

// parseDataURL splits data:<type>[;params];base64,<data>.
func parseDataURL(u string) (mime, data string, ok bool) {
	rest, found := strings.CutPrefix(u, "data:")
	if !found {
		return "", "", false
	}
	meta, data, found := strings.Cut(rest, ",")
	if !found || data == "" {
		return "", "", false
	}
	meta, found = strings.CutSuffix(meta, ";base64")
	if !found {
		return "", "", false
	}
	mime, _, _ = strings.Cut(meta, ";")
	if mime == "" || !strings.Contains(mime, "/") {
		return "", "", false
	}
	return mime, data, true
}

// imageTypes maps image file extensions to the media types Gemini accepts.
var imageTypes = map[string]string{
	"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "webp": "image/webp",
	"gif": "image/gif", "heic": "image/heic", "heif": "image/heif",
}

// imageTypeByExt guesses an image URL's media type from its path's extension; the default
// is image/jpeg.
func imageTypeByExt(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if i := strings.LastIndexByte(u, '/'); i >= 0 {
		u = u[i+1:]
	}
	if i := strings.LastIndexByte(u, '.'); i >= 0 {
		if t, ok := imageTypes[strings.ToLower(u[i+1:])]; ok {
			return t
		}
	}
	return "image/jpeg"
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// sigSep separates a Gemini thought signature from the rest of a tool call id. Gemini
// requires the signature of a function call back with the call, and an OpenAI client
// keeps nothing of a tool call but its id, name and arguments; so the signature rides in
// the id. '~' occurs neither in base64 nor in the ids Gemini or OpenAI make.
const sigSep = "~ts~"

// splitToolCallID returns the id without a thought signature, and the signature.
func splitToolCallID(id string) (base, sig string) {
	base, sig, _ = strings.Cut(id, sigSep)
	return base, sig
}
