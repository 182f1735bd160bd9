package geminifake

import "strings"

// Frame joins events the way streamGenerateContent?alt=sse frames them: each one
// "data: <json>" followed by CRLF CRLF.
func Frame(events ...string) string {
	var b strings.Builder
	for _, e := range events {
		b.WriteString("data: ")
		b.WriteString(e)
		b.WriteString("\r\n\r\n")
	}
	return b.String()
}

// Recorded streams, in Gemini's own spacing (a space after each colon, none after commas).
var (
	// StreamText is a three-event text reply; the last event has the finishReason and the
	// final usage. The second text holds quotes, a newline, HTML escapes and non-ASCII.
	StreamText = Frame(
		`{"candidates": [{"content": {"parts": [{"text": "Hello"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 9,"totalTokenCount": 9,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 9}]},"modelVersion": "gemini-2.5-flash","responseId": "mJ7aaPq5Ad6kz7IPq8fE8Q0"}`,
		`{"candidates": [{"content": {"parts": [{"text": ", \"world\"!\nÇa va? \u003cb\u003e"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 9,"totalTokenCount": 9,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 9}]},"modelVersion": "gemini-2.5-flash","responseId": "mJ7aaPq5Ad6kz7IPq8fE8Q0"}`,
		`{"candidates": [{"content": {"parts": [{"text": " Bye."}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 12,"totalTokenCount": 21,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 9}]},"modelVersion": "gemini-2.5-flash","responseId": "mJ7aaPq5Ad6kz7IPq8fE8Q0"}`,
	)

	// StreamThinking has thought summaries before the answer, a thought signature on an
	// empty last text part, cached and thought tokens.
	StreamThinking = Frame(
		`{"candidates": [{"content": {"parts": [{"text": "**Weighing the question**\n\nThe user asks for a number.","thought": true}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 12,"totalTokenCount": 12},"modelVersion": "gemini-2.5-pro","responseId": "thinkResp01"}`,
		`{"candidates": [{"content": {"parts": [{"text": "42"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 12,"totalTokenCount": 12},"modelVersion": "gemini-2.5-pro","responseId": "thinkResp01"}`,
		`{"candidates": [{"content": {"parts": [{"text": "","thoughtSignature": "CiQBVKhc7sig+/AbC="}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 12,"candidatesTokenCount": 1,"totalTokenCount": 61,"cachedContentTokenCount": 8,"thoughtsTokenCount": 48},"modelVersion": "gemini-2.5-pro","responseId": "thinkResp01"}`,
	)

	// StreamFunctionCall is a parallel function call in one event: the first call carries
	// the thought signature (as Gemini puts it on the first call only), the second an id.
	StreamFunctionCall = Frame(
		`{"candidates": [{"content": {"parts": [{"functionCall": {"name": "get_weather","args": {"city": "Paris","unit": "celsius"}},"thoughtSignature": "CqUBAcu98PBsig=="},{"functionCall": {"id": "fc-2","name": "get_time","args": {"tz": "Europe/Paris"}}}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 40,"candidatesTokenCount": 18,"totalTokenCount": 58},"modelVersion": "gemini-2.5-flash","responseId": "fcResp02"}`,
	)

	// StreamSafety starts an answer and is then stopped by the safety filter.
	StreamSafety = Frame(
		`{"candidates": [{"content": {"parts": [{"text": "Here is how"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 7,"totalTokenCount": 7},"modelVersion": "gemini-2.5-flash","responseId": "safeResp03"}`,
		`{"candidates": [{"finishReason": "SAFETY","index": 0,"safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT","probability": "HIGH","blocked": true}]}],"usageMetadata": {"promptTokenCount": 7,"candidatesTokenCount": 3,"totalTokenCount": 10},"modelVersion": "gemini-2.5-flash","responseId": "safeResp03"}`,
	)

	// StreamPromptBlocked is the single event Gemini sends when it blocks the prompt.
	StreamPromptBlocked = Frame(
		`{"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},"usageMetadata": {"promptTokenCount": 6,"totalTokenCount": 6},"modelVersion": "gemini-2.5-flash","responseId": "blockResp04"}`,
	)

	// StreamError sends one text event, then an error object in place of the next event.
	StreamError = Frame(
		`{"candidates": [{"content": {"parts": [{"text": "Partial"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 5,"totalTokenCount": 5},"modelVersion": "gemini-2.5-flash","responseId": "errResp05"}`,
		`{"error": {"code": 503,"message": "The model is overloaded. Please try again later.","status": "UNAVAILABLE"}}`,
	)

	// StreamTruncated ends without a finishReason (a cut connection).
	StreamTruncated = Frame(
		`{"candidates": [{"content": {"parts": [{"text": "Partial"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 5,"totalTokenCount": 5},"modelVersion": "gemini-2.5-flash","responseId": "cutResp06"}`,
	)
)

