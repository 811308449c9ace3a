"""The installable app in Chromium: the service worker, offline, and sharing into an idea.

The worker registers on any page and keeps the static assets and the offline page, never a
member's page; with the network gone, a page shows the offline page; a link shared from
another app (the manifest's share target) opens "New idea" filled in, and Add puts it in the
inbox. At desktop and phone width."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from pillars.models import Topic, TopicSource
from tests.factories import PASSWORD, PersonaFactory, UserFactory
from tests.helpers import personal_workspace

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_offline_and_a_shared_link_becomes_an_idea(live_server, page: Page, width):
    page.set_viewport_size({"width": width, "height": 900})
    owner = UserFactory(email=f"app{width}@example.com")
    PersonaFactory(workspace=personal_workspace(owner), name="Founder voice")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active.scriptURL)").endswith(
        "/sw.js"
    )
    manifest = page.evaluate("fetch('/manifest.webmanifest').then(r => r.json())")
    assert manifest["share_target"]["action"] == "/share/"
    kept = page.evaluate(
        """async () => ({
            css: !!(await caches.match('/static/css/app.css')),
            offline: !!(await caches.match('/offline/')),
            dashboard: !!(await caches.match('/dashboard/')),
        })"""
    )
    assert kept == {"css": True, "offline": True, "dashboard": False}

    page.context.set_offline(True)
    try:
        page.goto(f"{live_server.url}/posts/")
        expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    finally:
        page.context.set_offline(False)

    shared = {"title": "", "text": "Annual plans cut churn https://example.com/churn", "url": ""}
    page.goto(f"{live_server.url}/share/?{urlencode(shared)}")
    expect(page.get_by_role("heading", name="New idea")).to_be_visible()
    expect(page.get_by_label("Idea")).to_have_value("Annual plans cut churn")
    expect(page.get_by_label("Link")).to_have_value("https://example.com/churn")
    page.get_by_role("button", name="Add idea").click()
    expect(page.locator("#toasts")).to_contain_text("Idea added to your inbox")
    expect(page.get_by_role("heading", name="Annual plans cut churn")).to_be_visible()
    idea = Topic.objects.get()
    assert (idea.source, idea.source_url) == (TopicSource.SHARED, "https://example.com/churn")
