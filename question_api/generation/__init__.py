"""Question generation: a `QuestionGenerator` protocol, OpenAI and offline implementations."""
