package anthropic

import (
	"slices"
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake/anthropicfake"
	"github.com/franca-gw/franca/internal/ssetest"
	"github.com/franca-gw/franca/translate/event"
)

// TestStreamEvents checks the typed events the decoder sends, the stream cut at every
// offset; TestStream* check the bytes the OpenAI encoder makes of them.
func TestStreamEvents(t *testing.T) {
	tests := []struct {
		name, req, in string
		want          []string
	}{
		{"tool calls", plainReq, anthropicfake.ToolUseStream, []string{
			`start id="chatcmpl-msg_014p7gG3wDgGV9EUtLvnow3U" model="claude-sonnet-4-5-20250929" created=1700000000`,
			`text choice=0 role text=""`,
			`text choice=0 text="Checking both."`,
			`tool_call choice=0 tool=0 id="toolu_01T1x1fJ34qAmk2tNTrN7Up6" name="get_weather" text=""`,
			`tool_args choice=0 tool=0 text="{\"location\":"`,
			`tool_args choice=0 tool=0 text=" \"Paris, France\"}"`,
			`tool_call choice=0 tool=1 id="toolu_01B8Vq2rBD3hAfJ2mV6f5hqX" name="get_time" text=""`,
			`tool_args choice=0 tool=1 text="{\"timezone\": \"Europe/Paris\"}"`,
			`finish choice=0 reason=tool_calls`,
			`usage prompt=472 completion=89 total=561 cached=0 reasoning=0`,
			`done`,
		}},
		{"thinking, cache read", plainReq, anthropicfake.ThinkingStream, []string{
			`start id="chatcmpl-msg_01Thk9eM5qzVf4sVw3bCz6Xy" model="claude-sonnet-4-5-20250929" created=1700000000`,
			`text choice=0 role text=""`,
			`reasoning choice=0 text="Let me solve this step by step:\n\n1. First break down 27 * 453"`,
			`reasoning choice=0 text="\n2. 453 = 400 + 50 + 3"`,
			`text choice=0 text="27 * 453 = 12,231"`,
			`finish choice=0 reason=stop`,
			`usage prompt=2042 completion=160 total=2202 cached=2000 reasoning=0`,
			`done`,
		}},
		{"error mid-stream", plainReq, anthropicfake.ErrorStream, []string{
			`start id="chatcmpl-msg_01Err3Hq8vZ2xYb6Wc4nTt7R" model="claude-sonnet-4-5-20250929" created=1700000000`,
			`text choice=0 role text=""`,
			`text choice=0 text="Once upon"`,
			`error "{\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\",\"param\":null,\"code\":\"overloaded\"}}"`,
		}},
		{"response_format tool becomes text", weatherReq, anthropicfake.JSONStream, []string{
			`start id="chatcmpl-msg_01Jsn8Kd3nR5tY7uI9oP2aS4" model="claude-sonnet-4-5-20250929" created=1700000000`,
			`text choice=0 role text=""`,
			`text choice=0 text="{\"city\": \"Paris\", "`,
			`text choice=0 text="\"temperature\": 21.5}"`,
			`finish choice=0 reason=stop`,
			`usage prompt=380 completion=41 total=421 cached=0 reasoning=0`,
			`done`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := parseRequest(t, tc.req)
			got, err := ssetest.Events(t, func() event.Decoder { return New().StreamDecoder(req, target()) }, []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
