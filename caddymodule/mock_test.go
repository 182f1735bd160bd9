package caddymodule_test

import (
	"context"
	"testing"

	"github.com/openai/openai-go/v3"
)

func TestMockChatStreamEqualsNonStream(t *testing.T) {
	f := start(t, basicConfig)
	c := f.client()
	ctx := context.Background()
	params := openai.ChatCompletionNewParams{
		Model:    "mock-chat",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("be brief"), openai.UserMessage("hello there")},
	}
	whole, err := c.Chat.Completions.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	want := "Hello from Franca's mock provider. You said: hello there"
	if got := whole.Choices[0].Message.Content; got != want {
		t.Fatalf("content %q, want %q", got, want)
	}
	if whole.Choices[0].FinishReason != "stop" || whole.Usage.PromptTokens == 0 || whole.Usage.CompletionTokens == 0 {
		t.Fatalf("finish/usage: %+v %+v", whole.Choices[0].FinishReason, whole.Usage)
	}

	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	stream := c.Chat.Completions.NewStreaming(ctx, params)
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if got := acc.Choices[0].Message.Content; got != want {
		t.Fatalf("streamed content %q, want %q", got, want)
	}
	if acc.Choices[0].FinishReason != "stop" || acc.Usage.PromptTokens != whole.Usage.PromptTokens || acc.Usage.CompletionTokens != whole.Usage.CompletionTokens {
		t.Fatalf("streamed finish/usage %q %+v, want %+v", acc.Choices[0].FinishReason, acc.Usage, whole.Usage)
	}
}

func TestMockEmbeddings(t *testing.T) {
	f := start(t, basicConfig)
	c := f.client()
	res, err := c.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
		Model: "mock-embed",
		Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"a", "b"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Data) != 2 || len(res.Data[0].Embedding) != 8 || res.Data[1].Index != 1 {
		t.Fatalf("embeddings %+v", res.Data)
	}
	if res.Data[0].Embedding[0] == res.Data[1].Embedding[0] {
		t.Fatalf("different inputs gave the same vector")
	}
}
