"""What worked: engagement over time, best posting times, streaks, top and bottom posts.

What worked: a persona's engagement over time, its best posting times, its streaks, its top
and bottom posts and what they share. Every read is an aggregate in PostgreSQL (grouped in the
persona's own time zone), so the number of queries does not grow with the number of posts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, F, Max, Min, Q, QuerySet
from django.db.models.functions import (
    Coalesce,
    ExtractHour,
    ExtractIsoWeekDay,
    TruncMonth,
    TruncWeek,
)
from django.utils import timezone

from calendar_app.selectors import slots_key, slots_of
from personas.models import Persona
from posts.engagement import FACTOR_TESTS
from posts.models import Post
from posts.selectors import posts_of, posts_of_personas, weekly_post_counts, weekly_post_counts_key

MIN_POSTS_TO_ADVISE = 3  # a weekday × hour with fewer posts is shown, never recommended
WEEKS_SHOWN = 26
TOP = 5
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _interactions() -> Any:
    return Coalesce("likes", 0) + Coalesce("comments", 0) + Coalesce("reposts", 0)


HAS_NUMBERS = Q(likes__isnull=False) | Q(comments__isnull=False) | Q(reposts__isnull=False)


# The periods every analytics page offers (remembered per persona by the view).
PERIODS = {
    "30d": ("Last 30 days", 30),
    "90d": ("Last 90 days", 90),
    "12m": ("Last 12 months", 365),
    "all": ("All time", None),
    "custom": ("From … to …", None),
}


@dataclass(frozen=True)
class Period:
    """Days in the persona's zone, both ends included; `first` None = since the first post."""

    key: str
    first: date | None
    last: date

    @property
    def label(self) -> str:
        if self.key == "custom" and self.first:
            return f"{self.first:%-d %b %Y} to {self.last:%-d %b %Y}"
        return PERIODS[self.key][0]

    def bounds(self, zone: ZoneInfo) -> tuple[datetime | None, datetime]:
        start = datetime.combine(self.first, time.min, tzinfo=zone) if self.first else None
        return start, datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=zone)


def period_of(persona: Persona, key: str, first: date | None = None, last: date | None = None):
    """The period `key` ends today in the persona's zone (custom: from `first` to `last`)."""
    today = timezone.localtime(timezone.now(), ZoneInfo(persona.timezone)).date()
    if key == "custom" and first:
        last = min(last or today, today)
        return Period("custom", min(first, last), last)
    days = PERIODS.get(key, PERIODS["90d"])[1]
    key = key if key in PERIODS and key != "custom" else "90d"
    return Period(key, today - timedelta(days=days - 1) if days else None, today)


def default_period(persona: Persona) -> Period:
    """The last 90 days, or all time when nothing was posted in them.

    An imported archive from years ago shows its numbers rather than an empty page."""
    recent = period_of(persona, "90d")
    start, _ = recent.bounds(ZoneInfo(persona.timezone))
    if posts_of(persona).filter(posted_at__gte=start).exists():
        return recent
    return period_of(persona, "all")


def posts_span(persona: Persona) -> tuple[datetime | None, datetime | None]:
    """When the persona's first and latest posts were made."""
    found = posts_of(persona).aggregate(first=Min("posted_at"), last=Max("posted_at"))
    return found["first"], found["last"]


def _in(persona: Persona, period: Period | None) -> QuerySet[Post]:
    posts = posts_of(persona)
    if period is None:
        return posts
    start, end = period.bounds(ZoneInfo(persona.timezone))
    posts = posts.filter(posted_at__lt=end)
    return posts.filter(posted_at__gte=start) if start else posts


def _with_numbers(persona: Persona, period: Period | None = None) -> QuerySet[Post]:
    return _in(persona, period).filter(HAS_NUMBERS)


