"""The creator's edits to pillars, which rediscovery respects.

The creator's edits to pillars (rename, target share, merge, split, delete), which
rediscovery respects: a pillar is a row, not a cluster number."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.permissions import Action, require
from pillars import discovery, naming
from pillars.models import (
    Pillar,
    PillarStatus,
    PostPillar,
)
from pillars.services.common import centred, latest_centre, placed_vectors
from pillars.services.placing import reassign
from posts import selectors as posts


@transaction.atomic
def pillar_update(*, pillar: Pillar, role: str, data: dict[str, Any]) -> Pillar:
    """Name, description and target share, as the creator wants them (kept on rediscovery)."""
    require(role, Action.EDIT)
    pillar.name = data["name"].strip()
    pillar.description = data.get("description", "").strip()
    pillar.target_share = data.get("target_share")
    pillar.edited = True
    pillar.save(update_fields=["name", "description", "target_share", "edited", "updated_at"])
    return pillar


@transaction.atomic
def pillar_merge(*, pillar: Pillar, into: Pillar, role: str) -> Pillar:
    """`pillar`'s posts join `into`; rediscovery sends that theme's posts there too."""
    require(role, Action.EDIT)
    if into.pk == pillar.pk or into.persona_id != pillar.persona_id:
        raise ValidationError("Choose another pillar of the same persona to merge into.")
    if into.status != PillarStatus.ACTIVE:
        raise ValidationError(f"“{into.name}” was deleted; choose an active pillar.")
    counts = {p: PostPillar.objects.filter(pillar_id=p).count() for p in (pillar.pk, into.pk)}
    if pillar.mean_vector is not None and into.mean_vector is not None:
        total = max(sum(counts.values()), 1)
        into.mean_vector = (
            np.asarray(into.mean_vector) * counts[into.pk]
            + np.asarray(pillar.mean_vector) * counts[pillar.pk]
        ) / total
    into.threshold = min(into.threshold, pillar.threshold)
    into.keywords = list(dict.fromkeys([*into.keywords, *pillar.keywords]))[:6]
    into.edited = True
    into.save()
    PostPillar.objects.filter(pillar=pillar).update(pillar=into)
    pillar.status, pillar.merged_into = PillarStatus.DELETED, into
    pillar.save(update_fields=["status", "merged_into", "updated_at"])
    return into


@transaction.atomic
def pillar_delete(*, pillar: Pillar, role: str) -> None:
    """The theme stops being a pillar (and stays so on rediscovery).

    Its posts go to their next-nearest pillar or to unassigned."""
    require(role, Action.EDIT)
    pillar.status = PillarStatus.DELETED
    pillar.save(update_fields=["status", "updated_at"])
    post_ids = list(PostPillar.objects.filter(pillar=pillar).values_list("post_id", flat=True))
    remaining = list(
        Pillar.objects.filter(persona_id=pillar.persona_id, status=PillarStatus.ACTIVE)
    )
    reassign(post_ids, pillar.persona_id, remaining)


@transaction.atomic
def pillar_split(*, pillar: Pillar, role: str) -> Pillar:
    """Two pillars from one.

    Its posts in two clusters; the larger keeps the pillar (name, target), the other becomes a new
    pillar named by its distinctive words."""
    require(role, Action.EDIT)
    post_ids = list(PostPillar.objects.filter(pillar=pillar).values_list("post_id", flat=True))
    rows = posts.embedded_posts(pillar.persona_id, ids=post_ids)
    centre = latest_centre(pillar.persona_id)
    if len(rows) < 2 * discovery.POSTS_PER_PILLAR or centre is None:
        raise ValidationError(
            f"A pillar needs at least {2 * discovery.POSTS_PER_PILLAR} posts to split; "
            f"“{pillar.name}” has {len(rows)}."
        )
    vectors = placed_vectors(rows)
    points = centred(vectors, centre)
    _, labels = discovery.kmeans(points, 2)
    if labels.sum() * 2 > len(labels):
        labels = 1 - labels  # label 0: the larger half, which keeps the pillar
    if not labels.any():
        raise ValidationError(f"The posts of “{pillar.name}” do not fall into two themes.")
    texts = [r[1] for r in rows]
    halves = []
    for half in (0, 1):
        member = labels == half
        similarity = np.sum(
            points[member]
            * discovery.unit_rows((vectors[member].mean(axis=0) - centre)[np.newaxis, :]),
            axis=1,
        )
        halves.append(
            (
                vectors[member].mean(axis=0),
                discovery.lower_fence(similarity),
                [t for t, m in zip(texts, member, strict=True) if m],
                [t for t, m in zip(texts, member, strict=True) if not m],
            )
        )
    pillar.mean_vector, pillar.threshold = halves[0][0], halves[0][1]
    language = pillar.persona.language
    pillar.keywords = naming.distinctive_terms(halves[0][2], halves[0][3], language)
    pillar.save()
    terms = naming.distinctive_terms(halves[1][2], halves[1][3], language)
    new = Pillar.objects.create(
        persona_id=pillar.persona_id,
        name=naming.name_from_terms(terms, [pillar.name])[:80],
        keywords=terms,
        mean_vector=halves[1][0],
        threshold=halves[1][1],
    )
    moved = [r[0] for r, label in zip(rows, labels, strict=True) if label == 1]
    PostPillar.objects.filter(post_id__in=moved).update(pillar=new)
    return new
