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
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.jobs import kept_alive, send
from language.threads import numbered, split_parts
from publishing import notices
from publishing.adapters import publisher_for
from publishing.adapters.base import Outgoing, Published, Publisher, PublishError
from publishing.models import (
    DUE_STATES,
    STOPPED_STATES,
    Account,
    PartKind,
    PublicationEvent,
    Target,
    TargetPart,
    TargetState,
)
from publishing.services import account_fresh, account_needs_reconnect, idea_published

logger = logging.getLogger(__name__)
BACKOFF_SECONDS = (30, 120, 600, 1800, 3600)  # after the 1st … 5th failed attempt
RECONCILE_AFTER_SECONDS = 20  # an unknown outcome is checked this soon
SEND_TASK = "publishing.tasks.send_target"
MAX_IN_FLIGHT = 500  # claimed targets waiting for a worker, at most


def reclaim_expired() -> int:
    """Targets whose worker died.

    CLAIMED ones were never sent (due again now); SENDING ones may have gone out (unknown: reconcile
    first)."""
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
        Target.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(state__in=DUE_STATES, due_at__lte=now, account__paused_at__isnull=True)
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


def _mine(target_id: int, token: uuid.UUID | str) -> QuerySet[Target]:
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
        # The parts and their idempotency material exist before any request is made.
        parts = target_parts(target, publisher_for(target.account.platform))

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
        return _send(target, token, parts)


def target_parts(target: Target, publisher: Publisher) -> list[TargetPart]:
    """The target's parts (post, thread parts, first comment), made on its first claim.

    The target's parts, made on its first claim (inside the claim's transaction, so they
    and their keys are stored before any request): the post, or each part of a thread when
    the platform takes threads (else the parts joined into one post), then the first comment
    when there is one and the platform takes comments. Part 0 carries the target's own
    material, so a send that began before parts existed carries on where it was."""
    parts = list(target.parts.order_by("index"))
    if parts:
        return parts
    publication = target.publication
    texts = split_parts(target.text or publication.text) or [publication.text]
    if publication.number_parts:
        texts = numbered(texts)
    if not publisher.threads and len(texts) > 1:
        texts = ["\n\n".join(split_parts(target.text or publication.text))]
    comment = "" if target.comment_off else (target.first_comment or publication.first_comment)
    made = [
        TargetPart(
            target=target,
            index=n,
            kind=PartKind.POST,
            text=text,
            idempotency_key=target.idempotency_key if n == 0 else uuid.uuid4(),
            platform_ref=target.platform_ref if n == 0 else "",
            first_sent_at=target.first_sent_at if n == 0 and target.needs_reconcile else None,
            needs_reconcile=target.needs_reconcile if n == 0 else False,
        )
        for n, text in enumerate(texts)
    ]
    if comment.strip() and publisher.comments:
        made.append(
            TargetPart(target=target, index=len(made), kind=PartKind.COMMENT, text=comment.strip())
        )
    return TargetPart.objects.bulk_create(made)


def _label(part: TargetPart, parts: list[TargetPart]) -> str:
    posts = sum(1 for p in parts if p.kind == PartKind.POST)
    if part.kind == PartKind.COMMENT:
        return "the first comment"
    return f"part {part.index + 1} of {posts}" if posts > 1 else ""


def _sent(part: TargetPart) -> Published:
    return Published(external_id=part.external_id, url=part.external_url, cid=part.external_cid)


def _answered(target: Target) -> tuple[Published | None, Published | None]:
    """(parent, root) of a reply to someone else's post; (None, None) for a post."""
    parent = target.reply_to or {}
    if not parent.get("id"):
        return None, None
    root = Published(
        external_id=parent.get("root_id") or parent["id"],
        url="",
        cid=parent.get("root_cid") or parent.get("cid", ""),
    )
    return Published(external_id=parent["id"], url="", cid=parent.get("cid", "")), root


