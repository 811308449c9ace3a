"""Ranking the recent items for each persona with pillars.

A lexical shortlist, then fit (the pillars' relevance measure, `pillars.discovery.relevance`:
absolute, 0 for what other people's posts reach) × freshness × velocity, with a one-line why and
a conflict flag."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.utils import timezone

from llm.services import embedding_model_name
from personas.models import Persona
from personas.selectors import persona_by_id, persona_ids_of
from pillars import discovery
from pillars.selectors import relevance_inputs
from pillars.services import reference_lexical, reference_vectors
from trends.models import PersonaTrend, TrendItem
from trends.selectors import top_trends_changed
from trends.services.conflicts import conflicts_of
from trends.services.folding import MAX_ITEMS_SCORED, RECENT_DAYS, embed_and_fold, item_text
from voice import contrast

SHORTLIST = 30  # items per persona ranked in full (and embedded) after the lexical pass
HALF_LIFE_HOURS = 48
DISMISSED_TAUGHT = 200
CONFLICT_CHECKED = 50  # the most relevant items of each persona are checked for conflicts


def score_workspace(*, workspace_id: int) -> int:
    """Rescore the workspace's recent items for each of its personas with pillars.

    Returns how many personas were scored.

    Embedding every item is what a scan would spend most of its time on (the local model does
    a few dozen texts a second on two cores), so each persona first shortlists its
    SHORTLIST items by the lexical contrast alone (milliseconds for thousands); only the
    shortlisted items are embedded (once: the vector is kept) and ranked in full."""
    now = timezone.now()
    items = list(
        TrendItem.objects.filter(
            workspace_id=workspace_id, last_seen_at__gte=now - timedelta(days=RECENT_DAYS)
        ).order_by("-last_seen_at", "-id")[:MAX_ITEMS_SCORED]  # ties: the same items each time
    )
    personas = []
    for persona_id in persona_ids_of(workspace_id):
        inputs = relevance_inputs(persona_id)
        persona = persona_by_id(persona_id) if inputs is not None else None
        if persona is not None and inputs is not None:
            personas.append((persona, inputs))
    if not items or not personas:
        return 0
    texts = [item_text(i) for i in items]
    extracted = [contrast.features(t) for t in texts]  # once, for every persona
    lexical = {p.pk: contrast.logits(extracted, inputs.lexical_weights) for p, inputs in personas}
    chosen = sorted(
        {int(i) for scores in lexical.values() for i in np.argsort(-scores)[:SHORTLIST]}
    )
    by_id = {items[i].pk: i for i in chosen}
    shortlist = embed_and_fold(workspace_id, [items[i] for i in chosen])
    rows = [by_id[item.pk] for item in shortlist]
    vectors = np.array([item.embedding for item in shortlist])
    for persona, inputs in personas:
        _score_persona(
            persona,
            shortlist,
            [texts[i] for i in rows],
            vectors,
            lexical[persona.pk][rows],
            inputs,
            now,
        )
    return len(personas)


def _score_persona(
    persona: Persona,
    items: list[TrendItem],
    texts: list[str],
    vectors: np.ndarray,
    lexical: np.ndarray,
    inputs: Any,
    now: datetime,
) -> None:
    ranked = discovery.relevance(
        lexical=lexical,
        vectors=vectors,
        own_vectors=inputs.own_vectors,
        pillar_means=inputs.pillar_text_means,
        reference_lexical=reference_lexical(inputs.lexical_weights),
        reference_vectors=reference_vectors(embedding_model_name()),
        dismissed_vectors=_dismissed_vectors(persona),
    )
    fit = ranked.fit
    # the why names a pillar only for an item that fits and belongs to it as a post would
    joined, _ = discovery.assign(
        vectors,
        inputs.centre,
        inputs.pillar_means,
        np.array([p.threshold for p in inputs.pillars]),
    )
    rows = []
    for index, item in enumerate(items):
        born = item.published_at or item.first_seen_at
        age = max((now - born).total_seconds() / 3600, 0)
        freshness = 0.5 ** (age / HALF_LIFE_HOURS)
        relevance = 100 * fit[index] * (0.6 + 0.4 * freshness) * (0.7 + 0.3 * item.velocity)
        pillar = inputs.pillars[joined[index]] if joined[index] >= 0 and fit[index] > 0 else None
        closest = inputs.own_texts[ranked.neighbour[index]]
        if fit[index] <= 0:
            why = "Far from what you post about: no closer than other people's posts come"
        else:
            why = (f"Fits “{pillar.name}”" if pillar else "Close to your posts") + (
                f"; nearest to your post “{_short(closest)}”"
            )
        if item.velocity >= 0.5:
            why += "; rising fast"
        rows.append(
            PersonaTrend(
                persona=persona,
                item=item,
                relevance=round(relevance),
                fit=round(float(fit[index]), 4),
                pillar=pillar,
                closest_post_text=closest[:300],
                why=why[:500],
                scored_at=now,
            )
        )
    top = sorted(range(len(rows)), key=lambda i: -rows[i].relevance)[:CONFLICT_CHECKED]
    conflicts = conflicts_of(persona, [texts[i] for i in top], vectors, top)
    for index, conflict in zip(top, conflicts, strict=True):
        rows[index].conflict = conflict
    PersonaTrend.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["persona", "item"],
        update_fields=[
            "relevance",
            "fit",
            "pillar",
            "closest_post_text",
            "why",
            "conflict",
            "scored_at",
        ],
        batch_size=500,
    )
    # what fell out of the shortlist (or aged out) goes, unless the creator acted on it
    PersonaTrend.objects.filter(persona=persona, dismissed=False, topic__isnull=True).exclude(
        item_id__in=[item.pk for item in items]
    ).delete()
    top_trends_changed([persona.pk])


def _dismissed_vectors(persona: Persona) -> np.ndarray:
    """The items the creator dismissed (the newest DISMISSED_TAUGHT): what not to offer again."""
    rows = (
        PersonaTrend.objects.filter(persona=persona, dismissed=True, item__embedding__isnull=False)
        .order_by("-id")
        .values_list("item__embedding", flat=True)[:DISMISSED_TAUGHT]
    )
    return np.array([np.asarray(v) for v in rows])


def _short(text: str, length: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rsplit(" ", 1)[0] + "…"
