"""OpenAI (or any OpenAI-compatible server, via OPENAI_BASE_URL) chat completions."""

from __future__ import annotations

import time

import openai

from llm.base import ChatRequest, LLMResult
from llm.pricing import cost_micros
from llm.providers._errors import translate


class OpenAIChat:
    name = "openai"

    def __init__(
        self, *, api_key: str, base_url: str | None, model: str, name: str = "openai"
    ) -> None:
        self.model, self.name = model, name
        # Who errors are about: "OpenAI", or the server a creator runs (Ollama …).
        self.display = "OpenAI" if name == "openai" else (base_url or "The model server")
        # max_retries=1: the SDK may retry once; failing over is the router's job.
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url or None, max_retries=1)

    def chat(self, request: ChatRequest, *, timeout: float) -> LLMResult:
        started = time.perf_counter()
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=[{"role": "system", "content": request.system}, *request.messages],
                temperature=request.temperature,
                max_tokens=request.max_tokens,
                seed=request.seed,
                timeout=timeout,
            )
            text = response.choices[0].message.content or ""
            usage = response.usage
        except Exception as error:
            raise translate(error, openai, self.display) from error
        input_tokens = usage.prompt_tokens if usage else 0
        output_tokens = usage.completion_tokens if usage else 0
        return LLMResult(
            text=text.strip(),
            provider=self.name,
            model=response.model or self.model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_micros=cost_micros(self.model, input_tokens, output_tokens),
            latency_ms=round((time.perf_counter() - started) * 1000),
        )
