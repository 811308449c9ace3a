from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.permissions import Action, require
from core.jobs import enqueue
from language.text import opening_if_shorter
from llm.services import (
    EmbeddingError,
    embed_for,
    embedding_failure_record,
    embedding_model_name,
)
from personas.models import Persona
from personas.selectors import persona_by_id, persona_ids_of
from personas.services import persona_lock, persona_posts_changed
from posts import engagement, hooks
from posts.hooks import engagement_trained, posts_added
from posts.models import METRIC_FIELDS, EngagementModel, MetricSnapshot, Post, Source
from posts.rules import CheckedPost, check_post

# Everything after the first statement in one call: engagement rate per row, then a percentile
# of the persona's best available signal (engagement rate when most posts with metrics have
# impressions, else interactions) and its tier. Set-based: two statements whatever the size.
_RATE_SQL = """
UPDATE posts_post SET engagement_rate = r.rate
FROM (
    SELECT id,
           CASE WHEN impressions > 0 THEN
               (COALESCE(likes, 0) + COALESCE(comments, 0) + COALESCE(reposts, 0))::float
               / impressions
           END AS rate
    FROM posts_post WHERE persona_id = %(persona)s
) r
WHERE posts_post.id = r.id AND posts_post.engagement_rate IS DISTINCT FROM r.rate
"""

_PERFORMANCE_SQL = """
WITH base AS (
    SELECT id, engagement_rate,
           CASE WHEN likes IS NULL AND comments IS NULL AND reposts IS NULL THEN NULL
                ELSE COALESCE(likes, 0) + COALESCE(comments, 0) + COALESCE(reposts, 0)
           END AS interactions
    FROM posts_post WHERE persona_id = %(persona)s
), choice AS (
    SELECT count(engagement_rate) > 0
           AND count(engagement_rate) >= 0.8 * count(interactions) AS use_rate
    FROM base
), signal AS (
    SELECT b.id,
           CASE WHEN c.use_rate THEN b.engagement_rate ELSE b.interactions::float END AS s
    FROM base b CROSS JOIN choice c
), ranked AS (
    SELECT id,
           CASE WHEN count(*) OVER () = 1 THEN 50.0
                ELSE 100.0 * percent_rank() OVER (ORDER BY s) END AS pct
    FROM signal WHERE s IS NOT NULL
), scored AS (
    SELECT signal.id, ranked.pct,
           CASE WHEN ranked.pct IS NULL THEN NULL
                WHEN ranked.pct >= 90 THEN 'top'
                WHEN ranked.pct >= 60 THEN 'above'
                WHEN ranked.pct >= 40 THEN 'average'
                WHEN ranked.pct >= 10 THEN 'below'
                ELSE 'under' END AS tier
    FROM signal LEFT JOIN ranked ON ranked.id = signal.id
)
UPDATE posts_post SET performance_score = scored.pct, tier = scored.tier
FROM scored
WHERE posts_post.id = scored.id
  AND (posts_post.performance_score IS DISTINCT FROM scored.pct
       OR posts_post.tier IS DISTINCT FROM scored.tier)
"""


def recompute_performance(*, persona_id: int) -> None:
    """Engagement rate, performance score (0-100 percentile) and tier for a whole persona.

    The engagement prediction is retrained once the transaction commits."""
    # Every write to posts ends here or says so itself; first, so that the persona's row is
    # locked before the posts' rows (the order every writer keeps).
    persona_posts_changed(persona_id)
    with connection.cursor() as cursor:
        cursor.execute(_RATE_SQL, {"persona": persona_id})
        cursor.execute(_PERFORMANCE_SQL, {"persona": persona_id})
    enqueue(TRAIN_ENGAGEMENT, persona_id)


TRAIN_ENGAGEMENT = "posts.tasks.train_engagement"
ENGAGEMENT_POSTS = 2000  # the newest posts with numbers a model learns from
WORKSPACE_POSTS = 2000  # … and from the workspace's other personas, all together


