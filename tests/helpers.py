"""Plain helpers the tests share (fixtures live in conftest.py)."""

from __future__ import annotations

from django.test import Client

from accounts.models import Membership, User, Workspace


def personal_workspace(user: User) -> Workspace:
    """The user's own workspace (every account has one)."""
    return Membership.objects.get(user=user, workspace__is_personal=True).workspace


def client_for(user: User, workspace: Workspace | None = None) -> Client:
    """A test client signed in as `user`, switched to `workspace` when given."""
    client = Client()
    client.force_login(user)
    if workspace is not None:
        session = client.session
        session["workspace_id"] = workspace.pk
        session.save()
    return client
