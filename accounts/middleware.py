from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django_htmx.middleware import HtmxDetails

from accounts.models import Membership, User, Workspace

SESSION_KEY = "workspace_id"
_UNSET = object()


class SignedInRequest(HttpRequest):
    """A request behind `login_required`: the user is signed in (annotate views with it)."""

    user: User
    htmx: HtmxDetails  # django_htmx's middleware
    display_zone: str  # personas' DisplayZoneMiddleware


class WorkspaceRequest(SignedInRequest):
    """The request a `workspace_view` receives: a signed-in user, their membership in the
    current workspace, and that workspace (annotate views with it; nothing is constructed)."""

    membership: Membership
    workspace: Workspace


def current_membership(request: HttpRequest) -> Membership | None:
    """The user's membership in the workspace chosen in the session, else their first one
    (personal workspace first). None for anonymous users or users without any workspace.
    Cached on the request: one query however often it is asked."""
    cached = getattr(request, "_current_membership", _UNSET)
    if cached is not _UNSET:
        return cast(Membership | None, cached)
    membership = None
    user = request.user
    if user.is_authenticated:
        memberships = Membership.objects.select_related("workspace").filter(user=user)
        chosen = request.session.get(SESSION_KEY)
        membership = memberships.filter(workspace_id=chosen).first() if chosen else None
        if membership is None:
            membership = memberships.order_by("-workspace__is_personal", "workspace__name").first()
            if membership is not None:
                request.session[SESSION_KEY] = membership.workspace_id
    setattr(request, "_current_membership", membership)  # noqa: B010 (a private cache)
    return membership


def set_current_workspace(request: HttpRequest, workspace_id: int) -> None:
    request.session[SESSION_KEY] = workspace_id
    request.__dict__.pop("_current_membership", None)


def workspace_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Login required; sets request.membership and request.workspace for the current workspace."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        membership = current_membership(request)
        if membership is None:
            # Every account gets a personal workspace; one without any left all of them.
            from accounts.services import workspace_create

            user = cast(User, request.user)  # login_required let it through
            workspace_create(user=user, name="My workspace", is_personal=True)
            request.__dict__.pop("_current_membership", None)
            membership = current_membership(request)
        assert membership is not None  # just made
        typed = cast(WorkspaceRequest, request)
        typed.membership, typed.workspace = membership, membership.workspace
        return view(typed, *args, **kwargs)

    return wrapper
