from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Workspace
from core.cache import forget, remembered
from personas.models import Persona
from trends.models import PersonaTrend, Stance, TrendSource

TOP_TRENDS = 3  # the dashboard's few
# How long they stay cached at most. A scan's scoring and a dismissal clear them
# (trends.services); this bounds the rest (an item's title rewritten by its feed).
TOP_TRENDS_SECONDS = 60


def sources_of(workspace: Workspace) -> QuerySet[TrendSource]:
    return (
        TrendSource.objects.filter(workspace=workspace).select_related("draft_for").order_by("name")
    )


def trends_for(persona: Persona, *, limit: int = 50) -> list[PersonaTrend]:
    """The persona's not-dismissed trends, most relevant first.

    Item, pillar and topic in the same query."""
    return list(
        PersonaTrend.objects.filter(persona=persona, dismissed=False)
        .select_related("item", "pillar", "topic")
        .defer("item__embedding")
        .order_by("-relevance", "-item__last_seen_at")[:limit]
    )


def top_trends_key(persona_id: int) -> str:
    return f"trends:top:{persona_id}"


def top_trends(persona: Persona) -> list[PersonaTrend]:
    """The dashboard's few: the persona's most relevant trends, with only what it shows (cached)."""

    def read() -> list[PersonaTrend]:
        return list(
            PersonaTrend.objects.filter(persona=persona, dismissed=False)
            .select_related("item")
            .only("relevance", "conflict", "item__title", "item__canonical_url")
            .order_by("-relevance", "-item__last_seen_at")[:TOP_TRENDS]
        )

    return remembered(top_trends_key(persona.pk), read, TOP_TRENDS_SECONDS)


def top_trends_changed(persona_ids: list[int]) -> None:
    """These personas' trends were written: the dashboard reads them again."""
    forget(top_trends_key(pk) for pk in persona_ids)


def stances_of(persona: Persona) -> QuerySet[Stance]:
    return Stance.objects.filter(persona=persona)


def plannable_trends(persona: Persona, *, min_relevance: int, limit: int) -> list[PersonaTrend]:
    """The persona's most relevant trends a plan may use.

    Not dismissed, not already an idea, not against a stated position."""
    return list(
        PersonaTrend.objects.filter(
            persona=persona,
            dismissed=False,
            topic__isnull=True,
            conflict="",
            relevance__gte=min_relevance,
        )
        .select_related("item")
        .order_by("-relevance")[:limit]
    )
