package gemini

import (
	"slices"
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake/geminifake"
	"github.com/franca-gw/franca/internal/ssetest"
	"github.com/franca-gw/franca/translate/event"
)

// TestStreamEvents checks the typed events the decoder sends, the stream cut at every
// offset; TestStream checks the bytes the OpenAI encoder makes of them.
func TestStreamEvents(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"text, the provider's escapes kept", geminifake.StreamText, []string{
			`start id="chatcmpl-mJ7aaPq5Ad6kz7IPq8fE8Q0" model="gemini-2.5-flash" created=1700000000`,
			`text choice=0 role text="Hello"`,
			`text choice=0 text=", \"world\"!\nÇa va? <b>"`,
			`text choice=0 text=" Bye."`,
			`finish choice=0 reason=stop`,
			`usage prompt=9 completion=12 total=21 cached=0 reasoning=0`,
			`done`,
		}},
		{"thinking", geminifake.StreamThinking, []string{
			`start id="chatcmpl-thinkResp01" model="gemini-2.5-pro" created=1700000000`,
			`reasoning choice=0 role text="**Weighing the question**\n\nThe user asks for a number."`,
			`text choice=0 text="42"`,
			`finish choice=0 reason=stop`,
			`usage prompt=12 completion=49 total=61 cached=8 reasoning=48`,
			`done`,
		}},
		{"function calls come whole", geminifake.StreamFunctionCall, []string{
			`start id="chatcmpl-fcResp02" model="gemini-2.5-flash" created=1700000000`,
			`tool_call choice=0 tool=0 role id="call_0_0~ts~CqUBAcu98PBsig==" name="get_weather" text="{\"city\":\"Paris\",\"unit\":\"celsius\"}"`,
			`tool_call choice=0 tool=1 id="fc-2" name="get_time" text="{\"tz\":\"Europe/Paris\"}"`,
			`finish choice=0 reason=tool_calls`,
			`usage prompt=40 completion=18 total=58 cached=0 reasoning=0`,
			`done`,
		}},
		{"prompt blocked", geminifake.StreamPromptBlocked, []string{
			`start id="chatcmpl-blockResp04" model="gemini-2.5-flash" created=1700000000`,
			`finish choice=0 role reason=content_filter`,
			`usage prompt=6 completion=0 total=6 cached=0 reasoning=0`,
			`done`,
		}},
		{"error mid-stream", geminifake.StreamError, []string{
			`start id="chatcmpl-errResp05" model="gemini-2.5-flash" created=1700000000`,
			`text choice=0 role text="Partial"`,
			`error "{\"error\":{\"message\":\"The model is overloaded. Please try again later.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"`,
		}},
		{"an error beside candidates: the error alone", geminifake.Frame(
			`{"candidates": [{"content": {"parts": [{"text": "lost"}]},"finishReason": "STOP"}],"error": {"code": 503,"message": "down","status": "UNAVAILABLE"},"responseId": "e"}`), []string{
			`start id="chatcmpl-e" model="gemini-2.5-flash" created=1700000000`,
			`error "{\"error\":{\"message\":\"down\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"`,
		}},
		{"logprobs go with the first text, and with the finish", geminifake.Frame(
			`{"candidates": [{"content": {"parts": [{"text": "Hi"}],"role": "model"},"index": 0,"logprobsResult": {"topCandidates": [{"candidates": [{"token": "Hi","logProbability": -0.5}]}],"chosenCandidates": [{"token": "Hi","logProbability": -0.5}]}}],"responseId": "lp"}`,
			`{"candidates": [{"content": {"parts": [{"text": ""}],"role": "model"},"finishReason": "STOP","index": 0,"logprobsResult": {"topCandidates": [],"chosenCandidates": []}}],"responseId": "lp"}`), []string{
			`start id="chatcmpl-lp" model="gemini-2.5-flash" created=1700000000`,
			`text choice=0 role text="Hi" logprobs={"content":[{"token":"Hi","logprob":-0.5,"bytes":[72,105],"top_logprobs":[{"token":"Hi","logprob":-0.5,"bytes":[72,105]}]}],"refusal":null}`,
			`finish choice=0 reason=stop logprobs={"content":[],"refusal":null}`,
			`usage prompt=0 completion=0 total=0 cached=0 reasoning=0`,
			`done`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := chatRequest(t, reqUsage)
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
