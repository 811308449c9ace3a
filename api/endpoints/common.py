"""What every endpoint module shares.

The persona a request is about, objects fetched within the token's workspace, and the shapes of a
page."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.db.models import Model
from django.http import Http404
from ninja import Schema

from accounts.permissions import Action
from accounts.selectors import get_object_in
from api.tokens import Caller
from personas.models import Persona
from personas.selectors import personas_of

M = TypeVar("M", bound=Model)
T = TypeVar("T")

PAGE_SIZE = 50
MAX_PAGE = 200


class PageOut(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None  # pass as `cursor` for the next page; null on the last


def owned(caller: Caller, model: type[M], pk: int, action: Action = Action.VIEW) -> M:
    """An object of the token's workspace (404 elsewhere), the caller's role allowing `action`."""
    return get_object_in(caller.workspace, caller.user, model, pk, action=action)


def persona_of(caller: Caller, persona_id: int | None) -> Persona:
    """The persona asked for, or the workspace's first active one (by name) when none is."""
    if persona_id is not None:
        return owned(caller, Persona, persona_id)
    first = personas_of(caller.workspace).first()
    if first is None:
        raise Http404("This workspace has no persona yet.")
    return first


def limited(limit: int | None) -> int:
    return max(1, min(limit or PAGE_SIZE, MAX_PAGE))


def iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None
