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
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.jobs import send
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
    # Committed: from here on a crash leaves SENDING, which the sweep turns into UNKNOWN.
    text = target.publication.text
    publisher = publisher_for(target.account.platform)
    reconciled = False
    try:
        account = account_fresh(target.account, publisher)
        result = None
        if target.needs_reconcile:
            result = publisher.reconcile(account, target, text)
            reconciled = True
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
            Account.objects.filter(pk=account.pk).update(
                status=AccountStatus.NEEDS_RECONNECT, last_error=str(error)[:300]
            )
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


def _failed(target: Target, token: uuid.UUID | str, error: PublishError, *, unsure: bool) -> str:
    """`unsure`: an earlier send may be out and this attempt did not get to ask."""
    now, reason = timezone.now(), str(error)[:500]
    fields: dict[str, object] = {"lease_token": None, "last_error": reason}
    if error.kind == "handoff":
        fields |= {"state": TargetState.HANDOFF, "needs_reconcile": False}
    elif error.kind == "unconfirmable" or (
        error.kind == "unknown" and target.attempts > len(BACKOFF_SECONDS)
    ):
        # Nobody can tell whether it went out: the creator checks ("it's there" / "again").
        fields |= {"state": TargetState.UNCONFIRMED, "needs_reconcile": True}
    elif error.kind == "unknown":
        fields |= {
            "state": TargetState.UNKNOWN,
            "needs_reconcile": True,
            "due_at": now + timedelta(seconds=RECONCILE_AFTER_SECONDS),
        }
    elif (
        error.kind == "expired"
        and target.account.refresh_token_encrypted
        and (target.attempts <= len(BACKOFF_SECONDS))
    ):
        # Refreshed first thing at the next attempt (it counts as expiring now).
        Account.objects.filter(pk=target.account_id).update(token_expires_at=now)
        fields |= {
            "state": TargetState.UNKNOWN if unsure else TargetState.RETRY_SCHEDULED,
            "due_at": now + timedelta(seconds=5),
            "needs_reconcile": unsure,
        }
    elif error.kind == "retry" and target.attempts <= len(BACKOFF_SECONDS):
        wait = max(BACKOFF_SECONDS[target.attempts - 1], error.retry_after or 0)
        fields |= {
            "state": TargetState.UNKNOWN if unsure else TargetState.RETRY_SCHEDULED,
            "due_at": now + timedelta(seconds=wait),
            "needs_reconcile": unsure,
        }
    else:
        if error.kind in ("auth", "expired"):
            Account.objects.filter(pk=target.account_id).update(
                status=AccountStatus.NEEDS_RECONNECT, last_error=reason[:300]
            )
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
    if updated and state in (TargetState.DEAD, TargetState.UNCONFIRMED, TargetState.HANDOFF):
        _log(
            target,
            {"dead": "failed", "unconfirmed": "unconfirmed", "handoff": "handed over"}[state],
            reason,
        )
    return state
