"""Changing the posting schedule, and moving a post to another day (drag and drop)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from calendar_app.models import PostingSlot

# The plan's writes other apps make (composer: a post written for a planned slot).
from calendar_app.planning import plan_scheduled as plan_scheduled
from calendar_app.selectors import local_moment
from personas.models import Persona
from publishing.models import Publication
from publishing.services import publication_edit


def slot_add(*, persona: Persona, role: str, weekday: int, at: time) -> PostingSlot:
    require(role, Action.EDIT)
    if weekday not in range(7):
        raise ValidationError("Pick a day of the week.")
    try:
        with transaction.atomic():
            return PostingSlot.objects.create(
                persona=persona, weekday=weekday, time=at.replace(second=0, microsecond=0)
            )
    except IntegrityError:
        raise ValidationError("That slot is already in the schedule.") from None


def slot_delete(*, slot: PostingSlot, role: str) -> None:
    require(role, Action.EDIT)
    slot.delete()


def publication_move(
    *, publication: Publication, role: str, user: User | None, day: date
) -> Publication:
    """To another day at the same local time (the persona's zone, whatever DST does)."""
    zone = ZoneInfo(publication.persona.timezone)
    local = timezone.localtime(publication.scheduled_at, zone)
    moment = local_moment(day, local.time(), zone)
    if moment < timezone.now():
        raise ValidationError("That day has passed; drop it on today or later.")
    return publication_edit(publication=publication, role=role, user=user, scheduled_at=moment)


@transaction.atomic
def queue_swap(
    *, publication: Publication, other: Publication, role: str, user: User | None
) -> None:
    """Two coming posts of the same persona trade times (reordering the queue)."""
    if publication.persona_id != other.persona_id:
        raise ValidationError("Only posts of the same persona trade places.")
    if publication.pk == other.pk:
        return
    first, second = publication.scheduled_at, other.scheduled_at
    for post in (publication, other):
        if not post.is_movable:
            raise ValidationError(f"“{post}” is out or on its way: it keeps its time.")
    if min(first, second) < timezone.now():
        raise ValidationError("One of them is already due: post it now, or move the other.")
    publication_edit(publication=publication, role=role, user=user, scheduled_at=second)
    publication_edit(publication=other, role=role, user=user, scheduled_at=first)


def queue_move(
    *, publication: Publication, role: str, user: User | None, at: datetime
) -> Publication:
    """Into an empty slot of the queue."""
    if at < timezone.now():
        raise ValidationError("That slot has passed.")
    return publication_edit(publication=publication, role=role, user=user, scheduled_at=at)
