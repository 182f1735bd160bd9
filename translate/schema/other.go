package schema

import (
	"bytes"
	"encoding/json"
	"errors"
)

// EmbeddingsRequest is the body of POST /v1/embeddings.
type EmbeddingsRequest struct {
	Model string `json:"model"`
	Input Input  `json:"input"`
	// EncodingFormat is "float" (the default) or "base64".
	EncodingFormat string `json:"encoding_format,omitempty"`
	Dimensions     *int   `json:"dimensions,omitempty"`
	User           string `json:"user,omitempty"`
}

// Input is the input of an embeddings request: one string, a list of strings, or token
// arrays. Strings holds the text inputs; Tokens is set instead when the input was tokens.
type Input struct {
	Strings []string
	// Single is true when the input was one string rather than a list.
	Single bool
	// Tokens holds the raw JSON when the input was token ids (an array of integers or of
	// arrays of integers), which only OpenAI-family providers accept.
	Tokens json.RawMessage
}

// UnmarshalJSON accepts a string, an array of strings, an array of integers or an array
// of arrays of integers.
func (in *Input) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*in = Input{}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		in.Strings, in.Single = []string{s}, true
		return nil
	}
	if err := json.Unmarshal(b, &in.Strings); err == nil {
		return nil
	}
	var ints []json.RawMessage
	if err := json.Unmarshal(b, &ints); err != nil {
		return errors.New("must be a string, an array of strings or an array of token ids")
	}
	in.Tokens = append(json.RawMessage(nil), b...)
	return nil
}

// MarshalJSON writes the input back in the form it came in.
func (in Input) MarshalJSON() ([]byte, error) {
	switch {
	case in.Tokens != nil:
		return in.Tokens, nil
	case in.Single && len(in.Strings) == 1:
		return json.Marshal(in.Strings[0])
	}
	return json.Marshal(in.Strings)
}

// EmbeddingsResponse is the list object answered by POST /v1/embeddings.
type EmbeddingsResponse struct {
	Object string      `json:"object"`
	Data   []Embedding `json:"data"`
	Model  string      `json:"model"`
	Usage  Usage       `json:"usage"`
}

// Embedding is one vector of an embeddings response. Embedding is a JSON array of
// floats, or a base64 string when encoding_format was "base64".
type Embedding struct {
	Object    string          `json:"object"`
	Index     int             `json:"index"`
	Embedding json.RawMessage `json:"embedding"`
}

// Model is one entry of GET /v1/models.
type Model struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// ModelList is the body of GET /v1/models.
type ModelList struct {
	Object string  `json:"object"`
	Data   []Model `json:"data"`
}
