"""Anthropic Messages API."""

from __future__ import annotations

import time

import anthropic

from llm.base import ChatRequest, LLMResult
from llm.pricing import cost_micros
from llm.providers._errors import translate


class AnthropicChat:
    name = "anthropic"

    def __init__(self, *, api_key: str, base_url: str | None, model: str) -> None:
        self.model = model
        self._client = anthropic.Anthropic(
            api_key=api_key, base_url=base_url or None, max_retries=1
        )

    # This SDK's Messages.create takes no sampling temperature: creativity reaches Claude
    # through the prompt's wording only.
    def chat(self, request: ChatRequest, *, timeout: float) -> LLMResult:
        started = time.perf_counter()
        try:
            response = self._client.messages.create(
                model=self.model,
                system=request.system,
                messages=request.messages,
                max_tokens=request.max_tokens,
                timeout=timeout,
            )
            text = "".join(block.text for block in response.content if block.type == "text")
            usage = response.usage
        except Exception as error:
            raise translate(error, anthropic, "Anthropic") from error
        return LLMResult(
            text=text.strip(),
            provider=self.name,
            model=response.model or self.model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_micros=cost_micros(self.model, usage.input_tokens, usage.output_tokens),
            latency_ms=round((time.perf_counter() - started) * 1000),
        )
