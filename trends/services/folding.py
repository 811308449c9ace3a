"""Folding fetched items into the workspace's items.

One per canonical URL, near-duplicates by embedding (and shared headline words) count as another
mention of one story; velocity from the last day's observations."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

import numpy as np
from django.db.models import Q

from language.text import words
from llm.services import embed_for_workspace
from trends import sources as fetching
from trends.models import TrendItem, TrendSource

logger = logging.getLogger(__name__)


RECENT_DAYS = 7
MAX_ITEMS_SCORED = 2000
EMBEDDED_SUMMARY_CHARS = 200
SHORT_TITLE = 40
# Two items are one story when their embeddings are this close *and* their headlines share
# half their words: unrelated short headlines reach 0.91 cosine with the local model.
NEAR_DUPLICATE = 0.92
SHARED_WORDS = 0.5
HISTORY_KEPT = 20


def _velocity(item: TrendItem, now: datetime) -> float:
    """0–1 from the last day's observations.

    The signal's growth per hour, a climb in rank, and how many sources carry it."""
    day_ago = (now - timedelta(hours=24)).isoformat()
    recent = [h for h in item.history if h[0] >= day_ago]
    spread = min(1.0, (len(item.source_ids) - 1) / 3)
    if len(recent) < 2:
        return round(0.2 + 0.3 * spread, 3)  # just seen: a little credit for being new
    first, last = recent[0], recent[-1]
    elapsed = datetime.fromisoformat(last[0]) - datetime.fromisoformat(first[0])
    hours = max(elapsed.total_seconds() / 3600, 1 / 60)
    growth = max(0.0, (last[1] - first[1]) / hours)
    climb = max(0, (first[2] or 0) - (last[2] or 0)) if first[2] and last[2] else 0
    value = (
        0.4 * min(1.0, math.log1p(growth) / math.log1p(50))
        + 0.3 * min(1.0, climb / 10)
        + 0.3 * spread
    )
    return round(value, 3)


def fold_in(
    workspace_id: int, fresh: list[tuple[TrendSource, fetching.RawItem]], now: datetime
) -> list[str]:
    """Items into the workspace's items; returns the canonical URLs of the new ones."""
    by_url: dict[str, tuple[TrendSource, fetching.RawItem]] = {}
    sources_of: dict[str, set[int]] = {}
    for source, raw in fresh:
        try:
            url = fetching.canonical_url(raw.url)
        except ValueError:  # checked when read; one odd item never stops the scan
            logger.warning("trend item with an unreadable URL skipped (source %s)", source.pk)
            continue
        sources_of.setdefault(url, set()).add(source.pk)
        if url not in by_url or raw.signal > by_url[url][1].signal:
            by_url[url] = (source, raw)
    urls = list(by_url)
    known = TrendItem.objects.filter(workspace_id=workspace_id).filter(
        Q(canonical_url__in=urls) | Q(aliases__overlap=urls)
    )
    existing: dict[str, TrendItem] = {}  # a URL seen before → its item (folded copies too)
    for item in known.defer("embedding"):
        for url in (item.canonical_url, *item.aliases):
            if url in by_url:
                existing[url] = item
    stamp = now.isoformat()
    changed: dict[int, TrendItem] = {}
    for url, item in existing.items():
        raw = by_url[url][1]
        new_sources = sources_of[url] - set(item.source_ids)
        item.source_ids = sorted(set(item.source_ids) | sources_of[url])
        item.mentions += len(new_sources)
        if item.pk in changed:  # the story and a copy of it in one scan: one observation
            continue
        item.signal = raw.signal
        item.last_seen_at = now
        item.history = [*item.history, [stamp, raw.signal, raw.rank]][-HISTORY_KEPT:]
        item.velocity = _velocity(item, now)
        changed[item.pk] = item
    TrendItem.objects.bulk_update(
        list(changed.values()),
        ["source_ids", "mentions", "signal", "last_seen_at", "history", "velocity"],
    )
    new_urls = [u for u in by_url if u not in existing]
    TrendItem.objects.bulk_create(
        [_new_item(workspace_id, url, by_url[url][1], sources_of[url], now) for url in new_urls],
        ignore_conflicts=True,
        batch_size=500,
    )
    return new_urls


def _new_item(
    workspace_id: int, url: str, raw: fetching.RawItem, source_ids: set[int], now: datetime
) -> TrendItem:
    item = TrendItem(
        workspace_id=workspace_id,
        canonical_url=url[:1000],
        title=raw.title[:500],
        summary=raw.summary,
        published_at=raw.published_at,
        first_seen_at=now,
        last_seen_at=now,
        source_ids=sorted(source_ids),
        signal=raw.signal,
        history=[[now.isoformat(), raw.signal, raw.rank]],
    )
    item.velocity = _velocity(item, now)
    return item


def item_text(item: TrendItem) -> str:
    """What the lexical pass reads: the headline and the start of the summary."""
    return f"{item.title}\n{item.summary[:EMBEDDED_SUMMARY_CHARS]}".strip()


def _embedded_text(item: TrendItem) -> str:
    """What is embedded.

    The headline, which says what the item is about (the local model's cost grows with the text; a
    summary is added only to a bare tag or a short title)."""
    if len(item.title) >= SHORT_TITLE:
        return item.title
    return f"{item.title}\n{item.summary[:EMBEDDED_SUMMARY_CHARS]}".strip()


def _same_words(one: TrendItem, other: TrendItem) -> bool:
    a, b = set(words(one.title.lower())), set(words(other.title.lower()))
    return bool(a and b) and len(a & b) / len(a | b) >= SHARED_WORDS


def embed_and_fold(workspace_id: int, items: list[TrendItem]) -> list[TrendItem]:
    """Embed the items that have no vector yet.

    One that turns out to be a near duplicate of an item already embedded is folded into it (its
    sources and a mention) and deleted. The items without the folded ones, all embedded. Under the
    workspace's items lock."""
    missing = [i for i in items if i.embedding is None]
    if not missing:
        return items
    vectors = embed_for_workspace(
        workspace_id, [_embedded_text(i) for i in missing], purpose="trends"
    )
    known = [i for i in items if i.embedding is not None]
    known += list(
        TrendItem.objects.filter(workspace_id=workspace_id, embedding__isnull=False)
        .exclude(pk__in=[i.pk for i in items])
        .order_by("-last_seen_at")
        .only("id", "title", "embedding", "source_ids", "mentions", "aliases")[:MAX_ITEMS_SCORED]
    )
    units = [np.asarray(i.embedding) / (np.linalg.norm(i.embedding) or 1) for i in known]
    folded: set[int] = set()
    twins: dict[int, TrendItem] = {}
    for item, vector in zip(missing, vectors, strict=True):
        unit = vector / (np.linalg.norm(vector) or 1)
        if units:
            similarity = np.array(units) @ unit
            best = int(similarity.argmax())
            if similarity[best] >= NEAR_DUPLICATE and _same_words(item, known[best]):
                twin = known[best]
                twin.source_ids = sorted(set(twin.source_ids) | set(item.source_ids))
                twin.aliases = sorted({*twin.aliases, item.canonical_url})
                twin.mentions += 1
                twins[twin.pk] = twin
                folded.add(item.pk)
                continue
        item.embedding = vector
        known.append(item)
        units.append(unit)
    TrendItem.objects.bulk_update([i for i in missing if i.pk not in folded], ["embedding"])
    TrendItem.objects.bulk_update(list(twins.values()), ["source_ids", "mentions", "aliases"])
    TrendItem.objects.filter(pk__in=folded).delete()
    return [i for i in items if i.pk not in folded]
