package requireheader_test

import (
	"testing"

	"github.com/franca-gw/franca/examples/requireheader"
	"github.com/franca-gw/franca/gateway"
	"github.com/franca-gw/franca/translate"
)

func TestRequireHeader(t *testing.T) {
	p, err := requireheader.New([]byte(`{"header":"x-team","values":["search","billing"]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		header translate.Headers
		want   string // the refusal's body, "" when the request goes on
	}{
		{translate.Headers{{Name: "X-Team", Value: "search"}}, ""},
		{translate.Headers{{Name: "x-team", Value: "billing"}}, ""},
		{nil, `{"error":{"message":"this request must carry the header X-Team","type":"invalid_request_error","param":null,"code":"missing_required_header"}}`},
		{translate.Headers{{Name: "X-Team", Value: "ads"}}, `{"error":{"message":"the header X-Team must be one of \"search\", \"billing\"","type":"invalid_request_error","param":null,"code":"invalid_header_value"}}`},
	} {
		d := p.Admit(&gateway.Call{Endpoint: gateway.EndpointChat, Header: tc.header})
		switch {
		case tc.want == "" && d.Reply != nil:
			t.Errorf("%v: refused: %s", tc.header, d.Reply.Body)
		case tc.want != "" && (d.Reply == nil || d.Reply.Status != 400 || string(d.Reply.Body) != tc.want):
			t.Errorf("%v: got %+v\nwant 400 %s", tc.header, d.Reply, tc.want)
		}
	}
}

func TestRequireHeaderOptions(t *testing.T) {
	for _, tc := range []struct{ options, want string }{
		{`{}`, "header: required"},
		{`{"header":"X-Team","value":"a"}`, `value: unknown option`},
		{`{"header":5}`, `header: expected a string, got number`},
	} {
		if _, err := requireheader.New([]byte(tc.options)); err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v\nwant %s", tc.options, err, tc.want)
		}
	}
}