def weekly_engagement(
    persona: Persona, period: Period | None = None, *, weeks: int = WEEKS_SHOWN
) -> list[dict[str, Any]]:
    """Posts and mean interactions per week (or per month over long periods), oldest first.

    Posts and mean interactions per week (Monday, in the persona's zone), oldest first,
    over the period (without one: the last `weeks` weeks), weeks without posts included as
    zeros. A period longer than a year is counted by month instead (`week` is then the
    first of the month), so all time over years stays a readable chart."""
    zone = ZoneInfo(persona.timezone)
    today = timezone.localtime(timezone.now(), zone).date()
    period = period or Period(
        "weeks", today - timedelta(days=today.weekday() + 7 * (weeks - 1)), today
    )
    first = period.first
    if first is None:
        started, _ = posts_span(persona)
        first = timezone.localtime(started, zone).date() if started else today
    monthly = (period.last - first).days > 370
    # Buckets start on the first of a month, or on a Monday.
    first = first.replace(day=1) if monthly else first - timedelta(days=first.weekday())
    trunc = TruncMonth if monthly else TruncWeek
    rows = (
        _in(persona, period)
        .annotate(week=trunc("posted_at", tzinfo=zone))
        .values("week")
        .annotate(
            posts=Count("id"),
            with_numbers=Count(
                "id",
                filter=Q(likes__isnull=False)
                | Q(comments__isnull=False)
                | Q(reposts__isnull=False),
            ),
            interactions=Avg(_interactions()),
        )
    )
    by_week = {row["week"].date(): row for row in rows}
    found = []
    bucket = first
    while bucket <= period.last:
        row = by_week.get(bucket, {})
        found.append(
            {
                "week": bucket,
                "monthly": monthly,
                "posts": row.get("posts", 0),
                "interactions": round(row["interactions"], 1) if row.get("with_numbers") else None,
            }
        )
        if monthly:
            bucket = (bucket.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            bucket += timedelta(days=7)
    return found


@dataclass
class Cell:
    posts: int
    performance: float | None  # mean percentile among the persona's posts


def posting_times(persona: Persona, period: Period | None = None) -> dict[str, Any]:
    """Weekday × hour in the persona's time zone.

    How many posts each cell rests on and their mean performance percentile; the best cells advised
    only with MIN_POSTS_TO_ADVISE posts."""
    zone = ZoneInfo(persona.timezone)
    rows = (
        _in(persona, period)
        .annotate(
            weekday=ExtractIsoWeekDay("posted_at", tzinfo=zone),
            hour=ExtractHour("posted_at", tzinfo=zone),
        )
        .values("weekday", "hour")
        .annotate(posts=Count("id"), performance=Avg("performance_score"))
    )
    cells = {(r["weekday"] - 1, r["hour"]): Cell(r["posts"], r["performance"]) for r in rows}
    advisable = [
        (key, cell)
        for key, cell in cells.items()
        if cell.posts >= MIN_POSTS_TO_ADVISE and cell.performance is not None
    ]
    best = sorted(advisable, key=lambda kc: -(kc[1].performance or 0.0))[:3]
    hours = sorted({hour for _, hour in cells}) or list(range(8, 19))
    return {
        "zone": zone.key,
        "hours": list(range(min(hours), max(hours) + 1)),
        "grid": [
            (WEEKDAYS[day], [(hour, cells.get((day, hour))) for hour in range(24)])
            for day in range(7)
        ],
        "best": [
            {
                "weekday": WEEKDAYS[day],
                "hour": hour,
                "posts": cell.posts,
                "performance": round(cell.performance or 0.0),
            }
            for (day, hour), cell in best
        ],
        "min_posts": MIN_POSTS_TO_ADVISE,
        "too_few": not advisable,
    }


def streak_keys(persona_id: int) -> list[str]:
    """What `streaks` reads from the cache (for `core.cache.read_ahead`)."""
    return [slots_key(persona_id), weekly_post_counts_key(persona_id)]


def streaks(persona: Persona) -> dict[str, int]:
    """Runs of weeks with at least the scheduled number of posts: the current run and the longest.

    Weeks run Monday to Sunday in the persona's zone; the number is its posting slots a week (one
    without a schedule); this week counts once it is met."""
    zone = ZoneInfo(persona.timezone)
    target = max(len(slots_of(persona)), 1)
    counts = weekly_post_counts(persona, zone)
    today = timezone.localtime(timezone.now(), zone).date()
    this_week = today - timedelta(days=today.weekday())
    longest = run = 0
    if counts:
        week = min(counts)
        while week <= this_week:
            run = run + 1 if counts.get(week, 0) >= target else 0
            longest = max(longest, run)
            week += timedelta(days=7)
    current, week = 0, this_week
    if counts.get(week, 0) < target:
        week -= timedelta(days=7)  # this week is not over: the run so far still counts
    while counts.get(week, 0) >= target:
        current += 1
        week -= timedelta(days=7)
    return {"current": current, "longest": longest, "target": target}


def top_and_bottom(
    persona: Persona, period: Period | None = None, *, count: int = TOP
) -> dict[str, Any]:
    """The persona's best and worst posts by performance, and the traits that set the best apart.

    "4 of your top 5 ask a question; 1 of the bottom 5 does"."""
    ranked = (
        _with_numbers(persona, period).filter(performance_score__isnull=False).defer("embedding")
    )
    top = list(ranked.order_by(F("performance_score").desc(), "-posted_at")[:count])
    bottom = list(ranked.order_by("performance_score", "-posted_at")[:count])
    shared = []
    if len(top) == count and len(bottom) == count:
        for test, label in FACTOR_TESTS.values():
            up = sum(1 for p in top if test(p.text))
            down = sum(1 for p in bottom if test(p.text))
            if abs(up - down) >= 2:
                said = f"{up} of your top {count} are {label}; {down} of the bottom {count}"
                shared.append((abs(up - down), said))
    return {"top": top, "bottom": bottom, "shared": [s for _, s in sorted(shared, reverse=True)]}


def chart_points(weeks: list[dict[str, Any]], *, width: int = 600, height: int = 160) -> str:
    """The weekly mean interactions as SVG polyline points (weeks without numbers skipped)."""
    values = [w["interactions"] for w in weeks]
    known = [v for v in values if v is not None]
    if not known:
        return ""
    top = max(known) or 1
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{round(i * step, 1)},{round(height - v / top * (height - 10), 1)}"
        for i, v in enumerate(values)
        if v is not None
    )