def _outgoing(target: Target, part: TargetPart, parts: list[TargetPart]) -> Outgoing:
    """What the client sends for this part.

    A later part answers the part before it (the thread's first post is its root), the first comment
    answers the thread's last part."""
    earlier = [p for p in parts if p.index < part.index and p.kind == PartKind.POST]
    posts = sum(1 for p in parts if p.kind == PartKind.POST)
    parent, root = _answered(target)  # a reply's first part answers someone else's post
    # Each part its own images; a post that is one part (or a thread joined) takes them all.
    images = [
        image
        for image in target.publication.images.all()
        if (posts == 1 and part.index == 0) or (posts > 1 and image.part == part.index)
    ]
    return Outgoing(
        text=part.text,
        key=str(part.idempotency_key),
        ref=part.platform_ref,
        first_sent_at=part.first_sent_at,
        images=images if part.kind == PartKind.POST else [],
        kind=part.kind,
        reply_to=_sent(earlier[-1]) if earlier else parent,
        root=root if root is not None else (_sent(earlier[0]) if earlier else None),
        label=_label(part, parts),
        meta={
            "persona": target.publication.persona.name,
            "scheduled_at": target.publication.scheduled_at.isoformat(),
        },
    )


def _send(target: Target, token: uuid.UUID | str, parts: list[TargetPart]) -> str:
    """Part by part, in order.

    A part is sent only once the one before is out and its id stored; an unknown part is looked at
    before anything else; what is out is never sent again."""
    publisher = publisher_for(target.account.platform)
    current: TargetPart | None = None
    reconciled = False
    # The attempts are used up and the last one may have gone out: this one only looks.
    last_look = target.needs_reconcile and target.attempts > len(BACKOFF_SECONDS) + 1
    # A send that died or got no answer left the target needing a look: at the first part
    # that is not out (the one that was on its way).
    in_doubt = target.needs_reconcile
    try:
        account = account_fresh(target.account, publisher)
        for part in parts:
            if part.is_out:
                continue
            if in_doubt:
                part.needs_reconcile, in_doubt = True, False
            current, reconciled = part, False
            _part_attempted(target, part)  # before the record is built: its createdAt is it
            outgoing = _outgoing(target, part, parts)
            result = None
            if part.needs_reconcile:
                result = publisher.reconcile(account, outgoing)
                reconciled = True
                if outgoing.ref != part.platform_ref:  # a container that expired, say
                    _part_ref(target, token, part, outgoing.ref)
                if result is None and last_look:
                    return gave_up(target, token)
            if result is None:
                result = publisher.publish(account, outgoing, _remember(target, token, part))
            _part_out(target, part, result)
    except PublishError as error:
        assert current is not None or error.kind in ("auth", "retry", "expired", "permanent")
        if current is not None and error.kind == "unknown":
            TargetPart.objects.filter(pk=current.pk).update(needs_reconcile=True)
            _mine(target.pk, token).update(needs_reconcile=True)
        worded = _in_parts(error, current, parts)
        if (
            current is not None
            and current.kind == PartKind.COMMENT
            and _comment_given_up(target, worded)
        ):
            return _published(target, token, _sent(parts[0]), problem=worded)
        return _failed(
            target,
            token,
            worded,
            unsure=bool(current and current.needs_reconcile and not reconciled),
        )
    return _published(target, token, _sent(parts[0]))


def _in_parts(
    error: PublishError, part: TargetPart | None, parts: list[TargetPart]
) -> PublishError:
    """The error, saying which part it was about when there is more than one."""
    if part is None or len(parts) == 1:
        return error
    out = sum(1 for p in parts if p.is_out and p.kind == PartKind.POST)
    label = _label(part, parts)
    before = f"{out} part{'s' * (out != 1)} out; " if out and part.kind == PartKind.POST else ""
    if part.kind == PartKind.COMMENT:
        before = "The post is out; "
    worded = PublishError(
        f"{before}{label[0].upper()}{label[1:]}: {error}",
        kind=error.kind,
        retry_after=error.retry_after,
    )
    return worded


