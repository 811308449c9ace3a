"""Publishing exactly once, whatever fails.

Publishing exactly once, against a local server that speaks Mastodon's API (faults
included) and the sandbox: whatever fails, no post goes out twice and none is lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from publishing import engine, services
from publishing.adapters.base import Tokens
from publishing.models import Account, AccountStatus, Target, TargetState
from tests.fakes.mastodon_server import running_fake_mastodon
from tests.publishing.flows import due_now, run_sweep

pytestmark = pytest.mark.django_db
TEXT = "Raising prices is a promise to your best customers: keep it."


@pytest.fixture
def mastodon():
    with running_fake_mastodon() as fake:
        yield fake


def _account(persona, fake=None) -> Account:
    """A Mastodon account on the fake server, or (no fake) a sandbox account."""
    return services.account_connect(
        workspace=persona.workspace,
        role="owner",
        platform="mastodon" if fake else "sandbox",
        name="@creator@example.social" if fake else "Practice timeline",
        base_url=fake.base_url if fake else "",
        access_token="token-1" if fake else "",
    )


def _schedule(persona, *accounts, text=TEXT):
    return services.publication_schedule(
        persona=persona,
        role="owner",
        user=None,
        text=text,
        scheduled_at=timezone.now() - timedelta(seconds=1),
        accounts=list(accounts),
    )


def test_a_post_goes_out_once_with_its_url_and_the_token_is_never_stored_plain(persona, mastodon):
    account = _account(persona, mastodon)
    assert "token-1" not in account.access_token_encrypted  # encrypted at rest
    publication = _schedule(persona, account, _account(persona))  # Mastodon and the sandbox
    assert sorted(run_sweep()) == ["published", "published"]
    assert run_sweep() == []  # nothing is due any more
    mastodon_target = publication.targets.get(account=account)
    assert mastodon_target.external_url == mastodon.statuses[0]["url"]
    assert len(mastodon.statuses) == 1


def test_a_dropped_connection_is_reconciled_not_sent_again(persona, mastodon):
    target = _schedule(persona, _account(persona, mastodon)).targets.get()
    mastodon.fail_next.append(("drop",))  # it is made, but we never hear back
    assert run_sweep() == ["unknown"]
    target.refresh_from_db()
    assert target.state == TargetState.UNKNOWN and target.needs_reconcile
    due_now(target)
    assert run_sweep() == ["published"]  # the same key: Mastodon answers with the first one
    assert len(mastodon.statuses) == 1


def test_a_worker_that_died_mid_send_is_reconciled_by_the_sweep(persona, mastodon, settings):
    target = _schedule(persona, _account(persona, mastodon)).targets.get()
    [(target_id, _token)] = engine.claim_due()
    # The worker marked it SENDING, sent it, and died before writing the answer.
    Target.objects.filter(pk=target_id).update(
        state=TargetState.SENDING, claimed_at=timezone.now() - timedelta(seconds=999)
    )
    mastodon._status(TEXT, str(target.idempotency_key))
    assert engine.reclaim_expired() == 1
    target.refresh_from_db()
    assert target.state == TargetState.UNKNOWN and target.needs_reconcile
    assert run_sweep() == ["published"]
    assert len(mastodon.statuses) == 1


def test_rate_limits_back_off_as_the_platform_says_and_5xx_is_looked_at_never_dead(
    persona, mastodon
):
    target = _schedule(persona, _account(persona, mastodon)).targets.get()
    mastodon.fail_next.append((429, {"error": "Too many requests"}, {"Retry-After": "300"}))
    assert run_sweep() == ["retry"]
    target.refresh_from_db()
    wait = (target.due_at - timezone.now()).total_seconds()
    assert 290 < wait <= 300  # Retry-After beats the 30 s of the first backoff step
    waits = []
    for _ in range(5):  # 500s after a create may have made the post: unknown, with backoff
        mastodon.fail_next.append((500, {"error": "Internal server error"}, {}))
        due_now(target)
        run_sweep()
        target.refresh_from_db()
        assert target.state == TargetState.UNKNOWN and target.needs_reconcile
        waits.append(round((target.due_at - timezone.now()).total_seconds() / 60))
    assert waits == [2, 10, 30, 60, 60]
    # The attempts are used up: the last one only looks — on Mastodon, the same key again.
    due_now(target)
    assert run_sweep() == ["published"] and len(mastodon.statuses) == 1
    log = [e.detail for e in target.publication.events.filter(action="attempt failed")]
    assert len(log) == 6 and "Trying again in 5 minutes" in log[0]
    assert "It may be out: checking in 2 minutes" in log[1]


def test_a_post_that_keeps_failing_is_a_dead_letter_once_bluesky_says_it_is_not_out(persona):
    from tests.fakes.bluesky_server import DID, HANDLE, FakeBluesky

    with FakeBluesky() as bluesky:
        account = services.account_connect(
            workspace=persona.workspace,
            role="owner",
            platform="bluesky",
            name=f"@{HANDLE}",
            base_url=bluesky.base_url,
            tokens=Tokens(access_token=bluesky.session()["accessJwt"]),
            external_user_id=DID,
        )
        target = _schedule(persona, account).targets.get()
        for _ in range(6):
            bluesky.fail_next.append((502, {"error": "UpstreamFailure"}, {}))
            due_now(target)
            run_sweep()
        target.refresh_from_db()
        assert target.state == TargetState.UNKNOWN  # the last one only looks
        due_now(target)
        assert run_sweep() == ["dead"]
        target.refresh_from_db()
        assert "Gave up after 6 attempts; it is not on the platform" in target.last_error
        assert "Bluesky answered 502" in target.last_error
        assert bluesky.created == []
        services.target_retry_now(target=target, role="owner")  # "retry now" from the page
        assert run_sweep() == ["published"] and len(bluesky.created) == 1


def test_a_refused_token_asks_for_a_reconnect_and_siblings_are_not_resent(persona, mastodon):
    sandbox = _account(persona)
    broken = services.account_connect(
        workspace=persona.workspace,
        role="owner",
        platform="mastodon",
        name="@old@example.social",
        base_url=mastodon.base_url,
        access_token="revoked",
    )
    publication = _schedule(persona, sandbox, broken)
    assert sorted(run_sweep()) == ["dead", "published"]
    broken.refresh_from_db()
    assert broken.status == AccountStatus.NEEDS_RECONNECT
    dead = publication.targets.get(account=broken)
    assert "Reconnect the account" in dead.last_error
    services.target_retry_now(target=dead, role="owner")
    run_sweep()
    assert sandbox.sandbox_posts.count() == 1  # the one that succeeded was never sent again


def test_a_post_the_platform_refuses_is_a_dead_letter_in_words(persona, mastodon):
    mastodon.max_characters = 100  # the server lowered its limit since the account connected
    target = _schedule(persona, _account(persona, mastodon), text="x" * 300).targets.get()
    assert run_sweep() == ["dead"]
    target.refresh_from_db()
    # In our words: a remote server's own text is never shown back (it could be a page an
    # attacker wants read); the status and what it means are.
    assert "Mastodon answered 422: it refused the post as sent" in target.last_error
    assert "character limit" not in target.last_error


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_never_claim_the_same_target(persona):
    import threading

    from django.db import connections

    account = _account(persona)
    for n in range(60):
        _schedule(persona, account, text=f"{TEXT} {n}")
    claims: list[list] = []
    start = threading.Barrier(2)

    def claim() -> None:
        try:
            start.wait()
            claims.append(engine.claim_due(limit=40))
        finally:
            connections.close_all()

    sweeps = [threading.Thread(target=claim) for _ in range(2)]
    for sweep in sweeps:
        sweep.start()
    for sweep in sweeps:
        sweep.join()
    ids = [target_id for batch in claims for target_id, _ in batch]
    assert len(ids) == len(set(ids))  # SKIP LOCKED: no target in both batches
    assert len(ids) == 60 or min(len(batch) for batch in claims) == 0  # all, or one was first
    assert Target.objects.filter(state=TargetState.CLAIMED).count() == len(ids)


def test_cancel_stops_what_is_not_sent_and_refuses_while_sending(persona, mastodon):
    publication = _schedule(persona, _account(persona, mastodon))
    assert services.publication_cancel(publication=publication, role="owner") == 1
    assert run_sweep() == [] and mastodon.statuses == []
    second = _schedule(persona, _account(persona, mastodon))
    Target.objects.filter(publication=second).update(state=TargetState.SENDING)
    with pytest.raises(Exception, match="being published right now"):
        services.publication_cancel(publication=second, role="owner")


def test_the_sweep_keeps_at_most_a_bounded_number_waiting_for_workers(persona):
    account = _account(persona)
    for n in range(engine.MAX_IN_FLIGHT + 20):
        _schedule(persona, account, text=f"post {n}")
    assert engine.sweep() == engine.MAX_IN_FLIGHT  # no worker ran: all still waiting
    assert engine.sweep() == 0  # the queue is full: nothing more is added
    for target in Target.objects.filter(state=TargetState.CLAIMED)[:30]:
        engine.target_send(target_id=target.pk, token=target.lease_token)
    assert engine.sweep() == 20  # topped up as workers take them
