"""OpenAI (or any OpenAI-compatible server, via OPENAI_BASE_URL) chat completions."""

from __future__ import annotations

import time
from typing import Any, cast

import openai
from django.conf import settings

from core import egress
from llm.base import ChatRequest, LLMResult
from llm.pricing import cost_micros
from llm.providers._errors import malformed, translate


class OpenAIChat:
    name = "openai"

    def __init__(
        self, *, api_key: str, base_url: str | None, model: str, name: str = "openai"
    ) -> None:
        self.model, self.name = model, name
        # Who errors are about: "OpenAI", or the server a creator runs (Ollama …).
        self.display = "OpenAI" if name == "openai" else (base_url or "The model server")
        # max_retries=1: the SDK may retry once; failing over is the router's job.
        self._client = openai.OpenAI(
            api_key=api_key,
            base_url=base_url or None,
            max_retries=1,
            http_client=egress.shared_client("models", timeout=settings.LLM_TIMEOUT_SECONDS),
        )

    def chat(self, request: ChatRequest, *, timeout: float) -> LLMResult:
        started = time.perf_counter()
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=cast(
                    Any, [{"role": "system", "content": request.system}, *request.messages]
                ),  # the SDK's TypedDicts; ours are the same dicts
                temperature=request.temperature,
                max_tokens=request.max_tokens,
                seed=request.seed,
                timeout=timeout,
            )
        except Exception as error:
            raise translate(error, openai, self.display) from error
        choices = getattr(response, "choices", None)
        if not choices or getattr(choices[0], "message", None) is None:
            raise malformed(self.display)
        text = choices[0].message.content or ""
        usage = getattr(response, "usage", None)
        input_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        output_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        return LLMResult(
            text=text.strip(),
            provider=self.name,
            model=getattr(response, "model", None) or self.model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_micros=cost_micros(self.model, input_tokens, output_tokens),
            latency_ms=round((time.perf_counter() - started) * 1000),
        )
