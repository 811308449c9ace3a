"""Writes of the AI layer.

The usage ledger (one row per model call), and embeddings that are recorded in it when they cost
money."""

from __future__ import annotations

from typing import cast

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.models import User, Workspace
from accounts.permissions import Action, require
from core import egress
from core.crypto import encrypt
from llm.base import ChatRequest, ProviderError
from llm.embeddings import (
    EmbeddingCall,
    MeteredEmbeddingProvider,
    get_embedder,
)
from llm.embeddings import EmbeddingError as EmbeddingError  # re-exported for other apps
from llm.models import ModelConnection, ModelKind, Outcome, UsageRecord
from llm.pricing import cost_micros
from llm.registry import Attempt, provider_for
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
    call: EmbeddingCall,
    persona: Persona | None,
    purpose: str,
    error: EmbeddingError | None = None,
    *,
    workspace_id: int | None = None,
) -> None:
    owner = persona.workspace_id if persona else workspace_id
    assert owner is not None, "an embedding is metered to a workspace"
    UsageRecord.objects.create(
        workspace_id=owner,
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
    """Vectors for a persona's texts from the deployment's embedding provider.

    A paid provider's calls (success or failure) become usage-ledger rows of the persona's
    workspace; the local model's are free and not recorded."""
    return _embed(texts, purpose=purpose, query=query, persona=persona)


def embed_for_workspace(workspace_id: int, texts: list[str], *, purpose: str) -> np.ndarray:
    """Vectors for texts a workspace reads that belong to no persona (trend items)."""
    return _embed(texts, purpose=purpose, query=False, workspace_id=workspace_id)


def _embed(
    texts: list[str],
    *,
    purpose: str,
    query: bool,
    persona: Persona | None = None,
    workspace_id: int | None = None,
) -> np.ndarray:
    embedder = get_embedder()
    if not embedder.metered:
        if query:
            return embedder.embed_query(texts[0])[np.newaxis, :]
        return embedder.embed_passages(texts)
    try:
        vectors, call = cast(MeteredEmbeddingProvider, embedder).embed_metered(texts, query=query)
    except EmbeddingError as error:
        if error.call is not None and not transaction.get_connection().in_atomic_block:
            # Inside a transaction the caller records it (embedding_failure_record) once its
            # transaction has rolled back, or the row would vanish with it.
            _record_embedding(error.call, persona, purpose, error, workspace_id=workspace_id)
        raise
    _record_embedding(call, persona, purpose, workspace_id=workspace_id)
    return vectors


@transaction.atomic
@sensitive_variables("api_key")
def connection_add(
    *,
    workspace: Workspace,
    role: str,
    kind: str,
    model: str,
    base_url: str = "",
    api_key: str = "",
    transcription_model: str = "",
) -> ModelConnection:
    """A model for this workspace, tried after the ones it already has."""
    require(role, Action.CONFIGURE)
    if kind not in ModelKind.values:
        raise ValidationError(f"Unknown kind of model “{kind}”.")
    if kind == ModelKind.COMPATIBLE and not base_url:
        raise ValidationError({"base_url": "Which server? e.g. http://localhost:11434/v1"})
    if base_url and (problem := egress.url_problem(base_url)):
        raise ValidationError({"base_url": problem})
    if transcription_model.strip() and kind == ModelKind.ANTHROPIC:
        raise ValidationError(
            {"transcription_model": "Anthropic has no transcription endpoint; leave this empty."}
        )
    if kind != ModelKind.COMPATIBLE and not api_key:
        raise ValidationError({"api_key": "Paste the API key."})
    last = ModelConnection.objects.filter(workspace=workspace).order_by("-position").first()
    return ModelConnection.objects.create(
        workspace=workspace,
        kind=kind,
        model=model.strip(),
        transcription_model=transcription_model.strip(),
        base_url=base_url.strip(),
        api_key_encrypted=encrypt(api_key.strip()) if api_key.strip() else "",
        position=(last.position + 1) if last else 0,
    )


def connection_delete(*, connection: ModelConnection, role: str) -> None:
    require(role, Action.CONFIGURE)
    connection.delete()


@transaction.atomic
def connection_move(*, connection: ModelConnection, role: str, up: bool) -> None:
    """Swap with its neighbour: earlier models are tried first."""
    require(role, Action.CONFIGURE)
    ordered = list(
        ModelConnection.objects.select_for_update().filter(workspace_id=connection.workspace_id)
    )
    index = next(i for i, c in enumerate(ordered) if c.pk == connection.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        ModelConnection.objects.filter(pk=item.pk).update(position=position)


def connection_test(*, connection: ModelConnection, role: str) -> str:
    """One tiny real call.

    Returns "" when the model answered, else what went wrong in words; both are kept on the
    connection (and no ledger row: nothing was written for anyone)."""
    require(role, Action.CONFIGURE)
    provider = provider_for(connection)
    request = ChatRequest(
        system="You are a connection check.",
        messages=[{"role": "user", "content": "Reply with the word OK."}],
        temperature=0,
        max_tokens=5,
    )
    try:
        provider.chat(request, timeout=20)
        problem = ""
    except ProviderError as error:
        problem = str(error)
    ModelConnection.objects.filter(pk=connection.pk).update(
        last_checked_at=timezone.now(), last_error=problem[:300]
    )
    return problem


def embedding_model_name() -> str:
    """The deployment's embedding model: a vector another model made is made again."""
    return get_embedder().model_name


def embed_reference(texts: list[str]) -> np.ndarray:
    """Vectors of shipped reference texts (not a workspace's: nothing is metered)."""
    return np.asarray(get_embedder().embed_passages(texts), dtype=float)
