"""Personas, posts, the voice (profile and scoring any text), ideas, pillars, trends, analytics."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from analytics import selectors as analytics
from api.endpoints.common import CalendarDate, Id, Limit, PageOut, limited, owned, persona_of
from api.http import BodySchema, caller_of, paged
from api.models import Scope
from api.tokens import Caller
from composer.services import lessons_that_apply
from core.spreadsheet import csv_lines
from generation.services.scoring import score_texts
from personas.selectors import personas_of
from pillars import selectors as pillars
from pillars.services import ideas as idea_services
from posts import importing
from posts import services as post_services
from posts.models import ImportBatch
from posts.rules import check_post
from posts.selectors import posts_for_list
from publishing.checks import account_problems
from publishing.models import Account
from trends.selectors import trends_for
from voice.selectors import latest_voice_version

router = Router()


# --- Personas ------------------------------------------------------------------------------------


class PersonaOut(Schema):
    id: int
    name: str
    platform: str
    language: str
    timezone: str
    description: str


@router.get("/personas", response=list[PersonaOut], tags=["personas"])
def list_personas(request: HttpRequest) -> Any:
    """The workspace's active personas, by name."""
    return list(personas_of(caller_of(request, Scope.READ).workspace))


# --- Posts ---------------------------------------------------------------------------------------


class PostOut(Schema):
    id: int
    persona: int
    text: str
    posted_at: datetime | None
    impressions: int | None
    likes: int | None
    comments: int | None
    reposts: int | None
    tier: str | None
    performance_score: float | None

    @staticmethod
    def resolve_persona(post: Any) -> int:
        return int(post.persona_id)


class PostIn(BodySchema):
    persona: Id | None = None
    text: str = Field(pattern=r"\S", max_length=25_000)
    posted_at: datetime | None = None
    impressions: int | None = None
    likes: int | None = None
    comments: int | None = None
    reposts: int | None = None


@router.get("/posts", response=PageOut[PostOut], tags=["posts"])
def list_posts(
    request: HttpRequest,
    persona: Id | None = None,
    q: str = "",
    tier: str = "",
    posted_from: CalendarDate | None = None,
    posted_to: CalendarDate | None = None,
    cursor: str | None = None,
    limit: Limit | None = None,
) -> Any:
    """The persona's posts, newest first; `q` searches their words."""
    found = persona_of(caller_of(request, Scope.READ), persona)
    posts = posts_for_list(found, tier=tier, date_from=posted_from, date_to=posted_to, query=q)
    return paged(posts, order="-posted_at", cursor=cursor, limit=limited(limit))


@router.post("/posts", response={201: PostOut}, tags=["posts"])
def add_post(request: HttpRequest, body: PostIn) -> Any:
    """One past post the voice learns from (as "Add a post" does)."""
    caller = caller_of(request, Scope.WRITE)
    found = persona_of(caller, body.persona)
    checked = check_post(
        body.dict(exclude={"persona"}, exclude_none=True),
        platform=found.platform,
        timezone=found.timezone,
    )
    if checked.errors:
        raise ValidationError(checked.errors)
    return Status(201, post_services.post_create(persona=found, role=caller.role, checked=checked))


class ImportOut(Schema):
    id: int
    status: str
    total: int
    imported: int
    duplicates: int
    failed_rows: int
    error: str


@router.post("/posts/import", response={202: ImportOut}, tags=["posts"])
def import_posts(
    request: HttpRequest,
    file: File[UploadedFile],
    persona: Form[Id | None] = None,
) -> Any:
    """Import a file of past posts (a LinkedIn or X export, CSV or JSON).

    Checked row by row, then imported in the background. Rows with problems are left out and
    counted."""
    caller = caller_of(request, Scope.WRITE)
    found = persona_of(caller, persona)
    batch = importing.import_prepare(
        persona=found,
        user=caller.user,
        role=caller.role,
        data=file.read(),
        filename=file.name or "upload",
        fmt="auto",
    )
    if batch.total == 0:
        raise ValidationError(
            f"No row could be imported ({batch.failed_rows} with problems, "
            f"{batch.duplicates} already there). {batch.error}".strip()
        )
    return Status(202, importing.import_confirm(batch=batch, role=caller.role))


