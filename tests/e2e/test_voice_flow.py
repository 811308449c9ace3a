"""Import posts → analyse with progress → correct a pattern → a new version → compare."""

from __future__ import annotations

import pytest
from django.db import connections
from playwright.sync_api import Page, expect

from tests.e2e.helpers import sign_in_with_demo_posts

pytestmark = pytest.mark.django_db(transaction=True)


def test_analyse_correct_and_compare(live_server, page: Page, tmp_path):
    from celery.contrib.testing.worker import start_worker

    from contentapp.celery import app

    sign_in_with_demo_posts(page, live_server, "voice@example.com")

    page.get_by_role("link", name="Voice").click()
    page.get_by_role("button", name="Analyse my voice").click()
    expect(page.get_by_role("heading", name="Analysing your voice…")).to_be_visible()
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            # The progress region polls and reloads the page once the job is done.
            expect(page.get_by_role("heading", name="Does this sound like you?")).to_be_visible(
                timeout=30_000
            )
    finally:
        connections.close_all()
    expect(page.locator(".chart.radar")).to_be_visible()
    expect(page.get_by_text("version 1 (analysis of 12 posts")).to_be_visible()

    first_pattern = page.locator(".review-list li").first
    label = first_pattern.locator("strong").inner_text()
    first_pattern.get_by_role("button", name="Not me").click()
    expect(page.locator("#toasts")).to_contain_text("Saved in version 1")
    expect(page.locator(".review-list")).not_to_contain_text(label)

    # A second version (a rollback, as "Make this the current version" does) to compare with.
    from voice import services
    from voice.models import VoiceProfile

    first = VoiceProfile.objects.get(version=1)
    services.version_rollback(version=first, role="owner", user=first.created_by)
    page.goto(f"{live_server.url}/voice/versions/")
    page.get_by_role("button", name="Compare the two chosen versions").click()
    expect(page.get_by_role("heading", name="Version 1 and version 2")).to_be_visible()
    expect(page.locator(".compare .card")).to_have_count(2)
