"""The API as a creator sets it up in the browser, at desktop and phone width.

Make a token on Settings → API tokens (shown once, copied), use it against the API, add a webhook
endpoint and see its first delivery in the log, and open the API reference, whose Swagger UI (our
own assets) breaks no rule of the Content-Security-Policy."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from notifications import events
from notifications.models import EventDelivery
from tests.factories import PASSWORD, PersonaFactory, UserFactory
from tests.fakes.webhook_receiver import FakeWebhookReceiver
from tests.helpers import personal_workspace

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_make_a_token_use_it_and_get_told_by_a_webhook(live_server, page: Page, width, tmp_path):
    page.set_viewport_size({"width": width, "height": 900})
    owner = UserFactory(email=f"api{width}@example.com")
    PersonaFactory(workspace=personal_workspace(owner), name="Founder voice")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("n8n")
    page.get_by_label("Write: add posts and ideas, write and decide on drafts").check()
    page.get_by_role("button", name="Make token").click()
    shown = page.locator("#new-token-value")
    token = shown.input_value()
    assert token.startswith("ctw_")
    shots = Path(os.environ.get("E2E_SHOTS") or tmp_path)
    page.screenshot(path=str(shots / f"tokens-{width}.png"), full_page=True)
    assert _fits(page, width), f"the tokens page scrolls sideways at {width}px"
    page.reload()
    expect(page.locator("#new-token-value")).to_have_count(0)  # shown once

    with FakeWebhookReceiver() as receiver:
        page.goto(f"{live_server.url}/settings/webhooks/")
        page.get_by_label("Endpoint URL").fill(receiver.url)
        page.get_by_role("button", name="Add endpoint").click()
        expect(page.get_by_text(receiver.url)).to_be_visible()
        receiver.secret = page.locator("[id^=endpoint-secret-]").input_value()

        added = httpx.post(
            f"{live_server.url}/api/v1/ideas",
            json={"title": "Why we never discount"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert added.status_code == 201, added.text
        for delivery in EventDelivery.objects.all():  # what the worker does
            events.delivery_send(delivery_id=delivery.pk)
        assert [body["type"] for body in receiver.acted_on] == ["idea.added"]
        page.reload()
        expect(page.locator("#deliveries")).to_contain_text("Delivered")
        page.screenshot(path=str(shots / f"webhooks-{width}.png"), full_page=True)
        assert _fits(page, width), f"the webhooks page scrolls sideways at {width}px"

    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_text("ContentTwin API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/voice/score").first).to_be_visible()
    page.screenshot(path=str(shots / f"docs-{width}.png"))


def _fits(page: Page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width + 1
