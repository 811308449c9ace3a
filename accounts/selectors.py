"""Reads that respect tenancy. Views get every owned object through `get_object_for`."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.http import Http404

from accounts.models import Invitation, Membership, User, Workspace
from accounts.permissions import Action, require

M = TypeVar("M", bound=Model)


def _workspace_ref(model: type[Model]) -> str:
    path = getattr(model, "workspace_path", None)
    if path is None:
        raise TypeError(f"{model.__name__} must declare workspace_path to be looked up for a user")
    return str(path)


def member_role(workspace_ref: str, user_ref: str) -> Subquery:
    """An annotation: the role of the row's user in the row's workspace.

    NULL when the user (`user_ref`) is not a member of the workspace (`workspace_ref`); read with
    the row, no second query."""
    role = Membership.objects.filter(workspace=OuterRef(workspace_ref), user=OuterRef(user_ref))
    return Subquery(role.values("role")[:1])


def with_role_for(user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """Keep only rows in the user's workspaces, each with the user's role there.

    Annotate each row with the user's role in its workspace (`user_role`) and keep only rows
    in workspaces the user belongs to."""
    path = _workspace_ref(queryset.model)
    role = Membership.objects.filter(workspace=OuterRef(path), user=user).values("role")[:1]
    annotated: QuerySet[M] = queryset.annotate(user_role=Subquery(role))
    return annotated.filter(user_role__isnull=False)


def get_object_for(
    user: User,
    model: type[M],
    pk: int,
    *,
    action: Action = Action.VIEW,
    queryset: QuerySet[M] | None = None,
) -> M:
    """The object with this id, if the user's workspace and role allow `action`.

    The object with this id if it lives in one of the user's workspaces (else 404), and the
    user's role there allows `action` (else 403)."""
    if not user.is_authenticated:
        raise Http404
    base = queryset if queryset is not None else model._default_manager.all()
    obj: M | None = with_role_for(user, base.filter(pk=pk)).first()
    if obj is None:
        raise Http404(f"No {model._meta.verbose_name} here.")
    require(str(getattr(obj, "user_role")), action)  # noqa: B009 (annotated, not a field)
    return obj


def get_object_in(
    workspace: Workspace,
    user: User,
    model: type[M],
    pk: int,
    *,
    action: Action = Action.VIEW,
    queryset: QuerySet[M] | None = None,
) -> M:
    """`get_object_for` within one workspace (an API token's): elsewhere it is a 404."""
    base = queryset if queryset is not None else model._default_manager.all()
    ref = _workspace_ref(model)
    return get_object_for(user, model, pk, action=action, queryset=base.filter(**{ref: workspace}))


def members_of(workspace: Workspace) -> QuerySet[Membership]:
    return workspace.memberships.select_related("user").order_by("user__email")


def pending_invitations(workspace: Workspace) -> QuerySet[Invitation]:
    return workspace.invitations.filter(accepted_at=None, revoked_at=None).order_by("-created_at")


def invitation_by_token(token: str) -> Invitation:
    invitation = Invitation.objects.select_related("workspace").filter(token=token).first()
    if invitation is None:
        raise Http404("This invitation link is not valid.")
    return invitation


def user_by_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=email).first()


def personal_workspace(user: User) -> Workspace:
    return Workspace.objects.get(memberships__user=user, is_personal=True)


def role_in(user: User | None, workspace: Workspace) -> str | None:
    """The user's role in the workspace now (None: not a member, or no user)."""
    if user is None:
        return None
    return (
        Membership.objects.filter(workspace=workspace, user=user)
        .values_list("role", flat=True)
        .first()
    )


def members_with_roles(workspace: Workspace | int, roles: tuple[str, ...]) -> list[User]:
    """The workspace's members holding one of `roles` (e.g. who approves, who is told)."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    return list(
        User.objects.filter(
            memberships__workspace_id=workspace_id, memberships__role__in=roles, is_active=True
        ).order_by("email")
    )
