"""What every chat provider speaks.

A request, a result, and errors that say whether trying another provider could help."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ChatRequest:
    """`system` holds only our instructions.

    Everything a user or a post wrote goes in `messages` inside delimited blocks (see
    generation/prompts). `material` is the same content in structured form, for the offline
    provider, which writes without a model."""

    system: str
    messages: list[dict[str, str]]
    temperature: float = 0.7
    max_tokens: int = 1200
    seed: int = 0
    material: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LLMResult:
    text: str
    provider: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_micros: int = 0  # micro-dollars
    latency_ms: int = 0


class ProviderError(Exception):
    """`permanent` errors (bad key, bad request) would fail the same way anywhere.

    The router shows them instead of failing over. `kind` is what the user is told happened."""

    def __init__(self, message: str, *, permanent: bool, kind: str = "error") -> None:
        super().__init__(message)
        self.permanent = permanent
        self.kind = kind  # timeout, rate_limit, unavailable, auth, bad_request, malformed


class ChatProvider(Protocol):
    name: str
    model: str

    def chat(self, request: ChatRequest, *, timeout: float) -> LLMResult: ...
