"""Every reconcile compares what it finds with what was sent before it calls a target published.

A record key, an idempotency key or a matching post that belongs to another post is a collision —
logged, and the post is sent again under a new key. Nothing that is out is ever sent twice, and
nothing is called published that is not."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from publishing import services
from publishing.adapters import bluesky as bluesky_adapter
from publishing.adapters.base import Tokens
from publishing.models import Account, TargetState
from tests.fakes.bluesky_server import DID, HANDLE, FakeBluesky
from tests.fakes.mastodon_server import running_fake_mastodon
from tests.fakes.x_server import FakeX
from tests.publishing.flows import connect_oauth, due_now, run_sweep

pytestmark = pytest.mark.django_db


def _schedule(persona, account, text):
    return services.publication_schedule(
        persona=persona,
        role="owner",
        user=None,
        text=text,
        scheduled_at=timezone.now() - timedelta(seconds=1),
        accounts=[account],
    ).targets.get()


@pytest.mark.parametrize("same_text", [False, True])
def test_two_targets_that_mint_the_same_bluesky_key_both_go_out_once(
    persona, monkeypatch, caplog, same_text
):
    with FakeBluesky() as fake:
        account = services.account_connect(
            workspace=persona.workspace,
            role="owner",
            platform="bluesky",
            name=f"@{HANDLE}",
            base_url=fake.base_url,
            tokens=Tokens(access_token=fake.session()["accessJwt"]),
            external_user_id=DID,
        )
        keys = iter(["3kaaaaaaaaaa2", "3kaaaaaaaaaa2", "3kaaaaaaaaab2"])  # two workers met
        monkeypatch.setattr(bluesky_adapter, "tid", lambda: next(keys))
        first = _schedule(persona, account, "First post.")
        second = _schedule(persona, account, "First post." if same_text else "Second post.")
        with caplog.at_level(logging.WARNING):
            # The second createRecord hits the first one's key: the reference PDS says 500.
            assert sorted(run_sweep()) == ["published", "unknown"]
            due_now(second)
            assert run_sweep() == ["published"]
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.platform_ref != second.platform_ref
        assert len(fake.created) == 2  # each post once, under its own key
        assert {first.external_id, second.external_id} == {
            f"at://{DID}/app.bsky.feed.post/{first.platform_ref}",
            f"at://{DID}/app.bsky.feed.post/{second.platform_ref}",
        }
        assert "holds another post (a key collision)" in caplog.text


def test_a_bluesky_key_in_another_accounts_repo_is_not_this_post(persona):
    with FakeBluesky() as fake:
        fake.add_account("other.bsky.social", "did:plc:other456")
        mine = services.account_connect(
            workspace=persona.workspace,
            role="owner",
            platform="bluesky",
            name=f"@{HANDLE}",
            base_url=fake.base_url,
            tokens=Tokens(access_token=fake.session()["accessJwt"]),
            external_user_id=DID,
        )
        target = _schedule(persona, mine, "Mine.")
        fake.fail_next.append(("drop",))
        assert run_sweep() == ["unknown"]
        target.refresh_from_db()
        # The other account's repo holds a record under the same key: it is not ours.
        fake.repos["did:plc:other456"][target.platform_ref] = {"text": "Not mine."}
        due_now(target)
        assert run_sweep() == ["published"]
        assert fake.created == [(DID, target.platform_ref)]  # the dropped one was made: found


def test_x_settles_an_unknown_by_matching_the_text_with_its_links_wrapped_in_tco(
    persona, owner_client
):
    with FakeX() as fake, pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.conf.settings.X_API_URL", fake.base_url)
        patch.setattr("django.conf.settings.X_AUTHORIZE_URL", f"{fake.base_url}/i/oauth2/authorize")
        patch.setattr("django.conf.settings.X_CLIENT_ID", "client-1")
        patch.setattr("django.conf.settings.X_CLIENT_SECRET", "secret-1")
        connect_oauth(owner_client, "x")
        text = "Raising prices, explained: https://example.com/pricing and example.org/more"
        target = _schedule(persona, Account.objects.get(), text)
        fake.fail_next.append(("drop",))
        assert run_sweep() == ["unknown"]
        assert "t.co" in fake.tweets[0]["text"]  # X shows links back as t.co links
        due_now(target)
        assert run_sweep() == ["published"]
        assert len(fake.tweets) == 1


def test_a_mastodon_key_that_answers_another_status_is_a_collision(persona, caplog):
    with running_fake_mastodon() as fake:
        account = services.account_connect(
            workspace=persona.workspace,
            role="owner",
            platform="mastodon",
            name="@creator@example.social",
            base_url=fake.base_url,
            access_token="token-1",
        )
        target = _schedule(persona, account, "What I sent.")
        # A status under this target's key that is another post (the key was reused).
        fake._status("Something else entirely.", str(target.idempotency_key))
        target.__class__.objects.filter(pk=target.pk).update(
            state=TargetState.UNKNOWN, needs_reconcile=True, first_sent_at=timezone.now()
        )
        with caplog.at_level(logging.WARNING):
            assert run_sweep() == ["published"]
        target.refresh_from_db()
        assert fake.sent == ["Something else entirely.", "What I sent."]
        assert target.platform_ref  # the new key, committed before it was sent
        assert "answered another status (a collision)" in caplog.text
