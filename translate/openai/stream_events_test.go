package openai

import (
	"slices"
	"strings"
	"testing"

	"github.com/franca-gw/franca/internal/fake/openaifake"
	"github.com/franca-gw/franca/internal/ssetest"
	"github.com/franca-gw/franca/translate"
	"github.com/franca-gw/franca/translate/event"
	"github.com/franca-gw/franca/translate/openaisse"
	"github.com/franca-gw/franca/translate/schema"
)

// TestStreamEvents checks the typed events read out of forwarded chunks when they are
// asked for, the stream cut at every offset. Chunk events are counted, not compared:
// TestStreams checks the bytes made of them.
func TestStreamEvents(t *testing.T) {
	const (
		textStart   = `start observed id="chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT" model="gpt-4o-mini-2024-07-18" fingerprint="fp_06737a9306" created=1741569952`
		openAIUsage = `{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`
	)
	tests := []struct {
		name, in string
		chunks   int
		want     []string
	}{
		{"text and usage", openaifake.StreamTextUsage, 5, []string{
			textStart,
			`text observed choice=0 role text=""`,
			`text observed choice=0 text="Hello"`,
			`text observed choice=0 text="! How can I help? ✓"`,
			`finish observed choice=0 reason=stop`,
			`usage observed prompt=19 completion=10 total=29 cached=0 reasoning=0 json=` + openAIUsage,
			`done`,
		}},
		{"tool calls", openaifake.StreamToolCalls, 8, []string{
			`start observed id="chatcmpl-B9N4aTsu1Kc7n5iIkN6cbM2U2qQ3h" model="gpt-4o-2024-08-06" fingerprint="fp_f9f4fb6dbf" created=1741573468`,
			`tool_call observed choice=0 tool=0 role id="call_DdmO9pD3xa9XTPNJ32zg2hcA" name="get_weather" text=""`,
			`tool_args observed choice=0 tool=0 text="{\"lo"`,
			`tool_args observed choice=0 tool=0 text="cation\": \"Par"`,
			`tool_args observed choice=0 tool=0 text="is\"}"`,
			`tool_call observed choice=0 tool=1 id="call_5sZQmrgHLb1HQ5iAyhpBKrKl" name="get_time" text=""`,
			`tool_args observed choice=0 tool=1 text="{\"tz\": \"Europe/Paris\"}"`,
			`finish observed choice=0 reason=tool_calls`,
			`usage observed prompt=81 completion=46 total=127 cached=0 reasoning=0 json={"prompt_tokens":81,"completion_tokens":46,"total_tokens":127,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`,
			`done`,
		}},
		{"deepseek reasoning", openaifake.StreamDeepSeekReasoning, 5, []string{
			`start observed id="a8fb12e2-bc3d-4c5a-8b6f-0d2f5e0c9e11" model="deepseek-reasoner" fingerprint="fp_7e73fd9a08_prod0425fp8" created=1738200000`,
			`text observed choice=0 role text=""`,
			`reasoning observed choice=0 text="9.11 vs 9.9: compare tenths"`,
			`reasoning observed choice=0 text=", 9 > 1."`,
			`text observed choice=0 text="9.9 is greater."`,
			`finish observed choice=0 reason=stop`,
			`usage observed prompt=14 completion=25 total=39 cached=0 reasoning=19 json={"prompt_tokens":14,"completion_tokens":25,"total_tokens":39,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":19},"prompt_cache_hit_tokens":0,"prompt_cache_miss_tokens":14}`,
			`done`,
		}},
		{"moonshot usage in the choice, usage chunk by Franca", openaifake.StreamMoonshot, 4, []string{
			`start observed id="cmpl-1305b94c570f447fbde3180560736287" model="moonshot-v1-8k" created=1698999575`,
			`text observed choice=0 role text=""`,
			`text observed choice=0 text="你好"`,
			`finish observed choice=0 reason=stop`,
			`usage observed prompt=19 completion=13 total=32 cached=0 reasoning=0 json={"prompt_tokens":19,"completion_tokens":13,"total_tokens":32}`,
			`done`,
		}},
		{"error mid-stream", openaifake.StreamMidError, 1, []string{
			textStart,
			`text observed choice=0 role text=""`,
			`error "{\"error\":{\"message\":\"The server had an error while processing your request. Sorry about that!\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"`,
		}},
	}
	tr := mustNew(t, "")
	req := &schema.ChatRequest{Stream: true, StreamOptions: &schema.StreamOptions{IncludeUsage: true}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			all, err := ssetest.Events(t, func() event.Decoder {
				d := tr.StreamDecoder(req, &translate.Target{})
				d.(event.TypedChunks).SendTyped()
				return d
			}, []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			chunks := 0
			for _, l := range all {
				if strings.HasPrefix(l, "chunk ") {
					chunks++
				} else {
					got = append(got, l)
				}
			}
			if !slices.Equal(got, tc.want) || chunks != tc.chunks {
				t.Fatalf("%d chunks and events:\n%s\nwant %d and:\n%s", chunks, strings.Join(got, "\n"), tc.chunks, strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestStreamTypedEventsDoNotChangeBytes runs every recorded stream with a filter, which
// asks for the typed events, and without: the client's bytes are the same.
func TestStreamTypedEventsDoNotChangeBytes(t *testing.T) {
	tr := mustNew(t, "")
	for _, in := range []string{openaifake.StreamText, openaifake.StreamTextUsage, openaifake.StreamToolCalls,
		openaifake.StreamDeepSeekReasoning, openaifake.StreamMoonshot, openaifake.StreamGroq, openaifake.StreamMistral,
		openaifake.StreamAzure, openaifake.StreamMidError, openaifake.StreamOpenRouterError} {
		for _, usage := range []bool{false, true} {
			req := &schema.ChatRequest{Stream: true}
			if usage {
				req.StreamOptions = &schema.StreamOptions{IncludeUsage: true}
			}
			want := ssetest.Run(t, func() translate.Stream { return tr.Stream(req, &translate.Target{}) }, []byte(in))
			typed := 0
			count := event.FilterFunc(func(e *event.Event, next event.Sink) error {
				if e.Observed {
					typed++
				}
				return next.Event(e)
			})
			ssetest.EverySplit(t, func() translate.Stream {
				typed = 0
				return openaisse.NewStream(tr.StreamDecoder(req, &translate.Target{}), usage, count)
			}, []byte(in), want)
			if typed == 0 {
				t.Fatalf("no typed events observed in %.60q", in)
			}
		}
	}
}
