"""Each platform's real client against a loopback fake that speaks its API.

Connecting (OAuth redirect flows, Bluesky's app password), publishing once whatever fails,
reconciling an unknown outcome the way the platform allows, refreshing tokens, and the two channels
without a platform (webhook, manual)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from core.crypto import signature
from publishing import services
from publishing.adapters.base import Tokens
from publishing.models import Account, AccountStatus, TargetState
from tests.fakes.bluesky_server import DID, HANDLE, FakeBluesky
from tests.fakes.linkedin_server import FakeLinkedIn
from tests.fakes.threads_server import FakeThreads
from tests.fakes.webhook_receiver import FakeWebhookReceiver
from tests.fakes.x_server import FakeX
from tests.helpers import client_for
from tests.publishing.flows import connect_oauth, due_now, run_sweep

pytestmark = pytest.mark.django_db
TEXT = "Raising prices is a promise to your best customers: keep it."


@pytest.fixture
def client(owner, workspace):
    return client_for(owner, workspace)


def _schedule(persona, account, text=TEXT):
    return services.publication_schedule(
        persona=persona,
        role="owner",
        user=None,
        text=text,
        scheduled_at=timezone.now() - timedelta(seconds=1),
        accounts=[account],
    ).targets.get()


# --- Bluesky -----------------------------------------------------------------------------


@pytest.fixture
def bluesky():
    with FakeBluesky() as fake:
        yield fake


def _connect_bluesky(client, fake, password="abcd-efgh-ijkl-mnop"):
    return client.post(
        reverse("publishing_accounts"),
        {
            "platform": "bluesky",
            "bluesky-handle": HANDLE,
            "bluesky-app_password": password,
            "bluesky-service": fake.base_url,
        },
    )


def test_bluesky_connects_with_an_app_password_and_a_wrong_one_is_said(client, bluesky):
    refused = _connect_bluesky(client, bluesky, password="wrong")
    assert refused.status_code == 422
    assert "did not accept that handle and app password" in refused.content.decode()
    assert _connect_bluesky(client, bluesky).status_code == 302
    account = Account.objects.get()
    assert account.external_user_id == DID and account.name == f"@{HANDLE}"
    assert account.token_expires_at and account.refresh_token  # from the JWT's exp claim
    assert account.access_token not in account.access_token_encrypted


def test_bluesky_record_key_is_stored_before_the_call_and_settles_an_unknown(
    client, persona, bluesky
):
    _connect_bluesky(client, bluesky)
    target = _schedule(persona, Account.objects.get())
    bluesky.fail_next.append(("drop",))  # made, never answered
    assert run_sweep() == ["unknown"]
    target.refresh_from_db()
    assert target.platform_ref in bluesky.records  # the key we chose, committed before
    due_now(target)
    assert run_sweep() == ["published"]  # getRecord by that key found it
    target.refresh_from_db()
    assert bluesky.created == [(DID, target.platform_ref)]
    assert target.external_url.endswith(f"/post/{target.platform_ref}")


def test_bluesky_expired_token_is_refreshed_and_the_new_refresh_token_kept(
    client, persona, bluesky
):
    _connect_bluesky(client, bluesky)
    account = Account.objects.get()
    first_refresh = account.refresh_token
    target = _schedule(persona, account)
    bluesky.expire_access_tokens()  # the server says ExpiredToken before our clock does
    assert run_sweep() == ["retry"]
    due_now(target)
    assert run_sweep() == ["published"]
    account.refresh_from_db()
    assert account.refresh_token != first_refresh  # rotated, stored with the new access token
    # The old one only lives out the PDS's two-hour grace period, answering with the new one.
    assert bluesky.used_refresh[first_refresh][0] == account.refresh_token
    assert account.status == AccountStatus.CONNECTED


def test_a_revoked_session_asks_for_a_reconnect_but_a_timeout_never_does(client, persona, bluesky):
    _connect_bluesky(client, bluesky)
    account = Account.objects.get()
    Account.objects.update(token_expires_at=timezone.now())  # due for a refresh
    bluesky.fail_next.append(("slow", 3))  # faults hit createRecord only: make refresh slow
    bluesky.faultable = ("/xrpc/com.atproto.server.refreshSession",)
    target = _schedule(persona, account)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.conf.settings.PUBLISH_TIMEOUT_SECONDS", 1)
        assert run_sweep() == ["retry"]
    account.refresh_from_db()
    assert account.status == AccountStatus.CONNECTED  # a timeout is not a revocation
    bluesky.refresh_tokens.clear()  # the creator revoked the app password
    due_now(target)
    assert run_sweep() == ["dead"]
    account.refresh_from_db()
    assert account.status == AccountStatus.NEEDS_RECONNECT
    assert "Needs reconnecting" in client.get(reverse("publishing_accounts")).content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_workers_refresh_an_expiring_token_once(workspace, bluesky):
    account = services.account_connect(
        workspace=workspace,
        role="owner",
        platform="bluesky",
        name=f"@{HANDLE}",
        base_url=bluesky.base_url,
        tokens=Tokens(**{"access_token": "x", "refresh_token": "y"}),
        external_user_id=DID,
    )
    session = bluesky._session()
    services.account_connect(
        workspace=workspace,
        role="owner",
        platform="bluesky",
        name=f"@{HANDLE}",
        base_url=bluesky.base_url,
        tokens=Tokens(session["accessJwt"], session["refreshJwt"], timezone.now()),
        external_user_id=DID,
    )
    from publishing.adapters.bluesky import BlueskyPublisher

    start, results = threading.Barrier(2), []

    def refresh() -> None:
        try:
            start.wait()
            results.append(
                services.account_fresh(Account.objects.get(pk=account.pk), BlueskyPublisher())
            )
        finally:
            connections.close_all()

    workers = [threading.Thread(target=refresh) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    refreshes = [path for _, path in bluesky.log if path.endswith("refreshSession")]
    assert len(refreshes) == 1  # the second waited on the row lock, then saw the new token
    assert len({a.access_token for a in results}) == 1


# --- X -----------------------------------------------------------------------------------


@pytest.fixture
def x_fake(settings):
    with FakeX() as fake:
        settings.X_CLIENT_ID, settings.X_CLIENT_SECRET = "client-1", "secret-1"
        settings.X_AUTHORIZE_URL = f"{fake.base_url}/i/oauth2/authorize"
        settings.X_API_URL = fake.base_url
        yield fake


def test_platforms_without_credentials_say_what_to_set(client):
    page = client.get(reverse("publishing_accounts")).content.decode()
    assert "Not configured" in page
    assert "X_CLIENT_ID" in page and "LINKEDIN_CLIENT_ID" in page and "THREADS_APP_ID" in page


def test_x_connects_with_pkce_and_settles_an_unknown_by_its_own_timeline(client, persona, x_fake):
    response = connect_oauth(client, "x")
    assert response.status_code == 302
    account = Account.objects.get()
    assert account.name == "@creator" and account.external_user_id == x_fake.oauth.user_id
    assert account.refresh_token and account.token_expires_at
    target = _schedule(persona, account)
    x_fake.fail_next.append(("drop",))
    assert run_sweep() == ["unknown"]
    due_now(target)
    assert run_sweep() == ["published"]  # found among its own recent posts: not re-sent
    assert len(x_fake.tweets) == 1
    target.refresh_from_db()
    assert target.external_id == x_fake.tweets[0]["id"]


def test_x_duplicate_content_is_a_dead_letter_in_words(client, persona, x_fake):
    connect_oauth(client, "x")
    # The same text went out long ago (outside the window reconciling looks at): not ours.
    x_fake.tweets.append({"id": "1", "text": TEXT, "created_at": "2020-01-01T00:00:00.000Z"})
    target = _schedule(persona, Account.objects.get())
    assert run_sweep() == ["dead"]
    target.refresh_from_db()
    assert "identical to one already on the account" in target.last_error
    assert len(x_fake.tweets) == 1


def test_x_429_waits_as_long_as_x_says(client, persona, x_fake):
    connect_oauth(client, "x")
    target = _schedule(persona, Account.objects.get())
    x_fake.fail_next.append((429, {"title": "Too Many Requests"}, {"Retry-After": "900"}))
    assert run_sweep() == ["retry"]
    target.refresh_from_db()
    assert 880 < (target.due_at - timezone.now()).total_seconds() <= 900


def test_x_token_near_expiry_is_refreshed_first_and_invalid_grant_disconnects(
    client, persona, x_fake
):
    connect_oauth(client, "x")
    account = Account.objects.get()
    Account.objects.update(token_expires_at=timezone.now() + timedelta(minutes=2))
    old_refresh = account.refresh_token
    target = _schedule(persona, account)
    assert run_sweep() == ["published"]
    account.refresh_from_db()
    assert account.refresh_token != old_refresh
    assert account.token_expires_at > timezone.now() + timedelta(hours=1)
    # The creator revoked the app on X: the refresh token is gone.
    x_fake.oauth.refresh_tokens.clear()
    Account.objects.update(token_expires_at=timezone.now())
    second = _schedule(persona, account, text="Another one.")
    assert run_sweep() == ["dead"]
    account.refresh_from_db()
    second.refresh_from_db()
    assert account.status == AccountStatus.NEEDS_RECONNECT
    assert "Reconnect" in second.last_error or "revoked" in second.last_error
    assert target.pk != second.pk


# --- LinkedIn ----------------------------------------------------------------------------


@pytest.fixture
def linkedin(settings):
    with FakeLinkedIn() as fake:
        settings.LINKEDIN_CLIENT_ID, settings.LINKEDIN_CLIENT_SECRET = "client-1", "secret-1"
        settings.LINKEDIN_AUTH_URL = settings.LINKEDIN_API_URL = fake.base_url
        yield fake


def test_linkedin_posts_and_an_unknown_outcome_is_left_to_the_creator(client, persona, linkedin):
    connect_oauth(client, "linkedin")
    account = Account.objects.get()
    assert account.external_user_id == "urn:li:person:abc123" and account.name == "Creator Name"
    target = _schedule(persona, account)
    assert run_sweep() == ["published"]
    target.refresh_from_db()
    assert target.external_id.startswith("urn:li:share:")
    second = _schedule(persona, account, text="Second post.")
    linkedin.fail_next.append(("drop",))
    assert run_sweep() == ["unknown"]
    due_now(second)
    assert run_sweep() == ["unconfirmed"]  # LinkedIn cannot say: never sent blindly again
    assert len(linkedin.posts) == 2
    page = client.get(reverse("publication_detail", args=[second.publication_id])).content
    assert "It&#x27;s there" in page.decode() or "It's there" in page.decode()
    assert "Publish again" in page.decode()
    services.target_confirm_published(target=second, role="owner", url="https://lnkd.in/x")
    second.refresh_from_db()
    assert second.state == TargetState.PUBLISHED and second.external_url == "https://lnkd.in/x"


# --- Threads -----------------------------------------------------------------------------


@pytest.fixture
def threads(settings):
    with FakeThreads() as fake:
        settings.THREADS_APP_ID, settings.THREADS_APP_SECRET = "client-1", "secret-1"
        settings.THREADS_AUTHORIZE_URL = f"{fake.base_url}/oauth/authorize"
        settings.THREADS_API_URL = fake.base_url
        yield fake


def test_threads_container_id_is_kept_and_its_status_settles_an_unknown(client, persona, threads):
    connect_oauth(client, "threads")
    account = Account.objects.get()
    assert account.token_expires_at > timezone.now() + timedelta(days=50)  # long-lived
    target = _schedule(persona, account)
    threads.faultable = (f"/v1.0/{account.external_user_id}/threads_publish",)
    threads.fail_next.append(("drop",))  # published, and the answer is lost
    assert run_sweep() == ["unknown"]
    target.refresh_from_db()
    assert target.platform_ref in threads.containers  # committed before threads_publish
    due_now(target)
    assert run_sweep() == ["published"]  # the container says PUBLISHED
    assert threads.published == [target.platform_ref]


# --- Webhook and manual ------------------------------------------------------------------


def test_webhook_is_signed_retried_and_acted_on_once(client, persona):
    with FakeWebhookReceiver() as receiver:
        response = client.post(
            reverse("publishing_accounts"),
            {"platform": "webhook", "webhook-name": "My script", "webhook-url": receiver.url},
            follow=True,
        )
        account = Account.objects.get()
        page = response.content.decode()
        # In a panel with a copy button, not a toast: it stays until the creator saved it.
        assert f'value="{account.access_token}"' in page and "I have saved it" in page
        again = client.get(reverse("publishing_accounts")).content.decode()
        assert account.access_token in again
        client.post(reverse("account_secret", args=[account.pk]), {"action": "saved"})
        assert (
            account.access_token not in client.get(reverse("publishing_accounts")).content.decode()
        )
        old = account.access_token
        client.post(reverse("account_secret", args=[account.pk]), {"action": "rotate"})
        account.refresh_from_db()
        assert account.access_token != old
        assert account.access_token in client.get(reverse("publishing_accounts")).content.decode()
        receiver.secret = account.access_token
        target = _schedule(persona, account)
        receiver.fail_next.append((503, {"error": "busy"}, {}))
        assert run_sweep() == ["retry"]
        due_now(target)
        receiver.fail_next.append(("drop",))
        assert run_sweep() == ["unknown"]
        due_now(target)
        assert run_sweep() == ["published"]
        assert len(receiver.acted_on) == 1  # delivered three times, acted on once
        assert receiver.acted_on[0]["text"] == TEXT
        target.refresh_from_db()
        assert target.external_url.startswith(receiver.base_url)


def test_webhook_signature_is_hmac_of_time_and_body():
    assert signature("s", 1, b"{}") == (
        "t=1,v1=" + __import__("hmac").new(b"s", b"1.{}", "sha256").hexdigest()
    )


def test_manual_channel_hands_the_post_over_and_takes_the_link_back(client, persona):
    client.post(reverse("publishing_accounts"), {"platform": "manual", "manual-name": "Instagram"})
    target = _schedule(persona, Account.objects.get())
    assert run_sweep() == ["handoff"]
    page = client.get(reverse("publication_detail", args=[target.publication_id])).content
    assert "Your turn to post it" in page.decode() and "Copy text" in page.decode()
    assert "copy the text, post it yourself" in page.decode()
    client.post(
        reverse("target_confirm", args=[target.pk]),
        {"url": "https://instagram.com/p/abc", "next": "post"},
    )
    target.refresh_from_db()
    assert target.state == TargetState.PUBLISHED
    assert target.external_url == "https://instagram.com/p/abc"
    # The page says what is true now: published, no "It's time" left over, nothing to cancel.
    after = client.get(reverse("publication_detail", args=[target.publication_id])).content.decode()
    where_it_goes = after.split('<ul class="targets">')[1].split("</ul>")[0]
    assert "Published" in where_it_goes and "post it yourself" not in where_it_goes
    assert "Cancel what is not sent" not in after and "Copy text" not in after
    refused = client.post(
        reverse("target_confirm", args=[target.pk]), {"url": "javascript:alert(1)"}, follow=True
    )
    assert "not a web address" in refused.content.decode()


# --- Secrets at rest ---------------------------------------------------------------------


def test_rotate_encryption_keys_re_encrypts_every_token(workspace, settings, capsys):
    from cryptography.fernet import Fernet

    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    account = services.account_connect(
        workspace=workspace,
        role="owner",
        platform="webhook",
        name="hook",
        base_url="https://example.com/hook",
        tokens=Tokens("secret-token", "refresh-token"),
    )
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys")
    assert "rotated=1 unreadable=0" in capsys.readouterr().out
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    account.refresh_from_db()
    assert account.access_token == "secret-token" and account.refresh_token == "refresh-token"


def test_no_token_reaches_the_logs(client, persona, threads, caplog):
    """Threads takes its token as a query parameter.

    The request lines that carry it are never logged at the levels we configure."""
    import logging

    caplog.set_level(logging.DEBUG)
    connect_oauth(client, "threads")
    account = Account.objects.get()
    _schedule(persona, account)
    assert run_sweep() == ["published"]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert account.access_token not in logged and "access_token=" not in logged
