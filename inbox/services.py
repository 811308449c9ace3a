"""The inbox: mentions and replies synced per account, and what the team does with them.

A beat task hands each connected account whose sync is due to a worker; the sync reads what
is new since its stored cursor (publishing's platform clients), keeps each item once (by
platform id), tells the team, and moves the cursor. A failure backs off (longer each time, or
as long as the platform asked) and is shown on the page in words; one unreadable item is
skipped, never the sync."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User, Workspace
from accounts.permissions import Action, require
from accounts.selectors import members_with_roles
from core.jobs import send
from inbox.models import InboxItem, InboxStatus, InboxSync
from notifications.models import Kind
from notifications.services import notify
from personas.models import Persona
from publishing import selectors as publishing
from publishing import services as publishing_services
from publishing.models import Publication
from publishing.services import PublishError

INBOX_PLATFORMS = publishing_services.INBOX_PLATFORMS
SYNC_ACCOUNT = "inbox.tasks.sync_account"
CLAIM = timedelta(minutes=5)  # a claimed sync not finished by then is handed out again
MAX_BACKOFF = timedelta(hours=1)
ANSWERERS = (Role.OWNER, Role.ADMIN, Role.EDITOR)  # who is told of new mentions


def inbox_sync_due() -> int:
    """Beat: every connected account whose sync is due, claimed and sent to a worker."""
    ids = publishing.inbox_account_ids(INBOX_PLATFORMS)
    known = set(InboxSync.objects.filter(account_id__in=ids).values_list("account_id", flat=True))
    InboxSync.objects.bulk_create(
        [InboxSync(account_id=i) for i in ids if i not in known], ignore_conflicts=True
    )
    now = timezone.now()
    due = list(
        InboxSync.objects.filter(account_id__in=ids, next_at__lte=now).values_list(
            "account_id", flat=True
        )[:500]
    )
    sent = 0
    for account_id in due:
        # The claim: only the beat that moves next_at sends the job.
        if InboxSync.objects.filter(account_id=account_id, next_at__lte=now).update(
            next_at=now + CLAIM
        ):
            send(SYNC_ACCOUNT, account_id)
            sent += 1
    return sent


def _backoff(sync: InboxSync, error: PublishError) -> timedelta:
    wait = min(timedelta(minutes=2 ** min(sync.failures, 10)), MAX_BACKOFF)
    if error.retry_after:
        wait = max(wait, timedelta(seconds=error.retry_after))
    return wait


def inbox_sync(*, account_id: int) -> int:
    """One account's new mentions and replies; how many were new."""
    account = publishing.account_for_sync(account_id)
    if account is None:
        return 0
    sync, _ = InboxSync.objects.get_or_create(account=account)
    now = timezone.now()
    try:
        page = publishing_services.account_mentions(account, sync.cursor)
    except PublishError as error:
        sync.failures += 1
        sync.last_error = str(error)[:300]
        sync.next_at = now + _backoff(sync, error)
        sync.save(update_fields=["failures", "last_error", "next_at"])
        return 0
    personas = publishing.personas_of_posts(account, [m.parent_id for m in page.mentions])
    rows = [
        InboxItem(
            workspace_id=account.workspace_id,
            account=account,
            persona_id=personas.get(mention.parent_id),
            platform_id=mention.platform_id[:300],
            kind=mention.kind,
            author_handle=mention.author_handle[:200],
            author_name=mention.author_name[:200],
            text=mention.text[:5000],
            url=mention.url[:500],
            parent_id=mention.parent_id[:300],
            extra=mention.extra,
            received_at=mention.created_at,
        )
        for mention in page.mentions
    ]
    with transaction.atomic():
        before = InboxItem.objects.filter(
            account=account, platform_id__in=[r.platform_id for r in rows]
        ).count()
        InboxItem.objects.bulk_create(rows, ignore_conflicts=True)
        new = len({r.platform_id for r in rows}) - before
        InboxSync.objects.filter(pk=sync.pk).update(
            cursor=page.cursor[:300] or sync.cursor,
            failures=0,
            last_error="",
            last_synced_at=now,
            next_at=now + timedelta(seconds=settings.INBOX_SYNC_SECONDS),
        )
    if new > 0:
        notify(
            workspace=account.workspace_id,
            users=members_with_roles(account.workspace_id, ANSWERERS),
            kind=Kind.INBOX,
            title=f"{new} new mention{'s' if new != 1 else ''} and replies on {account.name}",
            body=" · ".join(f"{r.author_handle}: {r.text[:80]}" for r in rows[-3:]),
            url=reverse("inbox"),
        )
    return new


# What each bulk action is called on its button, and what is said once it is done.
ACTIONS = {
    "done": ("Mark done", "marked done"),
    "read": ("Mark read", "marked read"),
    "unread": ("Mark unread", "marked unread"),
    "reopen": ("Reopen", "reopened"),
    "assign": ("Assign to", "assigned"),
}


@transaction.atomic
def inbox_items_update(
    *,
    workspace: Workspace,
    role: str,
    item_ids: list[int],
    action: str,
    assignee: User | None = None,
) -> int:
    """Mark read/unread/done, reopen or assign the chosen items of this workspace."""
    require(role, Action.EDIT)
    if action not in ACTIONS:
        raise ValidationError("Choose what to do with them.")
    if not item_ids:
        raise ValidationError("Tick at least one item first.")
    items = InboxItem.objects.filter(workspace=workspace, pk__in=item_ids)
    options: dict[str, dict[str, Any]] = {
        "read": {"is_read": True},
        "unread": {"is_read": False},
        "done": {"status": InboxStatus.DONE, "is_read": True},
        "reopen": {"status": InboxStatus.OPEN},
        "assign": {"assigned_to": assignee},
    }
    changes = options[action]
    return items.update(**changes, updated_at=timezone.now())


@transaction.atomic
def inbox_reply(
    *, item: InboxItem, persona: Persona, role: str, user: User | None, text: str
) -> Publication:
    """Answer the item from the account it came to, now, through the publishing engine.

    Sent exactly once like every post (the engine's keys and reconciles), as a reply to the
    item (Mastodon's in_reply_to_id, Bluesky's reply refs to the parent and its thread's root).
    The same words twice to the same item are refused (a double press)."""
    require(role, Action.EDIT)
    if persona.workspace_id != item.workspace_id:
        raise ValidationError("That persona belongs to another workspace.")
    locked = InboxItem.objects.select_for_update().get(pk=item.pk)
    if locked.reply_id and publishing.publication_text(locked.reply_id) == " ".join(text.split()):
        raise ValidationError("That reply is already on its way.")
    publication = publishing_services.publication_schedule(
        persona=persona,
        role=role,
        user=user,
        text=text,
        scheduled_at=timezone.now(),
        accounts=[item.account],
        reply_to={
            "id": item.platform_id,
            "cid": str(item.extra.get("cid", "")),
            "root_id": str(item.extra.get("root_uri", "")),
            "root_cid": str(item.extra.get("root_cid", "")),
        },
    )
    InboxItem.objects.filter(pk=item.pk).update(
        reply=publication, status=InboxStatus.DONE, is_read=True, updated_at=timezone.now()
    )
    return publication
