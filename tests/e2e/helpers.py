"""Steps several browser tests start with."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from home.demo_posts import DEMO_POSTS
from tests.factories import PASSWORD, PersonaFactory, UserFactory
from tests.helpers import personal_workspace


def sign_in_with_demo_posts(page: Page, live_server: object, email: str) -> None:
    """A new creator with one persona signs in and paste-imports the 12 demo posts."""
    user = UserFactory(email=email)
    PersonaFactory(workspace=personal_workspace(user), name="Founder me", timezone="UTC")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/posts/import/")
    page.get_by_label("Or paste posts").fill("\n---\n".join(text for text, *_ in DEMO_POSTS))
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Import 12 posts").click()
    expect(page.get_by_role("heading", name="Imported 12 posts")).to_be_visible()
