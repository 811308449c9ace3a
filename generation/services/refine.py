"""Rewriting one draft — a refinement chat message or a regeneration — as a background job.

The request records a Rewrite row and queues it; the worker writes the new draft from the
generation's recorded context, scores it and stores it (with the chat turn for a refinement). A
remote model can take many seconds; the page polls the job instead of waiting on it."""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.permissions import Action, require
from core.jobs import JobStatus, Lease, LeaseLost, enqueue, job_lease, resend_abandoned
from generation.models import (
    ANGLES,
    DecisionKind,
    RefineMessage,
    Rewrite,
    RewriteKind,
    Variation,
)
from generation.services.context import PROMPT_VERSION, assemble_context
from generation.services.feedback import decision_record
from generation.services.prompting import REFINE_PROMPT, user_message, write_checked
from generation.services.scoring import SCORE_FIELDS, apply_score, score_texts
from llm import registry
from llm.base import LLMResult
from llm.services import usage_record
from voice.selectors import latest_voice_version

RUN_REWRITE = "generation.tasks.run_rewrite"
MESSAGE_MAX = 1000
MAX_REFINE_MESSAGES = 10

_REWRITTEN_FIELDS = [
    "text",
    *SCORE_FIELDS,
    "provider",
    "model",
    "warning",
    "updated_at",
]


def refine_messages_used(generation_id: int) -> int:
    """Refinement messages sent for a generation.

    Queued and running ones count; failed ones are given back."""
    return (
        Rewrite.objects.filter(variation__generation_id=generation_id, kind=RewriteKind.REFINE)
        .exclude(status=JobStatus.FAILED)
        .count()
    )


def _queue(variation: Variation, user: User, kind: str, message: str = "") -> Rewrite:
    try:
        with transaction.atomic():
            rewrite = Rewrite.objects.create(
                variation=variation, kind=kind, message=message, requested_by=user
            )
    except IntegrityError:
        # The database allows one running rewrite per draft: two clicks cannot race.
        raise ValidationError(
            "This draft is being rewritten already; wait for it to finish."
        ) from None
    enqueue(RUN_REWRITE, rewrite.pk)
    return rewrite


@transaction.atomic
def variation_refine(*, variation: Variation, role: str, user: User, message: str) -> Rewrite:
    """One round of the refinement chat, queued: the reply will be a revised draft, scored."""
    require(role, Action.EDIT)
    message = message.strip()
    if not message:
        raise ValidationError("Write what you would like changed.")
    if len(message) > MESSAGE_MAX:
        raise ValidationError(f"Keep a message under {MESSAGE_MAX} characters.")
    if refine_messages_used(variation.generation_id) >= MAX_REFINE_MESSAGES:
        raise ValidationError(
            f"This generation has used its {MAX_REFINE_MESSAGES} refinement messages; "
            "start a new generation to keep going."
        )
    return _queue(variation, user, RewriteKind.REFINE, message)


@transaction.atomic
def variation_regenerate(*, variation: Variation, role: str, user: User) -> Rewrite:
    """A new draft for the same angle, with the lessons learned so far, queued.

    Earlier feedback on this variation will no longer apply to it."""
    require(role, Action.EDIT)
    return _queue(variation, user, RewriteKind.REGENERATE)


