"""Posts to publish (publications), the queue and the next free slots."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from accounts.permissions import Action
from api.endpoints.common import Id, Limit, PageOut, limited, owned, persona_of
from api.http import BodySchema, after_cursor, caller_of, json_answer, keyset_cursor
from api.models import Scope
from api.tokens import Caller
from calendar_app.selectors import next_free_slot, next_up, slot_times
from publishing import services as publishing
from publishing.media import fetch_image
from publishing.models import RETRYABLE_STATES, Account, Publication, TargetState
from publishing.selectors import (
    accounts_of,
    publication_page,
    publication_row,
    scheduled_times,
)

router = Router()


class AccountOut(Schema):
    id: int
    name: str
    platform: str
    status: str  # connected, reconnect (needs reconnecting), disconnected
    health: str  # in words, as the accounts page says it
    paused: bool


@router.get("/accounts", response=list[AccountOut], tags=["publishing"])
def list_accounts(request: HttpRequest) -> Any:
    """The workspace's connected accounts (the ids a post is scheduled to)."""
    return account_rows(caller_of(request, Scope.READ))


def account_rows(caller: Caller) -> list[dict[str, Any]]:
    return [
        {
            "id": a.pk,
            "name": a.name,
            "platform": a.platform,
            "status": a.status,
            "health": a.health,
            "paused": a.paused_at is not None,
        }
        for a in accounts_of(caller.workspace)
    ]


class TargetOut(Schema):
    account: int
    account_name: str
    platform: str
    state: str  # scheduled, published, retry, unknown, unconfirmed, dead, cancelled …
    state_label: str
    due_at: datetime
    published_at: datetime | None
    url: str
    last_error: str


class PublicationOut(Schema):
    id: int
    persona: int
    text: str
    scheduled_at: datetime
    approval: str
    first_comment: str
    targets: list[TargetOut]


def _publication(row: dict[str, Any]) -> dict[str, Any]:
    """A post as the API shows it, from a `publication_page` / `publication_row` row."""
    return {
        "id": row["id"],
        "persona": row["persona_id"],
        "text": row["text"],
        "scheduled_at": row["scheduled_at"],
        "approval": row["approval"],
        "first_comment": row["first_comment"],
        "targets": [{**t, "state_label": TargetState(t["state"]).label} for t in row["targets"]],
    }


@router.get("/publications", response=PageOut[PublicationOut], tags=["publishing"])
def list_publications(
    request: HttpRequest,
    persona: Id | None = None,
    cursor: str | None = None,
    limit: Limit | None = None,
) -> Any:
    """Posts scheduled and sent, the latest first, with each account's state."""
    caller = caller_of(request, Scope.READ)
    found = persona_of(caller, persona) if persona is not None else None
    size = limited(limit)
    rows = publication_page(
        caller.workspace, persona=found, after=after_cursor(cursor), limit=size + 1
    )
    more, rows = len(rows) > size, rows[:size]
    items = [_publication(row) for row in rows]
    next_cursor = keyset_cursor(rows[-1]["scheduled_at"], rows[-1]["id"]) if more else None
    return json_answer({"items": items, "next_cursor": next_cursor})


@router.get("/publications/{publication_id}", response=PublicationOut, tags=["publishing"])
def get_publication(request: HttpRequest, publication_id: Id) -> Any:
    """One post with each account's state."""
    found = owned(caller_of(request, Scope.READ), Publication, publication_id)
    return _publication(publication_row(found.pk))


class ImageIn(BodySchema):
    url: str = Field(pattern=r"^https?://", max_length=1000)  # fetched through our egress path
    alt: str = Field("", max_length=1500)  # what it shows, for people who cannot see it
    part: int = Field(0, ge=0, le=24)  # which part of a thread it goes with


class PublicationIn(BodySchema):
    persona: Id | None = None
    # Parts of a thread are separated by a line holding only "---".
    text: str = Field(pattern=r"\S", max_length=25_000)
    accounts: list[Id] = Field(min_length=1)
    at: datetime | None = None  # with an offset; or `next_free_slot`, or now
    next_free_slot: bool = False
    versions: dict[str, str] = {}  # account id → that account's own text
    first_comment: str = ""
    comments: dict[str, str | None] = {}  # account id → its own first comment (null: none)
    number_parts: bool = False  # number a thread's parts (1/3, 2/3 …)
    images: list[ImageIn] = Field([], max_length=10)


@router.post("/publications", response={201: PublicationOut}, tags=["publishing"])
def create_publication(request: HttpRequest, body: PublicationIn) -> Any:
    """Schedule a post to one or more accounts.

    Schedule a post to one or more accounts, checked against every account's platform rules
    as the composer checks it (each problem said in words). Where posts need approval, an
    editor's post waits for an approver."""
    return Status(201, schedule(caller_of(request, Scope.PUBLISH), body))


