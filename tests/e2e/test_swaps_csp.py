"""HTMX swaps break no rule of the Content-Security-Policy.

The HTMX swaps of the Write page (accept, edit, reject a draft) and of workspace settings
(invite, change a role, withdraw) break no rule of the Content-Security-Policy (the e2e
conftest fails a test on any violation the console reports)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership, Role
from generation import services as generation
from home.demo_posts import DEMO_POSTS
from tests.factories import PASSWORD, PersonaFactory, PostFactory, UserFactory, VoiceProfileFactory
from tests.helpers import personal_workspace

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("width", [1280, 390])
def test_write_page_and_settings_swaps_keep_to_the_policy(live_server, page: Page, width):
    page.set_viewport_size({"width": width, "height": 900})
    owner = UserFactory(email=f"swaps{width}@example.com")
    workspace = personal_workspace(owner)
    persona = PersonaFactory(workspace=workspace, timezone="America/Phoenix")
    for text, *_ in DEMO_POSTS:
        PostFactory(persona=persona, text=text)
    VoiceProfileFactory(persona=persona)
    made = generation.generation_request(
        persona=persona, user=owner, role=Role.OWNER, topic="raising prices"
    )
    generation.generation_run(generation_id=made.pk)
    drafts = list(made.variations.order_by("rank"))
    teammate = UserFactory(email=f"mate{width}@example.com")
    Membership.objects.create(workspace=workspace, user=teammate, role=Role.EDITOR)

    _sign_in(page, live_server.url, owner.email)
    page.goto(f"{live_server.url}/generate/{made.pk}/")
    first = page.locator(f"#variation-{drafts[0].pk}")
    first.get_by_role("button", name="Accept").click()
    expect(first).to_contain_text("Accepted")
    second = page.locator(f"#variation-{drafts[1].pk}")
    second.locator("summary", has_text="Edit").click()
    second.locator(f"#edit-{drafts[1].pk}").fill(
        drafts[1].text + "\n\nWe learned this the hard way."
    )
    second.get_by_role("button", name="Save edit").click()
    expect(second).to_contain_text("We learned this the hard way.")

    page.goto(f"{live_server.url}/settings/")
    invite = page.locator("#invite-form")
    invite.get_by_label("Email address").fill(f"new{width}@example.com")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#team")).to_contain_text("Pending invitations")
    # The swapped-in select listens once htmx has processed it (after the settle delay).
    page.wait_for_function(
        "() => { const s = document.querySelector('#team select[name=role]');"
        " return s && s['htmx-internal-data'] && s['htmx-internal-data'].initHash; }"
    )
    page.locator("#team select[name=role]").first.select_option("viewer")
    expect(page.locator("#toasts")).to_contain_text("now")
    page.get_by_role("button", name="Withdraw").click()
    expect(page.locator("#team")).not_to_contain_text(f"new{width}@example.com")