def _with_numbers(persona_ids: list[int], limit: int) -> list[tuple[int, str, Any, int]]:
    return list(
        Post.objects.filter(persona_id__in=persona_ids, embedding__isnull=False)
        .filter(Q(likes__isnull=False) | Q(comments__isnull=False) | Q(reposts__isnull=False))
        .annotate(
            interactions=Coalesce("likes", 0) + Coalesce("comments", 0) + Coalesce("reposts", 0)
        )
        .order_by("-posted_at")
        .values_list("persona_id", "text", "embedding", "interactions")[:limit]
    )


def engagement_train(*, persona_id: int) -> EngagementModel | None:
    """Learn the persona's engagement prediction.

    The Celery job; cheap: ridge regressions on at most a few thousand posts. Under
    engagement.MIN_POSTS posts with numbers the persona has none, and drafts show no prediction."""
    persona = persona_by_id(persona_id)
    if persona is None:
        return None
    own = _with_numbers([persona_id], ENGAGEMENT_POSTS)
    if len(own) < engagement.MIN_POSTS:
        EngagementModel.objects.filter(persona=persona).delete()
        engagement_trained(persona_id)
        return None
    others = [pk for pk in persona_ids_of(persona.workspace_id) if pk != persona_id]
    rows = _with_numbers(others, WORKSPACE_POSTS) if others else []
    by_persona: dict[int, list[tuple[str, Any, int]]] = {}
    for owner, text, vector, interactions in rows:
        by_persona.setdefault(owner, []).append((text, vector, interactions))
    kept = [group for group in by_persona.values() if len(group) >= engagement.MIN_POSTS]
    workspace = (
        engagement.train_workspace(
            [t for group in kept for t, _, _ in group],
            np.array([v for group in kept for _, v, _ in group], dtype=float),
            np.concatenate([engagement.standardised([n for *_, n in group]) for group in kept]),
        )
        if kept
        else None
    )
    model = engagement.train(
        [t for _, t, _, _ in own],
        np.array([v for _, _, v, _ in own], dtype=float),
        [n for *_, n in own],
        workspace,
    )
    saved, _ = EngagementModel.objects.update_or_create(
        persona=persona,
        defaults={"model": model, "posts": len(own), "trained_at": timezone.now()},
    )
    engagement_trained(persona_id)
    return saved


def _enqueue_embedding(persona_id: int) -> None:
    enqueue("posts.tasks.embed_persona_posts", persona_id)


@transaction.atomic
def post_create(
    *, persona: Persona, role: str, checked: CheckedPost, source: str = Source.MANUAL
) -> Post:
    require(role, Action.EDIT)
    persona_lock(persona)
    post = Post.objects.create(persona=persona, source=source, **checked.values)
    recompute_performance(persona_id=persona.pk)
    _enqueue_embedding(persona.pk)
    posts_added(persona.pk, "manual")
    return post


@transaction.atomic
def post_update(*, post: Post, role: str, checked: CheckedPost) -> Post:
    require(role, Action.EDIT)
    persona_lock(post.persona_id)
    text_changed = checked.values["text"] != Post.objects.values_list("text", flat=True).get(
        pk=post.pk
    )
    fields = list(checked.values)
    for name, value in checked.values.items():
        setattr(post, name, value)
    if text_changed:
        post.embedding = post.opening_embedding = None
        post.embedding_model = ""
        fields += ["embedding", "opening_embedding", "embedding_model"]
    post.save(update_fields=[*fields, "updated_at"])
    recompute_performance(persona_id=post.persona_id)
    if text_changed:
        _enqueue_embedding(post.persona_id)
        posts_added(post.persona_id, "edit")
    post.refresh_from_db(fields=["engagement_rate", "performance_score", "tier"])
    return post


@transaction.atomic
def post_delete(*, post: Post, role: str) -> None:
    require(role, Action.EDIT)
    persona_id = post.persona_id
    persona_lock(persona_id)
    post.delete()
    recompute_performance(persona_id=persona_id)


def existing_hashes(persona: Persona, hashes: Iterable[str]) -> set[str]:
    return set(
        Post.objects.filter(persona=persona, text_hash__in=list(hashes)).values_list(
            "text_hash", flat=True
        )
    )


