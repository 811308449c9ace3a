from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.middleware import current_membership
from accounts.selectors import workspaces_for


def workspace(request: HttpRequest) -> dict[str, Any]:
    """Layout data: the current workspace and the switcher's choices (evaluated lazily by the
    template, so pages that do not render the layout pay nothing)."""
    if not request.user.is_authenticated:
        return {}
    membership = current_membership(request)
    return {
        "current_membership": membership,
        "current_workspace": membership.workspace if membership else None,
        "user_workspaces": workspaces_for(request.user),
    }
