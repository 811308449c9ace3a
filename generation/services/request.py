"""Asking for three drafts: validation, the limit check (billing), the job row and its task."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.permissions import Action, require
from billing.models import UsageKind
from billing.services import usage_claim
from core.jobs import enqueue
from generation.models import ContentType, Generation
from generation.services.context import PROMPT_VERSION
from personas.models import Persona
from pillars.models import Pillar, Topic
from voice.models import Overlay
from voice.selectors import latest_voice_version

RUN_GENERATION = "generation.tasks.run_generation"
TOPIC_MAX = 300


@transaction.atomic
def generation_request(
    *,
    persona: Persona,
    user: User | None,
    role: str,
    topic: str,
    content_type: str = ContentType.SHORT,
    creativity: int = 30,
    overlay: Overlay | None = None,
    pillar: Pillar | None = None,
    idea: Topic | None = None,
    opening: str = "",
    queue: bool = True,
) -> Generation:
    """A generation row queued for a worker (the page polls it); counts towards the user's limits.

    `user=None` is the operator at the shell (`manage.py generate`): no user, so no per-user
    limits; `queue=False` leaves running it to the caller."""
    require(role, Action.EDIT)
    topic = topic.strip()
    if not topic:
        raise ValidationError("Tell us what the post is about.")
    if latest_voice_version(persona, fields=("id",)) is None:
        raise ValidationError(
            "Analyse this persona's voice first: drafts are written and scored against it."
        )
    if overlay is not None and overlay.persona_id != persona.pk:
        raise ValidationError("That overlay belongs to another persona.")
    if pillar is not None and pillar.persona_id != persona.pk:
        raise ValidationError("That pillar belongs to another persona.")
    if idea is not None and idea.persona_id != persona.pk:
        raise ValidationError("That idea belongs to another persona.")
    if user is not None:
        usage_claim(user=user, workspace=persona.workspace, kind=UsageKind.GENERATION)
    generation = Generation.objects.create(
        persona=persona,
        requested_by=user,
        topic=topic[:TOPIC_MAX],
        content_type=content_type,
        creativity=max(0, min(100, creativity)),
        overlay=overlay,
        pillar=pillar,
        idea=idea,
        opening=" ".join(opening.split())[:300],
        prompt_version=PROMPT_VERSION,
    )
    if queue:
        enqueue(RUN_GENERATION, generation.pk)
    return generation


@transaction.atomic
def generation_retry(*, generation: Generation, user: User, role: str) -> Generation:
    """A failed generation again, with the same inputs (counts towards the limits)."""
    return generation_request(
        persona=generation.persona,
        user=user,
        role=role,
        topic=generation.topic,
        content_type=generation.content_type,
        creativity=generation.creativity,
        overlay=generation.overlay,
        pillar=generation.pillar,
        idea=generation.idea,
        opening=generation.opening,
    )
