from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.middleware import current_membership, current_memberships
from accounts.models import Membership, Workspace
from accounts.permissions import Action, role_allows


def workspace(request: HttpRequest) -> dict[str, Any]:
    """Layout data: the current workspace, the switcher's choices and the viewer's rights.

    The request's memberships: no query of their own."""
    if not request.user.is_authenticated:
        return {}
    membership = current_membership(request)
    role = membership.role if membership else None
    return {
        "current_membership": membership,
        "current_workspace": membership.workspace if membership else None,
        "user_workspaces": _with_roles(current_memberships(request)),
        # What the viewer may do in the current workspace: can_edit, can_approve … (a view
        # about an object of another workspace passes its own, which wins).
        **{f"can_{action.value}": role_allows(role, action) for action in Action},
    }


def _with_roles(memberships: list[Membership]) -> list[Workspace]:
    """The member's workspaces, each carrying the member's role as `user_role`."""
    workspaces = []
    for each in memberships:
        each.workspace.user_role = each.role
        workspaces.append(each.workspace)
    return workspaces
