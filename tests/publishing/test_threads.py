"""Threads and first comments go out once, in order.

Part n only after part n−1 is out and its id stored, each part reconciled on its own (a dropped
answer, a killed worker), a failed part holding the rest until "retry" resumes from it, and the
first comment last."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from publishing import engine, services
from publishing.adapters.base import Tokens
from publishing.models import Account, Publication, TargetState
from tests.fakes.bluesky_server import DID, HANDLE, FakeBluesky
from tests.fakes.mastodon_server import running_fake_mastodon
from tests.publishing.flows import due_now, run_sweep

pytestmark = pytest.mark.django_db
THREAD = (
    "One: why we raised prices.\n---\nTwo: what we feared.\n---\nThree: what happened."
    "\n---\nFour: what we would do again."
)


def _schedule(persona, account, *, text=THREAD, comment="Questions welcome below.", number=False):
    publication = services.publication_schedule(
        persona=persona,
        role="owner",
        user=None,
        text=text,
        scheduled_at=timezone.now() - timedelta(seconds=1),
        accounts=[account],
        first_comment=comment,
        number_parts=number,
    )
    return publication.targets.get()


def _bluesky(persona, fake):
    return services.account_connect(
        workspace=persona.workspace,
        role="owner",
        platform="bluesky",
        name=f"@{HANDLE}",
        base_url=fake.base_url,
        tokens=Tokens(access_token=fake.session()["accessJwt"]),
        external_user_id=DID,
    )


def _mastodon(persona, fake):
    return services.account_connect(
        workspace=persona.workspace,
        role="owner",
        platform="mastodon",
        name="@me@example.social",
        base_url=fake.base_url,
        access_token="token-1",
    )


def test_a_four_part_bluesky_thread_and_its_comment_go_out_in_order_once(persona):
    with FakeBluesky() as fake:
        target = _schedule(persona, _bluesky(persona, fake), number=True)
        fake.fail_next += [None, None, ("drop",)]  # the third part is made, its answer lost
        assert run_sweep() == ["unknown"]
        due_now(target)
        assert run_sweep() == ["published"]
        records = [fake.repos[DID][rkey] for _, rkey in fake.created]
    assert [r["text"].split(":")[0] for r in records] == [
        "One",
        "Two",
        "Three",
        "Four",
        "Questions welcome below.",
    ]
    assert records[0]["text"].endswith("1/4") and records[3]["text"].endswith("4/4")
    uris = [f"at://{DID}/app.bsky.feed.post/{rkey}" for _, rkey in fake.created]
    assert "reply" not in records[0]
    for n in range(1, 5):  # each answers the one before; the thread's root is the first
        assert records[n]["reply"]["parent"]["uri"] == uris[n - 1]
        assert records[n]["reply"]["root"]["uri"] == uris[0]
    target.refresh_from_db()
    assert target.external_id == uris[0] and target.state == TargetState.PUBLISHED


def test_a_thread_resumes_after_a_killed_worker_without_sending_a_part_twice(persona):
    with running_fake_mastodon() as fake:
        target = _schedule(persona, _mastodon(persona, fake))
        [(target_id, token)] = engine.claim_due()
        # The worker sent parts one and two, then died while the third was on its way.
        fake.fail_next += [None, None, ("drop",)]
        engine.target_send(target_id=target_id, token=token)
        target.refresh_from_db()
        from publishing.models import Target

        Target.objects.filter(pk=target.pk).update(
            state=TargetState.SENDING,
            claimed_at=timezone.now() - timedelta(hours=1),
            needs_reconcile=False,
            lease_token=token,
        )
        target.parts.filter(index=2).update(needs_reconcile=False)  # it never got to say
        assert engine.reclaim_expired() == 1
        assert run_sweep() == ["published"]
        texts = list(fake.sent)
    assert texts == [
        "One: why we raised prices.",
        "Two: what we feared.",
        "Three: what happened.",
        "Four: what we would do again.",
        "Questions welcome below.",
    ]
    statuses = fake.statuses
    assert [s["in_reply_to_id"] for s in statuses] == [None] + [s["id"] for s in statuses[:4]]


def test_a_refused_part_holds_the_rest_and_retry_resumes_from_it(persona, owner_client):
    with running_fake_mastodon() as fake:
        target = _schedule(persona, _mastodon(persona, fake), comment="")
        refusal = (422, {"error": "Validation failed: Text character limit of 500 exceeded"}, {})
        fake.fail_next += [None, None, refusal]
        assert run_sweep() == ["dead"]
        target.refresh_from_db()
        assert target.last_error.startswith("2 parts out; Part 3 of 4: Mastodon answered 422")
        assert len(fake.sent) == 2
        page = owner_client.get(
            reverse("publication_detail", args=[target.publication_id])
        ).content.decode()
        assert "Retry from part 3" in page and "Part 3 of 4: Mastodon answered 422" in page
        services.target_retry_now(target=target, role="owner")
        assert run_sweep() == ["published"]
        assert len(fake.sent) == 4 and fake.sent[2] == "Three: what happened."


def test_linkedin_gets_one_post_and_the_first_comment_through_the_comments_api(
    persona, owner_client, settings
):
    from tests.fakes.linkedin_server import FakeLinkedIn
    from tests.publishing.flows import connect_oauth

    with FakeLinkedIn() as fake:
        settings.LINKEDIN_AUTH_URL = settings.LINKEDIN_API_URL = fake.base_url
        settings.LINKEDIN_CLIENT_ID, settings.LINKEDIN_CLIENT_SECRET = "client-1", "secret-1"
        connect_oauth(owner_client, "linkedin")
        target = _schedule(persona, Account.objects.get())
        assert run_sweep() == ["published"]
        [post] = fake.posts
        assert post["commentary"].count("\n\n") == 3 and "---" not in post["commentary"]
        [comment] = fake.comments
        assert comment["object"] == post["urn"] and comment["text"] == "Questions welcome below."
        target.refresh_from_db()
        assert target.external_id == post["urn"]


def test_a_first_comment_that_will_not_go_leaves_the_post_published_with_the_reason(persona):
    with running_fake_mastodon() as fake:
        target = _schedule(persona, _mastodon(persona, fake), text="Just one post.")
        refusal = (422, {"error": "Validation failed"}, {})
        fake.fail_next += [None, refusal]
        assert run_sweep() == ["published"]
        target.refresh_from_db()
        assert "The post is out; The first comment: Mastodon answered 422" in target.last_error
        assert Publication.objects.get().events.filter(action="published").exists()
