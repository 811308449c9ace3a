"""Evergreen posts: published posts re-shared on a schedule, each share made once.

Evergreen posts: a published post re-shared `evergreen_days` after its last share, into the
next free slot of its persona's posting schedule (never within `evergreen_gap_days` of the last
share), at most `evergreen_times` times. A re-share is a new post on the calendar and in the
queue (movable, cancellable), made exactly once per share number (a unique constraint and a
row lock on the original). An account whose platform refuses the same text twice (X) gets a
re-share only with the changed version the creator wrote; otherwise it is left out, and the
creator is told."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from calendar_app.selectors import next_free_slot
from publishing.checks import refuses_duplicates
from publishing.media import CheckedImage
from publishing.models import AccountStatus, Publication, TargetState
from publishing.notices import evergreen_held
from publishing.selectors import (
    evergreen_published_ids,
    live_reshares,
    next_share_number,
    publication_locked,
)
from publishing.services import publication_mark_reshare, publication_schedule


def evergreen_sweep() -> int:
    """Beat: make the re-shares that are due. Returns how many were made."""
    return sum(1 for pk in evergreen_published_ids() if reshare_if_due(pk) is not None)


def reshare_if_due(publication_id: int) -> Publication | None:
    try:
        with transaction.atomic():
            original = publication_locked(publication_id)
            return _reshare(original)
    except IntegrityError:
        return None  # another sweep made this share number first


def _reshare(original: Publication) -> Publication | None:
    if not original.evergreen:
        return None
    shares = live_reshares(original)
    if len(shares) >= original.evergreen_times:
        return None
    number = next_share_number(original)
    now = timezone.now()
    due = original.next_share_due(shares)
    if now < due:
        return None
    last = due - timedelta(days=original.evergreen_days)
    persona = original.persona
    slot = next_free_slot(
        persona, after=max(now, last + timedelta(days=original.evergreen_gap_days))
    )
    post_url = reverse("publication_detail", args=[original.pk])
    if slot is None:
        _tell(
            original,
            "An evergreen post could not be re-shared: no free slot",
            "Set posting times (or free a slot) for it to be re-shared.",
            reverse("calendar_slots"),
            number,
        )
        return None
    targets = [
        t
        for t in original.targets.select_related("account")
        if t.state == TargetState.PUBLISHED and t.account.status != AccountStatus.DISCONNECTED
    ]
    accounts, versions, left_out = [], {}, []
    for target in targets:
        own = original.evergreen_versions.get(str(target.account_id))
        if refuses_duplicates(target.account) and not own:
            left_out.append(target.account.name)
            continue
        accounts.append(target.account)
        if own or target.text:
            versions[target.account_id] = own or target.text
    if left_out:
        _tell(
            original,
            f"Re-share without {', '.join(left_out)}: it refuses the same text twice",
            "Write a changed version for it on the post's page to include it next time.",
            post_url,
            number,
        )
    if not accounts:
        return None
    images = list(original.images.all())
    try:
        share = publication_schedule(
            persona=persona,
            role=Role.OWNER,  # the creator asked for it when marking the post evergreen
            user=None,
            text=original.text,
            scheduled_at=slot,
            accounts=accounts,
            images=[CheckedImage(i.file, i.content_type, i.width, i.height) for i in images],
            alt_texts=[i.alt_text for i in images],
            image_parts=[i.part for i in images],
            versions=versions,
            first_comment=original.first_comment,
            number_parts=original.number_parts,
        )
    except ValidationError as error:
        _tell(
            original,
            "An evergreen post could not be re-shared",
            " ".join(error.messages),
            post_url,
            number,
        )
        return None
    publication_mark_reshare(share=share, original=original, number=number)
    return share


def _tell(original: Publication, title: str, body: str, url: str, share: int) -> None:
    # Told once per share and reason, however often the sweep looks.
    evergreen_held(original, title, body, url, key=f"{share}:{title[:60]}")
