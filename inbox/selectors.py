from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from accounts.models import User, Workspace
from inbox.models import InboxItem, InboxStatus, InboxSync


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
