from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.middleware import current_membership
from accounts.permissions import Action, role_allows
from accounts.selectors import workspaces_for


def workspace(request: HttpRequest) -> dict[str, Any]:
    """Layout data: the current workspace, the switcher's choices (evaluated lazily by the
    template, so pages that do not render the layout pay nothing) and the viewer's rights."""
    if not request.user.is_authenticated:
        return {}
    membership = current_membership(request)
    role = membership.role if membership else None
    return {
        "current_membership": membership,
        "current_workspace": membership.workspace if membership else None,
        "user_workspaces": workspaces_for(request.user),
        # What the viewer may do in the current workspace: can_edit, can_approve … (a view
        # about an object of another workspace passes its own, which wins).
        **{f"can_{action.value}": role_allows(role, action) for action in Action},
    }
