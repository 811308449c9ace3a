from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import Any, TypeVar, cast

import numpy as np
from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import Coalesce, TruncWeek
from pgvector.django import CosineDistance

from core.cache import recall
from llm.services import embed_for, embedding_model_name
from personas.models import Persona
from posts import engagement
from posts.models import SEARCH_CONFIG, SEARCH_VECTOR, EngagementModel, Post

T = TypeVar("T")


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


def _counted(persona: Persona, what: str, *, count: Callable[[], T], also: str = "") -> T:
    """What `count` finds over the persona's posts, counted once per change to them.

    Cached with the `Persona.posts_version` it was counted at (and `also`, whatever else it
    depends on), so a page reads a number instead of scanning every post, and a write to the
    posts, which moves the version on, has the next read count again. (`persona` is the one
    loaded for this request, whose version is current.) The key names the persona alone, so a
    page can read it ahead knowing only the persona's id."""
    key, stamp = _counted_key(persona.pk, what), (persona.posts_version, also)
    cached = recall(key)
    if cached is not None and cached[0] == stamp:
        return cast(T, cached[1])
    value = count()
    cache.set(key, (stamp, value), COUNTED_SECONDS)
    return value


def _counted_key(persona_id: int, what: str) -> str:
    return f"posts:{what}:{persona_id}"


def post_stats_key(persona_id: int) -> str:
    """Where `persona_post_stats` is cached (for `core.cache.read_ahead`)."""
    return _counted_key(persona_id, "stats")


def weekly_post_counts_key(persona_id: int) -> str:
    """Where `weekly_post_counts` is cached (for `core.cache.read_ahead`)."""
    return _counted_key(persona_id, "weekly")


COUNTED_SECONDS = 24 * 3600  # a stale entry is counted again when read: only memory is at stake


def persona_post_stats(persona: Persona) -> dict[str, Any]:
    """Counts for the dashboard (one query when they changed)."""
    return _counted(
        persona,
        "stats",
        count=lambda: Post.objects.filter(persona=persona).aggregate(
            total=Count("id"),
            embedded=Count("id", filter=Q(embedding__isnull=False)),
            ranked=Count("id", filter=Q(tier__isnull=False)),
            top=Count("id", filter=Q(tier="top")),
            latest=Max("posted_at"),
        ),
    )


def weekly_post_counts(persona: Persona, zone: tzinfo) -> dict[date, int]:
    """How many posts the persona published each week (weeks start on Monday in `zone`)."""
    return _counted(
        persona,
        "weekly",
        also=str(zone),
        count=lambda: {
            row["week"].date(): row["posts"]
            for row in posts_of(persona)
            .annotate(week=TruncWeek("posted_at", tzinfo=zone))
            .values("week")
            .annotate(posts=Count("id"))
        },
    )


def similar_posts(
    persona: Persona, query: str | np.ndarray, k: int = 5, *, exclude_id: int | None = None
) -> list[Post]:
    """Exact nearest neighbours by cosine distance, only among this persona's posts.

    Each carries `distance`, `similarity` (0–100) and its `vector`.

    Deliberately no approximate vector index: with a shared HNSW index PostgreSQL filters by
    persona *after* the index scan and often returns fewer than k rows. Instead the B-tree on
    persona_id carries the vectors (INCLUDE), so step one is an index-only scan over one
    persona's contiguous entries; step two loads the k winning posts by primary key.
    """
    if isinstance(query, str):
        vector: Any = embed_for(persona, [query], purpose="search", query=True)[0]
    else:
        vector = query
    candidates = Post.objects.filter(persona=persona, embedding__isnull=False)
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    nearest = list(
        candidates.annotate(distance=CosineDistance("embedding", vector))
        .order_by("distance")
        .values_list("id", "distance", "embedding")[:k]
    )
    posts = Post.objects.defer("embedding").in_bulk([post_id for post_id, _, _ in nearest])
    found = []
    for post_id, distance, embedding in nearest:
        post = posts[post_id]
        post.distance = distance  # type: ignore[attr-defined]
        post.vector = embedding  # type: ignore[attr-defined]
        post.similarity = round((1 - distance) * 100)  # type: ignore[attr-defined]
        found.append(post)
    return found


def post_count(persona: Persona | int) -> int:
    return Post.objects.filter(persona=persona).count()


def embedded_count(persona: Persona | int, *, at_most: int) -> int:
    """How many of the persona's posts have an embedding, counted up to `at_most`.

    A bounded count: "are there enough?" never reads every row nor loads a vector."""
    return (
        Post.objects.filter(persona=persona, embedding__isnull=False).values("pk")[:at_most].count()
    )


def posts_for_analysis(persona: Persona | int) -> list[Post]:
    """Every post of the persona with what a voice analysis reads, oldest first.

    Text, performance, embedding."""
    return list(
        Post.objects.filter(persona=persona)
        .order_by("posted_at", "id")
        .only("text", "performance_score", "embedding", "embedding_model")
    )


def workspace_neighbour_texts(persona: Persona, *, limit: int) -> list[str]:
    """The newest posts of the workspace's other personas.

    Who a persona must not be confused with (an agency's creators are each other's closest
    impostors)."""
    return list(
        Post.objects.filter(persona__workspace_id=persona.workspace_id)
        .exclude(persona=persona)
        .order_by("-posted_at")
        .values_list("text", flat=True)[:limit]
    )


