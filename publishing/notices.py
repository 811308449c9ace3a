"""Who is told what about posts and accounts (publishing chooses; notifications delivers)."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import Role, User
from accounts.selectors import members_with_roles
from notifications.events import event_emit
from notifications.models import EventType, Kind
from notifications.services import notify
from publishing.models import Account, Publication

APPROVERS = (Role.OWNER, Role.ADMIN)


def _post_url(publication: Publication) -> str:
    return reverse("publication_detail", args=[publication.pk])


def _snippet(publication: Publication) -> str:
    text = " ".join(publication.text.split())
    return f"“{text[:120]}{'…' if len(text) > 120 else ''}”"


def _publication_data(
    publication: Publication, account: Account | None = None
) -> dict[str, object]:
    data: dict[str, object] = {
        "publication": publication.pk,
        "persona": publication.persona_id,
        "text": publication.text,
        "scheduled_at": publication.scheduled_at.isoformat(),
    }
    if account is not None:
        data["account"] = {"id": account.pk, "name": account.name, "platform": account.platform}
    return data


def published(publication: Publication, account: Account, url: str) -> None:
    """A post went out on an account: the workspace's systems are told (no person is)."""
    event_emit(
        publication.persona.workspace_id,
        EventType.PUBLISHED,
        {**_publication_data(publication, account), "url": url},
    )


def approval_requested(publication: Publication, author: User | None) -> None:
    event_emit(
        publication.persona.workspace_id,
        EventType.APPROVAL_REQUESTED,
        {**_publication_data(publication), "author": author.email if author else None},
    )
    notify(
        workspace=publication.persona.workspace_id,
        users=[
            u
            for u in members_with_roles(publication.persona.workspace_id, APPROVERS)
            if u != author
        ],
        kind=Kind.APPROVAL_REQUESTED,
        title=f"A post for {publication.persona.name} waits for your approval",
        body=f"{author.get_short_name() if author else 'Someone'} wrote {_snippet(publication)}",
        url=_post_url(publication),
    )


def reviewed(publication: Publication, reviewer: User | None, *, approved: bool) -> None:
    author = publication.created_by
    if author is None or author == reviewer:
        return
    who = reviewer.get_short_name() if reviewer else "An approver"
    notify(
        workspace=publication.persona.workspace_id,
        users=[author],
        kind=Kind.APPROVED if approved else Kind.SENT_BACK,
        title="Your post was approved: it is scheduled" if approved else "Your post was sent back",
        body=_snippet(publication)
        if approved
        else f"{who}: “{publication.review_comment}” — {_snippet(publication)}",
        url=_post_url(publication),
    )


def post_went_wrong(publication: Publication, account: Account, *, state: str, reason: str) -> None:
    """A post failed (a dead letter) or cannot be confirmed: its author and the owners."""
    failed = state == "dead"
    event_emit(
        publication.persona.workspace_id,
        EventType.FAILED if failed else EventType.UNCONFIRMED,
        {**_publication_data(publication, account), "reason": reason[:500]},
    )
    users = [
        publication.created_by,
        *members_with_roles(publication.persona.workspace_id, (Role.OWNER,)),
    ]
    notify(
        workspace=publication.persona.workspace_id,
        users=[u for u in users if u is not None],
        kind=Kind.POST_FAILED if failed else Kind.POST_UNCONFIRMED,
        title=(
            f"A post to {account.name} failed"
            if failed
            else f"Check whether a post is on {account.name}"
        ),
        body=f"{reason[:400]} {_snippet(publication)}",
        url=_post_url(publication),
        key=f"target:{state}:{publication.pk}:{account.pk}",
    )


def account_needs_reconnecting(account: Account, reason: str) -> None:
    event_emit(
        account.workspace_id,
        EventType.ACCOUNT_RECONNECT,
        {
            "account": {"id": account.pk, "name": account.name, "platform": account.platform},
            "reason": reason[:500],
        },
    )
    notify(
        workspace=account.workspace_id,
        users=members_with_roles(account.workspace_id, APPROVERS),
        kind=Kind.ACCOUNT_RECONNECT,
        title=f"{account.name} needs reconnecting",
        body=f"{reason[:400]} Its scheduled posts wait until it is connected again.",
        url=reverse("publishing_accounts"),
        key=f"reconnect:{account.pk}:{account.updated_at:%Y%m%d%H%M}",
    )


def evergreen_held(publication: Publication, title: str, body: str, url: str, key: str) -> None:
    """An evergreen post could not be re-shared (in full): its author and the owners."""
    users = [
        publication.created_by,
        *members_with_roles(publication.persona.workspace_id, (Role.OWNER,)),
    ]
    notify(
        workspace=publication.persona.workspace_id,
        users=[u for u in users if u is not None],
        kind=Kind.EVERGREEN,
        title=f"{title} {_snippet(publication)}",
        body=body,
        url=url,
        key=f"evergreen:{publication.pk}:{key}",
    )
