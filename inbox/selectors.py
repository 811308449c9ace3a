from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from accounts.models import User, Workspace
from inbox.models import InboxItem, InboxStatus, InboxSync
from publishing import selectors as publishing


@dataclass(frozen=True)
class InboxFilters:
    status: str = InboxStatus.OPEN  # open, done, or "" for both
    account_id: int | None = None
    persona_id: int | None = None
    unread: bool = False
    mine: bool = False
    query: str = ""


def inbox_items(workspace: Workspace, user: User, filters: InboxFilters) -> QuerySet[InboxItem]:
    """The workspace's items as filtered, newest first, with what each row shows joined in."""
    items = InboxItem.objects.filter(workspace=workspace).select_related(
        "account", "persona", "assigned_to", "reply"
    )
    if filters.status:
        items = items.filter(status=filters.status)
    if filters.account_id:
        items = items.filter(account_id=filters.account_id)
    if filters.persona_id:
        items = items.filter(persona_id=filters.persona_id)
    if filters.unread:
        items = items.filter(is_read=False)
    if filters.mine:
        items = items.filter(assigned_to=user)
    if filters.query:
        items = items.filter(
            Q(text__icontains=filters.query)
            | Q(author_handle__icontains=filters.query)
            | Q(author_name__icontains=filters.query)
        )
    return items.order_by("-received_at", "-id")


def inbox_counts(workspace: Workspace) -> dict[str, int]:
    return InboxItem.objects.filter(workspace=workspace).aggregate(
        open=Count("id", filter=Q(status=InboxStatus.OPEN)),
        unread=Count("id", filter=Q(status=InboxStatus.OPEN, is_read=False)),
        done=Count("id", filter=Q(status=InboxStatus.DONE)),
    )


def earlier_in_thread(workspace: Workspace, parent_ids: list[str]) -> dict[str, InboxItem]:
    """Items that other items answer (a reply to a reply), by platform id."""
    found = InboxItem.objects.filter(workspace=workspace, platform_id__in=parent_ids)
    return {item.platform_id: item for item in found}


def sync_states(workspace: Workspace) -> list[InboxSync]:
    """Each synced account's state (last sync, last error), for the page's header."""
    return list(
        InboxSync.objects.filter(account__workspace=workspace)
        .select_related("account")
        .order_by("account__name")
    )


def threads_of(workspace: Workspace, items: list[InboxItem]) -> list[dict[str, Any]]:
    """Each item with what it answers and how our answer stands, in three queries in all.

    `ours`: the text of our post it answers; `earlier`: the inbox item it answers (a reply to
    a reply); `reply_state`: our reply's state in words, once we answered."""
    parents = [i.parent_id for i in items if i.parent_id]
    ours = publishing.published_texts(workspace, parents)
    earlier = earlier_in_thread(workspace, parents)
    states = publishing.reply_states([i.reply_id for i in items if i.reply_id])
    return [
        {
            "item": item,
            "ours": ours.get(item.parent_id, ""),
            "earlier": earlier.get(item.parent_id),
            "reply_state": states.get(item.reply_id or 0, ""),
        }
        for item in items
    ]
