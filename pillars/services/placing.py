"""Keeping every post in a pillar as new ones are embedded.

Keeping every post assigned as new ones are embedded (the first discovery runs by itself once
a persona has enough), and reassigning the posts of a pillar that went."""

from __future__ import annotations

from django.db import transaction

from core.jobs import (
    enqueue,
)
from personas.services import persona_lock
from pillars.models import (
    Pillar,
    PillarDiscovery,
    PillarStatus,
    PostPillar,
)
from pillars.services.common import (
    ASSIGN_POSTS,
    MIN_POSTS,
    RUN_DISCOVERY,
    latest_centre,
    nearest_pillars,
    placed_vectors,
)
from posts import selectors as posts


def assign_later(persona_id: int) -> None:
    """Hook (posts.hooks.on_posts_embedded): newly embedded posts join their pillars."""
    enqueue(ASSIGN_POSTS, persona_id)


def _first_discovery(persona_id: int) -> None:
    """Find a persona's pillars once, unasked, when it has enough embedded posts.

    A persona that reaches enough embedded posts gets its pillars found once, unasked (the
    creator sees them on the Pillars page); after that, rediscovery is the creator's call."""
    if PillarDiscovery.objects.filter(persona_id=persona_id).exists():
        return
    if posts.embedded_count(persona_id, at_most=MIN_POSTS) < MIN_POSTS:
        return
    run = PillarDiscovery.objects.create(persona_id=persona_id, requested_by=None)
    enqueue(RUN_DISCOVERY, run.pk)


@transaction.atomic
def posts_assign(*, persona_id: int) -> int:
    """Give every embedded post without a pillar row its pillar, measured like discovery did.

    Or unassigned. Nothing before the first discovery. Returns how many were assigned."""
    persona_lock(persona_id)  # one assignment (or first discovery) per persona at a time
    centre = latest_centre(persona_id)
    if centre is None:
        _first_discovery(persona_id)
        return 0
    done = set(PostPillar.objects.filter(persona_id=persona_id).values_list("post_id", flat=True))
    rows = [r for r in posts.embedded_posts(persona_id) if r[0] not in done]
    if not rows:
        return 0
    pillars = list(Pillar.objects.filter(persona_id=persona_id, status=PillarStatus.ACTIVE))
    labels, similarity = nearest_pillars(placed_vectors(rows), centre, pillars)
    PostPillar.objects.bulk_create(
        [
            PostPillar(
                post_id=row[0],
                persona_id=persona_id,
                pillar=pillars[label] if label >= 0 else None,
                similarity=round(float(sim), 4),
            )
            for row, label, sim in zip(rows, labels, similarity, strict=True)
        ],
        ignore_conflicts=True,
    )
    return len(rows)


def reassign(pillar_posts: list[int], persona_id: int, pillars: list[Pillar]) -> None:
    """Posts of a pillar that went: each to its nearest remaining pillar, or unassigned."""
    centre = latest_centre(persona_id)
    rows = posts.embedded_posts(persona_id, ids=pillar_posts)
    if centre is None or not rows:
        PostPillar.objects.filter(post_id__in=pillar_posts).update(pillar=None)
        return
    labels, similarity = nearest_pillars(placed_vectors(rows), centre, pillars)
    nearest = {
        row[0]: (pillars[label] if label >= 0 else None, round(float(sim), 4))
        for row, label, sim in zip(rows, labels, similarity, strict=True)
    }
    assignments = list(PostPillar.objects.filter(post_id__in=nearest))
    for assignment in assignments:
        assignment.pillar, assignment.similarity = nearest[assignment.post_id]
    PostPillar.objects.bulk_update(assignments, ["pillar", "similarity"])
