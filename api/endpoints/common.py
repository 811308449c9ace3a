"""What every endpoint module shares.

The persona a request is about, objects fetched within the token's workspace, and the shapes of a
page."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import Model
from django.http import Http404
from ninja import Schema
from pydantic import BeforeValidator, Field

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


def _calendar_date(value: Any) -> Any:
    """Only a calendar date (YYYY-MM-DD) is a date here: pydantic would read "0" as 1970."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


CalendarDate = Annotated[date, BeforeValidator(_calendar_date)]
# An object's id (a 64-bit key): anything else is refused before it reaches the database.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Limit = Annotated[int, Field(ge=1, le=MAX_PAGE)]


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
