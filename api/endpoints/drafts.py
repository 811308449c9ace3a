"""Drafts in the creator's voice.

A generation (three variations, each scored) is asked for, runs in the background, and is polled;
each variation is accepted, rejected with reasons, or edited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from accounts.permissions import Action
from api.endpoints.common import Id, owned, persona_of
from api.http import BodySchema, caller_of
from api.models import Scope
from generation import services as generation
from generation.models import Generation, RejectReason, Variation
from generation.selectors import variations_with_context
from pillars.models import Topic

router = Router()


class VariationOut(Schema):
    id: int
    angle: str
    text: str
    score: int  # voice match, 0–100
    structure: int
    tone: int
    vocabulary: int
    contrast: int
    predicted_engagement: int | None
    status: str  # pending, accepted, rejected
    warning: str


class GenerationOut(Schema):
    id: int
    persona: int
    topic: str = Field(pattern=r"\S", max_length=300)
    status: str  # queued, running, done, failed
    progress: int
    stage: str
    error: str
    created_at: datetime
    url: str  # poll here
    variations: list[VariationOut]


def variation_out(v: Variation) -> dict[str, Any]:
    return {
        "id": v.pk,
        "angle": v.angle,
        "text": v.text,
        "score": v.score,
        "structure": v.score_structure,
        "tone": v.score_tone,
        "vocabulary": v.score_vocabulary,
        "contrast": v.score_contrast,
        "predicted_engagement": v.predicted_engagement,
        "status": v.status,
        "warning": v.warning,
    }


def generation_out(g: Generation) -> dict[str, Any]:
    return {
        "id": g.pk,
        "persona": g.persona_id,
        "topic": g.topic,
        "status": g.status,
        "progress": g.progress,
        "stage": g.stage,
        "error": g.error,
        "created_at": g.created_at,
        "url": reverse("api-v1:get_generation", args=[g.pk]),
        "variations": [
            variation_out(v)
            for v in sorted(g.variations.all(), key=lambda v: v.rank)
            if v.revision_of_id is None or v.status == "pending"
        ],
    }


class GenerationIn(BodySchema):
    persona: Id | None = None
    topic: str = Field(pattern=r"\S", max_length=300)
    idea: Id | None = None  # write from an idea of the inbox
    creativity: int = Field(30, ge=0, le=100)


@router.post("/generations", response={202: GenerationOut}, tags=["drafts"])
def create_generation(request: HttpRequest, body: GenerationIn) -> Any:
    """Three drafts in the persona's voice, written in the background: poll `url`."""
    caller = caller_of(request, Scope.WRITE)
    found = persona_of(caller, body.persona)
    idea = owned(caller, Topic, body.idea) if body.idea is not None else None
    made = generation.generation_request(
        persona=found,
        user=caller.user,
        role=caller.role,
        topic=body.topic,
        creativity=body.creativity,
        idea=idea,
    )
    return Status(202, generation_out(made))


@router.get("/generations/{generation_id}", response=GenerationOut, tags=["drafts"])
def get_generation(request: HttpRequest, generation_id: Id) -> Any:
    """A generation's progress and, once done, its drafts."""
    return generation_out(owned(caller_of(request, Scope.READ), Generation, generation_id))


def _variation(request: HttpRequest, variation_id: Id) -> tuple[Any, Variation]:
    caller = caller_of(request, Scope.WRITE)
    found = owned(caller, Variation, variation_id, Action.EDIT)
    return caller, variations_with_context().get(pk=found.pk)


class AcceptIn(BodySchema):
    text: str | None = None  # the draft as the creator finally wants it (an edit teaches)


@router.post("/variations/{variation_id}/accept", response=VariationOut, tags=["drafts"])
def accept_variation(request: HttpRequest, variation_id: Id, body: AcceptIn) -> Any:
    """Accept a draft, as it is or edited; what changed teaches the next drafts."""
    caller, found = _variation(request, variation_id)
    return variation_out(
        generation.variation_accept(
            variation=found, role=caller.role, user=caller.user, final_text=body.text
        )
        or found
    )


class RejectIn(BodySchema):
    reasons: list[RejectReason] = Field(min_length=1)
    note: str = ""


@router.post("/variations/{variation_id}/reject", response=VariationOut, tags=["drafts"])
def reject_variation(request: HttpRequest, variation_id: Id, body: RejectIn) -> Any:
    """Reject a draft with at least one reason (tone, length, off_topic, not_me, other)."""
    caller, found = _variation(request, variation_id)
    generation.variation_reject(
        variation=found,
        role=caller.role,
        user=caller.user,
        reasons=[str(r) for r in body.reasons],
        note=body.note,
    )
    found.refresh_from_db()
    return variation_out(found)


class EditIn(BodySchema):
    text: str = Field(pattern=r"\S", max_length=25_000)


@router.post("/variations/{variation_id}/edit", response=VariationOut, tags=["drafts"])
def edit_variation(request: HttpRequest, variation_id: Id, body: EditIn) -> Any:
    """Change a draft's text (a decided one becomes a new undecided revision)."""
    caller, found = _variation(request, variation_id)
    edited = generation.variation_edit(
        variation=found, role=caller.role, user=caller.user, text=body.text
    )
    return variation_out(edited or found)