def schedule(caller: Caller, body: PublicationIn) -> dict[str, Any]:
    """The scheduling behind `POST /publications` and the MCP tool `schedule_post`."""
    found = persona_of(caller, body.persona)
    accounts = [owned(caller, Account, pk) for pk in dict.fromkeys(body.accounts)]
    if body.next_free_slot:
        at = next_free_slot(found)
        if at is None:
            raise ValidationError("No free slot in the persona's posting schedule; send `at`.")
    elif body.at is not None:
        if timezone.is_naive(body.at):
            raise ValidationError("`at` needs its offset (e.g. 2026-12-08T09:00:00+01:00).")
        if body.at < timezone.now() - timedelta(minutes=1):
            raise ValidationError("That time has passed; pick a time from now on.")
        at = body.at
    else:
        at = timezone.now()
    images = []
    for image in body.images:
        try:
            images.append(fetch_image(image.url))
        except ValueError as error:
            raise ValidationError(str(error)) from None
    ids = {str(a.pk) for a in accounts}
    publication = publishing.publication_schedule(
        persona=found,
        role=caller.role,
        user=caller.user,
        text=body.text,
        scheduled_at=at,
        accounts=accounts,
        versions={int(k): v for k, v in body.versions.items() if k in ids},
        first_comment=body.first_comment,
        comments={int(k): v for k, v in body.comments.items() if k in ids},
        number_parts=body.number_parts,
        images=images,
        alt_texts=[image.alt for image in body.images],
        image_parts=[image.part for image in body.images],
    )
    return _publication(publication_row(publication.pk))


class Changed(Schema):
    publication: PublicationOut
    changed: int  # how many accounts it changed for


@router.post("/publications/{publication_id}/cancel", response=Changed, tags=["publishing"])
def cancel_publication(request: HttpRequest, publication_id: Id) -> Any:
    """Cancel what is not yet sent (refused while a send is under way)."""
    caller = caller_of(request, Scope.PUBLISH)
    found = owned(caller, Publication, publication_id, Action.EDIT)
    changed = publishing.publication_cancel(publication=found, role=caller.role, user=caller.user)
    return {"publication": _publication(publication_row(found.pk)), "changed": changed}


@router.post("/publications/{publication_id}/retry", response=Changed, tags=["publishing"])
def retry_publication(request: HttpRequest, publication_id: Id) -> Any:
    """Send the failed or unconfirmed accounts again at the next sweep.

    The platform never shows a post twice: the same idempotency key goes with it."""
    caller = caller_of(request, Scope.PUBLISH)
    found = owned(caller, Publication, publication_id, Action.EDIT)
    retryable = list(found.targets.filter(state__in=RETRYABLE_STATES))
    if not retryable:
        raise ValidationError("Nothing to retry: no account of this post failed.")
    for target in retryable:
        publishing.target_retry_now(target=target, role=caller.role, user=caller.user)
    return {"publication": _publication(publication_row(found.pk)), "changed": len(retryable)}


class QueueRowOut(Schema):
    at: datetime
    kind: Literal["post", "free_slot"]
    publication: int | None
    text: str | None


@router.get("/queue", response=list[QueueRowOut], tags=["publishing"])
def queue(
    request: HttpRequest,
    persona: Id | None = None,
    account: Id | None = None,
    days: Annotated[int, Field(ge=1, le=60)] = 14,
) -> Any:
    """Next up: the persona's coming posts in time order, with the empty slots between them."""
    caller = caller_of(request, Scope.READ)
    found = persona_of(caller, persona)
    if account is not None:
        owned(caller, Account, account)
    rows = next_up(found, account_id=account, days=days)
    return [
        {
            "at": row.at,
            "kind": "post" if row.publication else "free_slot",
            "publication": row.publication.pk if row.publication else None,
            "text": row.publication.text if row.publication else None,
        }
        for row in rows
    ]


@router.get("/slots/free", response=list[datetime], tags=["publishing"])
def free_slots(
    request: HttpRequest, persona: Id | None = None, count: Annotated[int, Field(ge=1, le=50)] = 5
) -> Any:
    """The next free times of the persona's posting schedule (in its zone, with the offset)."""
    return free_times(caller_of(request, Scope.READ), persona, count)


def free_times(caller: Caller, persona: int | None, count: int) -> list[datetime]:
    found = persona_of(caller, persona)
    now = timezone.now()
    times = slot_times(found, now)
    taken = scheduled_times(found, now, times[-1]) if times else set()
    return [t for t in times if t not in taken][:count]
