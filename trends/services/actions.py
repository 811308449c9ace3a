"""The creator's actions on sources, trends and stated positions (role-checked writes)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.models import User, Workspace
from accounts.permissions import Action, require
from billing.services import limit_allows
from core import egress
from personas.models import Persona
from pillars.models import Topic, TopicSource
from pillars.services import topic_add
from trends.models import PersonaTrend, SourceKind, Stance, TrendSource
from trends.selectors import top_trends_changed


@transaction.atomic
@sensitive_variables("data")
def source_save(
    *, workspace: Workspace, role: str, data: dict[str, Any], source: TrendSource | None = None
) -> TrendSource:
    require(role, Action.EDIT)
    fields = ("kind", "name", "url", "query", "enabled", "interval_minutes", "client_id")
    draft_for = data.get("draft_for")
    if draft_for is not None and draft_for.workspace_id != workspace.pk:
        raise ValidationError({"draft_for": "Choose one of this workspace's personas."})
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
    source.draft_for = draft_for
    source.drafts_per_day = data.get("drafts_per_day") or source.drafts_per_day
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


@transaction.atomic
def trend_dismiss(*, persona_trend: PersonaTrend, role: str) -> None:
    require(role, Action.EDIT)
    PersonaTrend.objects.filter(pk=persona_trend.pk).update(dismissed=True)
    top_trends_changed([persona_trend.persona_id])


@transaction.atomic
def trend_make_topic(*, persona_trend: PersonaTrend, role: str, user: User | None) -> Topic:
    """The trend into the persona's ideas inbox (once: a second click returns the topic)."""
    require(role, Action.EDIT)
    if persona_trend.topic is not None:
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
