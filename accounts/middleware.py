from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import auth
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django_htmx.middleware import HtmxDetails

from accounts.backends import BACKEND, user_key
from accounts.models import Membership, User, Workspace
from core.cache import remembered

SESSION_KEY = "workspace_id"
# How long a user's memberships stay cached at most. Every change to a membership or workspace
# clears them (accounts.apps); this bounds a change made while Redis was unreachable.
MEMBERSHIPS_CACHED_SECONDS = 30


def memberships_key(user_id: int) -> str:
    return f"accounts:memberships:{user_id}"


class SignedInRequest(HttpRequest):
    """A request behind `login_required`: the user is signed in (annotate views with it)."""

    user: User
    htmx: HtmxDetails  # django_htmx's middleware
    display_zone: str  # personas' DisplayZoneMiddleware


class WorkspaceRequest(SignedInRequest):
    """The request a `workspace_view` receives.

    A signed-in user, their membership in the current workspace, and that workspace (annotate views
    with it; nothing is constructed)."""

    membership: Membership
    workspace: Workspace


def current_memberships(request: HttpRequest) -> list[Membership]:
    """Every membership of the signed-in user with its workspace (personal first, then by name).

    Read once per request, shared by the current workspace and the switcher, from the cache
    (every page needs them: a query there costs a page more CPU than the cache read)."""
    cached = getattr(request, "_memberships", None)
    if cached is None:
        user = request.user
        cached = _memberships_of(user.pk) if user.is_authenticated else []
        setattr(request, "_memberships", cached)  # noqa: B010 (a private cache)
    return cast(list[Membership], cached)


def _memberships_of(user_id: int) -> list[Membership]:
    def read() -> list[Membership]:
        return list(
            Membership.objects.select_related("workspace")
            .filter(user_id=user_id)
            .order_by("-workspace__is_personal", "workspace__name")
        )

    return remembered(memberships_key(user_id), read, MEMBERSHIPS_CACHED_SECONDS)


def viewer_cache_keys(request: HttpRequest) -> tuple[int, list[str]] | None:
    """The signed-in viewer's id and the cache entries every page reads for them here.

    Their user and their memberships, named from the session without reading either (for
    `core.cache.read_ahead`); None when no one is signed in through the cached backend."""
    user_id = request.session.get(auth.SESSION_KEY)
    if user_id is None or request.session.get(auth.BACKEND_SESSION_KEY) != BACKEND:
        return None
    return int(user_id), [user_key(int(user_id)), memberships_key(int(user_id))]


def members_keys(workspace: Workspace) -> list[str]:
    """The cached membership lists of everyone in `workspace` (it was renamed, deleted …)."""
    user_ids = Membership.objects.filter(workspace_id=workspace.pk).values_list("user_id")
    return [memberships_key(user_id) for (user_id,) in user_ids]


def current_membership(request: HttpRequest) -> Membership | None:
    """The user's membership in the workspace chosen in the session, else their first one.

    Personal workspace first. None for anonymous users or users without any workspace."""
    memberships = current_memberships(request)
    chosen = request.session.get(SESSION_KEY) if memberships else None
    membership = next((m for m in memberships if m.workspace_id == chosen), None)
    if membership is None and memberships:
        membership = memberships[0]
        request.session[SESSION_KEY] = membership.workspace_id
    return membership


def set_current_workspace(request: HttpRequest, workspace_id: int) -> None:
    request.session[SESSION_KEY] = workspace_id


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
            request.__dict__.pop("_memberships", None)
            membership = current_membership(request)
        assert membership is not None  # just made
        typed = cast(WorkspaceRequest, request)
        typed.membership, typed.workspace = membership, membership.workspace
        return view(typed, *args, **kwargs)

    return wrapper
