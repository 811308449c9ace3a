"""Scanning trend sources and ranking what they carry for each persona.

A scan: fetch the due sources concurrently (each with its own timeout; one failing source only
records its error and backs off), fold the items into the workspace's items (one per canonical
URL, then near-duplicates by embedding count as another mention), measure how fast each is
rising, and score the recent items for every persona with pillars: fit (the pillars'
relevance measure, `pillars.discovery.relevance`) × freshness × velocity, with a one-line why
and a conflict flag when an item runs against a stated position."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.models import User, Workspace
from accounts.permissions import Action, require
from billing.services import limit_allows
from core import egress
from core.jobs import enqueue, send
from language.injection import without_instructions
from language.text import words
from llm.embeddings import get_embedder
from llm.services import embed_for, embed_for_workspace
from llm.structured import ask_for_json
from personas.models import Persona
from personas.selectors import persona_by_id, persona_ids_of
from pillars import discovery
from pillars.models import Topic, TopicSource
from pillars.selectors import relevance_inputs
from pillars.services import reference_vectors
from pillars.topics import topic_add
from trends import sources as fetching
from trends.models import PersonaTrend, SourceKind, Stance, StanceKind, TrendItem, TrendSource
from voice import contrast
from voice.selectors import latest_voice_version

SCAN_WORKSPACE = "trends.tasks.scan_workspace"
EMBED_BACKLOG = "trends.tasks.embed_backlog"
# Namespace of the per-workspace advisory lock one scan (or backlog batch) holds while it folds
# items in and scores them: two at once could delete, as a copy, an item the other is scoring.
ITEMS_LOCK = 0x7472  # "tr"
BACKLOG_BATCH = 200
CONFLICTS_PROMPT = Path(__file__).parent / "prompts" / "conflicts_v1.txt"
FETCH_THREADS = 8
RECENT_DAYS = 7
MAX_ITEMS_SCORED = 2000
SHORTLIST = 30  # items per persona ranked in full (and embedded) after the lexical pass
EMBEDDED_SUMMARY_CHARS = 200
SHORT_TITLE = 40
# Two items are one story when their embeddings are this close *and* their headlines share
# half their words: unrelated short headlines reach 0.91 cosine with the local model.
NEAR_DUPLICATE = 0.92
SHARED_WORDS = 0.5
HISTORY_KEPT = 20
MAX_BACKOFF = timedelta(hours=24)
HALF_LIFE_HOURS = 48
MIN_BATCH_FOR_ITS_MEAN = 30
CONFLICT_CHECKED = 50  # the most relevant items of each persona are checked for conflicts
CONFLICT_SIMILARITY = 0.3  # centred cosine: the item is about the position
NEVER_SAY_SIMILARITY = 0.45
NEGATIONS = {
    "en": r"\b(not|no|never|don't|doesn't|isn't|aren't|won't|can't|against|myth|wrong|"
    r"overrated|dead|stop|quit|ban|fails?|worse)\b",
    "pt": r"\b(não|nunca|nem|contra|mito|errado|errada|morreu|morto|pare|proibir|pior)\b",
    "es": r"\b(no|nunca|ni|contra|mito|error|equivocado|muerto|deja|prohibir|peor)\b",
}

logger = logging.getLogger(__name__)


# --- sources ---------------------------------------------------------------------------------


@transaction.atomic
@sensitive_variables("data")
def source_save(
    *, workspace: Workspace, role: str, data: dict[str, Any], source: TrendSource | None = None
) -> TrendSource:
    require(role, Action.EDIT)
    fields = ("kind", "name", "url", "query", "enabled", "interval_minutes", "client_id")
    kind, query = data["kind"], data.get("query", "").strip()
    if kind in (SourceKind.FEED, SourceKind.MASTODON) and not data.get("url"):
        raise ValidationError({"url": "Give the address to read."})
    if data.get("url") and (problem := egress.url_problem(data["url"])):
        raise ValidationError({"url": problem})
    if kind == SourceKind.HACKER_NEWS and not query:
        raise ValidationError({"query": "Hacker News needs search words, e.g. “pricing saas”."})
    if kind == SourceKind.REDDIT and not query:
        raise ValidationError({"query": "Which subreddit? e.g. “SaaS”."})
    if kind == SourceKind.YOUTUBE and not query:
        raise ValidationError({"query": "YouTube needs search words."})
    if source is None:
        limit_allows(
            workspace=workspace,
            kind="trend_sources",
            current=TrendSource.objects.filter(workspace=workspace).count(),
        )
        source = TrendSource(workspace=workspace)
    has_secret = bool(data.get("secret") or source.secret_encrypted)
    if kind == SourceKind.REDDIT and not (data.get("client_id") and has_secret):
        raise ValidationError(
            {"client_id": "Reddit is read with your own app: give its client id and secret."}
        )
    if kind == SourceKind.YOUTUBE and not has_secret:
        raise ValidationError({"secret": "YouTube is read with your own Data API key."})
    for name in fields:
        setattr(source, name, data.get(name, ""))
    if data.get("secret"):
        source.secret = data["secret"]  # kept when the form leaves it empty
    source.next_scan_at = timezone.now()  # a new or changed source is read at the next sweep
    source.failures, source.last_error = 0, ""
    source.etag = source.last_modified = ""
    source.save()
    return source


@transaction.atomic
def source_delete(*, source: TrendSource, role: str) -> None:
    require(role, Action.EDIT)
    source.delete()


def scan_due_sources() -> int:
    """Beat: claim the due sources (their next scan moves one interval on, so a second beat
    does not take them too) and send one scan job per workspace."""
    now = timezone.now()
    due = list(
        TrendSource.objects.filter(enabled=True)
        .filter(Q(next_scan_at__isnull=True) | Q(next_scan_at__lte=now))
        .values_list("id", "workspace_id", "interval_minutes")[:500]
    )
    by_workspace: dict[int, list[int]] = {}
    for source_id, workspace_id, minutes in due:
        claimed = (
            TrendSource.objects.filter(pk=source_id)
            .filter(Q(next_scan_at__isnull=True) | Q(next_scan_at__lte=now))
            .update(next_scan_at=now + timedelta(minutes=minutes))
        )
        if claimed:
            by_workspace.setdefault(workspace_id, []).append(source_id)
    for workspace_id, source_ids in by_workspace.items():
        send(SCAN_WORKSPACE, workspace_id, source_ids)
    return sum(len(ids) for ids in by_workspace.values())


@transaction.atomic
def scan_now(*, workspace: Workspace, role: str) -> int:
    """The creator's "scan now": every enabled source of the workspace, in the background."""
    require(role, Action.EDIT)
    ids = list(
        TrendSource.objects.filter(workspace=workspace, enabled=True).values_list("id", flat=True)
    )
    if ids:
        enqueue(SCAN_WORKSPACE, workspace.pk, ids)  # once the transaction commits
    return len(ids)