def _comment_given_up(target: Target, error: PublishError) -> bool:
    """A first comment that will not go.

    The post is out all the same, so it is published (with the reason), never a dead letter."""
    exhausted = target.attempts > len(BACKOFF_SECONDS)
    return error.kind in ("permanent", "auth", "unconfirmable") or (
        error.kind in ("retry", "expired") and exhausted
    )


def _remember(target: Target, token: uuid.UUID | str, part: TargetPart) -> Callable[[str], None]:
    def remember(ref: str) -> None:
        # Its own committed write (the task runs outside a transaction): the reference is in
        # the database before the request that depends on it.
        _part_ref(target, token, part, ref)

    return remember


def _part_attempted(target: Target, part: TargetPart) -> None:
    """When the part was first sent, stored before its request (Bluesky's createdAt is it)."""
    if part.first_sent_at is None:
        part.first_sent_at = timezone.now()
        TargetPart.objects.filter(pk=part.pk, first_sent_at__isnull=True).update(
            first_sent_at=part.first_sent_at
        )


def _part_ref(target: Target, token: uuid.UUID | str, part: TargetPart, ref: str) -> None:
    part.platform_ref = ref[:100]
    TargetPart.objects.filter(pk=part.pk).update(platform_ref=part.platform_ref)
    if part.index == 0:  # the target shows the post's own material
        _mine(target.pk, token).update(platform_ref=part.platform_ref)
        target.platform_ref = part.platform_ref


def _part_out(target: Target, part: TargetPart, result: Published) -> None:
    """Stored (its own commit) before the next part is sent: the next one replies to it."""
    part.external_id, part.external_cid = result.external_id[:300], result.cid[:200]
    part.external_url, part.published_at = result.url[:500], timezone.now()
    part.needs_reconcile = False
    TargetPart.objects.filter(pk=part.pk).update(
        external_id=part.external_id,
        external_cid=part.external_cid,
        external_url=part.external_url,
        published_at=part.published_at,
        needs_reconcile=False,
    )
    Target.objects.filter(pk=target.pk).update(needs_reconcile=False)


def _log(target: Target, action: str, detail: str = "") -> None:
    PublicationEvent.objects.create(
        publication_id=target.publication_id,
        action=action,
        detail=f"{target.account.name}: {detail}"[:1000] if detail else target.account.name,
    )


def _published(
    target: Target,
    token: uuid.UUID | str,
    result: Published,
    *,
    problem: PublishError | None = None,
) -> str:
    """Out: the post's id and address (a thread's first post) on the target.

    `problem`: what did not go with it (a first comment), said on the post's page."""
    updated = _mine(target.pk, token).update(
        state=TargetState.PUBLISHED,
        external_id=result.external_id[:200],
        external_url=result.url[:500],
        published_at=timezone.now(),
        needs_reconcile=False,
        lease_token=None,
        last_error=str(problem)[:500] if problem else "",
    )
    if not updated:
        logger.warning("target %s published after its lease was taken over", target.pk)
    else:
        _log(target, "published", result.url)
        if problem:
            _log(target, "attempt failed", str(problem))
        idea_published(target.publication_id)
        notices.published(target.publication, target.account, result.url)
    return TargetState.PUBLISHED


def _in_words(seconds: float) -> str:
    minutes = round(seconds / 60)
    if seconds < 90:
        return f"{round(seconds)} seconds"
    return f"{minutes} minutes" if minutes < 90 else f"{round(minutes / 60)} hours"


def _failed(target: Target, token: uuid.UUID | str, error: PublishError, *, unsure: bool) -> str:
    """`unsure`: an earlier send may be out and this attempt did not get to ask.

    Every failure is written to the post's activity log with its reason and what happens next."""
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
            account_needs_reconnect(target.account, reason)
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


def _log_failure(target: Target, state: str, reason: str, due_at: object, now: datetime) -> None:
    if state in STOPPED_STATES:
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
