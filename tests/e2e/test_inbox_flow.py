"""The inbox in the browser: a Bluesky mention and a Mastodon reply arrive; one is answered.

Both platforms are the loopback fakes; the sync is the job a worker runs on the beat's call.
At desktop and phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from home.demo_posts import DEMO_POSTS
from inbox import services as inbox
from inbox.models import InboxItem, InboxStatus
from tests.factories import (
    PASSWORD,
    PersonaFactory,
    PostFactory,
    PublicationFactory,
    TargetFactory,
    UserFactory,
)
from tests.fakes.bluesky_server import FakeBluesky
from tests.fakes.mastodon_server import running_fake_mastodon
from tests.helpers import connected_account, personal_workspace
from tests.publishing.flows import run_sweep

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_mention_and_a_reply_arrive_and_are_done(live_server, page: Page, width):
    page.set_viewport_size({"width": width, "height": 900})
    owner = UserFactory(email=f"inbox{width}@example.com")
    workspace = personal_workspace(owner)
    persona = PersonaFactory(workspace=workspace, name="Founder voice")
    for text, *_ in DEMO_POSTS:  # the reply kit draws on the creator's own posts
        PostFactory(persona=persona, text=text)
    with running_fake_mastodon() as mastodon, FakeBluesky() as bluesky:
        toots = connected_account(workspace, "mastodon", mastodon)
        sky = connected_account(workspace, "bluesky", bluesky)
        ours = mastodon._status("Annual plans cut churn in half for us.", None)
        TargetFactory(
            publication=PublicationFactory(persona=persona, text="Annual plans cut churn in half."),
            account=toots,
            external_id=ours["id"],
        )
        mastodon.mention("ana@fosstodon.org", "Did monthly users complain?", in_reply_to=ours["id"])
        bluesky.notify(
            "mention", "bo.bsky.social", "@creator.bsky.social your pricing talk was great"
        )
        for account in (toots, sky):
            inbox.inbox_sync(account_id=account.pk)
            inbox.inbox_sync(account_id=account.pk)  # again: nothing twice

        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Email").fill(owner.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        if width > 760:
            page.get_by_role("link", name="Inbox").click()
        else:  # the sidebar starts collapsed on a phone
            page.goto(f"{live_server.url}/inbox/")
        expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
        items = page.locator(".inbox-item")
        expect(items).to_have_count(2)
        reply = items.filter(has_text="Did monthly users complain?")
        expect(reply).to_contain_text("In reply to your post")
        expect(reply).to_contain_text("Annual plans cut churn in half.")
        expect(reply).to_contain_text("Founder voice")
        expect(items.filter(has_text="your pricing talk was great")).to_contain_text("Mention")

        # Answer the reply from the inbox: it goes out once, as an answer to it.
        reply.get_by_text("Write a reply").click()
        expect(reply.get_by_label("In the voice of")).to_have_value(str(persona.pk))
        reply.get_by_role("button", name="Suggest replies").click()
        reply = page.locator(".inbox-item").filter(has_text="Did monthly users complain?")
        # Offline: the creator's own lines on the subject (complaints, users), no others.
        expect(reply.locator(".suggestions li").first).to_contain_text("complain loudest")
        expect(reply).to_contain_text("reply kit")
        expect(reply.locator(".suggestions li").first).to_contain_text(
            "no voice match until your voice is analysed"
        )
        reply.get_by_role("button", name="Use this").first.click()
        reply = page.locator(".inbox-item").filter(has_text="Did monthly users complain?")
        chosen = reply.get_by_label("Your reply").input_value()
        assert chosen.startswith("@ana@fosstodon.org ") and len(chosen) > 30
        answer = f"{chosen} Only two asked; both stayed on annual."  # the suggestion, edited
        reply.get_by_label("Your reply").fill(answer)
        reply.get_by_role("button", name="Send reply").click()
        expect(page.locator("#toasts")).to_contain_text("Reply to @ana@fosstodon.org is on its way")
        run_sweep()  # the beat's publishing sweep
        run_sweep()
        answers = [s for s in mastodon.statuses if s["in_reply_to_id"]]
        assert len(answers) == 1 and mastodon.sent[-1] == answer
        ana = InboxItem.objects.get(author_handle="@ana@fosstodon.org")
        assert answers[0]["in_reply_to_id"] == ana.platform_id
        page.reload()
        expect(page.locator(".inbox-item")).to_have_count(1)  # answered: done
        page.get_by_label("Show").select_option("")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator(f"#item-{ana.pk}")).to_contain_text("You replied (Published)")
        bo = page.locator(".inbox-item").filter(has_text="your pricing talk was great")
        bo.get_by_role("button", name="Done").click()
        expect(page.locator("#toasts")).to_contain_text("1 item marked done.")
        page.get_by_label("Show").select_option("open")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator(".inbox-item")).to_have_count(0)
    assert InboxItem.objects.filter(workspace=workspace).count() == 2
    assert not InboxItem.objects.filter(status=InboxStatus.OPEN).exists()