@dataclass
class ScanReport:
    sources: int = 0
    failed: int = 0
    not_modified: int = 0
    items_seen: int = 0
    items_new: int = 0
    personas_scored: int = 0


def _fetch(source: TrendSource, client: httpx.Client) -> fetching.Fetched | fetching.SourceError:
    try:
        if source.kind == SourceKind.FEED:
            return fetching.fetch_feed(
                client, source.url, etag=source.etag, last_modified=source.last_modified
            )
        if source.kind == SourceKind.HACKER_NEWS:
            return fetching.fetch_hacker_news(
                client, source.url or settings.HN_API_URL, source.query
            )
        if source.kind == SourceKind.REDDIT:
            return fetching.fetch_reddit(
                client, source.query, client_id=source.client_id, secret=source.secret
            )
        if source.kind == SourceKind.YOUTUBE:
            return fetching.fetch_youtube(client, source.query, api_key=source.secret)
        return fetching.fetch_mastodon(client, source.url)
    except fetching.SourceError as error:
        return error
    except Exception as error:  # a broken source never stops the others
        return fetching.SourceError(f"Could not read it ({type(error).__name__}).")


def workspace_scan(*, workspace_id: int, source_ids: list[int] | None = None) -> ScanReport:
    """Fetch, fold in, and rescore: the Celery job (and the bench) for one workspace."""
    chosen = TrendSource.objects.filter(workspace_id=workspace_id, enabled=True)
    if source_ids is not None:
        chosen = chosen.filter(pk__in=source_ids)
    chosen_sources = list(chosen)
    report = ScanReport(sources=len(chosen_sources))
    with (
        fetching.client() as client,
        ThreadPoolExecutor(FETCH_THREADS) as pool,
    ):
        results = list(pool.map(lambda s: _fetch(s, client), chosen_sources))
    now = timezone.now()
    fresh: list[tuple[TrendSource, fetching.RawItem]] = []
    for source, result in zip(chosen_sources, results, strict=True):
        _record_outcome(source, result, now)
        if isinstance(result, fetching.SourceError):
            report.failed += 1
        elif result.not_modified:
            report.not_modified += 1
        else:
            fresh.extend((source, item) for item in result.items)
    report.items_seen = len(fresh)
    with _items_lock(workspace_id):
        report.items_new = _fold_in(workspace_id, fresh, now)
        report.personas_scored = score_workspace(workspace_id=workspace_id)
    if report.items_new:
        enqueue(EMBED_BACKLOG, workspace_id)  # the new items no persona shortlisted
    return report


