"""Chat providers by name from settings, and the router: the only retry loop.

Providers are tried in LLM_PROVIDERS order; a transient error (timeout, 429, 5xx, overloaded)
moves on to the next one, a permanent one (bad key, bad request) stops and is shown as it is."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings

from llm.base import ChatProvider, ChatRequest, LLMResult, ProviderError
from llm.models import ModelConnection, ModelKind


@dataclass(frozen=True)
class Attempt:
    provider: str
    model: str
    result: LLMResult | None
    error: ProviderError | None
    latency_ms: int


class LLMError(Exception):
    """Every provider failed.

    `attempts` are for the usage ledger; the message is the last (or the permanent) error, in
    words a user can act on."""

    def __init__(self, error: ProviderError, attempts: list[Attempt]) -> None:
        super().__init__(str(error))
        self.kind = error.kind
        self.permanent = error.permanent
        self.attempts = attempts


def build_provider(name: str) -> ChatProvider:
    if name == "openai":
        from llm.providers.openai_chat import OpenAIChat

        return OpenAIChat(
            api_key=settings.OPENAI_API_KEY,
            base_url=settings.OPENAI_BASE_URL,
            model=settings.OPENAI_CHAT_MODEL,
        )
    if name == "anthropic":
        from llm.providers.anthropic_chat import AnthropicChat

        return AnthropicChat(
            api_key=settings.ANTHROPIC_API_KEY,
            base_url=settings.ANTHROPIC_BASE_URL,
            model=settings.ANTHROPIC_MODEL,
        )
    if name == "offline":
        from llm.providers.offline import OfflineWriter

        return OfflineWriter()
    raise ValueError(f"Unknown LLM provider {name!r}")


def provider_for(connection: ModelConnection) -> ChatProvider:
    """A workspace's own model as a provider.

    An OpenAI-compatible server speaks OpenAI's API; a local one may need no key."""
    if connection.kind == ModelKind.ANTHROPIC:
        from llm.providers.anthropic_chat import AnthropicChat

        return AnthropicChat(
            api_key=connection.api_key, base_url=connection.base_url or None, model=connection.model
        )
    from llm.providers.openai_chat import OpenAIChat

    return OpenAIChat(
        api_key=connection.api_key or "not-needed",
        base_url=connection.base_url or None,
        model=connection.model,
        name="openai" if connection.kind == ModelKind.OPENAI else "openai-compatible",
    )


def providers(*, workspace_id: int | None = None) -> list[ChatProvider]:
    """The providers to ask for a workspace's drafts, in order.

    The workspace's own models in its order, then the offline writer (so a draft is never
    blocked); without any, the deployment's LLM_PROVIDERS."""
    own = list(ModelConnection.objects.filter(workspace_id=workspace_id)) if workspace_id else []
    if own:
        return [*(provider_for(c) for c in own), build_provider("offline")]
    return [build_provider(name) for name in settings.LLM_PROVIDERS]


def chat(
    request: ChatRequest, *, chain: list[ChatProvider] | None = None
) -> tuple[LLMResult, list[Attempt]]:
    attempts: list[Attempt] = []
    last_error: ProviderError | None = None
    for provider in chain if chain is not None else providers():
        started = time.perf_counter()
        try:
            result = provider.chat(request, timeout=settings.LLM_TIMEOUT_SECONDS)
        except ProviderError as error:
            elapsed = round((time.perf_counter() - started) * 1000)
            attempts.append(Attempt(provider.name, provider.model, None, error, elapsed))
            last_error = error
            if error.permanent:
                break
            continue
        attempts.append(Attempt(provider.name, provider.model, result, None, result.latency_ms))
        return result, attempts
    raise LLMError(
        last_error or ProviderError("No LLM provider is configured.", permanent=True), attempts
    )
