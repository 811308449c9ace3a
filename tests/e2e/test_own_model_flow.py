"""Bring your own model in the browser.

The creator adds a local OpenAI-compatible server on the Models page (a loopback fake stands in for
Ollama), sees the test call's answer, then writes drafts that the model wrote. Real Celery worker on
the real Redis."""

from __future__ import annotations

import pytest
from django.db import connections
from playwright.sync_api import Page, expect

from tests.e2e.helpers import sign_in_with_demo_posts
from tests.fakes.openai_server import running_fake_openai

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_local_model_from_the_settings_page_writes_the_drafts(live_server, page: Page):
    from celery.contrib.testing.worker import start_worker

    from contentapp.celery import app

    sign_in_with_demo_posts(page, live_server, "local@example.com")
    with running_fake_openai() as fake:
        fake.reply = "<post>" + "Raising prices is a conversation with customers. " * 3 + "</post>"
        page.get_by_role("link", name="Models").click()
        page.get_by_label("Provider").select_option("compatible")
        page.get_by_role("textbox", name="Model:", exact=True).fill("llama3.1")
        page.get_by_label("Server address").fill(fake.base_url)
        page.get_by_role("button", name="Add and test").click()
        expect(page.locator("#toasts")).to_contain_text("it answered")
        expect(page.locator(".connections")).to_contain_text("llama3.1 on " + fake.base_url)
        try:
            with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
                page.get_by_role("link", name="Voice").click()
                page.get_by_role("button", name="Analyse my voice").click()
                expect(page.get_by_role("heading", name="Does this sound like you?")).to_be_visible(
                    timeout=30_000
                )
                page.get_by_role("link", name="Write in this voice").click()
                page.get_by_label("Topic").fill("raising prices")
                page.get_by_role("button", name="Write three drafts").click()
                cards = page.locator(".card.variation")
                expect(cards).to_have_count(3, timeout=30_000)
                expect(cards.first).to_contain_text("written by openai-compatible")
                expect(cards.first).to_contain_text("Raising prices is a conversation")
        finally:
            connections.close_all()
    assert any(r["body"].get("model") == "llama3.1" for r in fake.requests)
