"""The inbox: mentions and replies synced from Mastodon and Bluesky, once each, and worked on.

The platforms are the loopback fakes (tests/fakes), answering as the real servers do: Mastodon's
notifications paged by id (min_id), Bluesky's listNotifications paged back by cursor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inbox import services
from inbox.models import InboxItem, InboxStatus, InboxSync
from notifications.models import Notification
from publishing import services as publishing
from publishing.adapters.base import Tokens
from tests.factories import PublicationFactory, TargetFactory
from tests.fakes.bluesky_server import DID, HANDLE, FakeBluesky
from tests.fakes.mastodon_server import running_fake_mastodon
from tests.helpers import client_for, connected_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def mastodon():
    with running_fake_mastodon() as fake:
        yield fake


@pytest.fixture
def bluesky():
    with FakeBluesky() as fake:
        yield fake


def _mastodon_account(workspace, fake):
    return connected_account(workspace, "mastodon", fake)


def _bluesky_account(workspace, fake):
    return connected_account(workspace, "bluesky", fake)


def _published_on(account, persona, owner) -> None:
    """One post of ours, out on the account (replies to it are what the inbox reads)."""
    from tests.publishing.flows import run_sweep

    publishing.publication_schedule(
        persona=persona,
        role="owner",
        user=owner,
        text="Annual plans cut churn in half.",
        scheduled_at=timezone.now(),
        accounts=[account],
    )
    assert run_sweep() == ["published"]


def test_mastodon_mentions_and_replies_arrive_once_with_the_post_they_answer(
    owner, workspace, persona, mastodon
):
    account = _mastodon_account(workspace, mastodon)
    ours = mastodon._status("Raising prices is a promise to your best customers.", None)
    TargetFactory(
        publication=PublicationFactory(persona=persona, text="Raising prices is a promise."),
        account=account,
        external_id=ours["id"],
    )
    mastodon.mention("ana@fosstodon.org", "How did your customers take it?", in_reply_to=ours["id"])
    mastodon.mention("bo@mastodon.social", "You should read this, <b>really</b>")
    mastodon.mention("cy@mastodon.social", "", kind="favourite")  # not for the inbox

    assert services.inbox_sync(account_id=account.pk) == 2
    reply, mention = InboxItem.objects.order_by("received_at", "id")
    assert (reply.kind, reply.author_handle, reply.persona) == (
        "reply",
        "@ana@fosstodon.org",
        persona,
    )
    assert reply.text == "@creator How did your customers take it?"
    assert reply.parent_id == ours["id"]
    assert (mention.kind, mention.persona) == ("mention", None)
    assert mention.text == "@creator You should read this, <b>really</b>"  # HTML unescaped

    # A second sync reads from its cursor: nothing again, then only what is new.
    assert services.inbox_sync(account_id=account.pk) == 0
    mastodon.mention("dee@mastodon.social", "Great thread")
    assert services.inbox_sync(account_id=account.pk) == 1
    assert InboxItem.objects.count() == 3
    (sent,) = [n for n in Notification.objects.filter(user=owner)][-1:]
    assert "new mention" in sent.title and sent.url == reverse("inbox")


def test_more_than_a_page_of_mastodon_mentions_is_read_in_pages(workspace, mastodon):
    account = _mastodon_account(workspace, mastodon)
    for n in range(95):  # before the first sync: read back from the newest
        mastodon.mention(f"fan{n}@mastodon.social", f"Mention number {n}")
    assert services.inbox_sync(account_id=account.pk) == 95
    for n in range(85):  # after it: read forward from the cursor
        mastodon.mention(f"late{n}@mastodon.social", f"Later mention {n}")
    assert services.inbox_sync(account_id=account.pk) == 85
    assert services.inbox_sync(account_id=account.pk) == 0
    texts = list(InboxItem.objects.order_by("received_at", "id").values_list("text", flat=True))
    assert len(texts) == 180 and len(set(texts)) == 180
    assert texts[0] == "@creator Mention number 0" and texts[-1] == "@creator Later mention 84"


def test_bluesky_mentions_replies_and_quotes_arrive_once(workspace, bluesky):
    account = _bluesky_account(workspace, bluesky)
    bluesky.notify("mention", "ana.bsky.social", "@creator.bsky.social what do you think?")
    bluesky.notify("like", "bo.bsky.social", reply_to=f"at://{DID}/app.bsky.feed.post/x")
    bluesky.notify(
        "reply", "cy.bsky.social", "Agreed!", reply_to=f"at://{DID}/app.bsky.feed.post/3k"
    )
    bluesky.notify("quote", "dee.bsky.social", "This, exactly")
    assert services.inbox_sync(account_id=account.pk) == 3
    kinds = list(
        InboxItem.objects.order_by("received_at", "id").values_list("kind", "author_handle")
    )
    assert kinds == [
        ("mention", "@ana.bsky.social"),
        ("reply", "@cy.bsky.social"),
        ("quote", "@dee.bsky.social"),
    ]
    reply = InboxItem.objects.get(kind="reply")
    assert reply.parent_id == f"at://{DID}/app.bsky.feed.post/3k"
    assert reply.url.startswith("https://bsky.app/profile/cy.bsky.social/post/")
    assert reply.extra["cid"].startswith("bafy")
    assert services.inbox_sync(account_id=account.pk) == 0
    for n in range(120):  # more than two pages back to where the last sync stopped
        bluesky.notify("mention", f"fan{n}.bsky.social", f"Hello {n}")
    assert services.inbox_sync(account_id=account.pk) == 120
    assert InboxItem.objects.count() == 123


def test_one_unreadable_item_is_skipped_and_the_sync_goes_on(workspace, bluesky, mastodon):
    sky = _bluesky_account(workspace, bluesky)
    bluesky.notify("mention", "ana.bsky.social", "fine")
    bluesky.notify("mention", "broken.bsky.social", record={"$type": "nonsense"})
    del bluesky.notify("reply", "gone.bsky.social", "no author")["author"]
    bluesky.notify("mention", "cy.bsky.social", "also fine")
    assert services.inbox_sync(account_id=sky.pk) == 3  # the broken record has no text: kept
    assert not InboxItem.objects.filter(author_handle="@gone.bsky.social").exists()

    toot = _mastodon_account(workspace, mastodon)
    mastodon.mention("ok@mastodon.social", "readable")
    mastodon.notifications.append({"id": "999999", "type": "mention", "status": None})
    assert services.inbox_sync(account_id=toot.pk) == 1


def test_a_refusing_platform_backs_off_and_says_why(owner, workspace, mastodon):
    account = _mastodon_account(workspace, mastodon)
    mastodon.fail_next.append((429, {"error": "Too many requests"}, {"Retry-After": "600"}))
    assert services.inbox_sync(account_id=account.pk) == 0
    sync = InboxSync.objects.get(account=account)
    assert sync.failures == 1 and "rate" in sync.last_error.lower()
    assert sync.next_at - timezone.now() > timedelta(seconds=590)  # as long as it asked
    page = client_for(owner, workspace).get(reverse("inbox")).content.decode()
    assert "the last sync failed" in page
    # Once it answers again, the sync catches up and the error goes.
    mastodon.mention("ana@fosstodon.org", "back again")
    assert services.inbox_sync(account_id=account.pk) == 1
    sync.refresh_from_db()
    assert (sync.failures, sync.last_error) == (0, "")


def test_an_expired_bluesky_session_is_refreshed_before_the_sync(workspace, bluesky):
    session = bluesky.session()
    account = publishing.account_connect(
        workspace=workspace,
        role="owner",
        platform="bluesky",
        name=f"@{HANDLE}",
        base_url=bluesky.base_url,
        tokens=Tokens(
            access_token=session["accessJwt"],
            refresh_token=session["refreshJwt"],
            expires_at=timezone.now() - timedelta(minutes=1),
        ),
        external_user_id=DID,
    )
    bluesky.expire_access_tokens()
    bluesky.notify("mention", "ana.bsky.social", "hi")
    assert services.inbox_sync(account_id=account.pk) == 1


def test_the_beat_claims_each_due_account_once(workspace, mastodon, bluesky, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "send", lambda name, account_id: sent.append(account_id))
    first = _mastodon_account(workspace, mastodon)
    second = _bluesky_account(workspace, bluesky)
    assert services.inbox_sync_due() == 2
    assert services.inbox_sync_due() == 0  # claimed: not sent twice
    assert sorted(sent) == sorted([first.pk, second.pk])


def _items(workspace, account, n, **fields):
    now = timezone.now()
    return InboxItem.objects.bulk_create(
        InboxItem(
            workspace=workspace,
            account=account,
            platform_id=f"{account.pk}-{i}-{fields.get('author_handle', '')}",
            kind="mention",
            author_handle=fields.get("author_handle", f"@fan{i}@mastodon.social"),
            text=fields.get("text", f"Mention {i}"),
            received_at=now - timedelta(minutes=i),
        )
        for i in range(n)
    )


def test_the_page_filters_and_acts_in_bulk(owner, teammate, workspace, mastodon):
    account = _mastodon_account(workspace, mastodon)
    _items(workspace, account, 5)
    _items(workspace, account, 1, author_handle="@pricing@x.social", text="About pricing pages")
    client = client_for(owner, workspace)
    page = client.get(reverse("inbox"))
    assert len(page.context["threads"]) == 6
    assert len(client.get(reverse("inbox") + "?q=pricing").context["threads"]) == 1
    ids = [str(t["item"].pk) for t in page.context["threads"][:2]]
    client.post(reverse("inbox"), {"items": ids, "action": "done"})
    assert InboxItem.objects.filter(status=InboxStatus.DONE, is_read=True).count() == 2
    assert len(client.get(reverse("inbox")).context["threads"]) == 4  # open ones
    assert len(client.get(reverse("inbox") + "?status=done").context["threads"]) == 2
    one = page.context["threads"][3]["item"].pk
    client.post(reverse("inbox"), {"items": [one], "action": "assign", "assignee": teammate.pk})
    mine = client_for(teammate, workspace).get(reverse("inbox") + "?mine=on")
    assert [t["item"].pk for t in mine.context["threads"]] == [one]
    response = client.post(reverse("inbox"), {"one": f"{one}:read"}, follow=True)
    assert "1 item marked read." in response.content.decode()
    assert len(client.get(reverse("inbox") + "?unread=on").context["threads"]) == 3


def test_another_workspace_never_sees_or_touches_the_items(owner, workspace, stranger, mastodon):
    account = _mastodon_account(workspace, mastodon)
    (item,) = _items(workspace, account, 1)
    client = client_for(stranger)
    assert client.get(reverse("inbox")).context["threads"] == []
    client.post(reverse("inbox"), {"items": [item.pk], "action": "done"})
    item.refresh_from_db()
    assert item.status == InboxStatus.OPEN


def test_a_viewer_reads_but_cannot_change(viewer, workspace, mastodon):
    account = _mastodon_account(workspace, mastodon)
    (item,) = _items(workspace, account, 1)
    client = client_for(viewer, workspace)
    assert b'name="items"' not in client.get(reverse("inbox")).content
    client.post(reverse("inbox"), {"items": [item.pk], "action": "done"})
    item.refresh_from_db()
    assert item.status == InboxStatus.OPEN


def test_the_page_costs_the_same_queries_at_ten_and_at_a_thousand(owner, workspace, mastodon):
    account = _mastodon_account(workspace, mastodon)
    client = client_for(owner, workspace)
    _items(workspace, account, 10)
    client.get(reverse("inbox"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("inbox"))
    _items(workspace, account, 1000, author_handle="@many@x.social")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("inbox"))
    assert len(many) == len(few)


def test_a_reply_goes_out_once_as_an_answer_to_the_mastodon_item(
    owner, workspace, persona, mastodon
):
    from tests.publishing.flows import run_sweep

    account = _mastodon_account(workspace, mastodon)
    mastodon.mention("ana@fosstodon.org", "How did your customers take the new prices?")
    services.inbox_sync(account_id=account.pk)
    item = InboxItem.objects.get()
    client = client_for(owner, workspace)
    url = reverse("inbox_reply", args=[item.pk])
    answer = "Better than we feared: the annual plan made it easy."
    client.post(url, {"text": answer, "persona": persona.pk})
    client.post(url, {"text": answer, "persona": persona.pk})  # a double press
    run_sweep()
    run_sweep()
    (sent,) = mastodon.statuses  # exactly one status made, answering the mention
    assert sent["in_reply_to_id"] == item.platform_id
    assert mastodon.sent == [answer]
    item.refresh_from_db()
    assert item.status == InboxStatus.DONE and item.reply.persona == persona
    page = client.get(reverse("inbox") + "?status=done").content.decode()
    assert "You replied</strong> (Published)" in page and answer in page


def test_a_bluesky_reply_names_its_parent_and_the_thread_root(owner, workspace, persona, bluesky):
    from tests.publishing.flows import run_sweep

    account = _bluesky_account(workspace, bluesky)
    root = f"at://{DID}/app.bsky.feed.post/3kroot"
    bluesky.notify("reply", "cy.bsky.social", "Agreed, and what about churn?", reply_to=root)
    services.inbox_sync(account_id=account.pk)
    item = InboxItem.objects.get()
    client_for(owner, workspace).post(
        reverse("inbox_reply", args=[item.pk]),
        {"text": "Churn fell by a third.", "persona": persona.pk},
    )
    run_sweep()
    (record,) = bluesky.records.values()
    assert record["text"] == "Churn fell by a third."
    assert record["reply"]["parent"] == {"uri": item.platform_id, "cid": item.extra["cid"]}
    assert record["reply"]["root"]["uri"] == root


def test_a_reply_that_cannot_go_keeps_what_was_typed(owner, workspace, persona, mastodon):
    account = _mastodon_account(workspace, mastodon)
    (item,) = _items(workspace, account, 1)
    client = client_for(owner, workspace)
    too_long = "word " * 200
    response = client.post(
        reverse("inbox_reply", args=[item.pk]),
        {"text": too_long, "persona": persona.pk},
        follow=True,
    )
    page = response.content.decode()
    assert "500" in page and "characters" in page  # the platform's limit, in words
    assert too_long.strip() in page  # still in the box
    item.refresh_from_db()
    assert item.reply is None and item.status == InboxStatus.OPEN


@pytest.fixture
def x_platform(settings):
    from tests.fakes.x_server import FakeX

    with FakeX() as fake:
        settings.X_API_URL = fake.base_url
        yield fake


def _x_account(workspace, fake):
    return connected_account(workspace, "x", fake)


def test_x_mentions_and_replies_arrive_once_and_a_reply_goes_out_once(
    owner, workspace, persona, x_platform
):
    from tests.publishing.flows import run_sweep

    account = _x_account(workspace, x_platform)
    for n in range(130):  # more than a page, before the first sync
        x_platform.mention(f"fan{n}", f"mention {n}")
    assert services.inbox_sync(account_id=account.pk) == 130
    x_platform.mention("ana", "How did churn change?", in_reply_to="42")
    assert services.inbox_sync(account_id=account.pk) == 1
    assert services.inbox_sync(account_id=account.pk) == 0
    reply = InboxItem.objects.get(author_handle="@ana")
    assert (reply.kind, reply.parent_id) == ("reply", "42")
    assert reply.url == f"https://x.com/ana/status/{reply.platform_id}"
    client_for(owner, workspace).post(
        reverse("inbox_reply", args=[reply.pk]), {"text": "It halved.", "persona": persona.pk}
    )
    run_sweep()
    run_sweep()
    (sent,) = x_platform.tweets
    assert sent["referenced_tweets"] == [{"type": "replied_to", "id": reply.platform_id}]


def test_x_free_tier_refusal_is_said_in_words_and_does_not_disconnect(owner, workspace, x_platform):
    account = _x_account(workspace, x_platform)
    x_platform.mentions_refused = True
    assert services.inbox_sync(account_id=account.pk) == 0
    sync = InboxSync.objects.get(account=account)
    assert "Free tier cannot" in sync.last_error
    assert sync.next_at - timezone.now() > timedelta(minutes=59)
    account.refresh_from_db()
    assert account.status == "connected"
    page = client_for(owner, workspace).get(reverse("inbox")).content.decode()
    assert "X does not let this app read mentions at its API access level" in page


def test_threads_replies_under_our_posts_arrive_once_and_are_answered_once(
    owner, workspace, persona, settings
):
    from tests.fakes.threads_server import FakeThreads
    from tests.publishing.flows import run_sweep

    with FakeThreads() as threads:
        settings.THREADS_API_URL = threads.base_url
        account = connected_account(workspace, "threads", threads)
        _published_on(account, persona, owner)
        (ours,) = [f"m{c}" for c in threads.published]
        threads.reply(ours, "ana", "Did monthly users complain?")
        threads.reply(ours, "creator", "our own answer is not an inbox item")
        assert services.inbox_sync(account_id=account.pk) == 1
        assert services.inbox_sync(account_id=account.pk) == 0
        item = InboxItem.objects.get()
        assert (item.kind, item.author_handle, item.parent_id) == ("reply", "@ana", ours)
        assert item.persona == persona
        client_for(owner, workspace).post(
            reverse("inbox_reply", args=[item.pk]), {"text": "Two did.", "persona": persona.pk}
        )
        run_sweep()
        run_sweep()
        answers = [c for c in threads.containers.values() if c["reply_to"] == item.platform_id]
        assert len(answers) == 1 and answers[0]["status"] == "PUBLISHED"


def test_a_reply_to_a_deleted_post_is_refused_in_words(owner, workspace, persona, mastodon):
    from tests.publishing.flows import run_sweep

    account = _mastodon_account(workspace, mastodon)
    mastodon.mention("ana@fosstodon.org", "Quick question about pricing")
    services.inbox_sync(account_id=account.pk)
    item = InboxItem.objects.get()
    mastodon.others.clear()  # she deleted it
    client = client_for(owner, workspace)
    client.post(
        reverse("inbox_reply", args=[item.pk]), {"text": "Ask away!", "persona": persona.pk}
    )
    run_sweep()
    assert mastodon.statuses == []
    page = client.get(reverse("inbox") + "?status=").content.decode()
    assert "the post it answers was deleted, or cannot be seen from this account" in page


@pytest.fixture
def linkedin(settings):
    from tests.fakes.linkedin_server import FakeLinkedIn

    with FakeLinkedIn() as fake:
        settings.LINKEDIN_API_URL = fake.base_url
        yield fake


def test_linkedin_comments_arrive_and_an_answer_nests_under_the_comment(
    owner, workspace, persona, linkedin
):
    from tests.publishing.flows import run_sweep

    account = connected_account(workspace, "linkedin", linkedin)
    _published_on(account, persona, owner)
    (post,) = [p["urn"] for p in linkedin.posts]
    comment = linkedin.comment_from(post, "urn:li:person:ana", "Did monthly users complain?")
    assert services.inbox_sync(account_id=account.pk) == 1
    assert services.inbox_sync(account_id=account.pk) == 0
    item = InboxItem.objects.get()
    assert (item.platform_id, item.parent_id, item.persona) == (comment, post, persona)
    client_for(owner, workspace).post(
        reverse("inbox_reply", args=[item.pk]), {"text": "Two did.", "persona": persona.pk}
    )
    run_sweep()
    run_sweep()
    answers = [c for c in linkedin.comments if c["parent"] == comment]
    assert [(a["object"], a["text"]) for a in answers] == [(post, "Two did.")]
    assert len(linkedin.posts) == 1  # an answer, never a new post


def test_linkedin_without_the_comments_permission_says_so(owner, workspace, linkedin):
    account = connected_account(workspace, "linkedin", linkedin)
    TargetFactory(
        publication=PublicationFactory(persona__workspace=workspace),
        account=account,
        external_id="urn:li:share:1",
        published_at=timezone.now(),
    )
    linkedin.comments_refused = True
    assert services.inbox_sync(account_id=account.pk) == 0
    sync = InboxSync.objects.get(account=account)
    assert "r_member_social" in sync.last_error
    assert sync.next_at - timezone.now() > timedelta(hours=23)
    account.refresh_from_db()
    assert account.status == "connected"
