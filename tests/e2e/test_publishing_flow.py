"""Publishing in the browser.

Connect Mastodon through its real OAuth redirect flow (a loopback server stands in for the
instance), recover a dead letter from the page, move a post by dragging it on the calendar, and an
approval round trip between an editor and an admin."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import Membership, Role
from publishing import services
from publishing.models import Account, Publication, TargetState
from tests.factories import PASSWORD, PersonaFactory, UserFactory, VariationFactory
from tests.fakes.mastodon_server import running_fake_mastodon
from tests.helpers import personal_workspace
from tests.publishing.flows import run_sweep

pytestmark = pytest.mark.django_db(transaction=True)
LISBON = ZoneInfo("Europe/Lisbon")


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_connect_mastodon_by_oauth_and_retry_a_dead_letter(live_server, page: Page):
    user = UserFactory(email="creator@example.com")
    persona = PersonaFactory(workspace=personal_workspace(user), timezone="Europe/Lisbon")
    with running_fake_mastodon() as fake:
        _sign_in(page, live_server.url, user.email)
        page.goto(f"{live_server.url}/publishing/accounts/")
        expect(page.locator("#connect-x")).to_contain_text("Not configured")
        page.get_by_label("Your Mastodon server").fill(fake.base_url)
        page.get_by_role("button", name="Connect with Mastodon").click()
        # On the Mastodon server's own page: the creator allows ContentTwin.
        expect(page.get_by_role("heading", name="Authorize ContentTwin?")).to_be_visible()
        expect(page.get_by_text("Scopes: write:statuses read")).to_be_visible()
        page.get_by_role("button", name="Authorize").click()
        expect(page.locator("#toasts")).to_contain_text("Connected @creator@127.0.0.1")
        expect(page.locator(".accounts")).to_contain_text("Valid")
        account = Account.objects.get()
        assert account.access_token in fake.oauth.access_tokens
        assert account.access_token not in page.content()

        publication = services.publication_schedule(
            persona=persona,
            role="owner",
            user=user,
            text="Prices are a promise.",
            scheduled_at=timezone.now() - timedelta(seconds=1),
            accounts=[account],
        )
        fake.fail_next.append((422, {"error": "Validation failed: Media IDs are invalid"}, {}))
        assert run_sweep() == ["dead"]
        page.goto(f"{live_server.url}/publishing/posts/{publication.pk}/")
        expect(page.locator(".targets")).to_contain_text("Mastodon answered 422")
        expect(page.locator("#activity")).to_contain_text("failed")
        page.get_by_role("button", name="Retry now").click()
        expect(page.locator("#toasts")).to_contain_text("It goes out again in a moment")
        assert run_sweep() == ["published"]
        page.reload()
        expect(page.locator(".targets")).to_contain_text("Published")
        expect(page.locator("#activity")).to_contain_text("retried")
        assert len(fake.statuses) == 1


def test_drag_a_post_to_another_day(live_server, page: Page):
    user = UserFactory(email="planner@example.com")
    workspace = personal_workspace(user)
    persona = PersonaFactory(workspace=workspace, timezone="Europe/Lisbon")
    account = services.account_connect(
        workspace=workspace, role="owner", platform="sandbox", name="Practice timeline"
    )
    # Monday next week, 09:00 in Lisbon; it will be dragged to Wednesday.
    today = timezone.localtime(timezone.now(), LISBON).date()
    monday = today + timedelta(days=7 - today.weekday())
    when = timezone.make_aware(
        timezone.datetime.combine(monday, timezone.datetime.min.time()), LISBON
    ) + timedelta(hours=9)
    publication = services.publication_schedule(
        persona=persona,
        role="owner",
        user=user,
        text="Drag me along.",
        scheduled_at=when,
        accounts=[account],
    )
    _sign_in(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/calendar/?view=week&date={monday:%Y-%m-%d}")
    item = page.locator(f"#item-{publication.pk}")
    expect(item).to_contain_text("Practice timeline: Scheduled")
    wednesday = monday + timedelta(days=2)
    item.drag_to(page.locator(f'td[data-date="{wednesday:%Y-%m-%d}"]'))
    expect(page.locator("#toasts")).to_contain_text(f"Moved to {wednesday:%a %d %b}")
    expect(page.locator(f'td[data-date="{wednesday:%Y-%m-%d}"]')).to_contain_text("Drag me along.")
    publication.refresh_from_db()
    local = publication.scheduled_at.astimezone(LISBON)
    assert (local.date(), local.strftime("%H:%M")) == (wednesday, "09:00")


def test_approval_round_trip(live_server, browser: Browser):
    owner = UserFactory(email="boss@example.com")
    workspace = personal_workspace(owner)
    workspace.posts_need_approval = True
    workspace.save()
    editor = UserFactory(email="writer@example.com")
    Membership.objects.create(workspace=workspace, user=editor, role=Role.EDITOR)
    persona = PersonaFactory(workspace=workspace, timezone="Europe/Lisbon")
    services.account_connect(
        workspace=workspace, role="owner", platform="sandbox", name="Practice timeline"
    )
    draft = VariationFactory(generation__persona=persona, status="accepted", text="First go.")
    base = live_server.url

    writer = browser.new_context().new_page()
    _sign_in(writer, base, editor.email)
    writer.locator("#workspace-switcher summary").click()
    writer.get_by_role("button", name=workspace.name).click()
    writer.goto(f"{base}/calendar/schedule/{draft.pk}/")
    expect(writer.get_by_text("Posts in this workspace need approval")).to_be_visible()
    soon = timezone.localtime(timezone.now() + timedelta(hours=2), LISBON)
    writer.get_by_label("When").fill(soon.strftime("%Y-%m-%dT%H:%M"))
    writer.get_by_label("Practice timeline").check()
    writer.get_by_role("button", name="Send for approval").click()
    expect(writer.locator("#toasts")).to_contain_text("Sent for approval")
    expect(writer.locator("#review")).to_contain_text("Waiting for approval")
    post_url = writer.url
    expect(writer.get_by_role("button", name="Approve")).to_have_count(0)

    boss = browser.new_context().new_page()
    _sign_in(boss, base, owner.email)
    boss.goto(post_url)
    boss.get_by_label("What should change?").fill("Open with the number.")
    boss.get_by_role("button", name="Send back").click()
    expect(boss.locator("#toasts")).to_contain_text("Sent back")

    writer.reload()
    expect(writer.locator("#review")).to_contain_text("Open with the number.")
    writer.locator("#id_text").fill("3 price rises, 0 churn.")
    writer.get_by_role("button", name="Save").click()
    expect(writer.locator("#review")).to_contain_text("Waiting for approval")

    boss.reload()
    boss.get_by_role("button", name="Approve", exact=True).click()
    expect(boss.locator("#toasts")).to_contain_text("Approved")
    expect(boss.locator(".targets")).to_contain_text("Scheduled")
    activity = boss.locator("#activity")
    for line in ("submitted for approval", "sent back", "edited", "approved"):
        expect(activity).to_contain_text(line)
    publication = Publication.objects.get()
    assert publication.text == "3 price rises, 0 churn."
    assert publication.targets.get().state == TargetState.SCHEDULED
