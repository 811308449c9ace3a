"""Times shown in the creator's zone, with the zone, on every page that shows times.

A creator in America/Phoenix and one in Asia/Kolkata (a half-hour zone) walk the pages that
show times, at desktop and phone width: a 09:00 posting slot, a post published at 12:58 local
time and one scheduled for 16:30 local show those times, with the zone, everywhere — the
dashboard, the calendar (month, week, list), the posting schedule, the plan, the queue, the
post's page and the practice timeline. With SCREENSHOTS_DIR set, each page is saved."""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from publishing import services
from publishing.models import SandboxPost, Target
from tests.factories import (
    PASSWORD,
    PersonaFactory,
    PlannedPostFactory,
    PostingSlotFactory,
    UserFactory,
)
from tests.helpers import personal_workspace
from tests.publishing.flows import run_sweep

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("SCREENSHOTS_DIR")
ZONES = {"America/Phoenix": "MST", "Asia/Kolkata": "IST"}


@pytest.mark.parametrize("zone", list(ZONES))
@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_shows_times_in_the_personas_zone(live_server, page: Page, zone, width):
    local = ZoneInfo(zone)
    label = ZONES[zone]
    page.set_viewport_size({"width": width, "height": 900})
    user = UserFactory(email=f"zones-{width}-{zone.split('/')[1].lower()}@example.com")
    workspace = personal_workspace(user)
    persona = PersonaFactory(workspace=workspace, name="Local me", timezone=zone)
    account = services.account_connect(
        workspace=workspace, role="owner", platform="sandbox", name="Practice timeline"
    )
    today = timezone.now().astimezone(local).date()
    monday = today + timedelta(days=7 - today.weekday())  # next week's Monday
    PostingSlotFactory(persona=persona, weekday=0, time=time(9, 0))
    published = services.publication_schedule(
        persona=persona,
        role="owner",
        user=user,
        text="Published at lunch.",
        scheduled_at=datetime.combine(today - timedelta(days=1), time(12, 58), local),
        accounts=[account],
    )
    Target.objects.filter(publication=published).update(due_at=timezone.now())
    assert run_sweep() == ["published"]
    # The practice timeline keeps when it was posted: make that 12:58 local yesterday.
    SandboxPost.objects.update(created_at=published.scheduled_at)
    Target.objects.filter(publication=published).update(published_at=published.scheduled_at)
    coming = services.publication_schedule(
        persona=persona,
        role="owner",
        user=user,
        text="Coming on Tuesday.",
        scheduled_at=datetime.combine(monday + timedelta(days=1), time(16, 30), local),
        accounts=[account],
    )
    PlannedPostFactory(
        persona=persona,
        status="accepted",
        title="A planned slot",
        scheduled_at=datetime.combine(monday + timedelta(days=2), time(16, 30), local),
    )

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    week = f"?view=week&date={monday:%Y-%m-%d}"
    walk = [
        ("dashboard", "/dashboard/", []),
        ("calendar-month", f"/calendar/?date={monday:%Y-%m-%d}", [f"16:30 {label}"]),
        ("calendar-week", f"/calendar/{week}", [f"16:30 {label}"]),
        ("calendar-list", f"/calendar/?view=list&date={monday:%Y-%m-%d}", [f"16:30 {label}"]),
        ("schedule", "/calendar/slots/", ["09:00"]),
        ("plan", "/calendar/plan/", [f"16:30 {label}"]),
        ("queue", "/calendar/queue/", [f"16:30 {label}", f"09:00 {label}"]),
        ("post", f"/publishing/posts/{coming.pk}/", []),
        ("published", f"/publishing/posts/{published.pk}/", [f"12:58 {label}"]),
        ("timeline", f"/publishing/sandbox/{account.pk}/", [f"12:58 {label}"]),
    ]
    for name, path, expected in walk:
        page.goto(f"{live_server.url}{path}")
        main = page.locator("main")
        for text in expected:
            expect(main).to_contain_text(text)
        if name == "post":  # a post still to go shows its time in the editable field
            expect(page.get_by_label("When")).to_have_value(
                f"{monday + timedelta(days=1):%Y-%m-%d}T16:30"
            )
        assert not page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth"
        ), f"{name} is wider than the screen at {width} px"
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(
                path=f"{SHOTS}/zone-{zone.split('/')[1].lower()}-{name}-{width}.png",
                full_page=True,
            )
