"""The generation job.

Gather the context, write three drafts at once (one per angle), score them against the voice, rank
and store them — or say plainly what failed."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import close_old_connections, transaction

from core.jobs import JobStatus, Lease, LeaseLost, job_lease, resend_abandoned
from generation.models import ANGLES, Generation, Variation
from generation.services.context import PROMPT_VERSION, assemble_context
from generation.services.prompting import user_message, write_checked
from generation.services.request import RUN_GENERATION
from generation.services.scoring import DraftScore, apply_score, score_texts
from llm import registry
from llm.base import LLMResult
from llm.services import usage_record
from notifications.events import event_emit
from notifications.models import EventType
from pillars.services import topic_drafted
from voice.selectors import voice_version


@dataclass
class _Draft:
    angle: str
    result: LLMResult
    warning: str
    attempts: list[registry.Attempt]


def _fail(lease: Lease, message: str, kind: str) -> None:
    lease.progress(100, "", status=JobStatus.FAILED, error=message, error_kind=kind)


def _write_three(
    generation: Generation, material: dict[str, Any]
) -> tuple[list[_Draft], list[registry.LLMError], list[registry.Attempt]]:
    """Three drafts requested at once: the wall time is about that of one call.

    The workspace's providers are chosen here, before the threads (which may not see rows of a
    transaction still open, as in tests)."""
    chain = registry.providers(workspace_id=generation.persona.workspace_id)

    def one(index: int) -> _Draft | registry.LLMError:
        angle = ANGLES[index]
        try:
            result, attempts, warning = write_checked(
                {
                    **material,
                    "angle": angle,
                    "variation_index": index,
                    # the hook chosen in the ideas inbox opens the first draft; the others
                    # keep their own angles, so the creator still has a choice
                    "opening": material.get("opening", "") if index == 0 else "",
                },
                prompt=PROMPT_VERSION,
                seed=generation.pk * 10 + index,
                chain=chain,
            )
            return _Draft(angle, result, warning, attempts)
        except registry.LLMError as error:
            return error
        finally:
            close_old_connections()

    with ThreadPoolExecutor(max_workers=len(ANGLES)) as pool:
        outcomes = list(pool.map(one, range(len(ANGLES))))
    drafts = [o for o in outcomes if isinstance(o, _Draft)]
    errors = [o for o in outcomes if isinstance(o, registry.LLMError)]
    attempts = [attempt for outcome in outcomes for attempt in outcome.attempts]
    return drafts, errors, attempts


def _store_ranked(generation: Generation, drafts: list[_Draft], version_id: int) -> None:
    version = voice_version(generation.persona_id, version_id)
    scores: list[DraftScore | None] = (
        list(score_texts(version, [d.result.text for d in drafts]))
        if version is not None
        else [None] * len(drafts)
    )
    variations = []
    for draft, score in zip(drafts, scores, strict=True):
        variation = Variation(
            generation=generation,
            angle=draft.angle,
            text=draft.result.text,
            original_text=draft.result.text,
            provider=draft.result.provider,
            model=draft.result.model,
            duration_ms=draft.result.latency_ms,
            warning=draft.warning,
        )
        if score is not None:
            apply_score(variation, score)
        variations.append(variation)
    variations.sort(key=lambda v: -v.score)
    for rank, variation in enumerate(variations, start=1):
        variation.rank = rank
    Variation.objects.bulk_create(variations)


def generation_run(*, generation_id: int) -> Generation | None:
    """The Celery job, under a lease (core.jobs).

    Safe to deliver twice; a run whose worker died is taken over, and the drafts are stored exactly
    once."""
    with job_lease(
        Generation, generation_id, progress=10, stage="Gathering your posts and voice"
    ) as lease:
        if lease is None:
            return None
        try:
            return _generate(generation_id, lease)
        except LeaseLost:
            return None


def _generate(generation_id: int, lease: Lease) -> Generation:
    started = time.perf_counter()
    generation = Generation.objects.select_related("persona__workspace", "overlay").get(
        pk=generation_id
    )
    try:
        material, record = assemble_context(generation)
    except ValidationError as error:
        _fail(lease, " ".join(error.messages), "context")
        return generation
    lease.progress(30, "Writing three variations", context=record)
    drafts, errors, attempts = _write_three(generation, material)
    usage_record(
        attempts=attempts,
        workspace=generation.persona.workspace,
        persona=generation.persona,
        user=generation.requested_by,
        purpose="generation",
    )
    if not drafts:
        _fail(lease, user_message(errors[0]), errors[0].kind)
        return generation
    lease.progress(80, "Scoring against your voice")
    missing = (
        f"{len(errors)} of {len(ANGLES)} drafts could not be written: {user_message(errors[0])}"
        if errors
        else ""
    )
    with transaction.atomic():
        # A run taken over from a dead worker starts over: its drafts replace any earlier ones.
        Variation.objects.filter(generation=generation).delete()
        _store_ranked(generation, drafts, record["voice_version_id"])
        lease.progress(
            100,
            "Done",
            status=JobStatus.DONE,
            error=missing,
            error_kind=errors[0].kind if errors else "",
            duration_ms=round((time.perf_counter() - started) * 1000),
        )
        if generation.idea_id:
            topic_drafted(topic_id=generation.idea_id)
        event_emit(
            generation.persona.workspace_id,
            EventType.GENERATION_COMPLETED,
            {
                "generation": generation.pk,
                "persona": generation.persona_id,
                "topic": generation.topic,
                "variations": list(
                    Variation.objects.filter(generation=generation)
                    .order_by("rank")
                    .values("id", "angle", "text", "score")
                ),
            },
        )
    return generation


def dispatch_abandoned_generations() -> int:
    """Beat: generations never picked up, or whose worker died, are sent to a worker again.

    The claim makes a duplicate delivery harmless."""
    return resend_abandoned(Generation, RUN_GENERATION)
