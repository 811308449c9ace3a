from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db.models import Avg, Count, F, Max, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from core.jobs import JobStatus
from personas.models import Persona
from pillars import discovery
from pillars.models import (
    Pillar,
    PillarDiscovery,
    PillarStatus,
    PostPillar,
    Topic,
    TopicStatus,
    VoiceNote,
)
from posts import selectors as posts

EXAMPLES_PER_PILLAR = 3
OWN_VECTORS_FOR_RELEVANCE = 1000


def latest_discovery(persona: Persona | int) -> PillarDiscovery | None:
    return (
        PillarDiscovery.objects.filter(persona=persona)
        .defer("lexical", "centre")
        .order_by("-id")
        .first()
    )


def active_pillars(persona: Persona | int) -> QuerySet[Pillar]:
    return Pillar.objects.filter(persona=persona, status=PillarStatus.ACTIVE).defer("mean_vector")


def pillars_with_stats(persona: Persona) -> dict[str, Any]:
    """The active pillars with their numbers, in three queries whatever the number of posts.

    Per pillar the post count, share of assigned posts, mean performance percentile (the persona's
    median is 50), last post, and posts in each of the last three 30-day windows; three example
    posts each; and how many posts are unassigned or not yet assigned."""
    now = timezone.now()
    windows = {
        f"window_{n}": Count(
            "assignments",
            filter=Q(
                assignments__post__posted_at__gte=now - timedelta(days=30 * (n + 1)),
                assignments__post__posted_at__lt=now - timedelta(days=30 * n),
            ),
        )
        for n in range(3)
    }
    pillars = list(
        active_pillars(persona).annotate(
            post_total=Count("assignments"),
            performance=Avg("assignments__post__performance_score"),
            last_posted=Max("assignments__post__posted_at"),
            **windows,
        )
    )
    counts = PostPillar.objects.filter(persona=persona).aggregate(
        total=Count("id"), unassigned=Count("id", filter=Q(pillar__isnull=True))
    )
    examples = (
        PostPillar.objects.filter(persona=persona, pillar__status=PillarStatus.ACTIVE)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("pillar_id")], order_by=F("similarity").desc())
        )
        .filter(rank__lte=EXAMPLES_PER_PILLAR)
        .values("pillar_id", "post_id", "post__text", "post__posted_at")
    )
    by_pillar: dict[int, list[dict]] = {}
    for row in examples:
        by_pillar.setdefault(row["pillar_id"], []).append(row)
    total = counts["total"] or 0
    for pillar in pillars:
        pillar.share = round(100 * pillar.post_total / total) if total else 0
        pillar.examples = by_pillar.get(pillar.pk, [])
        pillar.windows = [pillar.window_2, pillar.window_1, pillar.window_0]  # oldest first
        earlier = (pillar.window_1 + pillar.window_2) / 2
        pillar.direction = (
            "up" if pillar.window_0 > earlier else "down" if pillar.window_0 < earlier else "flat"
        )
    return {
        "pillars": pillars,
        "assigned_total": total,
        "unassigned": counts["unassigned"] or 0,
        "not_yet_assigned": max(posts.post_count(persona) - total, 0),
    }


def pillar_of_posts(persona: Persona | int, post_ids: list[int]) -> dict[int, int | None]:
    return dict(
        PostPillar.objects.filter(persona=persona, post_id__in=post_ids).values_list(
            "post_id", "pillar_id"
        )
    )


def pillar_indexes(
    persona: Persona | int, post_ids: list[int], pillars: list[Pillar]
) -> np.ndarray:
    """Each post's position in `pillars` (−1: in none of them, or not assigned yet)."""
    of_post = pillar_of_posts(persona, post_ids)
    index: dict[int | None, int] = {p.pk: j for j, p in enumerate(pillars)}
    return np.array([index.get(of_post.get(pk), -1) for pk in post_ids], dtype=int)


def pillar_post_ids(pillar: Pillar | int, *, limit: int) -> list[int]:
    """The posts most typical of the pillar, for a draft's examples."""
    return list(
        PostPillar.objects.filter(pillar=pillar)
        .order_by("-similarity")
        .values_list("post_id", flat=True)[:limit]
    )


@dataclass
class RelevanceInputs:
    """What measuring a text against the persona needs (pillars.discovery.relevance)."""

    lexical_weights: dict[str, float]
    own_ids: list[int]
    own_texts: list[str]
    own_vectors: np.ndarray
    pillars: list[Pillar]
    pillar_means: np.ndarray  # as posts are placed (`discovery.as_placed`)
    pillar_text_means: np.ndarray  # of their posts' whole texts (`discovery.text_means`)
    centre: np.ndarray


def relevance_inputs(persona: Persona | int) -> RelevanceInputs | None:
    """None until the persona's pillars were discovered once."""
    done = (
        PillarDiscovery.objects.filter(persona=persona, status=JobStatus.DONE)
        .order_by("-id")
        .only("lexical", "centre")
        .first()
    )
    if done is None:
        return None
    rows = posts.embedded_posts(persona, newest=OWN_VECTORS_FOR_RELEVANCE)
    if not rows:
        return None
    pillars = [
        p
        for p in Pillar.objects.filter(persona=persona, status=PillarStatus.ACTIVE)
        if p.mean_vector is not None
    ]
    own_ids = [r[0] for r in rows]
    own_vectors = np.array([r[2] for r in rows])
    pillar_means = np.array([p.mean_vector for p in pillars])
    return RelevanceInputs(
        lexical_weights=done.lexical,
        own_ids=own_ids,
        own_texts=[r[1] for r in rows],
        own_vectors=own_vectors,
        pillars=pillars,
        pillar_means=pillar_means,
        pillar_text_means=discovery.text_means(
            own_vectors, pillar_indexes(persona, own_ids, pillars), pillar_means
        ),
        centre=np.array(done.centre),
    )


def topics_of(persona: Persona, *, status: str = "") -> QuerySet[Topic]:
    topics = Topic.objects.filter(persona=persona).select_related("pillar", "voice_note")
    if status:
        topics = topics.filter(status=status)
    else:
        topics = topics.exclude(status=TopicStatus.DISCARDED)
    return topics.order_by(F("score").desc(nulls_last=True), "-created_at")


def topics_from_links(persona: Persona, *, source: str, since: datetime, links: list[str]) -> int:
    """How many of the persona's ideas from `source` since then came from these links."""
    return Topic.objects.filter(
        persona=persona, source=source, created_at__gte=since, source_url__in=links
    ).count()


def topic_counts(persona: Persona) -> dict[str, int]:
    return dict(
        Topic.objects.filter(persona=persona)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


def ideas_of(persona: Persona) -> QuerySet[Topic]:
    """Every idea of the persona (for choosing one by id in a form)."""
    return Topic.objects.filter(persona=persona)


def plannable_ideas(persona: Persona) -> QuerySet[Topic]:
    """New ideas already scored: what a plan is made from."""
    return Topic.objects.filter(persona=persona, status=TopicStatus.NEW, scored_at__isnull=False)


def voice_notes_open(persona: Persona) -> QuerySet[VoiceNote]:
    """The persona's voice notes not yet made into ideas, newest first (the ideas page)."""
    return VoiceNote.objects.filter(persona=persona, ideas_made_at__isnull=True).order_by(
        "-created_at"
    )
