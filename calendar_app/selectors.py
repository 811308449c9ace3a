"""The calendar's reads: slots, the next free one, and what falls in a range of days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import Workspace
from calendar_app.models import PlannedPost, PlanStatus, PostingSlot
from core.cache import remembered
from personas.models import Persona
from publishing.models import Publication
from publishing.selectors import evergreen_originals, publications_between, scheduled_times

LOOKAHEAD_WEEKS = 8


# A persona's schedule is read on the dashboard (its streak), the calendar and every plan, and
# changes rarely: cached, cleared on every save or delete of a slot (calendar_app.apps); this
# bounds a change made while Redis was unreachable.
SLOTS_CACHED_SECONDS = 300


def slots_key(persona_id: int) -> str:
    return f"calendar:slots:{persona_id}"


def slots_of(persona: Persona) -> list[PostingSlot]:
    """The persona's posting slots (weekday × local time)."""
    return remembered(
        slots_key(persona.pk),
        lambda: list(PostingSlot.objects.filter(persona=persona)),
        SLOTS_CACHED_SECONDS,
    )


def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`at` on `day` in `zone`, as an aware time.

    A wall time that does not exist (the hour skipped when clocks go forward) moves on to the
    first one that does."""
    moment = datetime.combine(day, at, tzinfo=zone)
    round_trip = moment.astimezone(ZoneInfo("UTC")).astimezone(zone)
    if round_trip.replace(tzinfo=None) != moment.replace(tzinfo=None):
        return round_trip  # skipped: 01:30 in a gap becomes 02:30 (the same instant)
    return moment


def slot_times(persona: Persona, start: datetime, weeks: int = LOOKAHEAD_WEEKS) -> list[datetime]:
    """Every slot moment from `start` on, for `weeks` weeks, in order."""
    slots = slots_of(persona)
    if not slots:
        return []
    zone = ZoneInfo(persona.timezone)
    first = timezone.localtime(start, zone).date()
    moments = [
        local_moment(day, slot.time, zone)
        for offset in range(weeks * 7 + 1)
        for day in [first + timedelta(days=offset)]
        for slot in slots
        if slot.weekday == day.weekday()
    ]
    return sorted(m for m in moments if m > start)


def next_free_slot(persona: Persona, *, after: datetime | None = None) -> datetime | None:
    """The first slot from now (or `after`) at which the persona has nothing scheduled."""
    start = after or timezone.now()
    candidates = slot_times(persona, start)
    if not candidates:
        return None
    taken = scheduled_times(persona, candidates[0], candidates[-1])
    return next((moment for moment in candidates if moment not in taken), None)


def plan_of(persona: Persona) -> list[PlannedPost]:
    """The persona's proposed and upcoming accepted plan slots, with their generation."""
    return list(
        PlannedPost.objects.filter(
            persona=persona,
            status__in=[PlanStatus.PROPOSED, PlanStatus.ACCEPTED, PlanStatus.SCHEDULED],
            scheduled_at__gte=timezone.now() - timedelta(days=1),
        )
        .select_related("pillar", "generation", "topic", "publication")
        .order_by("scheduled_at")
    )


def planned_between(
    workspace: Workspace, start: datetime, end: datetime, *, persona_id: int | None = None
) -> list[PlannedPost]:
    """Accepted plan slots in [start, end) (one query)."""
    planned = PlannedPost.objects.filter(
        persona__workspace=workspace,
        status=PlanStatus.ACCEPTED,
        scheduled_at__gte=start,
        scheduled_at__lt=end,
    ).select_related("persona", "pillar", "generation")
    if persona_id:
        planned = planned.filter(persona_id=persona_id)
    return list(planned.order_by("scheduled_at"))


@dataclass
class QueueRow:
    """One line of the queue: a post still to go out, or an empty slot of the schedule."""

    at: datetime
    publication: Publication | None = None
    earlier: int | None = None  # the post before it in the queue (to swap with), and after
    later: int | None = None

    @property
    def overdue(self) -> bool:
        return self.at <= timezone.now()

    @property
    def day(self) -> date:
        """Its day where the page shows times (the zone the page activated)."""
        return timezone.localtime(self.at).date()


