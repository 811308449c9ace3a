"""Anthropic Messages API."""

from __future__ import annotations

import time
from typing import Any, cast

import anthropic
from django.conf import settings

from core import egress
from llm.base import ChatRequest, LLMResult
from llm.pricing import cost_micros
from llm.providers._errors import malformed, translate


class AnthropicChat:
    name = "anthropic"

    def __init__(self, *, api_key: str, base_url: str | None, model: str) -> None:
        self.model = model
        self._client = anthropic.Anthropic(
            api_key=api_key,
            base_url=base_url or None,
            max_retries=1,
            http_client=egress.shared_client(
                "models", timeout=settings.LLM_TIMEOUT_SECONDS, flavour="httpx2"
            ),
        )

    # This SDK's Messages.create takes no sampling temperature: creativity reaches Claude
    # through the prompt's wording only.
    def chat(self, request: ChatRequest, *, timeout: float) -> LLMResult:
        started = time.perf_counter()
        try:
            response = self._client.messages.create(
                model=self.model,
                system=request.system,
                messages=cast(Any, request.messages),  # the SDK's TypedDicts; ours are the same
                max_tokens=request.max_tokens,
                timeout=timeout,
            )
        except Exception as error:
            raise translate(error, anthropic, "Anthropic") from error
        blocks, usage = getattr(response, "content", None), getattr(response, "usage", None)
        if not isinstance(blocks, list) or usage is None:
            raise malformed("Anthropic")
        text = "".join(
            str(getattr(block, "text", "") or "")
            for block in blocks
            if getattr(block, "type", "") == "text"
        )
        return LLMResult(
            text=text.strip(),
            provider=self.name,
            model=getattr(response, "model", None) or self.model,
            input_tokens=int(getattr(usage, "input_tokens", 0) or 0),
            output_tokens=int(getattr(usage, "output_tokens", 0) or 0),
            cost_micros=cost_micros(
                self.model,
                int(getattr(usage, "input_tokens", 0) or 0),
                int(getattr(usage, "output_tokens", 0) or 0),
            ),
            latency_ms=round((time.perf_counter() - started) * 1000),
        )
