"""Writes of the AI layer: the usage ledger (one row per model call), and embeddings that are
recorded in it when they cost money."""

from __future__ import annotations

from typing import cast

import numpy as np
from django.db import transaction

from accounts.models import User, Workspace
from llm.embeddings import (
    EmbeddingCall,
    EmbeddingError,
    MeteredEmbeddingProvider,
    get_embedder,
)
from llm.models import Outcome, UsageRecord
from llm.pricing import cost_micros
from llm.registry import Attempt
from personas.models import Persona


def usage_record(
    *,
    attempts: list[Attempt],
    workspace: Workspace,
    persona: Persona | None,
    user: User | None,
    purpose: str,
) -> None:
    UsageRecord.objects.bulk_create(
        UsageRecord(
            workspace=workspace,
            persona=persona,
            user=user,
            purpose=purpose,
            provider=attempt.provider,
            model=attempt.model,
            input_tokens=attempt.result.input_tokens if attempt.result else 0,
            output_tokens=attempt.result.output_tokens if attempt.result else 0,
            cost_micros=attempt.result.cost_micros if attempt.result else 0,
            latency_ms=attempt.latency_ms,
            outcome=Outcome.OK if attempt.result else Outcome.ERROR,
            error_kind=attempt.error.kind if attempt.error else "",
            error=str(attempt.error)[:300] if attempt.error else "",
        )
        for attempt in attempts
    )


def _record_embedding(
    call: EmbeddingCall, persona: Persona, purpose: str, error: EmbeddingError | None = None
) -> None:
    UsageRecord.objects.create(
        workspace_id=persona.workspace_id,
        persona=persona,
        purpose=purpose,
        provider=call.provider,
        model=call.model,
        input_tokens=call.input_tokens,
        cost_micros=cost_micros(call.model, call.input_tokens, 0),
        latency_ms=call.latency_ms,
        outcome=Outcome.ERROR if error else Outcome.OK,
        error_kind="unavailable" if error else "",
        error=str(error)[:300] if error else "",
    )


def embedding_failure_record(error: EmbeddingError, *, persona: Persona, purpose: str) -> None:
    if error.call is not None:
        _record_embedding(error.call, persona, purpose, error)


def embed_for(
    persona: Persona, texts: list[str], *, purpose: str, query: bool = False
) -> np.ndarray:
    """Vectors for a persona's texts from the deployment's embedding provider. A paid
    provider's calls (success or failure) become usage-ledger rows of the persona's workspace;
    the local model's are free and not recorded."""
    embedder = get_embedder()
    if not embedder.metered:
        if query:
            return embedder.embed_query(texts[0])[np.newaxis, :]
        return embedder.embed_passages(texts)
    try:
        vectors, call = cast(MeteredEmbeddingProvider, embedder).embed_metered(texts, query=query)
    except EmbeddingError as error:
        if not transaction.get_connection().in_atomic_block:
            # Inside a transaction the caller records it (embedding_failure_record) once its
            # transaction has rolled back, or the row would vanish with it.
            embedding_failure_record(error, persona=persona, purpose=purpose)
        raise
    _record_embedding(call, persona, purpose)
    return vectors
