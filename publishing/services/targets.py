"""The creator's answers to what happened to one account's post.

Retry, "it's there", discard; and when its numbers are read again."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from core import egress
from pillars.services import topic_set_published
from publishing.adapters import publisher_for
from publishing.adapters.base import PublishError
from publishing.models import (
    CONFIRMABLE_STATES,
    DISCARDABLE_STATES,
    RETRYABLE_STATES,
    Publication,
    Target,
    TargetState,
)
from publishing.services.publications import log_event

logger = logging.getLogger(__name__)


@transaction.atomic
def target_retry_now(*, target: Target, role: str, user: User | None = None) -> Target:
    """Send a dead letter (or an unconfirmed post) again at the next sweep.

    A dead letter (or an unconfirmed post the creator wants sent again) goes out at the
    next sweep; the idempotency key stays, so a platform that saw it never shows it twice."""
    require(role, Action.EDIT)
    updated = Target.objects.filter(pk=target.pk, state__in=RETRYABLE_STATES).update(
        state=TargetState.SCHEDULED, due_at=timezone.now(), attempts=0, last_error=""
    )
    if not updated:
        raise ValidationError("Only a failed or unconfirmed post can be sent again.")
    target.refresh_from_db()
    log_event(target.publication, user, "retried", target.account.name)
    return target


@transaction.atomic
def target_confirm_published(
    *, target: Target, role: str, user: User | None = None, url: str = ""
) -> Target:
    """The creator checked (an unconfirmed post is there) or posted it (the manual channel).

    The link, if given, must be a web page's (it is shown to the whole team as a link)."""
    require(role, Action.EDIT)
    if url.strip() and not egress.web_url(url):
        raise ValidationError("That link is not a web address (http:// or https://).")
    url = egress.web_url(url)
    updated = Target.objects.filter(pk=target.pk, state__in=CONFIRMABLE_STATES).update(
        state=TargetState.PUBLISHED,
        external_url=url[:500],
        published_at=timezone.now(),
        needs_reconcile=False,
        last_error="",
    )
    if not updated:
        raise ValidationError("Only an unconfirmed post can be marked as published.")
    target.refresh_from_db()
    log_event(
        target.publication, user, "marked as published", f"{target.account.name} {url}".strip()
    )
    idea_published(target.publication_id)
    return target


def idea_published(publication_id: int) -> None:
    """The post went out (on any account): the idea it was written for is published."""
    idea_id = (
        Publication.objects.filter(pk=publication_id).values_list("idea_id", flat=True).first()
    )
    if idea_id:
        topic_set_published(topic_id=idea_id)


@transaction.atomic
def target_discard(*, target: Target, role: str, user: User | None = None) -> Target:
    """A dead letter the creator gives up on."""
    require(role, Action.EDIT)
    updated = Target.objects.filter(pk=target.pk, state__in=DISCARDABLE_STATES).update(
        state=TargetState.CANCELLED, lease_token=None
    )
    if not updated:
        raise ValidationError("Only a failed or unconfirmed post can be discarded.")
    target.refresh_from_db()
    log_event(target.publication, user, "discarded", target.account.name)
    return target


# How often a published post's numbers are read again, by its age: a new post's numbers move
# by the hour, a month-old one's hardly at all.
METRICS_EVERY = (
    (timedelta(days=1), timedelta(hours=1)),
    (timedelta(days=7), timedelta(hours=6)),
    (timedelta(days=30), timedelta(days=1)),
)
METRICS_OLD = timedelta(days=7)
METRICS_BACKOFF_MAX = timedelta(days=7)


def target_metrics_read(*, target: Target, ok: bool) -> None:
    """Schedule the next read of a published post's numbers.

    By its age after a read, with doubling backoff (from an hour, up to a week) after a failure."""
    now = timezone.now()
    if ok:
        age = now - (target.published_at or now)
        every = next((step for limit, step in METRICS_EVERY if age < limit), METRICS_OLD)
        Target.objects.filter(pk=target.pk).update(metrics_next_at=now + every, metrics_failures=0)
        return
    failures = target.metrics_failures + 1
    wait = min(timedelta(hours=1) * 2 ** min(failures - 1, 10), METRICS_BACKOFF_MAX)
    Target.objects.filter(pk=target.pk).update(
        metrics_next_at=now + wait, metrics_failures=failures
    )


def target_metrics_fetch(target: Target) -> dict[str, int] | None:
    """The platform's numbers for a published post, as it names them.

    None when they could not be read (that post's next read backs off)."""
    try:
        return publisher_for(target.account.platform).fetch_metrics(target.account, target)
    except (PublishError, NotImplementedError) as error:
        logger.info("metrics of target %s not read: %s", target.pk, error)
        target_metrics_read(target=target, ok=False)
        return None