@router.get("/posts/imports/{importbatch_id}", response=ImportOut, tags=["posts"])
def get_import(request: HttpRequest, importbatch_id: Id) -> Any:
    """How an import is going."""
    return owned(caller_of(request, Scope.READ), ImportBatch, importbatch_id)


# --- Voice ---------------------------------------------------------------------------------------


class VoiceOut(Schema):
    persona: int
    version: int
    summary: str
    analysed_at: datetime
    tone: dict[str, Any]
    structure: dict[str, Any]


@router.get("/voice", response=VoiceOut, tags=["voice"])
def voice_profile(request: HttpRequest, persona: Id | None = None) -> Any:
    """The persona's current voice profile, in brief."""
    found = persona_of(caller_of(request, Scope.READ), persona)
    version = latest_voice_version(found)
    if version is None:
        raise ValidationError("This persona's voice has not been analysed yet.")
    profile = version.profile or {}
    return {
        "persona": found.pk,
        "version": version.version,
        "summary": version.summary,
        "analysed_at": version.created_at,
        "tone": profile.get("tone") or {},
        "structure": {
            k: v
            for k, v in (profile.get("structure") or {}).items()
            if k in ("typical_structure", "list_share", "line_break_rhythm")
        },
    }


class ScoreIn(BodySchema):
    persona: Id | None = None
    text: str = Field(pattern=r"\S", max_length=25_000)
    accounts: list[Id] = []  # also check the text against these accounts' platform rules


class Breakdown(Schema):
    structure: int
    tone: int
    vocabulary: int
    contrast: int
    recycled: int


class Engagement(Schema):
    percentile: int
    factors: list[str]


class ScoreOut(Schema):
    score: int
    breakdown: Breakdown
    notes: list[str]
    predicted_engagement: Engagement | None
    warnings: list[str]


@router.post("/voice/score", response=ScoreOut, tags=["voice"])
def score_text(request: HttpRequest, body: ScoreIn) -> Any:
    """Score any text against the persona's voice.

    How much any text sounds like the persona (0–100, with its parts), its predicted
    engagement, and the warnings the composer shows (lessons from feedback, platform rules)."""
    return voice_score(caller_of(request, Scope.READ), body.persona, body.text, body.accounts)


def voice_score(
    caller: Caller, persona: int | None, text: str, accounts: list[int]
) -> dict[str, Any]:
    """The scoring behind `POST /voice/score` and the MCP tool `score_text_in_my_voice`."""
    found = persona_of(caller, persona)
    text = text.strip()
    if not text:
        raise ValidationError("Send the text to score.")
    version = latest_voice_version(found)
    if version is None:
        raise ValidationError("This persona's voice has not been analysed yet.")
    scored = score_texts(version, [text[:25_000]])[0]
    warnings = lessons_that_apply(found, text)
    for account_id in accounts:
        account = owned(caller, Account, account_id)
        warnings += [f"{account.name}: {p}" for p in account_problems(account, text)]
    voice = scored.voice
    return {
        "score": voice.overall,
        "breakdown": {
            "structure": voice.structure,
            "tone": voice.tone,
            "vocabulary": voice.vocabulary,
            "contrast": voice.contrast,
            "recycled": voice.recycled,
        },
        "notes": list(voice.notes),
        "predicted_engagement": None
        if scored.engagement is None
        else {"percentile": scored.engagement, "factors": scored.engagement_notes},
        "warnings": warnings,
    }


# --- Ideas, pillars, trends ----------------------------------------------------------------------


class IdeaOut(Schema):
    id: int
    persona: int
    title: str
    notes: str
    status: str
    score: int | None  # 0–100 once classified in the background
    pillar: str | None
    source: str
    created_at: datetime

    @staticmethod
    def resolve_persona(topic: Any) -> int:
        return int(topic.persona_id)

    @staticmethod
    def resolve_pillar(topic: Any) -> str | None:
        return topic.pillar.name if topic.pillar else None


class IdeaIn(BodySchema):
    persona: Id | None = None
    title: str = Field(pattern=r"\S", max_length=300)
    notes: str = Field("", max_length=4000)


