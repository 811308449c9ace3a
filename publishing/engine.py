"""Publishing, exactly once.

The beat sweep (`sweep`, every PUBLISH_SWEEP_SECONDS) hands expired leases back, claims due
targets with SELECT … FOR UPDATE SKIP LOCKED (committed before anything is sent) and queues
one task per target. The task (`target_send`) marks the target SENDING and commits, then
makes one request through the platform's client, carrying the idempotency key stored when
the target was made. What happens next depends only on the answer:

- published: stored with its id and URL; never sent again;
- the platform did not take it (429, 5xx, unreachable): retried after 30 s, 2 m, 10 m, 30 m,
  1 h (or the platform's Retry-After, if longer), then a dead letter with the reason;
- unknown (timeout after sending, dropped connection, or a worker that died while SENDING):
  reconciled with the platform before anything else is sent; a platform that cannot tell
  leaves it UNCONFIRMED for the creator to check;
- refused (validation) or a token refused: a dead letter with the reason in words;
- a token that runs out soon is refreshed first, under a lock on the account row, the new
  tokens stored in that same transaction; an expired token (401) is refreshed at the next
  attempt; the account is only marked "needs reconnecting" when the platform says the grant
  is gone, never on a timeout;
- the manual channel hands the post to the creator (HANDOFF) at its time.

Every write after the claim goes through the lease token, so a worker that lost its claim
cannot overwrite its successor."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from core.jobs import kept_alive, send
from publishing import notices
from publishing.adapters import publisher_for
from publishing.adapters.base import Published, Publisher, PublishError
from publishing.models import (
    DUE_STATES,
    Account,
    AccountStatus,
    PublicationEvent,
    Target,
    TargetState,
)
from publishing.services import idea_published

logger = logging.getLogger(__name__)
BACKOFF_SECONDS = (30, 120, 600, 1800, 3600)  # after the 1st … 5th failed attempt
RECONCILE_AFTER_SECONDS = 20  # an unknown outcome is checked this soon
SEND_TASK = "publishing.tasks.send_target"
REFRESH_MARGIN = timedelta(minutes=5)  # tokens that run out sooner are refreshed first
MAX_IN_FLIGHT = 500  # claimed targets waiting for a worker, at most


def reclaim_expired() -> int:
    """Targets whose worker died: CLAIMED ones were never sent (due again now); SENDING ones
    may have gone out (unknown: reconcile first)."""
    stale = timezone.now() - timedelta(seconds=settings.PUBLISH_LEASE_SECONDS)
    never_sent = Target.objects.filter(state=TargetState.CLAIMED, claimed_at__lt=stale).update(
        state=TargetState.SCHEDULED, lease_token=None, due_at=timezone.now()
    )
    maybe_sent = Target.objects.filter(state=TargetState.SENDING, claimed_at__lt=stale).update(
        state=TargetState.UNKNOWN, needs_reconcile=True, lease_token=None, due_at=timezone.now()
    )
    return never_sent + maybe_sent


@transaction.atomic
def claim_due(limit: int = 500) -> list[tuple[int, uuid.UUID]]:
    """Due targets, claimed by this sweep (others skip the locked rows); committed on return."""
    now = timezone.now()
    ids = list(
        Target.objects.select_for_update(skip_locked=True)
        .filter(state__in=DUE_STATES, due_at__lte=now)
        .order_by("due_at")
        .values_list("id", flat=True)[:limit]
    )
    # One token for the batch, in one statement: a claim is (id, token), and any later reclaim
    # issues a new token, so the old one can no longer write.
    token = uuid.uuid4()
    Target.objects.filter(pk__in=ids).update(
        state=TargetState.CLAIMED, lease_token=token, claimed_at=now
    )
    return [(target_id, token) for target_id in ids]


def sweep() -> int:
    """Beat: reclaim, claim, and queue one send per claimed target.

    Back-pressure: no more than MAX_IN_FLIGHT targets wait in the queue at once (a sweep tops
    up to it), and a message expires with its lease: when workers are slow or down, the queue
    does not fill with sends that a later sweep has already re-issued."""
    reclaim_expired()
    in_flight = Target.objects.filter(state=TargetState.CLAIMED).count()
    claimed = claim_due(limit=max(0, MAX_IN_FLIGHT - in_flight))
    for target_id, token in claimed:
        send(SEND_TASK, target_id, str(token), expires=settings.PUBLISH_LEASE_SECONDS)
    return len(claimed)


def _mine(target_id: int, token: uuid.UUID | str):
    return Target.objects.filter(pk=target_id, lease_token=token)


def target_send(*, target_id: int, token: uuid.UUID | str) -> str:
    """The task: send one claimed target (or reconcile it first). Returns the new state."""
    with transaction.atomic():
        target = (
            _mine(target_id, token)
            .select_for_update()
            .select_related("account", "publication")
            .filter(state=TargetState.CLAIMED)
            .first()
        )
        if target is None:
            return "not-mine"  # reclaimed by a sweep, or sent already
        now = timezone.now()
        target.state, target.attempts = TargetState.SENDING, target.attempts + 1
        target.claimed_at = now  # the lease now covers the request
        target.first_sent_at = target.first_sent_at or now
        target.save(update_fields=["state", "attempts", "claimed_at", "first_sent_at"])

    # Committed: from here on a crash leaves SENDING, which the sweep turns into UNKNOWN once
    # the lease runs out. A live worker renews it while it waits on the platform, so the lease
    # can be short and a killed worker's post is looked at again within about a minute.
    def renew() -> bool:
        return bool(
            _mine(target_id, token)
            .filter(state=TargetState.SENDING)
            .update(claimed_at=timezone.now())
        )

    with kept_alive(renew, every=settings.PUBLISH_LEASE_SECONDS / 3, name=f"send-{target_id}"):
        return _send(target, token)


def _send(target: Target, token: uuid.UUID | str) -> str:
    text = target.publication.text
    publisher = publisher_for(target.account.platform)
    reconciled = False
    # The attempts are used up and the last one may have gone out: this one only looks.
    last_look = target.needs_reconcile and target.attempts > len(BACKOFF_SECONDS) + 1
    try:
        account = account_fresh(target.account, publisher)
        result = None
        if target.needs_reconcile:
            result = publisher.reconcile(account, target, text)
            reconciled = True
        if result is None and last_look:
            return gave_up(target, token)
        if result is None:
            result = publisher.publish(account, target, text, _remember(target, token))
    except PublishError as error:
        return _failed(target, token, error, unsure=target.needs_reconcile and not reconciled)
    return _published(target, token, result)


def _remember(target: Target, token: uuid.UUID | str):
    def remember(ref: str) -> None:
        # Its own committed write (the task runs outside a transaction): the reference is in
        # the database before the request that depends on it.
        _mine(target.pk, token).update(platform_ref=ref[:100])
        target.platform_ref = ref[:100]

    return remember


@sensitive_variables("tokens")
def account_fresh(account: Account, publisher: Publisher) -> Account:
    """The account with a token that will not run out mid-send: refreshed when it expires
    within REFRESH_MARGIN, by one worker at a time (the others wait on the row lock, then see
    the new token), the new refresh token stored in the same transaction."""
    if not _expiring(account):
        return account
    try:
        with transaction.atomic():
            locked = Account.objects.select_for_update().get(pk=account.pk)
            if not _expiring(locked):
                return locked  # another worker refreshed it while we waited
            tokens = publisher.refresh(locked)
            locked.set_access_token(tokens.access_token)
            if tokens.refresh_token:  # rotated: the old one no longer works
                locked.set_refresh_token(tokens.refresh_token)
            locked.token_expires_at = tokens.expires_at
            locked.status, locked.last_error = AccountStatus.CONNECTED, ""
            locked.save()
            return locked
    except PublishError as error:
        if error.kind == "auth":  # the grant is gone; a timeout never gets here as "auth"
            _needs_reconnect(account, str(error))
        if error.kind in ("unknown", "expired", "permanent"):
            # Nothing was posted: a refresh that failed is tried again later.
            raise PublishError(f"Could not renew the token: {error}", kind="retry") from error
        raise


def _expiring(account: Account) -> bool:
    return bool(
        account.refresh_token_encrypted
        and account.token_expires_at
        and account.token_expires_at - timezone.now() < REFRESH_MARGIN
    )


def _log(target: Target, action: str, detail: str = "") -> None:
    PublicationEvent.objects.create(
        publication_id=target.publication_id,
        action=action,
        detail=f"{target.account.name}: {detail}"[:1000] if detail else target.account.name,
    )


def _published(target: Target, token: uuid.UUID | str, result: Published) -> str:
    updated = _mine(target.pk, token).update(
        state=TargetState.PUBLISHED,
        external_id=result.external_id[:200],
        external_url=result.url[:500],
        published_at=timezone.now(),
        needs_reconcile=False,
        lease_token=None,
        last_error="",
    )
    if not updated:
        logger.warning("target %s published after its lease was taken over", target.pk)
    else:
        _log(target, "published", result.url)
        idea_published(target.publication_id)
    return TargetState.PUBLISHED


def _in_words(seconds: float) -> str:
    minutes = round(seconds / 60)
    if seconds < 90:
        return f"{round(seconds)} seconds"
    return f"{minutes} minutes" if minutes < 90 else f"{round(minutes / 60)} hours"


def _failed(target: Target, token: uuid.UUID | str, error: PublishError, *, unsure: bool) -> str:
    """`unsure`: an earlier send may be out and this attempt did not get to ask. Every
    failure is written to the post's activity log with its reason and what happens next."""
    now, reason = timezone.now(), str(error)[:500]
    fields: dict[str, object] = {"lease_token": None, "last_error": reason}
    final_look = target.attempts > len(BACKOFF_SECONDS)  # the attempts are used up
    looked_last = target.attempts > len(BACKOFF_SECONDS) + 1  # even the last look failed
    if error.kind == "handoff":
        fields |= {"state": TargetState.HANDOFF, "needs_reconcile": False}
    elif error.kind == "unconfirmable" or (looked_last and (error.kind == "unknown" or unsure)):
        # Nobody can tell whether it went out: the creator checks ("it's there" / "again").
        fields |= {"state": TargetState.UNCONFIRMED, "needs_reconcile": True}
    elif error.kind == "unknown" or (error.kind == "retry" and unsure):
        # It may be out: never a dead letter before we have looked. Looked at soon the first
        # time, then with the backoff (a platform answering 5xx is not hammered); once the
        # attempts are used up, one last attempt only looks (publishing.engine._send).
        step = BACKOFF_SECONDS[min(target.attempts, len(BACKOFF_SECONDS)) - 1]
        wait = max(
            RECONCILE_AFTER_SECONDS if target.attempts == 1 else step, error.retry_after or 0
        )
        fields |= {
            "state": TargetState.UNKNOWN,
            "needs_reconcile": True,
            "due_at": now + timedelta(seconds=wait),
        }
    elif error.kind == "expired" and target.account.refresh_token_encrypted and not final_look:
        # Refreshed first thing at the next attempt (it counts as expiring now).
        Account.objects.filter(pk=target.account_id).update(token_expires_at=now)
        fields |= {
            "state": TargetState.UNKNOWN if unsure else TargetState.RETRY_SCHEDULED,
            "due_at": now + timedelta(seconds=5),
            "needs_reconcile": unsure,
        }
    elif error.kind == "retry" and not final_look:
        wait = max(BACKOFF_SECONDS[target.attempts - 1], error.retry_after or 0)
        fields |= {
            "state": TargetState.RETRY_SCHEDULED,
            "due_at": now + timedelta(seconds=wait),
            "needs_reconcile": False,
        }
    else:
        if error.kind in ("auth", "expired"):
            _needs_reconnect(target.account, reason)
            reason = f"{reason} Reconnect the account, then retry."
        elif error.kind == "retry":
            reason = f"Gave up after {target.attempts} attempts. {reason}"
        fields |= {
            "state": TargetState.UNCONFIRMED if unsure else TargetState.DEAD,
            "last_error": reason[:500],
            "needs_reconcile": unsure,
        }
    updated = _mine(target.pk, token).update(**fields)
    state = str(fields["state"])
    if updated:
        _log_failure(target, state, reason, fields.get("due_at"), now)
    return state