def _write(rewrite: Rewrite, variation: Variation) -> tuple[LLMResult, str]:
    """The new draft from the generation's recorded context, with a ledger row per attempt.

    A provider failure becomes a ValidationError with a message the creator can act on."""
    generation = variation.generation
    material, _ = assemble_context(generation)
    material = {**material, "angle": variation.angle}
    if rewrite.kind == RewriteKind.REFINE:
        done = Rewrite.objects.filter(
            variation=variation, kind=RewriteKind.REFINE, status=JobStatus.DONE
        ).count()
        prompt, seed = REFINE_PROMPT, variation.pk * 100 + done
        # "shorter" is the creator's call; only the platform maximum holds.
        material.update(draft=variation.text, instruction=rewrite.message, min_chars=20)
    else:
        prompt, seed = PROMPT_VERSION, variation.pk * 1000 + int(time.time()) % 997
        material["variation_index"] = (
            ANGLES.index(variation.angle) if variation.angle in ANGLES else 0
        )
    failure: registry.LLMError | None
    try:
        chain = registry.providers(workspace_id=generation.persona.workspace_id)
        result, attempts, warning = write_checked(material, prompt=prompt, seed=seed, chain=chain)
    except registry.LLMError as error:
        attempts, failure = error.attempts, error
    else:
        failure = None
    usage_record(
        attempts=attempts,
        workspace=generation.persona.workspace,
        persona=generation.persona,
        user=rewrite.requested_by,
        purpose=rewrite.kind,
    )
    if failure is not None:
        raise ValidationError(user_message(failure), code=failure.kind)
    return result, warning


def _new_revision(variation: Variation) -> Variation:
    return Variation(
        generation=variation.generation,
        angle=variation.angle,
        rank=variation.rank,
        revision_of=variation,
    )


@transaction.atomic
def _store(
    rewrite: Rewrite, variation: Variation, result: LLMResult, warning: str, lease: Lease
) -> None:
    """The new text.

    In place for an undecided draft; a decided one stays frozen (its badge and text are what was
    decided) and the new text becomes a revision of it, undecided."""
    kind = DecisionKind.REFINE if rewrite.kind == RewriteKind.REFINE else DecisionKind.REGENERATE
    # Kept for good, with the draft as it stood (a regeneration never erases a rejection).
    decision_record(variation, kind, rewrite.requested_by, note=rewrite.message)
    draft = _new_revision(variation) if variation.decided else variation
    version = latest_voice_version(variation.generation.persona_id)
    if version is not None:
        apply_score(draft, score_texts(version, [result.text])[0])
    draft.text = result.text
    draft.provider, draft.model, draft.warning = result.provider, result.model, warning
    if rewrite.kind == RewriteKind.REGENERATE or draft.pk is None:
        draft.original_text = result.text
    if draft.pk is None:
        draft.save()
    else:
        fields = [
            *_REWRITTEN_FIELDS,
            *(["original_text"] if kind == DecisionKind.REGENERATE else []),
        ]
        draft.save(update_fields=fields)
    if rewrite.kind == RewriteKind.REFINE:
        RefineMessage.objects.create(variation=draft, role="user", text=rewrite.message)
        RefineMessage.objects.create(
            variation=draft,
            role="assistant",
            text=result.text,
            score=draft.score,
            provider=result.provider,
        )
    lease.progress(100, "Done", status=JobStatus.DONE)  # with the draft, or not at all


def rewrite_run(*, rewrite_id: int) -> Rewrite | None:
    """The Celery job, under a lease (core.jobs).

    Safe to deliver twice; a run whose worker died is taken over, and the new draft is stored
    exactly once."""
    with job_lease(Rewrite, rewrite_id, progress=20, stage="Writing") as lease:
        if lease is None:
            return None
        rewrite = Rewrite.objects.select_related(
            "variation__generation__persona__workspace", "variation__generation__overlay"
        ).get(pk=rewrite_id)
        variation = rewrite.variation
        try:
            result, warning = _write(rewrite, variation)
        except ValidationError as error:
            lease.progress(
                100,
                "",
                status=JobStatus.FAILED,
                error=" ".join(error.messages),
                error_kind=error.code or "context",
            )
            return rewrite
        lease.progress(80, "Scoring against your voice")
        try:
            _store(rewrite, variation, result, warning, lease)
        except LeaseLost:
            return None
        rewrite.refresh_from_db()
        return rewrite


def dispatch_abandoned_rewrites() -> int:
    """Beat: rewrites never picked up, or whose worker died, go to a worker again."""
    return resend_abandoned(Rewrite, RUN_REWRITE)


def rewrite_failure_message(rewrite: Rewrite) -> str:
    what = "refinement" if rewrite.kind == RewriteKind.REFINE else "regeneration"
    return f"The {what} failed: {rewrite.error}"