@dataclass
class ImportOutcome:
    imported: int = 0
    duplicates: int = 0


def posts_bulk_import(
    *,
    persona: Persona,
    values: list[dict[str, Any]],
    batch_size: int = 1000,
    followups: bool = True,
) -> ImportOutcome:
    """Insert already-checked rows, skipping any whose text the persona already has.

    So importing the same file twice adds nothing. One transaction: all rows or none.

    `followups=False` (an import job writing chunk by chunk) leaves the performance scores,
    the embeddings and the hooks to `posts_import_finished`, once: recomputing every post's
    percentile after each chunk rewrote the whole persona each time (quadratic)."""
    outcome = ImportOutcome()
    with transaction.atomic():
        # Serialise imports into one persona so two at once cannot both insert a duplicate.
        persona_lock(persona)
        seen = existing_hashes(persona, {v["text_hash"] for v in values})
        fresh = []
        for row in values:
            if row["text_hash"] in seen:
                outcome.duplicates += 1
                continue
            seen.add(row["text_hash"])
            fresh.append(Post(persona=persona, source=Source.IMPORT, **row))
        Post.objects.bulk_create(fresh, batch_size=batch_size)
        outcome.imported = len(fresh)
        if fresh:
            persona_posts_changed(persona.pk)
        if fresh and followups:
            posts_import_finished(persona=persona)
    return outcome


def posts_import_finished(*, persona: Persona) -> None:
    """After posts were imported.

    Performance scores, embeddings, and the hooks (a drift check, a debounced voice analysis)."""
    recompute_performance(persona_id=persona.pk)
    _enqueue_embedding(persona.pk)
    posts_added(persona.pk, "import")


@transaction.atomic
def posts_refresh_metrics(*, persona: Persona, values: list[dict[str, Any]]) -> int:
    """Newer numbers for posts the persona already has (the same post in a later export).

    The post takes them and a snapshot keeps each step (the first one records what it had). Returns
    how many posts changed."""
    by_hash = {
        v["text_hash"]: v for v in values if any(v.get(f) is not None for f in METRIC_FIELDS)
    }
    if not by_hash:
        return 0
    persona_lock(persona)
    changed, now = [], timezone.now()
    posts = Post.objects.filter(persona=persona, text_hash__in=list(by_hash)).prefetch_related(
        "snapshots"
    )
    for post in posts:
        row = by_hash[post.text_hash]
        new = {f: row[f] for f in METRIC_FIELDS if row.get(f) is not None}
        if _take_numbers(post, new, now, has_snapshots=bool(post.snapshots.all())):
            changed.append(post)
    if changed:
        Post.objects.bulk_update(changed, list(METRIC_FIELDS))
        recompute_performance(persona_id=persona.pk)
    return len(changed)


def _take_numbers(
    post: Post, new: dict[str, Any], now: Any, *, has_snapshots: bool, source: str = Source.IMPORT
) -> bool:
    """The post takes the new numbers, keeping a snapshot of each step.

    The post takes the new numbers (not saved) and a snapshot keeps the step (the first
    one also records what it had); False, and nothing written, when nothing changed."""
    if all(getattr(post, f) == v for f, v in new.items()):
        return False
    if not has_snapshots and not post.is_incomplete:
        MetricSnapshot.objects.create(
            post=post,
            taken_at=post.created_at,
            source=post.source,
            **{f: getattr(post, f) for f in METRIC_FIELDS},
        )
    for field, value in new.items():
        setattr(post, field, value)
    MetricSnapshot.objects.create(
        post=post, taken_at=now, source=source, **{f: getattr(post, f) for f in METRIC_FIELDS}
    )
    return True


