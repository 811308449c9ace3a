"""The planning flow in the browser, from pillars to a four-week plan on the calendar.

Discover pillars → add ideas and see them scored → add a trend source, scan, make a trend a
topic → propose a four-week plan and accept it onto the calendar, drafts written by a worker."""

from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connections
from playwright.sync_api import Page, expect

from calendar_app.models import PostingSlot
from llm.services import embed_for
from tests.factories import PASSWORD, PersonaFactory, PostFactory, UserFactory, VoiceProfileFactory
from tests.fakes.trends_server import FakeTrendSources, rss
from tests.helpers import personal_workspace
from tests.trends.test_scan import OTHER_NEWS, PERSONA_POSTS, PRICING_NEWS

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("SCREENSHOTS_DIR")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _creator(live_server, page: Page):
    user = UserFactory(email="planner@example.com")
    persona = PersonaFactory(workspace=personal_workspace(user), name="Founder me", timezone="UTC")
    vectors = embed_for(persona, PERSONA_POSTS, purpose="test")
    now = datetime.now(UTC)
    for i, (text, vector) in enumerate(zip(PERSONA_POSTS, vectors, strict=True)):
        PostFactory(
            persona=persona, text=text, embedding=vector, posted_at=now - timedelta(days=3 * i + 1)
        )
    VoiceProfileFactory(persona=persona)
    for weekday in (1, 3):
        PostingSlot.objects.create(persona=persona, weekday=weekday, time=time(9, 0))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return persona


def test_pillars_ideas_trends_and_a_plan(live_server, page: Page):
    from celery.contrib.testing.worker import start_worker

    from contentapp.celery import app

    _creator(live_server, page)
    with FakeTrendSources() as feeds:
        feeds.feeds["news.xml"] = rss(PRICING_NEWS + OTHER_NEWS)
        try:
            with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
                page.get_by_role("navigation", name="Main").get_by_role(
                    "link", name="Pillars"
                ).click()
                page.get_by_role("button", name="Discover my pillars").click()
                expect(page.locator("article.pillar").first).to_be_visible(timeout=60_000)
                expect(page.locator("#pillar-summary")).to_contain_text("posts in pillars")
                _shot(page, "pillars")

                page.get_by_role("navigation", name="Main").get_by_role(
                    "link", name="Ideas"
                ).click()
                page.locator("#id_title").fill("How we priced our first enterprise deal")
                page.get_by_role("button", name="Add idea").click()
                page.get_by_label("Paste ideas, one a line").fill(
                    "- Referral hiring beats job boards\n- Annual plans and churn"
                )
                page.get_by_role("button", name="Add these ideas").click()
                expect(page.locator("#toasts")).to_contain_text("2 ideas added")
                for _ in range(30):  # scored by the worker; the page shows it on reload
                    if page.locator(".idea-score").count() == 3:
                        break
                    page.wait_for_timeout(1000)
                    page.reload()
                expect(page.locator(".idea-score")).to_have_count(3)
                expect(page.locator(".angles").first.locator("li")).to_have_count(3)
                _shot(page, "ideas")

                page.get_by_role("navigation", name="Main").get_by_role(
                    "link", name="Trends"
                ).click()
                page.get_by_role("link", name="Add a source").click()
                page.get_by_label("Kind").select_option("feed")
                page.get_by_label("Name").fill("Startup news")
                page.get_by_label("Address").fill(feeds.url("news.xml"))
                page.get_by_role("button", name="Add source").click()
                expect(page.locator("#toasts")).to_contain_text("Startup news")
                page.get_by_role("link", name="Back to trends").click()
                page.get_by_role("button", name="Scan now").click()
                for _ in range(30):
                    if page.locator("li.trend").count():
                        break
                    page.wait_for_timeout(1000)
                    page.reload()
                expect(page.locator("li.trend")).to_have_count(4)
                top = page.locator("li.trend").first
                expect(top).not_to_contain_text("frog")
                _shot(page, "trends")
                top.get_by_role("button", name="Make topic").click()
                expect(page.locator("#toasts")).to_contain_text("is in your ideas inbox")

                page.get_by_role("navigation", name="Main").get_by_role(
                    "link", name="Calendar"
                ).click()
                page.get_by_role("link", name="4-week plan").click()
                page.get_by_role("button", name="Propose a plan").click()
                expect(page.locator(".plan-item").first).to_be_visible()
                expect(page.locator(".plan-item").first.locator(".reasoning")).not_to_be_empty()
                _shot(page, "plan")
                page.get_by_role("button", name="Accept all").click()
                expect(page.locator("#toasts")).to_contain_text("posts are on your calendar")
                # the accepted list polls until the worker has written the drafts
                expect(
                    page.get_by_role("link", name="Drafts ready: choose one").first
                ).to_be_visible(timeout=90_000)
                page.get_by_role("navigation", name="Main").get_by_role(
                    "link", name="Calendar"
                ).click()
                expect(page.locator(".calendar-item.planned").first).to_be_visible()
                page.get_by_role("navigation", name="Main").get_by_role(
                    "link", name="Analytics"
                ).click()
                expect(page.locator("#streaks")).to_contain_text("Current")
                expect(page.locator("table.heatmap")).to_be_visible()
                _shot(page, "analytics")
                page.set_viewport_size({"width": 390, "height": 844})
                for path, name in [
                    ("/calendar/plan/", "plan-phone"),
                    ("/pillars/", "pillars-phone"),
                    ("/pillars/ideas/", "ideas-phone"),
                    ("/trends/", "trends-phone"),
                    ("/analytics/", "analytics-phone"),
                ]:
                    page.goto(f"{live_server.url}{path}")
                    _shot(page, name)
                    width = page.evaluate("document.documentElement.scrollWidth")
                    assert width <= 390, (path, width)
        finally:
            connections.close_all()
