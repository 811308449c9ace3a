"""What the pillar services share.

The jobs' task names, the reference posts short texts are measured against, and measuring posts
against pillars (as discovery did)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np

from core.jobs import (
    JobStatus,
)
from llm.services import embed_reference
from pillars import discovery
from pillars.models import (
    Pillar,
    PillarDiscovery,
)
from voice import contrast

MIN_POSTS = 20


RUN_DISCOVERY = "pillars.tasks.run_discovery"


ASSIGN_POSTS = "pillars.tasks.assign_posts"


CLASSIFY_TOPICS = "pillars.tasks.classify_topics"


REFERENCE_DIR = Path(__file__).parent.parent / "data"


REFERENCE_PER_LANGUAGE = 100


@cache
def reference_texts() -> tuple[str, ...]:
    """Other people's posts: the first 100 of each shipped background language."""
    return tuple(
        text
        for language in contrast.BACKGROUND_LANGUAGES
        for text in contrast.background_texts(language)[:REFERENCE_PER_LANGUAGE]
    )


@cache
def _reference_features() -> list[tuple[np.ndarray, np.ndarray]]:
    return [contrast.features(text) for text in reference_texts()]


def reference_lexical(weights: dict[str, float]) -> np.ndarray:
    """How much each reference post reads like the persona (its lexical model's weights)."""
    return contrast.logits(_reference_features(), weights)


@cache
def reference_vectors(model_name: str) -> np.ndarray:
    """Embeddings of other people's posts (100 each of the shipped pt/es/en background).

    What any text looks like to this embedding model. Short texts (an idea, a headline) are measured
    against pillars after subtracting their mean, and scored against how close these come. Shipped
    for the local model; another model embeds them once per process."""
    slug = re.sub(r"[^a-z0-9]+", "-", model_name.lower()).strip("-")
    shipped = REFERENCE_DIR / f"reference_{slug}.npy"
    if shipped.exists():
        return np.load(shipped).astype(float)
    return embed_reference(list(reference_texts()))


def centred(vectors: np.ndarray, centre: np.ndarray) -> np.ndarray:
    return discovery.unit_rows(np.atleast_2d(vectors) - centre)


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


def latest_centre(persona_id: int) -> np.ndarray | None:
    centre = (
        PillarDiscovery.objects.filter(persona_id=persona_id, status=JobStatus.DONE)
        .order_by("-id")
        .values_list("centre", flat=True)
        .first()
    )
    return np.array(centre) if centre else None
