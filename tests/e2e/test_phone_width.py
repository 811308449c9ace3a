"""At phone width (390 × 844) no main page is wider than the screen.

Nothing scrolls sideways, and the menu button stays on screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from publishing.models import Account, Publication, Target
from tests.factories import (
    PASSWORD,
    PersonaFactory,
    PostFactory,
    UserFactory,
    VariationFactory,
    VoiceProfileFactory,
)
from tests.helpers import personal_workspace

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_main_page_is_wider_than_a_phone(live_server, page: Page):
    user = UserFactory(email="phone@example.com")
    workspace = personal_workspace(user)
    persona = PersonaFactory(workspace=workspace, name="A persona with a rather long name indeed")
    post = PostFactory(persona=persona, text="Long words: " + "incomprehensibilities " * 20)
    VoiceProfileFactory(persona=persona)
    draft = VariationFactory(generation__persona=persona, status="accepted")
    account = Account.objects.create(workspace=workspace, platform="sandbox", name="Practice")
    publication = Publication.objects.create(
        persona=persona, text=draft.text, scheduled_at=post.posted_at
    )
    Target.objects.create(
        publication=publication,
        account=account,
        due_at=post.posted_at,
        state="dead",
        last_error="Mastodon answered 422: Validation failed: Text character limit of 500 exceeded",
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    paths = [
        "/dashboard/",
        "/personas/",
        "/posts/",
        f"/posts/{post.pk}/",
        "/posts/import/",
        "/voice/",
        "/voice/versions/",
        "/voice/overlays/",
        "/generate/",
        f"/generate/{draft.generation_id}/",
        "/generate/feedback/",
        "/generate/history/",
        "/generate/kit/?topic=pricing",
        "/share/?text=A+long+shared+headline+about+pricing+https://example.com/a-very-long-path",
        "/generate/usage/",
        "/publishing/",
        "/publishing/accounts/",
        f"/calendar/schedule/{draft.pk}/",
        f"/publishing/sandbox/{account.pk}/",
        f"/publishing/posts/{publication.pk}/",
        f"/calendar/?date={post.posted_at:%Y-%m-%d}",
        f"/calendar/?view=week&date={post.posted_at:%Y-%m-%d}",
        f"/calendar/?view=list&date={post.posted_at:%Y-%m-%d}",
        "/calendar/slots/",
        "/settings/",
        "/account/",
        "/settings/models/",
    ]
    too_wide = {}
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[path] = page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                  .filter(e => e.getBoundingClientRect().right > 391)
                  .slice(-3).map(e => e.tagName + '.' + e.className + ' ' +
                    Math.round(e.getBoundingClientRect().right))"""
            )
        box = page.locator(".sidebar-toggle").bounding_box()
        if box is None or box["x"] + box["width"] > 390:
            too_wide.setdefault(path, "menu button off screen")
    assert too_wide == {}
