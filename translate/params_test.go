package translate

import "testing"

func TestCheckChatParams(t *testing.T) {
	const unsupported = "unsupported_parameter"
	tests := []struct {
		name, raw   string
		ok          bool
		param, code string
	}{
		{"empty body (built in code)", ``, true, "", ""},
		{"known parameters", `{"model":"m","messages":[],"temperature":1,"safety_identifier":"s","verbosity":"low"}`, true, "", ""},
		{"known parameter written with escapes", `{"mod\u0065l":"m"}`, true, "", ""},
		{"unknown parameter that is null", ` {"model":"m", "top_k" : null} `, true, "", ""},
		{"unknown parameter", `{"model":"m","top_k":40,"also_unknown":1}`, false, "top_k", unsupported},
		{"unknown parameter written with escapes", `{"top\u005fk":false}`, false, "top_k", unsupported},
		{"wrong case", `{"Model":"m"}`, false, "Model", unsupported},
		{"empty name", `{"":1}`, false, "", unsupported},
		{"null", `null`, true, "", ""},
		{"not an object", `[1]`, true, "", ""},
		{"unknown parameter before a fault", `{"top_k":1,}`, false, "top_k", unsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := CheckChatParams([]byte(tc.raw), "gemini")
			if tc.ok {
				if e != nil {
					t.Fatalf("refused: %v", e)
				}
				return
			}
			if e == nil {
				t.Fatal("accepted")
			}
			if e.Status != 400 || e.Type != TypeInvalidRequest || e.Param != tc.param || e.Code != tc.code {
				t.Fatalf("error %+v, want param %q code %q", e, tc.param, tc.code)
			}
		})
	}
	e := CheckChatParams([]byte(`{"temprature":0.5}`), "anthropic")
	want := `{"error":{"message":"parameter \"temprature\" is not supported by provider type anthropic","type":"invalid_request_error","param":"temprature","code":"unsupported_parameter"}}`
	if got := string(e.JSON()); got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

func TestCheckChatParamsAllocs(t *testing.T) {
	raw := []byte(`{"model":"m","messages":[{"role":"user","content":"Hi"}],"temperature":0.2,"stream":true}`)
	if n := testing.AllocsPerRun(100, func() { CheckChatParams(raw, "gemini") }); n != 0 {
		t.Errorf("CheckChatParams allocates %v times", n)
	}
}