// Recorded non-stream bodies, pretty-printed as Gemini writes them.
const (
	// ResponseText is a plain text answer.
	ResponseText = `{
  "candidates": [
    {
      "content": {
        "parts": [
          {
            "text": "The capital of France is Paris."
          }
        ],
        "role": "model"
      },
      "finishReason": "STOP",
      "index": 0
    }
  ],
  "usageMetadata": {
    "promptTokenCount": 8,
    "candidatesTokenCount": 7,
    "totalTokenCount": 15,
    "promptTokensDetails": [
      {
        "modality": "TEXT",
        "tokenCount": 8
      }
    ]
  },
  "modelVersion": "gemini-2.5-flash",
  "responseId": "txtResp10"
}
`

	// ResponseFunctionCalls is a parallel function call: the first call carries a thought
	// signature, the second an id of Gemini's.
	ResponseFunctionCalls = `{
  "candidates": [
    {
      "content": {
        "parts": [
          {
            "functionCall": {
              "name": "get_weather",
              "args": {
                "city": "Paris",
                "unit": "celsius"
              }
            },
            "thoughtSignature": "CqUBAcu98PBsig=="
          },
          {
            "functionCall": {
              "id": "fc-2",
              "name": "get_time",
              "args": {
                "tz": "Europe/Paris"
              }
            }
          }
        ],
        "role": "model"
      },
      "finishReason": "STOP",
      "index": 0
    }
  ],
  "usageMetadata": {
    "promptTokenCount": 40,
    "candidatesTokenCount": 18,
    "totalTokenCount": 58
  },
  "modelVersion": "gemini-2.5-flash",
  "responseId": "fcResp11"
}
`

	// ResponseThinking has a thought summary, the answer, cached and thought tokens.
	ResponseThinking = `{
  "candidates": [
    {
      "content": {
        "parts": [
          {
            "text": "The user wants a number.",
            "thought": true
          },
          {
            "text": "42",
            "thoughtSignature": "CiQBVKhc7sig+/AbC="
          }
        ],
        "role": "model"
      },
      "finishReason": "STOP",
      "index": 0
    }
  ],
  "usageMetadata": {
    "promptTokenCount": 1200,
    "candidatesTokenCount": 1,
    "totalTokenCount": 1249,
    "cachedContentTokenCount": 1024,
    "thoughtsTokenCount": 48
  },
  "modelVersion": "gemini-2.5-pro",
  "responseId": "thinkResp12"
}
`

	// ResponseSafety is a candidate stopped by the safety filter, without content.
	ResponseSafety = `{
  "candidates": [
    {
      "finishReason": "SAFETY",
      "index": 0,
      "safetyRatings": [
        {
          "category": "HARM_CATEGORY_DANGEROUS_CONTENT",
          "probability": "HIGH",
          "blocked": true
        },
        {
          "category": "HARM_CATEGORY_HARASSMENT",
          "probability": "NEGLIGIBLE"
        }
      ]
    }
  ],
  "usageMetadata": {
    "promptTokenCount": 7,
    "totalTokenCount": 7
  },
  "modelVersion": "gemini-2.5-flash",
  "responseId": "safeResp13"
}
`

	// ResponsePromptBlocked is Gemini's answer to a prompt it blocks: no candidates.
	ResponsePromptBlocked = `{
  "promptFeedback": {
    "blockReason": "PROHIBITED_CONTENT"
  },
  "usageMetadata": {
    "promptTokenCount": 6,
    "totalTokenCount": 6
  },
  "modelVersion": "gemini-2.5-flash",
  "responseId": "blockResp14"
}
`

	// ResponseTwoCandidates answers candidateCount 2; the second hit the token limit.
	ResponseTwoCandidates = `{
  "candidates": [
    {
      "content": {
        "parts": [
          {
            "text": "Red."
          }
        ],
        "role": "model"
      },
      "finishReason": "STOP",
      "index": 0
    },
    {
      "content": {
        "parts": [
          {
            "text": "Blue is"
          }
        ],
        "role": "model"
      },
      "finishReason": "MAX_TOKENS",
      "index": 1
    }
  ],
  "usageMetadata": {
    "promptTokenCount": 5,
    "candidatesTokenCount": 4,
    "totalTokenCount": 9
  },
  "modelVersion": "gemini-2.5-flash",
  "responseId": "twoResp15"
}
`

	// ResponseEmbeddings answers a batchEmbedContents of two texts.
	ResponseEmbeddings = `{
  "embeddings": [
    {
      "values": [
        0.013168523,
        -0.008711934,
        -0.046782676
      ]
    },
    {
      "values": [
        -0.0123,
        0.5,
        1e-05
      ]
    }
  ]
}
`
)

