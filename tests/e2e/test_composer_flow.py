"""The composer in the browser, at desktop and phone width.

Open it with the keyboard shortcut, write a post by hand and watch each account's counter, preview
and the voice match change while typing; reload mid-sentence and lose nothing; make a thread with "+
Part"; add it to the queue and see it on the practice timeline."""

from __future__ import annotations

import os
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from composer.models import ComposerDraft
from home.demo_posts import DEMO_POSTS
from publishing import services
from publishing.models import Publication, SandboxPost, Target
from tests.factories import (
    PASSWORD,
    PersonaFactory,
    PostFactory,
    PostingSlotFactory,
    PublishingAccountFactory,
    UserFactory,
    VoiceProfileFactory,
)
from tests.helpers import personal_workspace
from tests.publishing.flows import run_sweep

pytestmark = pytest.mark.django_db(transaction=True)
KOLKATA = ZoneInfo("Asia/Kolkata")
SHOTS = os.environ.get("SCREENSHOTS_DIR")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_write_a_post_by_hand_and_queue_it(live_server, page: Page, width):
    page.set_viewport_size({"width": width, "height": 900})
    user = UserFactory(email=f"composer{width}@example.com")
    workspace = personal_workspace(user)
    persona = PersonaFactory(workspace=workspace, name="Founder me", timezone="Asia/Kolkata")
    for text, *_ in DEMO_POSTS:
        PostFactory(persona=persona, text=text)
    VoiceProfileFactory(persona=persona)
    services.account_connect(
        workspace=workspace, role="owner", platform="sandbox", name="Practice timeline"
    )
    PublishingAccountFactory(workspace=workspace, platform="bluesky", name="@me.bsky.social")
    tomorrow = (timezone.now().astimezone(KOLKATA) + timedelta(days=1)).date()
    PostingSlotFactory(persona=persona, weekday=tomorrow.weekday(), time=time(9, 0))

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.keyboard.press("n")  # the shortcut for "New post"
    expect(page.get_by_role("heading", name="New post")).to_be_visible()
    expect(page.locator(".composer")).to_contain_text("Asia/Kolkata")

    accounts = page.locator(".accounts-pick")
    accounts.get_by_role("checkbox", name="Practice timeline").check()
    accounts.get_by_role("checkbox", name="@me.bsky.social").check()
    box = page.get_by_label("Your post")
    box.click()
    page.keyboard.type("I raised prices twice last year.", delay=5)
    live = page.locator("#live")
    bluesky = live.locator(".preview-bluesky")
    expect(bluesky).to_contain_text("32 / 300")
    page.keyboard.type("\n\nBoth times I expected churn.", delay=5)
    expect(bluesky).to_contain_text("62 / 300")  # the counter follows the typing
    expect(live.locator("[data-voice-score]")).to_be_visible()
    expect(live.locator("#deep")).to_contain_text("Tone")  # the second, slower answer

    # A reload right after typing (before the pause that saves) loses nothing.
    page.keyboard.type(" Both times the customers who stayed told us", delay=0)
    page.reload()
    expect(page.get_by_label("Your post")).to_have_value(
        "I raised prices twice last year.\n\nBoth times I expected churn."
        " Both times the customers who stayed told us"
    )
    box = page.get_by_label("Your post")
    box.press("End")
    box.press("Control+End")
    page.keyboard.type(" they trusted us more.", delay=5)
    page.get_by_role("button", name="+ Part").click()
    page.keyboard.type("Would you have done it?", delay=5)
    expect(bluesky).to_contain_text("Part 2")
    _shot(page, f"composer-{width}")

    page.get_by_role("button", name="Add to queue").click()
    expect(page.locator("#toasts")).to_contain_text("Scheduled for")
    expect(page.locator("#toasts")).to_contain_text("IST")
    publication = Publication.objects.get()
    assert publication.scheduled_at.astimezone(KOLKATA).time() == time(9, 0)
    assert ComposerDraft.objects.get().status == "scheduled"
    practice = Target.objects.get(account__platform="sandbox")
    Target.objects.filter(publication=publication).update(due_at=timezone.now())
    Target.objects.exclude(pk=practice.pk).delete()  # the fake Bluesky is not running here
    assert run_sweep() == ["published"]
    page.goto(f"{live_server.url}/publishing/sandbox/{practice.account_id}/")
    expect(page.locator("main")).to_contain_text("they trusted us more.")
    expect(page.locator("main")).to_contain_text("Would you have done it?")
    assert SandboxPost.objects.count() == 2
    _shot(page, f"composer-published-{width}")
