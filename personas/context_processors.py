from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.middleware import current_membership
from personas.selectors import active_personas, current_persona


def persona(request: HttpRequest) -> dict[str, Any]:
    """The persona switcher's data for the layout."""
    membership = current_membership(request) if request.user.is_authenticated else None
    if membership is None:
        return {}
    return {
        "current_persona": current_persona(request, membership.workspace),
        "workspace_personas": active_personas(request, membership.workspace),
    }