def post_texts(persona: Persona | int, ids: list[int]) -> dict[int, Post]:
    """Posts of this persona by id (id and text only); ids of other personas are ignored."""
    return Post.objects.filter(persona=persona).only("id", "text").in_bulk(ids)


def recent_posts(persona: Persona | int, *, exclude: list[int], limit: int) -> list[Post]:
    return list(
        Post.objects.filter(persona=persona)
        .exclude(pk__in=exclude)
        .order_by("-posted_at")
        .only("id", "text")[:limit]
    )


def best_posts(persona: Persona | int, *, exclude: list[int], limit: int) -> list[Post]:
    return list(
        Post.objects.filter(persona=persona)
        .exclude(pk__in=exclude)
        .order_by("-performance_score")
        .only("id", "text")[:limit]
    )


def texts_added_since(persona: Persona | int, since: datetime, *, limit: int) -> list[str]:
    """The newest texts of posts added after `since`."""
    return list(
        Post.objects.filter(persona=persona, created_at__gt=since)
        .order_by("-created_at")
        .values_list("text", flat=True)[:limit]
    )


def posts_state(persona: Persona | int) -> tuple[float, int]:
    """(last change as a timestamp, number of posts): changes whenever the posts do."""
    state = Post.objects.filter(persona=persona).aggregate(
        newest=Max("updated_at"), count=Count("id")
    )
    return (state["newest"].timestamp() if state["newest"] else 0.0, state["count"])


def personas_with_unembedded_posts(*, limit: int) -> list[int]:
    """Personas with posts the current embedding model has not embedded.

    A failed job, a model change, posts embedded before their opening lines were."""
    return list(
        Post.objects.exclude(
            embedding_model=embedding_model_name(),
            embedding__isnull=False,
            opening_embedding__isnull=False,
        )
        .values_list("persona_id", flat=True)
        .distinct()[:limit]
    )


def embedded_posts(
    persona: Persona | int, *, ids: list[int] | None = None, newest: int | None = None
) -> list[tuple[int, str, np.ndarray, datetime, np.ndarray]]:
    """The persona's embedded posts as (id, text, embedding, posted_at, opening), newest first.

    `opening` is the first sentence's vector (the whole text's for a post of one sentence, and
    for one embedded before openings were). Only `ids` when given, only the `newest` n when
    given."""
    posts = Post.objects.filter(persona=persona, embedding__isnull=False)
    if ids is not None:
        posts = posts.filter(pk__in=ids)
    rows = posts.order_by("-posted_at", "-id").values_list(
        "id", "text", "embedding", "posted_at", "opening_embedding"
    )
    return [
        (
            pk,
            text,
            np.asarray(vector, dtype=float),
            posted,
            np.asarray(vector if opening is None else opening, dtype=float),
        )
        for pk, text, vector, posted, opening in (rows[:newest] if newest else rows)
    ]


def performance_of(persona: Persona | int, ids: list[int]) -> dict[int, float]:
    """Performance percentile (0-100) of these posts of the persona, where known."""
    rows = Post.objects.filter(
        persona=persona, pk__in=ids, performance_score__isnull=False
    ).values_list("id", "performance_score")
    return {pk: float(score) for pk, score in rows if score is not None}


def performance_times(
    persona: Persona | int, *, newest: int = 2000
) -> list[tuple[datetime, float]]:
    """(posted_at, performance percentile) of the persona's newest ranked posts."""
    rows = (
        Post.objects.filter(persona=persona, performance_score__isnull=False)
        .order_by("-posted_at")
        .values_list("posted_at", "performance_score")[:newest]
    )
    return [(when, float(score)) for when, score in rows if score is not None]


def predicted_engagement(
    persona: Persona | int, texts: list[str], vectors: np.ndarray
) -> list[tuple[int, list[str]]] | None:
    """Each text's predicted engagement and the factors behind it, in words.

    Each text's predicted engagement (its expected percentile among the persona's own
    posts, 0–100) and the factors that apply to it in words; None while the persona has no
    engagement model (too few posts with numbers)."""
    stored = EngagementModel.objects.filter(persona=persona).values_list("model", flat=True).first()
    if not stored or not texts:
        return None
    own = list(
        Post.objects.filter(persona=persona, embedding__isnull=False)
        .filter(Q(likes__isnull=False) | Q(comments__isnull=False) | Q(reposts__isnull=False))
        .annotate(
            interactions=Coalesce("likes", 0) + Coalesce("comments", 0) + Coalesce("reposts", 0)
        )
        .order_by("-posted_at")
        .values_list("embedding", "interactions")[:2000]
    )
    own_vectors = np.array([v for v, _ in own], dtype=float) if own else np.zeros((0, 1))
    _, percentiles = engagement.predict(
        stored, texts, np.asarray(vectors, dtype=float), own_vectors, [n for _, n in own]
    )
    return [(int(p), engagement.words(stored, t)) for p, t in zip(percentiles, texts, strict=True)]


def has_engagement_model(persona: Persona | int) -> bool:
    return EngagementModel.objects.filter(persona=persona).exists()


def posts_of(persona: Persona | int) -> QuerySet[Post]:
    """A persona's posts, for other apps to filter and aggregate (analytics)."""
    return Post.objects.filter(persona=persona)


def posts_of_personas(personas: QuerySet[Persona] | list[Persona]) -> QuerySet[Post]:
    """The posts of several personas at once (the workspace overview)."""
    return Post.objects.filter(persona__in=personas)
