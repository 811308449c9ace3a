"""The walk issue 12 asks for, without a model.

Analyse, answer a pattern, roll back (the answer holds), write keyless sketches that say what they
are, open the draft kit, reject a sketch and make a new revision of it — the rejection still counts
on the Feedback page."""

from __future__ import annotations

import re

import pytest
from django.db import connections
from playwright.sync_api import Page, expect

from tests.e2e.helpers import sign_in_with_demo_posts

pytestmark = pytest.mark.django_db(transaction=True)


def test_keyless_walk_with_rollback_and_feedback_after_regenerate(live_server, page: Page):
    from celery.contrib.testing.worker import start_worker

    from contentapp.celery import app

    sign_in_with_demo_posts(page, live_server, "keyless@example.com")
    page.on("dialog", lambda dialog: dialog.accept())  # "Make version 1 current?" asks first
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            page.get_by_role("link", name="Voice").click()
            page.get_by_role("button", name="Analyse my voice").click()
            expect(page.get_by_role("heading", name="Does this sound like you?")).to_be_visible(
                timeout=30_000
            )
            first_pattern = page.locator(".review-list li").first
            label = first_pattern.locator("strong").inner_text()
            first_pattern.get_by_role("button", name="Not me").click()
            expect(page.locator(".review-list")).not_to_contain_text(label)

            page.get_by_role("button", name="Analyse again").click()
            expect(page.get_by_text("version 2 (analysis of 12 posts")).to_be_visible(
                timeout=30_000
            )
            page.goto(f"{live_server.url}/voice/versions/")
            page.get_by_role("link", name="Version 1").click()
            page.get_by_role("button", name="Make this the current version").click()
            expect(page.locator("#toasts")).to_contain_text("your answers stay applied")
            expect(page.get_by_text("version 3 (rollback to version 1")).to_be_visible()
            expect(page.locator(".review-list")).not_to_contain_text(label)

            page.get_by_role("link", name="Write in this voice").click()
            page.get_by_label("Topic").fill("firing our biggest client")
            page.get_by_role("button", name="Write three drafts").click()
            cards = page.locator(".card.variation")
            expect(cards).to_have_count(3, timeout=30_000)
            expect(
                page.get_by_text("These are sketches assembled from your own lines")
            ).to_be_visible()

            second = cards.nth(1)
            second.get_by_text("Reject", exact=True).first.click()
            second.get_by_label("Tone").check()
            second.get_by_role("button", name="Reject").click()
            expect(page.locator(".card.variation").nth(1)).to_contain_text("Rejected")
            page.locator(".card.variation").nth(1).get_by_role(
                "button", name="New revision"
            ).click()
            expect(page.locator(".card.variation")).to_have_count(4, timeout=30_000)

            page.get_by_role("link", name="Use your draft kit").click()
            expect(page.get_by_role("heading", name="Draft kit")).to_be_visible()
            expect(page.locator("#kit-lines")).to_contain_text("I fired my best client")

            page.get_by_role("link", name="Feedback").click()
            expect(page.locator("dl")).to_contain_text("Rejected")
            rejected = page.locator("dt", has_text=re.compile(r"^Rejected$")).locator(
                "xpath=following-sibling::dd"
            )
            expect(rejected).to_have_text("1")
    finally:
        connections.close_all()
