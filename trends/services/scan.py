"""Scanning trend sources: claim, fetch, fold and score.

Scanning: the beat's claim of due sources, fetching them concurrently (one failing source
only records its error and backs off), then folding and scoring under the workspace's items
lock; the backlog job embeds what no persona shortlisted."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Workspace
from accounts.permissions import Action, require
from core.jobs import enqueue, send
from trends import sources as fetching
from trends.models import SourceKind, TrendItem, TrendSource
from trends.services.drafting import draft_new_items
from trends.services.folding import RECENT_DAYS, embed_and_fold, fold_in
from trends.services.scoring import score_workspace

logger = logging.getLogger(__name__)


SCAN_WORKSPACE = "trends.tasks.scan_workspace"
EMBED_BACKLOG = "trends.tasks.embed_backlog"
# Namespace of the per-workspace advisory lock one scan (or backlog batch) holds while it folds
# items in and scores them: two at once could delete, as a copy, an item the other is scoring.
ITEMS_LOCK = 0x7472  # "tr"
BACKLOG_BATCH = 200
FETCH_THREADS = 8
MAX_BACKOFF = timedelta(hours=24)


def scan_due_sources() -> int:
    """Beat: claim the due sources and send one scan job per workspace.

    Their next scan moves one interval on, so a second beat does not take them too."""
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
    drafts_started: int = 0


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
    with items_lock(workspace_id):
        new_urls = fold_in(workspace_id, fresh, now)
        report.items_new = len(new_urls)
        report.personas_scored = score_workspace(workspace_id=workspace_id)
    report.drafts_started = draft_new_items(workspace_id=workspace_id, new_urls=new_urls, now=now)
    if report.items_new:
        enqueue(EMBED_BACKLOG, workspace_id)  # the new items no persona shortlisted
    return report


@contextmanager
def items_lock(workspace_id: int) -> Iterator[None]:
    """The workspace's items, for one scan or backlog batch at a time.

    A session lock, not a transaction: each write still commits at once (a creator dismissing a
    trend never waits for a scan's model calls), and a worker that dies takes its connection and
    the lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [ITEMS_LOCK, workspace_id])
        try:
            yield
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ITEMS_LOCK, workspace_id])


def embed_backlog(*, workspace_id: int, limit: int = 2000) -> int:
    """The Celery job after a scan.

    Embed the recent items no persona shortlisted (newest first, a batch per transaction), folding
    near-duplicates as the scan does, so every item is one story however many sites carry it. Sends
    itself again while some remain. Returns how many were embedded or folded."""
    done = 0
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    while done < limit:
        with items_lock(workspace_id), transaction.atomic():
            batch = list(
                TrendItem.objects.filter(
                    workspace_id=workspace_id, embedding__isnull=True, last_seen_at__gte=since
                ).order_by("-last_seen_at", "-id")[:BACKLOG_BATCH]
            )
            if not batch:
                return done
            embed_and_fold(workspace_id, batch)
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
