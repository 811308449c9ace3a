"""A person signs up, invites a teammate, and the teammate signs in to the shared workspace."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_up_invite_teammate_and_teammate_sees_shared_workspace(live_server, page: Page):
    UserFactory(email="teammate@example.com", name="Tomás Teammate")
    base = live_server.url

    # Sign up and land on a dashboard that says what to do next.
    page.goto(f"{base}/signup/")
    page.get_by_label("Your name").fill("Olivia Owner")
    page.get_by_label("Email address").fill("olivia@example.com")
    page.get_by_label("Password").fill("a-long-unusual-passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    # The mail the app sent (Django's test mail box) holds the link that creates the account.
    from django.core import mail

    confirm = re.search(r"https?://\S+(/signup/confirm/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(f"{base}{confirm}")
    expect(page.get_by_role("heading", name="Create your first persona")).to_be_visible()
    expect(page.locator("#toasts")).to_contain_text("Welcome to ContentTwin")

    # Invite a teammate from Settings (an HTMX form: the team region swaps, a toast appears).
    page.get_by_role("link", name="Settings").click()
    invite = page.locator("#invite-form")
    invite.get_by_label("Email address").fill("teammate@example.com")
    invite.get_by_label("Role").select_option("editor")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#toasts")).to_contain_text("Invitation sent to teammate@example.com")
    expect(page.locator("#team")).to_contain_text("Pending invitations")
    link = page.locator("#invite-link").input_value()
    invite_path = urlsplit(link).path
    assert re.fullmatch(r"/invite/[\w-]+/", invite_path)

    # Log out, open the link, sign in as the teammate and accept.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(base + invite_path)
    page.get_by_role("link", name="Sign in to accept").click()
    page.get_by_label("Email").fill("teammate@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Accept invitation").click()

    expect(page.locator("#toasts")).to_contain_text("You joined “Olivia's workspace”")
    switcher = page.locator("#workspace-switcher")
    expect(switcher.locator("summary")).to_contain_text("Olivia's workspace")
    switcher.locator("summary").click()
    expect(switcher).to_contain_text("Tomás's workspace")
    page.get_by_role("link", name="Settings").click()
    expect(page.locator("#team")).to_contain_text("olivia@example.com")
    expect(page.locator("#team")).to_contain_text("Only owners and admins can invite")


def test_layout_works_at_phone_width(live_server, page: Page):
    UserFactory(email="phone@example.com")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("phone@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    nav_link = page.get_by_role("link", name="Personas")
    expect(nav_link).to_be_hidden()  # the menu starts collapsed on a phone
    page.locator(".sidebar-toggle").click()
    expect(nav_link).to_be_visible()
    nav_link.click()
    expect(page.get_by_role("heading", name="Personas", exact=True)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways at phone width ({width}px)"


def test_the_sidebar_switches_persona_and_workspace(live_server, page: Page):
    """The switchers' buttons submit the layout's forms.

    A persona switch comes back to the page it was made on; a workspace switch goes to that
    workspace's dashboard."""
    from tests.factories import PersonaFactory, WorkspaceFactory
    from tests.helpers import personal_workspace

    user = UserFactory(email="switcher@example.com")
    home = personal_workspace(user)
    PersonaFactory(workspace=home, name="Founder me")
    PersonaFactory(workspace=home, name="Podcast me")
    studio = WorkspaceFactory(name="Client studio", created_by=user)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("switcher@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{live_server.url}/posts/")
    personas = page.locator("#persona-switcher")
    personas.locator("summary").click()
    personas.get_by_role("button", name="Podcast me").click()
    expect(page).to_have_url(f"{live_server.url}/posts/")
    expect(page.locator("#persona-switcher summary")).to_contain_text("Podcast me")
    page.locator("#persona-switcher summary").click()
    current = page.locator('#persona-switcher [aria-current="true"]')
    expect(current).to_contain_text("Podcast me")

    page.locator("#workspace-switcher summary").click()
    page.locator("#workspace-switcher").get_by_role("button", name="Client studio").click()
    expect(page.locator("#toasts")).to_contain_text("Switched to “Client studio”")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("#workspace-switcher summary")).to_contain_text(studio.name)
