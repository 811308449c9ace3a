from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from accounts.models import Membership

SESSION_KEY = "workspace_id"
_UNSET = object()


def current_membership(request: HttpRequest) -> Membership | None:
    """The user's membership in the workspace chosen in the session, else their first one
    (personal workspace first). None for anonymous users or users without any workspace.
    Cached on the request: one query however often it is asked."""
    cached = getattr(request, "_current_membership", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
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
    request._current_membership = membership  # type: ignore[attr-defined]
    return membership


def set_current_workspace(request: HttpRequest, workspace_id: int) -> None:
    request.session[SESSION_KEY] = workspace_id
    request.__dict__.pop("_current_membership", None)


def workspace_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required; sets request.membership and request.workspace for the current workspace."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = current_membership(request)
        if membership is None:
            # Every account gets a personal workspace; one without any left all of them.
            from accounts.services import workspace_create

            workspace_create(user=request.user, name="My workspace", is_personal=True)
            request.__dict__.pop("_current_membership", None)
            membership = current_membership(request)
        request.membership = membership  # type: ignore[attr-defined]
        request.workspace = membership.workspace  # type: ignore[attr-defined, union-attr]
        return view(request, *args, **kwargs)

    return wrapper