// Error bodies as the Gemini API sends them (Content-Type application/json; charset=UTF-8).
const (
	// ErrorAPIKeyInvalid is the 400 Gemini answers for a wrong or missing-in-project key.
	ErrorAPIKeyInvalid = `{
  "error": {
    "code": 400,
    "message": "API key not valid. Please pass a valid API key.",
    "status": "INVALID_ARGUMENT",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "API_KEY_INVALID",
        "domain": "googleapis.com",
        "metadata": {
          "service": "generativelanguage.googleapis.com"
        }
      },
      {
        "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
        "locale": "en-US",
        "message": "API key not valid. Please pass a valid API key."
      }
    ]
  }
}
`

	// ErrorInvalidArgument is a 400 about the request's content.
	ErrorInvalidArgument = `{
  "error": {
    "code": 400,
    "message": "* GenerateContentRequest.contents: contents is not specified\n",
    "status": "INVALID_ARGUMENT"
  }
}
`

	// ErrorPermissionDenied is a 403.
	ErrorPermissionDenied = `{
  "error": {
    "code": 403,
    "message": "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    "status": "PERMISSION_DENIED"
  }
}
`

	// ErrorNotFound is the 404 for an unknown model.
	ErrorNotFound = `{
  "error": {
    "code": 404,
    "message": "models/gemini-0.9-nonesuch is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.",
    "status": "NOT_FOUND"
  }
}
`

	// ErrorRateLimited is a 429 with a RetryInfo detail of 28.5 seconds.
	ErrorRateLimited = `{
  "error": {
    "code": 429,
    "message": "You exceeded your current quota, please check your plan and billing details.",
    "status": "RESOURCE_EXHAUSTED",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [
          {
            "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
            "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
            "quotaDimensions": {
              "location": "global",
              "model": "gemini-2.5-flash"
            },
            "quotaValue": "10"
          }
        ]
      },
      {
        "@type": "type.googleapis.com/google.rpc.Help",
        "links": [
          {
            "description": "Learn more about Gemini API quotas",
            "url": "https://ai.google.dev/gemini-api/docs/rate-limits"
          }
        ]
      },
      {
        "@type": "type.googleapis.com/google.rpc.RetryInfo",
        "retryDelay": "28.5s"
      }
    ]
  }
}
`

	// ErrorInternal is a 500.
	ErrorInternal = `{
  "error": {
    "code": 500,
    "message": "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
    "status": "INTERNAL"
  }
}
`

	// ErrorUnavailable is the 503 of an overloaded model.
	ErrorUnavailable = `{
  "error": {
    "code": 503,
    "message": "The model is overloaded. Please try again later.",
    "status": "UNAVAILABLE"
  }
}
`

	// ErrorDeadline is a 504.
	ErrorDeadline = `{
  "error": {
    "code": 504,
    "message": "The request timed out. Please try again.",
    "status": "DEADLINE_EXCEEDED"
  }
}
`
)