@contextmanager
def _items_lock(workspace_id: int) -> Iterator[None]:
    """The workspace's items, for one scan or backlog batch at a time. A session lock, not a
    transaction: each write still commits at once (a creator dismissing a trend never waits
    for a scan's model calls), and a worker that dies takes its connection and the lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [ITEMS_LOCK, workspace_id])
        try:
            yield
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ITEMS_LOCK, workspace_id])


def embed_backlog(*, workspace_id: int, limit: int = 2000) -> int:
    """The Celery job after a scan: embed the recent items no persona shortlisted (newest
    first, a batch per transaction), folding near-duplicates as the scan does, so every item
    is one story however many sites carry it. Sends itself again while some remain. Returns
    how many were embedded or folded."""
    done = 0
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    while done < limit:
        with _items_lock(workspace_id), transaction.atomic():
            batch = list(
                TrendItem.objects.filter(
                    workspace_id=workspace_id, embedding__isnull=True, last_seen_at__gte=since
                ).order_by("-last_seen_at", "-id")[:BACKLOG_BATCH]
            )
            if not batch:
                return done
            _embed_and_fold(workspace_id, batch)
        done += len(batch)
    enqueue(EMBED_BACKLOG, workspace_id)
    return done


def _record_outcome(
    source: TrendSource, result: fetching.Fetched | fetching.SourceError, now: datetime
) -> None:
    interval = timedelta(minutes=source.interval_minutes)
    if isinstance(result, fetching.SourceError):
        failures = source.failures + 1
        TrendSource.objects.filter(pk=source.pk).update(
            failures=failures,
            last_error=str(result)[:500],
            last_scanned_at=now,
            next_scan_at=now + min(interval * 2 ** min(failures, 10), MAX_BACKOFF),
        )
        return
    updates: dict[str, Any] = {
        "failures": 0,
        "last_error": "",
        "last_scanned_at": now,
        "last_success_at": now,
        "next_scan_at": now + interval,
    }
    if not result.not_modified:
        updates.update(
            etag=result.etag[:300],
            last_modified=result.last_modified[:100],
            last_item_count=len(result.items),
            last_skipped_count=result.skipped,
        )
    TrendSource.objects.filter(pk=source.pk).update(**updates)


def _velocity(item: TrendItem, now: datetime) -> float:
    """0–1 from the last day's observations: the signal's growth per hour, a climb in rank,
    and how many sources carry it."""
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


def _fold_in(
    workspace_id: int, fresh: list[tuple[TrendSource, fetching.RawItem]], now: datetime
) -> int:
    """Items into the workspace's items; returns how many are new."""
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
    return len(new_urls)


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


def _item_text(item: TrendItem) -> str:
    """What the lexical pass reads: the headline and the start of the summary."""
    return f"{item.title}\n{item.summary[:EMBEDDED_SUMMARY_CHARS]}".strip()


def _embedded_text(item: TrendItem) -> str:
    """What is embedded: the headline, which says what the item is about (the local model's
    cost grows with the text; a summary is added only to a bare tag or a short title)."""
    if len(item.title) >= SHORT_TITLE:
        return item.title
    return f"{item.title}\n{item.summary[:EMBEDDED_SUMMARY_CHARS]}".strip()