@transaction.atomic
def post_metrics_from_platform(
    *,
    persona: Persona,
    external_ref: str,
    text: str,
    posted_at: Any,
    metrics: dict[str, int],
) -> bool:
    """A published post's numbers as the platform reports them now.

    The persona's post for it (made the first time, from the published text) takes them, with a
    snapshot, only when they changed. Returns whether anything changed."""
    persona_lock(persona)
    new = {f: v for f, v in metrics.items() if f in METRIC_FIELDS}
    post = Post.objects.filter(persona=persona, external_ref=external_ref).first()
    now = timezone.now()
    if post is None:
        checked = check_post(
            {"text": text, "posted_at": posted_at, "external_ref": external_ref, **new},
            platform=persona.platform,
            timezone=persona.timezone,
        )
        # What the creator published is theirs, however short: the rules that keep imported
        # rows clean (a minimum length …) do not turn away a post that went out.
        if not checked.values.get("text") or checked.values.get("posted_at") is None:
            return False
        post = Post.objects.create(persona=persona, source=Source.API, **checked.values)
        MetricSnapshot.objects.create(
            post=post,
            taken_at=now,
            source=Source.API,
            **{f: getattr(post, f) for f in METRIC_FIELDS},
        )
        _enqueue_embedding(persona.pk)
        posts_added(persona.pk, "import")
    elif not _take_numbers(
        post, new, now, has_snapshots=post.snapshots.exists(), source=Source.API
    ):
        return False
    else:
        post.save(update_fields=[*METRIC_FIELDS, "updated_at"])
    recompute_performance(persona_id=persona.pk)
    return True


def embeddings_reset(*, persona_id: int) -> int:
    """Forget the persona's vectors so the next embedding run redoes them all."""
    persona_posts_changed(persona_id)
    return Post.objects.filter(persona_id=persona_id).update(
        embedding=None, opening_embedding=None, embedding_model=""
    )


# The local engine packs a batch's tokens and runs them on every core; measured here, 16 posts
# a batch embed a quarter faster than 64 (bench/import.py), and each batch commits sooner.
EMBED_BATCH = 16


def embed_pending_posts(*, persona_id: int, batch_size: int = EMBED_BATCH) -> int:
    """Embed the persona's posts that have no vector from the current model, batch by batch.

    Each batch is claimed with SKIP LOCKED, so two workers never embed the same posts and a
    second run after a crash just carries on. Returns how many posts were embedded."""
    model_name = embedding_model_name()
    persona = persona_by_id(persona_id)
    if persona is None:
        return 0
    done = 0
    while True:
        try:
            embedded = _embed_one_batch(persona, model_name, batch_size)
        except EmbeddingError as error:
            embedding_failure_record(error, persona=persona, purpose="embedding")
            raise
        if not embedded:
            if done:
                hooks.posts_embedded(persona_id)
                enqueue(TRAIN_ENGAGEMENT, persona_id)  # the model reads the vectors
            return done
        persona_posts_changed(persona_id)  # the pages' "embedded" count moves on
        done += embedded


def _embed_one_batch(persona: Persona, model_name: str, batch_size: int) -> int:
    with transaction.atomic():
        batch = list(
            Post.objects.select_for_update(skip_locked=True)
            .filter(persona=persona)
            .exclude(
                embedding_model=model_name,
                embedding__isnull=False,
                opening_embedding__isnull=False,
            )
            .only("id", "text", "embedding", "embedding_model")
            .order_by("id")[:batch_size]
        )
        if not batch:
            return 0
        # One call for what is missing: the texts not embedded by this model (a post embedded
        # before openings were keeps its vector) and the first sentences of posts with more.
        texts = [
            i
            for i, post in enumerate(batch)
            if post.embedding is None or post.embedding_model != model_name
        ]
        openings = {i: opening_if_shorter(post.text) for i, post in enumerate(batch)}
        longer = [i for i, opening in openings.items() if opening is not None]
        wanted = [batch[i].text for i in texts] + [str(openings[i]) for i in longer]
        vectors = embed_for(persona, wanted, purpose="embedding") if wanted else np.zeros((0, 0))
        for i, vector in zip(texts, vectors[: len(texts)], strict=True):
            batch[i].embedding = vector
        opening_vectors = dict(zip(longer, vectors[len(texts) :], strict=True))
        for i, post in enumerate(batch):
            post.opening_embedding = opening_vectors.get(i, post.embedding)
            post.embedding_model = model_name
        Post.objects.bulk_update(batch, ["embedding", "opening_embedding", "embedding_model"])
        return len(batch)
