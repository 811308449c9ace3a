"""Which time zone a page shows its times in: the current persona's (the one in the switcher)
on pages about a persona; the viewer's own zone on workspace-wide pages (views marked
`core.zones.viewer_zone`) and when the workspace has no persona yet. A view about a persona
other than the current one (a post, a publication, the calendar filtered to one persona) calls
`show_times_for(request, persona)`. Templates then render every time through the `when`
filter, which names the zone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.middleware import current_membership
from personas.models import Persona
from personas.selectors import current_persona


def show_times_for(request: HttpRequest, persona: Persona) -> None:
    """This page is about `persona`: its times are in that persona's zone."""
    timezone.activate(persona.timezone)
    request.display_zone = persona.timezone  # type: ignore[attr-defined]


class DisplayZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()  # never leak a zone into the next request on this thread

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        user = request.user
        if not user.is_authenticated:
            return
        zone = getattr(user, "timezone", "") or "UTC"
        membership = None if getattr(view, "viewer_zone", False) else current_membership(request)
        persona = current_persona(request, membership.workspace) if membership else None
        if persona is not None:
            zone = persona.timezone
        timezone.activate(zone)
        request.display_zone = zone  # type: ignore[attr-defined]
