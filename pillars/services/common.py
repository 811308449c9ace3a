"""What the pillar services share.

The jobs' task names and measuring posts against pillars (as discovery did). The reference posts
short texts are measured against are `voice.reference`'s."""

from __future__ import annotations

from typing import Any

import numpy as np

from core.jobs import (
    JobStatus,
)
from pillars import discovery
from pillars.models import (
    Pillar,
    PillarDiscovery,
)

MIN_POSTS = 20


RUN_DISCOVERY = "pillars.tasks.run_discovery"


ASSIGN_POSTS = "pillars.tasks.assign_posts"


CLASSIFY_TOPICS = "pillars.tasks.classify_topics"


def centred(vectors: np.ndarray, centre: np.ndarray) -> np.ndarray:
    return discovery.unit_rows(np.atleast_2d(vectors) - centre)


def placed_vectors(rows: list[Any]) -> np.ndarray:
    """`posts.embedded_posts` rows as pillars place their posts (`discovery.as_placed`)."""
    return discovery.as_placed(np.array([r[2] for r in rows]), np.array([r[4] for r in rows]))


def nearest_pillars(
    vectors: np.ndarray, centre: np.ndarray, pillars: list[Pillar]
) -> tuple[np.ndarray, np.ndarray]:
    usable = [p for p in pillars if p.mean_vector is not None]
    if not usable:
        return np.full(len(vectors), -1), np.zeros(len(vectors))
    labels, similarity = discovery.assign(
        vectors,
        centre,
        np.array([p.mean_vector for p in usable]),
        np.array([p.threshold for p in usable]),
    )
    index = [pillars.index(p) for p in usable]
    return np.array([index[label] if label >= 0 else -1 for label in labels]), similarity


def _latest(persona_id: int, field: str) -> np.ndarray | None:
    """A vector the persona's latest finished discovery stored (None before the first)."""
    value = (
        PillarDiscovery.objects.filter(persona_id=persona_id, status=JobStatus.DONE)
        .order_by("-id")
        .values_list(field, flat=True)
        .first()
    )
    return np.array(value) if value else None


def latest_centre(persona_id: int) -> np.ndarray | None:
    """The centre the latest discovery's clusters were found around."""
    return _latest(persona_id, "centre")


def latest_opening_shift(persona_id: int) -> np.ndarray | None:
    """The latest discovery's `discovery.opening_shift` (None before it was measured)."""
    return _latest(persona_id, "opening_shift")
