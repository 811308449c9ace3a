"""Which time zone a page shows its times in.

The current persona's (the one in the switcher) on pages about a persona; the viewer's own zone on
workspace-wide pages (views marked `core.zones.viewer_zone`) and when the workspace has no persona
yet. A view about a persona other than the current one (a post, a publication, the calendar filtered
to one persona) calls `show_times_for(request, persona)`. Templates then render every time through
the `when` filter, which names the zone."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone

from accounts.middleware import (
    SESSION_KEY,
    WorkspaceRequest,
    current_membership,
    viewer_cache_keys,
    workspace_view,
)
from core.cache import end_read_ahead, read_ahead
from notifications.services import unread_key
from personas.models import Persona
from personas.selectors import active_personas_key, chosen_persona_id, current_persona

# The cache entries a page reads about a persona, named from its id (`reads=` below).
PersonaKeys = Callable[[int], list[str]]


class PersonaRequest(WorkspaceRequest):
    """The request a `persona_view` receives: a workspace request with the current persona."""

    persona: Persona


def persona_view(
    *, missing: str = "", reads: PersonaKeys | None = None
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """A `workspace_view` about the current persona (the switcher's), as `request.persona`.

    Without one, the creator is sent to make one, told `missing` when given. `reads` names the
    cache entries the page reads about the persona: they are read ahead with the viewer's own
    (`reads_ahead`)."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @workspace_view
        @wraps(view)
        def wrapper(request: WorkspaceRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            persona = current_persona(request, request.workspace)
            if persona is None:
                if missing:
                    messages.info(request, missing)
                return redirect("persona_create")
            if reads is not None:
                read_ahead(reads(persona.pk))  # nothing to do when the middleware read them
            typed = cast(PersonaRequest, request)
            typed.persona = persona
            return view(typed, *args, **kwargs)

        return reads_ahead(reads)(wrapper) if reads is not None else wrapper

    return decorate


def reads_ahead(keys_of: PersonaKeys) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The page reads these cache entries about the current persona.

    The zone middleware reads them in the round trip that reads who the viewer is, for the
    persona the session chose (there is one once the creator has switched or made one); the
    view still asks `read_ahead(keys_of(persona.pk))`, which costs nothing when they were read
    and one round trip when they were not (another persona, none chosen yet)."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        setattr(view, "persona_cache_keys", keys_of)  # noqa: B010 (read by the middleware)
        return view

    return mark


def show_times_for(request: HttpRequest, persona: Persona) -> None:
    """This page is about `persona`: its times are in that persona's zone."""
    timezone.activate(persona.timezone)
    setattr(request, "display_zone", persona.timezone)  # noqa: B010 (read by templates)


def _read_viewer_ahead(request: HttpRequest, view: Callable[..., Any]) -> None:
    """Who the signed-in viewer is, in one round trip to the cache (`core.cache.read_ahead`).

    Their user, memberships and bell count, the chosen workspace's personas, and what the page
    reads about the chosen persona (`reads_ahead`): what every page reads first, each otherwise
    its own round trip."""
    viewer = viewer_cache_keys(request)
    if viewer is None:
        return
    user_id, keys = viewer
    keys.append(unread_key(user_id))
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        keys.append(active_personas_key(int(chosen)))
        keys_of: PersonaKeys | None = getattr(view, "persona_cache_keys", None)
        persona_id = chosen_persona_id(request, int(chosen))
        if keys_of is not None and persona_id is not None:
            keys += keys_of(persona_id)
    read_ahead(keys)


class DisplayZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()  # never leak a zone into the next request on this thread
            end_read_ahead()

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        _read_viewer_ahead(request, view)
        user = request.user
        if not user.is_authenticated:
            return
        zone = getattr(user, "timezone", "") or "UTC"
        membership = None if getattr(view, "viewer_zone", False) else current_membership(request)
        persona = current_persona(request, membership.workspace) if membership else None
        if persona is not None:
            zone = persona.timezone
        timezone.activate(zone)
        setattr(request, "display_zone", zone)  # noqa: B010 (read by templates)