@router.get("/ideas", response=PageOut[IdeaOut], tags=["ideas"])
def list_ideas(
    request: HttpRequest,
    persona: Id | None = None,
    status: str = "",
    cursor: str | None = None,
    limit: Limit | None = None,
) -> Any:
    """The persona's ideas, newest first, each with its score once classified."""
    found = persona_of(caller_of(request, Scope.READ), persona)
    ideas = pillars.topics_of(found, status=status).select_related("pillar")
    return paged(ideas, order="-created_at", cursor=cursor, limit=limited(limit))


@router.post("/ideas", response={201: IdeaOut}, tags=["ideas"])
def add_idea(request: HttpRequest, body: IdeaIn) -> Any:
    """An idea for the inbox; it is scored against the persona in the background."""
    caller = caller_of(request, Scope.WRITE)
    found = persona_of(caller, body.persona)
    return Status(
        201,
        idea_services.topic_add(
            persona=found, role=caller.role, user=caller.user, title=body.title, notes=body.notes
        ),
    )


class PillarOut(Schema):
    id: int
    name: str
    description: str
    keywords: list[str]
    target_share: int | None


@router.get("/pillars", response=list[PillarOut], tags=["pillars"])
def list_pillars(request: HttpRequest, persona: Id | None = None) -> Any:
    """The persona's content pillars."""
    found = persona_of(caller_of(request, Scope.READ), persona)
    return list(pillars.active_pillars(found))


class TrendOut(Schema):
    title: str
    url: str
    relevance: int  # 0–100 for this persona
    why: str
    conflict: str  # the persona's stated position it runs against, if any
    pillar: str | None
    published_at: datetime | None


@router.get("/trends", response=list[TrendOut], tags=["trends"])
def list_trends(
    request: HttpRequest,
    persona: Id | None = None,
    limit: Annotated[int, Field(ge=1, le=100)] = 20,
) -> Any:
    """The persona's most relevant trends (not dismissed)."""
    return trend_rows(caller_of(request, Scope.READ), persona, limit)


def trend_rows(caller: Caller, persona: int | None, limit: int) -> list[dict[str, Any]]:
    found = persona_of(caller, persona)
    return [
        {
            "title": t.item.title,
            "url": t.item.canonical_url,
            "relevance": t.relevance,
            "why": t.why,
            "conflict": t.conflict,
            "pillar": t.pillar.name if t.pillar else None,
            "published_at": t.item.published_at,
        }
        for t in trends_for(found, limit=limit)
    ]


# --- Analytics -----------------------------------------------------------------------------------


class SummaryRow(Schema):
    persona: int
    name: str
    posts: int
    mean_interactions: float | None
    streak_weeks: int
    best_time: str | None


@router.get("/analytics/summary", response=list[SummaryRow], tags=["analytics"])
def analytics_summary(request: HttpRequest, days: Annotated[int, Field(ge=0, le=3660)] = 30) -> Any:
    """One line per persona over the last `days` days (0: all time)."""
    return summary_rows(caller_of(request, Scope.READ), days)


def summary_rows(caller: Caller, days: int) -> list[dict[str, Any]]:
    rows = analytics.workspace_summary(list(personas_of(caller.workspace)), days or None)
    return [
        {
            "persona": row["persona"].pk,
            "name": row["persona"].name,
            "posts": row["posts"],
            "mean_interactions": row["interactions"],
            "streak_weeks": row["streak"]["current"],
            "best_time": f"{row['best']['weekday']} {row['best']['hour']:02d}:00"
            if row["best"]
            else None,
        }
        for row in rows
    ]


@router.get("/analytics/posts.csv", tags=["analytics"])
def analytics_csv(
    request: HttpRequest,
    persona: Id | None = None,
    period: Literal["30d", "90d", "12m", "all"] = "90d",
) -> Any:
    """The persona's posts with their numbers, as the Analytics page exports them.

    `period`: the last 30 or 90 days, 12 months, or all time."""
    found = persona_of(caller_of(request, Scope.READ), persona)
    rows: Iterable[Iterable[object]] = itertools.chain(
        [analytics.EXPORT_COLUMNS],
        analytics.posts_for_export(found, analytics.period_of(found, period)).iterator(
            chunk_size=2000
        ),
    )
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="posts-{found.pk}-{period}.csv"'
    return response
