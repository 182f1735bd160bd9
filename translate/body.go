package translate

import "strings"

// BodyKind is how a request body that Franca forwards without translating is read.
type BodyKind int

// Body kinds.
const (
	// BodyEmpty is an empty body.
	BodyEmpty BodyKind = iota
	// BodyJSON is a JSON document.
	BodyJSON
	// BodyMultipart is a multipart/form-data form with a boundary.
	BodyMultipart
	// BodyOther is anything else: Franca cannot tell which model it names, if any.
	BodyOther
)

// KindOf classifies a body by what it is, not only by what its Content-Type says, so that
// the gateway (which checks the model a request names) and the translator (which rewrites
// it) always read a body the same way, and as a lenient upstream would:
//
//   - a multipart/form-data content type with a boundary parameter makes the body
//     multipart (whatever it looks like), and boundary is returned;
//   - otherwise a body whose first byte other than white space (or a UTF-8 byte order
//     mark) is '{' is JSON, whatever the content type says (text/plain, curl's default
//     application/x-www-form-urlencoded, none …); so is any body whose media type names
//     JSON (application/json, application/vnd.api+json, text/json …);
//   - anything else is BodyOther.
//
// Media types are compared without regard to case or surrounding white space.
func KindOf(contentType string, body []byte) (kind BodyKind, boundary string) {
	if len(body) == 0 {
		return BodyEmpty, ""
	}
	// A malformed parameter list: the media type still says what the body claims to be,
	// but no boundary is trusted.
	mt, params, ok := ParseMediaType(contentType)
	if !ok {
		params = nil
	}
	switch {
	case mt == "multipart/form-data" && params["boundary"] != "":
		return BodyMultipart, params["boundary"]
	case firstByte(body) == '{' || strings.Contains(mt, "json"):
		return BodyJSON, ""
	}
	return BodyOther, ""
}

// firstByte returns the first byte of b after white space and a UTF-8 byte order mark,
// or 0.
func firstByte(b []byte) byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		b = b[3:]
	}
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c
		}
	}
	return 0
}