def _same_words(one: TrendItem, other: TrendItem) -> bool:
    a, b = set(words(one.title.lower())), set(words(other.title.lower()))
    return bool(a and b) and len(a & b) / len(a | b) >= SHARED_WORDS


def _embed_and_fold(workspace_id: int, items: list[TrendItem]) -> list[TrendItem]:
    """Embed the items that have no vector yet; one that turns out to be a near duplicate of
    an item already embedded is folded into it (its sources and a mention) and deleted. The
    items without the folded ones, all embedded. Under the workspace's items lock."""
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


# --- scoring for personas ----------------------------------------------------------------------


def score_workspace(*, workspace_id: int) -> int:
    """Rescore the workspace's recent items for each of its personas with pillars. Returns
    how many personas were scored.

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
        if persona is not None:
            personas.append((persona, inputs))
    if not items or not personas:
        return 0
    texts = [_item_text(i) for i in items]
    extracted = [contrast.features(t) for t in texts]  # once, for every persona
    lexical = {p.pk: contrast.logits(extracted, inputs.lexical_weights) for p, inputs in personas}
    chosen = sorted(
        {int(i) for scores in lexical.values() for i in np.argsort(-scores)[:SHORTLIST]}
    )
    by_id = {items[i].pk: i for i in chosen}
    shortlist = _embed_and_fold(workspace_id, [items[i] for i in chosen])
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


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


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
        pillar_means=inputs.pillar_means,
        # a batch this small has no meaningful mean: other people's posts stand in for it
        reference=None
        if len(items) >= MIN_BATCH_FOR_ITS_MEAN
        else reference_vectors(get_embedder().model_name).mean(axis=0),
    )
    fit = _sigmoid(1.5 * (ranked.score - 1.0))
    rows = []
    for index, item in enumerate(items):
        born = item.published_at or item.first_seen_at
        age = max((now - born).total_seconds() / 3600, 0)
        freshness = 0.5 ** (age / HALF_LIFE_HOURS)
        relevance = 100 * fit[index] * (0.6 + 0.4 * freshness) * (0.7 + 0.3 * item.velocity)
        pillar = inputs.pillars[ranked.pillar[index]] if ranked.pillar[index] >= 0 else None
        closest = inputs.own_texts[ranked.neighbour[index]]
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
    conflicts = _conflicts(persona, [texts[i] for i in top], vectors, top)
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


def _short(text: str, length: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rsplit(" ", 1)[0] + "…"


# --- conflicts -------------------------------------------------------------------------------


def positions_of(persona: Persona) -> list[tuple[str, str]]:
    """(kind, sentence) of every position the persona has stated: the editable list, then
    the voice profile's strong opinions."""
    stated = [(s.kind, s.text) for s in Stance.objects.filter(persona=persona)]
    version = latest_voice_version(persona, fields=("profile",))
    opinions = (version.profile.get("content_dna", {}).get("opinions", []) if version else [])[:8]
    for opinion in opinions:
        stance = str(opinion.get("stance", "")).strip() if isinstance(opinion, dict) else ""
        if stance:
            stated.append((StanceKind.BELIEVE, stance))
    return stated


def _negated(text: str, language: str) -> bool:
    return bool(re.search(NEGATIONS.get(language, NEGATIONS["en"]), text.lower()))


def _conflicts(
    persona: Persona, texts: list[str], all_vectors: np.ndarray, indices: list[int]
) -> list[str]:
    """Per text, the stated position it runs against ('' for none): by a language model
    when one is configured, else (or when it fails) by the offline check."""
    positions = positions_of(persona)
    if not positions or not texts:
        return [""] * len(texts)
    judged = _conflicts_by_model(persona, texts, positions)
    if judged is not None:
        return judged
    return _conflicts_offline(persona, texts, all_vectors, indices, positions)


_LABELS = {
    StanceKind.NEVER_SAY: "You never say",
    StanceKind.DISAGREE: "You disagree with",
    StanceKind.BELIEVE: "You said",
}