def _needs_reconnect(account: Account, reason: str) -> None:
    """Mark the account, and tell the owners once (when it was connected until now)."""
    changed = Account.objects.filter(pk=account.pk, status=AccountStatus.CONNECTED).update(
        status=AccountStatus.NEEDS_RECONNECT, last_error=reason[:300]
    )
    if changed:
        account.refresh_from_db()
        notices.account_needs_reconnecting(account, reason)
    else:
        Account.objects.filter(pk=account.pk).update(last_error=reason[:300])


def gave_up(target: Target, token: uuid.UUID | str) -> str:
    """The last look found the post is not out: a dead letter, with the reason it kept failing."""
    reason = f"Gave up after {target.attempts - 1} attempts; it is not on the platform. "
    reason = (reason + target.last_error)[:500]
    updated = _mine(target.pk, token).update(
        state=TargetState.DEAD, lease_token=None, needs_reconcile=False, last_error=reason
    )
    if updated:
        _log(target, "failed", reason)
        notices.post_went_wrong(target.publication, target.account, state="dead", reason=reason)
    return TargetState.DEAD


def _log_failure(target: Target, state: str, reason: str, due_at: object, now) -> None:
    if state in (TargetState.DEAD, TargetState.UNCONFIRMED, TargetState.HANDOFF):
        action = {"dead": "failed", "unconfirmed": "unconfirmed", "handoff": "handed over"}[state]
        _log(target, action, reason)
        if state != TargetState.HANDOFF:
            notices.post_went_wrong(target.publication, target.account, state=state, reason=reason)
        return
    assert isinstance(due_at, datetime)
    later = _in_words((due_at - now).total_seconds())
    if state == TargetState.UNKNOWN:
        _log(target, "attempt failed", f"{reason} It may be out: checking in {later}.")
    else:
        _log(target, "attempt failed", f"{reason} Trying again in {later}.")