EXPORT_COLUMNS = (
    "posted_at",
    "text",
    "content_type",
    "impressions",
    "likes",
    "comments",
    "reposts",
    "saves",
    "engagement_rate",
    "performance_score",
    "tier",
    "source",
)


def posts_for_export(
    persona: Persona, period: Period | None = None
) -> QuerySet[Post, tuple[object, ...]]:
    return _in(persona, period).order_by("posted_at", "id").values_list(*EXPORT_COLUMNS)


def workspace_summary(personas: list[Persona], days: int | None = 30) -> list[dict[str, Any]]:
    """One line per persona.

    Posts and mean interactions in the last `days` days (None: all time; one query for all), the
    current streak and the best posting time (a few queries per persona, none per post)."""
    since = (
        timezone.now() - timedelta(days=days)
        if days
        else datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
    )
    recent = {
        row["persona_id"]: row
        for row in posts_of_personas(personas)
        .filter(posted_at__gte=since)
        .values("persona_id")
        .annotate(
            posts=Count("id"),
            interactions=Avg(_interactions(), filter=HAS_NUMBERS),
        )
    }
    lines = []
    for persona in personas:
        row = recent.get(persona.pk, {})
        best = posting_times(persona)["best"]
        lines.append(
            {
                "persona": persona,
                "posts": row.get("posts", 0),
                "interactions": round(row["interactions"], 1)
                if row.get("interactions") is not None
                else None,
                "streak": streaks(persona),
                "best": best[0] if best else None,
            }
        )
    return lines
