"""The one permission helper: what each workspace role may do. Views and services ask here."""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied

from accounts.models import Role

ROLE_RANK: dict[str, int] = {Role.VIEWER: 0, Role.EDITOR: 1, Role.ADMIN: 2, Role.OWNER: 3}


class Action(StrEnum):
    VIEW = "view"  # read anything in the workspace
    EDIT = "edit"  # create and change content (personas, posts, drafts, schedules)
    APPROVE = "approve"  # approve or send back posts, where posts need approval
    CONFIGURE = "configure"  # the workspace's models and other settings
    MANAGE_MEMBERS = "manage_members"  # invite, remove, change roles below owner
    MANAGE_WORKSPACE = "manage_workspace"  # rename, grant owner, delete


_MINIMUM_ROLE: dict[Action, str] = {
    Action.VIEW: Role.VIEWER,
    Action.EDIT: Role.EDITOR,
    Action.APPROVE: Role.ADMIN,
    Action.CONFIGURE: Role.ADMIN,
    Action.MANAGE_MEMBERS: Role.ADMIN,
    Action.MANAGE_WORKSPACE: Role.OWNER,
}


def role_allows(role: str | None, action: Action) -> bool:
    if role is None:
        return False
    return ROLE_RANK[role] >= ROLE_RANK[_MINIMUM_ROLE[action]]


def roles_allowing(action: Action) -> list[str]:
    return [role for role in ROLE_RANK if role_allows(role, action)]


def require(role: str | None, action: Action) -> None:
    if not role_allows(role, action):
        raise PermissionDenied(f"Your role does not allow this ({action.value.replace('_', ' ')}).")


def can_assign(actor_role: str, target_role: str) -> bool:
    """Admins manage editors, viewers and other admins; only owners create or change owners."""
    if actor_role == Role.OWNER:
        return True
    return role_allows(actor_role, Action.MANAGE_MEMBERS) and target_role != Role.OWNER
