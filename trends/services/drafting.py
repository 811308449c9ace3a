"""Feeds to drafts: a source set to draft for a persona turns its new items into ideas with drafts.

Each new item of the scan becomes an idea of the persona (its headline, the summary as notes, the
link kept) and a generation of three drafts in the persona's voice, written by a worker. At most
the source's drafts_per_day a day (the persona's day), and every generation counts against the
workspace's monthly drafts. Nothing is published: the drafts wait for the creator."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Role
from billing.models import UsageKind
from billing.services import usage_claim
from generation.services import generation_request
from personas.models import Persona
from pillars.models import TopicSource
from pillars.selectors import topics_from_links
from pillars.services import topic_add
from trends.models import TrendItem, TrendSource

logger = logging.getLogger(__name__)
MAX_DRAFTS_PER_DAY = 20


def _day_start(now: datetime, zone: str) -> datetime:
    local = now.astimezone(ZoneInfo(zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def draft_new_items(*, workspace_id: int, new_urls: list[str], now: datetime) -> int:
    """Ideas with drafts for the new items of the sources that draft; how many were started."""
    sources = list(
        TrendSource.objects.filter(
            workspace_id=workspace_id, enabled=True, draft_for__isnull=False
        ).select_related("draft_for__workspace")
    )
    if not sources or not new_urls:
        return 0
    items = list(
        TrendItem.objects.filter(workspace_id=workspace_id, canonical_url__in=new_urls)
        .defer("embedding")
        .order_by("-signal", "id")
    )
    started = 0
    for source in sources:
        persona = source.draft_for
        if persona is None or persona.workspace_id != workspace_id or persona.archived_at:
            continue
        mine = [item for item in items if source.pk in item.source_ids]
        since = _day_start(now, persona.timezone)
        done_today = topics_from_links(
            persona,
            source=TopicSource.FEED,
            since=since,
            links=list(
                TrendItem.objects.filter(
                    workspace_id=workspace_id,
                    source_ids__contains=[source.pk],
                    first_seen_at__gte=since,
                ).values_list("canonical_url", flat=True)
            ),
        )
        room = max(0, min(source.drafts_per_day, MAX_DRAFTS_PER_DAY) - done_today)
        for item in mine[:room]:
            try:
                with transaction.atomic():
                    _draft(persona, item)
            except ValidationError as error:  # no voice yet, the month's drafts used up …
                TrendSource.objects.filter(pk=source.pk).update(
                    last_error=f"Drafting stopped: {' '.join(error.messages)}"[:500]
                )
                break
            started += 1
    return started


def _draft(persona: Persona, item: TrendItem) -> None:
    idea = topic_add(
        persona=persona,
        role=Role.OWNER,  # the source's owner set it to draft; the system acts on it
        user=None,
        title=item.title,
        notes=item.summary[:2000],
        source=TopicSource.FEED,
        source_url=item.canonical_url,
    )
    usage_claim(user=None, workspace=persona.workspace, kind=UsageKind.GENERATION)
    generation_request(persona=persona, user=None, role=Role.OWNER, topic=item.title, idea=idea)
