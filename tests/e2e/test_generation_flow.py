"""The generation flow in the browser, from import to feedback.

Import posts → analyse → generate → accept one, reject one with a reason, refine one by
chat → the feedback page shows it. Real Celery worker on the real Redis, offline writer."""

from __future__ import annotations

import pytest
from django.db import connections
from playwright.sync_api import Page, expect

from tests.e2e.helpers import sign_in_with_demo_posts

pytestmark = pytest.mark.django_db(transaction=True)


def test_generate_and_teach(live_server, page: Page):
    from celery.contrib.testing.worker import start_worker

    from contentapp.celery import app

    sign_in_with_demo_posts(page, live_server, "writer@example.com")

    try:
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            page.get_by_role("link", name="Voice").click()
            page.get_by_role("button", name="Analyse my voice").click()
            expect(page.get_by_role("heading", name="Does this sound like you?")).to_be_visible(
                timeout=30_000
            )
            page.get_by_role("link", name="Write in this voice").click()
            page.get_by_label("Topic").fill("raising prices without losing customers")
            page.get_by_role("button", name="Write three drafts").click()
            # Progress polls, then the page reloads with three scored cards.
            expect(page.locator(".card.variation")).to_have_count(3, timeout=30_000)

            cards = page.locator(".card.variation")
            expect(cards.first).to_contain_text("written by offline")
            expect(cards.first.locator(".badge.score")).to_be_visible()

            first, second, third = cards.nth(0), cards.nth(1), cards.nth(2)
            first.get_by_role("button", name="Accept").click()
            expect(page.locator(".card.variation").nth(0)).to_contain_text("Accepted")

            second.get_by_text("Reject", exact=True).first.click()  # opens the details
            second.get_by_label("Length").check()
            second.get_by_label("Note").fill("too long for a Monday")
            second.get_by_role("button", name="Reject").click()
            expect(page.locator(".card.variation").nth(1)).to_contain_text("Rejected")

            third.get_by_text("Refine by chat").click()
            before = third.locator(".draft-text").inner_text()
            third.get_by_label("What should change?").fill("make it shorter")
            third.get_by_role("button", name="Send").click()
            # The worker rewrites the draft while the card shows progress; then the page
            # reloads with the refined draft and the chat.
            refined = page.locator(".card.variation").nth(2)
            expect(refined.locator(".chat")).to_contain_text("make it shorter", timeout=30_000)
            assert len(refined.locator(".draft-text").inner_text()) < len(before)
    finally:
        connections.close_all()

    page.get_by_role("link", name="Feedback").first.click()
    expect(page.get_by_role("heading", name="Feedback")).to_be_visible()
    expect(page.locator(".metrics")).to_contain_text("50 %")
    expect(page.get_by_text("Length: 1")).to_be_visible()
    expect(page.get_by_text("Length preference: shorter")).to_be_visible()
