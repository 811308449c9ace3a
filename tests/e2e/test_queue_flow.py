"""The queue in the browser.

Drag a post onto another to swap their times (↑ on a phone), fill an empty slot from the composer,
pause and resume an account."""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from publishing import services
from tests.factories import PASSWORD, PersonaFactory, PostingSlotFactory, UserFactory
from tests.helpers import personal_workspace

pytestmark = pytest.mark.django_db(transaction=True)
LISBON = ZoneInfo("Europe/Lisbon")
SHOTS = os.environ.get("SCREENSHOTS_DIR")


@pytest.mark.parametrize("width", [1280, 390])
def test_reorder_fill_and_pause_the_queue(live_server, page: Page, width):
    page.set_viewport_size({"width": width, "height": 900})
    user = UserFactory(email=f"queue{width}@example.com")
    workspace = personal_workspace(user)
    persona = PersonaFactory(workspace=workspace, timezone="Europe/Lisbon")
    account = services.account_connect(
        workspace=workspace, role="owner", platform="sandbox", name="Practice timeline"
    )
    today = timezone.now().astimezone(LISBON).date()
    for offset in range(1, 8):
        day = today + timedelta(days=offset)
        PostingSlotFactory(persona=persona, weekday=day.weekday(), time=time(9, 0))
    tomorrow, after = (datetime.combine(today + timedelta(days=n), time(9), LISBON) for n in (1, 2))
    first = services.publication_schedule(
        persona=persona,
        role="owner",
        user=user,
        text="First in line.",
        scheduled_at=tomorrow,
        accounts=[account],
    )
    second = services.publication_schedule(
        persona=persona,
        role="owner",
        user=user,
        text="Second in line.",
        scheduled_at=after,
        accounts=[account],
    )
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/calendar/queue/")
    rows = page.locator(".queue-post")
    expect(rows.first).to_contain_text("First in line.")
    if width > 760:
        page.locator(f"#queue-{second.pk}").drag_to(page.locator(f"#queue-{first.pk}"))
    else:
        page.locator(f"#queue-{second.pk}").get_by_role("button", name="Move earlier").click()
    expect(page.locator("#toasts")).to_contain_text("Swapped")
    expect(rows.first).to_contain_text("Second in line.")
    first.refresh_from_db()
    assert first.scheduled_at == after
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/queue-{width}.png", full_page=True)

    page.locator(".queue-slot").first.get_by_role("link", name="Fill this slot").click()
    expect(page.get_by_role("heading", name="New post")).to_be_visible()
    expect(page.get_by_label("Date and time")).not_to_have_value("")

    page.goto(f"{live_server.url}/calendar/queue/?account={account.pk}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Pause this queue").click()
    expect(page.locator("main")).to_contain_text("queue is paused")
    page.get_by_role("button", name="Resume").click()
    expect(page.locator("#toasts")).to_contain_text("queue resumed")
