from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from django.contrib.postgres.search import SearchQuery
from django.db.models import QuerySet
from pgvector.django import CosineDistance

from personas.models import Persona
from posts.models import SEARCH_CONFIG, SEARCH_VECTOR, Post


def posts_for_list(
    persona: Persona,
    *,
    tier: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    query: str = "",
) -> QuerySet[Post]:
    posts = Post.objects.filter(persona=persona).defer("embedding")
    if tier == "incomplete":
        posts = posts.filter(tier__isnull=True)
    elif tier:
        posts = posts.filter(tier=tier)
    if date_from:
        posts = posts.filter(posted_at__date__gte=date_from)
    if date_to:
        posts = posts.filter(posted_at__date__lte=date_to)
    if query.strip():
        # The same expression as the GIN index, so PostgreSQL answers from the index.
        posts = posts.annotate(search=SEARCH_VECTOR).filter(
            search=SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
        )
    return posts.order_by("-posted_at", "-id")


def similar_posts(
    persona: Persona, query: str | np.ndarray, k: int = 5, *, exclude_id: int | None = None
) -> list[Post]:
    """Exact nearest neighbours by cosine distance, only among this persona's posts.

    Deliberately no vector index: with a shared approximate index (HNSW) PostgreSQL filters by
    persona *after* the index scan and often returns fewer than k rows; scanning one persona's
    rows through the B-tree on persona_id is exact and fast at thousands of posts.
    """
    if isinstance(query, str):
        from llm.embeddings import get_embedder

        vector: Any = get_embedder().embed_query(query)
    else:
        vector = query
    posts = Post.objects.filter(persona=persona, embedding__isnull=False).defer("embedding")
    if exclude_id is not None:
        posts = posts.exclude(pk=exclude_id)
    found = list(
        posts.annotate(distance=CosineDistance("embedding", vector)).order_by("distance")[:k]
    )
    for post in found:
        post.similarity = round((1 - post.distance) * 100)  # type: ignore[attr-defined]
    return found