def _conflicts_by_model(
    persona: Persona, texts: list[str], positions: list[tuple[str, str]]
) -> list[str] | None:
    stated = "\n".join(
        f"{n}. {_LABELS[kind]}: {without_instructions(text)}"
        for n, (kind, text) in enumerate(positions, start=1)
    )
    items = "\n".join(
        f"{n}. {without_instructions(' '.join(text.split()))[:400]}"
        for n, text in enumerate(texts, start=1)
    )
    data, _ = ask_for_json(
        system=CONFLICTS_PROMPT.read_text(encoding="utf-8").strip(),
        content=f"<positions>\n{stated.replace('</positions>', '')}\n</positions>\n"
        f"<items>\n{items.replace('</items>', '')}\n</items>",
        workspace=persona.workspace,
        persona=persona,
        user=None,
        purpose="trend_conflicts",
        max_tokens=800,
        temperature=0.0,
    )
    if data is None:
        return None
    found = [""] * len(texts)
    try:
        for conflict in data["conflicts"]:
            item, position = int(conflict["item"]), int(conflict["position"])
            if 1 <= item <= len(texts) and 1 <= position <= len(positions):
                kind, text = positions[position - 1]
                found[item - 1] = f"{_LABELS[kind]}: “{text}”"[:500]
    except (ValueError, TypeError, KeyError):
        return None
    return found


def _conflicts_offline(
    persona: Persona,
    texts: list[str],
    all_vectors: np.ndarray,
    indices: list[int],
    positions: list[tuple[str, str]],
) -> list[str]:
    """Offline: the item must be about the position (embedding similarity, centred on the
    batch) and take the other side: it says what the persona never says, it is for what the
    persona disagrees with, or its negation cues differ from the position's."""
    centre = all_vectors.mean(axis=0)
    position_vectors = embed_for(persona, [p[1] for p in positions], purpose="trends")
    about = (
        discovery.unit_rows(all_vectors[indices] - centre)
        @ discovery.unit_rows(position_vectors - centre).T
    )
    language = persona.language
    found = []
    for row, text in enumerate(texts):
        conflict = ""
        for column, (kind, position) in enumerate(positions):
            similarity = about[row, column]
            lowered = text.lower()
            if kind == StanceKind.NEVER_SAY:
                hit = position.lower() in lowered or similarity >= NEVER_SAY_SIMILARITY
            elif kind == StanceKind.DISAGREE:
                hit = similarity >= CONFLICT_SIMILARITY and not _negated(text, language)
            else:
                hit = similarity >= CONFLICT_SIMILARITY and (
                    _negated(text, language) != _negated(position, language)
                )
            if hit:
                conflict = f"{_LABELS[kind]}: “{position}”"
                break
        found.append(conflict[:500])
    return found


# --- the creator's actions -------------------------------------------------------------------


@transaction.atomic
def trend_dismiss(*, persona_trend: PersonaTrend, role: str) -> None:
    require(role, Action.EDIT)
    PersonaTrend.objects.filter(pk=persona_trend.pk).update(dismissed=True)


@transaction.atomic
def trend_make_topic(*, persona_trend: PersonaTrend, role: str, user: User | None) -> Topic:
    """The trend into the persona's ideas inbox (once: a second click returns the topic)."""
    require(role, Action.EDIT)
    if persona_trend.topic_id:
        return persona_trend.topic
    item = persona_trend.item
    topic = topic_add(
        persona=persona_trend.persona,
        role=role,
        user=user,
        title=item.title,
        notes=item.summary[:1000],
        source=TopicSource.TREND,
        source_url=item.canonical_url if item.canonical_url.startswith("http") else "",
        trend_velocity=item.velocity,
    )
    PersonaTrend.objects.filter(pk=persona_trend.pk).update(topic=topic)
    return topic


@transaction.atomic
def stance_add(*, persona: Persona, role: str, kind: str, text: str) -> Stance:
    require(role, Action.EDIT)
    text = " ".join(text.split())
    if not text:
        raise ValidationError({"text": "Write the position in a sentence."})
    return Stance.objects.create(persona=persona, kind=kind, text=text[:300])


@transaction.atomic
def stance_delete(*, stance: Stance, role: str) -> None:
    require(role, Action.EDIT)
    stance.delete()
