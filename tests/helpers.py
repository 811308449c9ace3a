"""Plain helpers the tests share (fixtures live in conftest.py)."""

from __future__ import annotations

from typing import Any

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


def connected_account(workspace: Workspace, platform: str, fake: Any) -> Any:
    """An account connected on one of the loopback platforms (tests/fakes), as the owner would.

    Mastodon with the fake's hand-made token, Bluesky with a fresh session, X, Threads and
    LinkedIn with a token the fake's OAuth server knows."""
    from publishing import services
    from publishing.adapters.base import Tokens

    common: dict[str, Any] = {"workspace": workspace, "role": "owner", "platform": platform}
    if platform == "mastodon":
        return services.account_connect(
            **common,
            name="@creator@example.social",
            base_url=fake.base_url,
            access_token="token-1",
            external_user_id=fake.oauth.user_id,
        )
    if platform == "bluesky":
        from tests.fakes.bluesky_server import DID, HANDLE

        return services.account_connect(
            **common,
            name=f"@{HANDLE}",
            base_url=fake.base_url,
            tokens=Tokens(access_token=fake.session()["accessJwt"]),
            external_user_id=DID,
        )
    token = f"{platform}-token"
    fake.oauth.access_tokens[token] = fake.oauth.user_id
    user_id = fake.oauth.user_id
    return services.account_connect(
        **common,
        name="Creator" if platform == "linkedin" else "@creator",
        access_token=token,
        external_user_id=f"urn:li:person:{user_id}" if platform == "linkedin" else user_id,
    )
