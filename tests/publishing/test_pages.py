"""Publishing in the browser's terms.

Connect accounts, schedule an accepted draft in the persona's time zone (DST included), watch it
publish, recover a dead letter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from publishing import engine
from publishing.models import Account, Publication, Target, TargetState
from tests.factories import PersonaFactory, VariationFactory
from tests.fakes.mastodon_server import running_fake_mastodon
from tests.helpers import client_for
from tests.publishing.flows import connect_mastodon

pytestmark = pytest.mark.django_db
LISBON = ZoneInfo("Europe/Lisbon")


@pytest.fixture
def draft(workspace):
    persona = PersonaFactory(workspace=workspace, timezone="Europe/Lisbon")
    return VariationFactory(generation__persona=persona, status="accepted")


def _publish_due() -> None:
    for target_id, token in engine.claim_due():
        engine.target_send(target_id=target_id, token=token)


def test_connect_schedule_and_watch_it_publish(owner_client, draft):
    page = owner_client.get(reverse("publishing_accounts")).content.decode()
    assert "No account connected yet" in page
    owner_client.post(
        reverse("publishing_accounts"),
        {"platform": "sandbox", "sandbox-name": "Practice timeline"},
    )
    account = Account.objects.get()
    card = owner_client.get(reverse("generation_detail", args=[draft.generation_id]))
    assert reverse("publishing_schedule", args=[draft.pk]) in card.content.decode()

    soon = datetime.now(UTC).astimezone(LISBON) + timedelta(minutes=2)
    response = owner_client.post(
        reverse("publishing_schedule", args=[draft.pk]),
        {"text": draft.text, "when": soon.strftime("%Y-%m-%dT%H:%M"), "accounts": [account.pk]},
    )
    assert response.status_code == 302
    publication = Publication.objects.get()
    assert response["Location"] == reverse("publication_detail", args=[publication.pk])
    assert publication.scheduled_at.astimezone(LISBON).strftime("%H:%M") == soon.strftime("%H:%M")
    queue = owner_client.get(reverse("publishing_queue")).content.decode()
    assert "Scheduled" in queue and "Practice timeline" in queue
    assert 'hx-trigger="every 5s"' in queue  # the page follows it until it is out
    Target.objects.update(due_at=datetime.now(UTC))  # the time has come
    _publish_due()
    poll = owner_client.get(reverse("publishing_queue"), HTTP_HX_REQUEST="true").content.decode()
    assert poll.lstrip().startswith('<div id="publications"') and "Published" in poll
    assert "every 5s" not in poll  # nothing left on its way: polling stops
    timeline = owner_client.get(reverse("sandbox_timeline", args=[account.pk])).content.decode()
    assert draft.text[:40] in timeline


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ("2027-03-28T09:00", "2027-03-28 08:00"),  # the day Lisbon moves to summer time
        ("2027-10-31T09:00", "2027-10-31 09:00"),  # the day it moves back
        ("2027-07-01T09:00", "2027-07-01 08:00"),
        ("2027-12-01T09:00", "2027-12-01 09:00"),
    ],
)
def test_nine_in_lisbon_stays_nine_in_lisbon_across_dst(owner_client, draft, local, utc):
    account = Account.objects.create(
        workspace=draft.generation.persona.workspace, platform="sandbox", name="x"
    )
    response = owner_client.post(
        reverse("publishing_schedule", args=[draft.pk]),
        {"text": "Nine o'clock post.", "when": local, "accounts": [account.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    stored = Publication.objects.get().scheduled_at.astimezone(UTC)
    assert stored.strftime("%Y-%m-%d %H:%M") == utc
    assert stored.astimezone(LISBON).hour == 9


def test_a_time_in_the_past_is_refused_and_what_was_typed_kept(owner_client, draft):
    account = Account.objects.create(
        workspace=draft.generation.persona.workspace, platform="sandbox", name="x"
    )
    response = owner_client.post(
        reverse("publishing_schedule", args=[draft.pk]),
        {"text": "My edited text", "when": "2020-01-01T09:00", "accounts": [account.pk]},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "That time has passed" in page and "My edited text" in page
    assert not Publication.objects.exists()


def test_a_dead_letter_is_retried_from_the_page(owner, workspace, draft):
    client = client_for(owner, workspace)
    with running_fake_mastodon() as fake:
        connected = connect_mastodon(client, fake.base_url)
        assert connected.status_code == 302
        account = Account.objects.get()
        token = account.access_token
        assert token in fake.oauth.access_tokens  # the token the server issued, kept encrypted
        page = client.get(reverse("publishing_accounts")).content.decode()
        assert token not in page and account.name in page and "Valid" in page
        when = (datetime.now(UTC) + timedelta(minutes=5)).astimezone(LISBON)
        client.post(
            reverse("publishing_schedule", args=[draft.pk]),
            {"text": "Short.", "when": when.strftime("%Y-%m-%dT%H:%M"), "accounts": [account.pk]},
        )
        Target.objects.update(due_at=datetime.now(UTC))
        refusal = {"error": "Validation failed: Media IDs are invalid"}
        fake.fail_next.append((422, refusal, {}))  # the server refuses this post
        _publish_due()
        target = Target.objects.get()
        assert target.state == TargetState.DEAD
        queue = client.get(reverse("publishing_queue")).content.decode()
        assert "Mastodon answered 422" in queue and "Retry now" in queue
        assert "Media IDs are invalid" not in queue  # the server's words are not repeated
        client.post(reverse("target_retry", args=[target.pk]))
        _publish_due()
        target.refresh_from_db()
        assert target.state == TargetState.PUBLISHED and len(fake.statuses) == 1


def test_a_post_too_long_for_a_platform_is_refused_beside_the_text(owner_client, draft):
    mastodon = Account.objects.create(
        workspace=draft.generation.persona.workspace, platform="mastodon", name="@me"
    )
    when = (datetime.now(UTC) + timedelta(hours=1)).astimezone(LISBON)
    response = owner_client.post(
        reverse("publishing_schedule", args=[draft.pk]),
        {"text": "y" * 501, "when": when.strftime("%Y-%m-%dT%H:%M"), "accounts": [mastodon.pk]},
    )
    assert response.status_code == 422
    assert "Mastodon allows 500 characters; this post has 501" in response.content.decode()
    assert not Publication.objects.exists()


def test_disconnecting_cancels_what_was_still_to_go_and_keeps_the_history(owner_client, draft):
    workspace = draft.generation.persona.workspace
    account = Account.objects.create(workspace=workspace, platform="sandbox", name="Old")
    account.set_access_token("secret")
    account.save()
    when = (datetime.now(UTC) + timedelta(hours=1)).astimezone(LISBON)
    owner_client.post(
        reverse("publishing_schedule", args=[draft.pk]),
        {"text": "Later.", "when": when.strftime("%Y-%m-%dT%H:%M"), "accounts": [account.pk]},
    )
    response = owner_client.post(reverse("account_disconnect", args=[account.pk]), follow=True)
    assert "1 scheduled post(s) to it were cancelled" in response.content.decode()
    account.refresh_from_db()
    assert account.status == "disconnected" and account.access_token == ""
    target = Target.objects.get()
    assert target.state == TargetState.CANCELLED
    assert "Old was disconnected" in target.publication.events.last().detail
    schedule_page = owner_client.get(reverse("publishing_schedule", args=[draft.pk]))
    assert f'value="{account.pk}"' not in schedule_page.content.decode()


def test_a_mastodon_servers_own_limit_is_the_one_checked(owner, workspace, draft):
    client = client_for(owner, workspace)
    with running_fake_mastodon() as fake:
        fake.max_characters = 1000  # this instance allows longer posts
        connect_mastodon(client, fake.base_url)
        account = Account.objects.get()
        assert account.max_characters == 1000
        when = (datetime.now(UTC) + timedelta(hours=1)).astimezone(LISBON)
        form = {"when": when.strftime("%Y-%m-%dT%H:%M"), "accounts": [account.pk]}
        ok = client.post(
            reverse("publishing_schedule", args=[draft.pk]), form | {"text": "y" * 900}
        )
        assert ok.status_code == 302
        refused = client.post(
            reverse("publishing_schedule", args=[draft.pk]), form | {"text": "y" * 1001}
        )
        assert "Mastodon allows 1000 characters; this post has 1001" in refused.content.decode()


def test_the_queue_costs_the_same_queries_for_3_or_20_posts_waiting_for_the_creator(
    owner_client, draft
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from publishing import services

    persona = draft.generation.persona
    manual = Account.objects.create(workspace=persona.workspace, platform="manual", name="IG")

    def handoffs(n):
        for i in range(n):
            publication = services.publication_schedule(
                persona=persona,
                role="owner",
                user=None,
                text=f"Post {i}.",
                scheduled_at=datetime.now(UTC),
                accounts=[manual],
            )
            publication.targets.update(state=TargetState.HANDOFF)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            page = owner_client.get(reverse("publishing_queue")).content.decode()
        assert "Copy text" in page
        return len(captured)

    handoffs(3)
    queries()  # once first: from then on the bell's count is read from the cache
    few = queries()
    handoffs(17)
    assert queries() == few