def next_up(persona: Persona, *, account_id: int | None = None, days: int = 14) -> list[QueueRow]:
    """The persona's coming posts in time order, with the empty slots between them.

    The persona's coming posts (to one account, or all) in time order, with the empty slots
    of its posting schedule between them, for `days` days; posts still waiting from before now
    (a paused queue, a retry) come first. Four queries, however long the queue."""
    now = timezone.now()
    end = now + timedelta(days=days)
    posts = [
        p
        for p in publications_between(
            persona.workspace,
            now - timedelta(days=30),
            end,
            persona_id=persona.pk,
            account_id=account_id,
        )
        if p.is_coming
    ]
    taken = {p.scheduled_at for p in posts}
    slots = [m for m in slot_times(persona, now, weeks=days // 7 + 1) if m < end]
    rows = [QueueRow(at=p.scheduled_at, publication=p) for p in posts]
    rows += [QueueRow(at=moment) for moment in slots if moment not in taken]
    rows.sort(key=lambda row: (row.at, row.publication is None))
    movable = [
        row
        for row in rows
        if row.publication is not None and row.publication.is_movable and not row.overdue
    ]
    for before, after in pairwise(movable):
        assert before.publication is not None and after.publication is not None
        before.later, after.earlier = after.publication.pk, before.publication.pk
    return rows


@dataclass
class Recurrence:
    """When an evergreen post is next due to be re-shared (shown on the calendar)."""

    publication: Publication
    due: datetime
    share_number: int


def recurrences(
    workspace: Workspace, start: datetime, end: datetime, *, persona_id: int | None = None
) -> list[Recurrence]:
    """The evergreen posts whose next re-share falls in [start, end) (two queries)."""
    found = []
    for original in evergreen_originals(workspace, persona_id=persona_id):
        made: int = getattr(original, "made")  # noqa: B009 (annotated by the selector)
        latest: datetime | None = getattr(original, "last")  # noqa: B009
        if made >= original.evergreen_times:
            continue
        last = max(original.scheduled_at, latest or original.scheduled_at)
        due = max(last + timedelta(days=original.evergreen_days), timezone.now())
        if start <= due < end:
            found.append(Recurrence(original, due, made + 1))
    return found


def calendar_days(
    workspace: Workspace,
    start: date,
    end: date,
    zone: ZoneInfo,
    *,
    persona_id: int | None = None,
    account_id: int | None = None,
    state: str = "",
    can_edit: bool = False,
) -> dict[date, list[dict[str, Any]]]:
    """The calendar's days in `zone`: each day's posts, planned slots and evergreen re-shares.

    The calendar's days [start, end) in `zone`: each day's posts (with their accounts and
    whether they can be dragged), planned slots and evergreen re-shares coming, in time
    order. Plans and re-shares only when no state or account is filtered on."""
    since = datetime.combine(start, datetime.min.time(), tzinfo=zone)
    until = datetime.combine(end, datetime.min.time(), tzinfo=zone)
    publications = publications_between(
        workspace,
        since,
        until,
        persona_id=persona_id,
        account_id=account_id,
        state=state,
    )
    by_day: dict[date, list[dict[str, Any]]] = {}
    for publication in publications:
        local = timezone.localtime(publication.scheduled_at, zone)
        targets = list(publication.targets.all())
        by_day.setdefault(local.date(), []).append(
            {
                "publication": publication,
                "local": local,
                "targets": targets,
                "movable": can_edit and publication.is_movable,
            }
        )
    if not state and not account_id:
        for planned in planned_between(workspace, since, until, persona_id=persona_id):
            local = timezone.localtime(planned.scheduled_at, zone)
            by_day.setdefault(local.date(), []).append({"planned": planned, "local": local})
        for recurrence in recurrences(workspace, since, until, persona_id=persona_id):
            local = timezone.localtime(recurrence.due, zone)
            by_day.setdefault(local.date(), []).append({"recurrence": recurrence, "local": local})
    for items in by_day.values():
        items.sort(key=lambda item: item["local"])
    return by_day
