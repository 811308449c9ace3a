"""Connecting accounts with OAuth 2.0 (authlib's httpx client).

The authorisation URL (with state, and PKCE for X), then the code exchanged for tokens at the
callback.

Mastodon has no central developer portal: ContentTwin registers an app on each server the
first time someone connects an account there (kept in OAuthApp). X, LinkedIn and Threads
need the operator's client credentials in settings; without them the platform is shown as
"not configured", with the names to set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import OAuth2Client
from django.conf import settings
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from core import egress
from core.crypto import encrypt
from publishing.adapters import publisher_for
from publishing.adapters.base import (
    PublishError,
    Tokens,
    json_or_empty,
    request,
    tokens_from_answer,
)
from publishing.adapters.mastodon import SCOPES as MASTODON_SCOPES
from publishing.adapters.mastodon import register_app
from publishing.models import OAuthApp, Platform


@dataclass(frozen=True)
class Provider:
    platform: str
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    scope: str
    pkce: bool = False
    auth_method: str = "client_secret_post"
    setting_names: tuple[str, ...] = ()


def providers() -> dict[str, Provider]:
    """Read from settings when asked (tests point them at the fakes)."""
    linkedin = settings.LINKEDIN_AUTH_URL.rstrip("/")
    return {
        Platform.X: Provider(
            Platform.X,
            settings.X_CLIENT_ID,
            settings.X_CLIENT_SECRET,
            settings.X_AUTHORIZE_URL,
            f"{settings.X_API_URL.rstrip('/')}/2/oauth2/token",
            "tweet.read tweet.write users.read offline.access media.write",
            pkce=True,
            auth_method="client_secret_basic",
            setting_names=("X_CLIENT_ID", "X_CLIENT_SECRET"),
        ),
        Platform.LINKEDIN: Provider(
            Platform.LINKEDIN,
            settings.LINKEDIN_CLIENT_ID,
            settings.LINKEDIN_CLIENT_SECRET,
            f"{linkedin}/oauth/v2/authorization",
            f"{linkedin}/oauth/v2/accessToken",
            "openid profile w_member_social",
            setting_names=("LINKEDIN_CLIENT_ID", "LINKEDIN_CLIENT_SECRET"),
        ),
        Platform.THREADS: Provider(
            Platform.THREADS,
            settings.THREADS_APP_ID,
            settings.THREADS_APP_SECRET,
            settings.THREADS_AUTHORIZE_URL,
            f"{settings.THREADS_API_URL.rstrip('/')}/oauth/access_token",
            "threads_basic,threads_content_publish",
            setting_names=("THREADS_APP_ID", "THREADS_APP_SECRET"),
        ),
    }


def _mastodon_provider(base_url: str, redirect_uri: str) -> Provider:
    app = OAuthApp.objects.filter(base_url=base_url).first()
    if app is None:
        client_id, secret = register_app(base_url, redirect_uri, settings.SITE_URL)
        app, _ = OAuthApp.objects.get_or_create(
            base_url=base_url,
            defaults={"client_id": client_id, "client_secret_encrypted": encrypt(secret)},
        )
    return Provider(
        Platform.MASTODON,
        app.client_id,
        app.client_secret,
        f"{base_url}/oauth/authorize",
        f"{base_url}/oauth/token",
        MASTODON_SCOPES,
    )


def _provider(platform: str, base_url: str, redirect_uri: str) -> Provider:
    if platform == Platform.MASTODON:
        return _mastodon_provider(base_url, redirect_uri)
    provider = providers()[platform]
    if not provider.client_id:
        raise PublishError(f"{platform} is not configured on this server.", kind="permanent")
    return provider


def _client(provider: Provider, redirect_uri: str, **kwargs: object) -> OAuth2Client:
    return OAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        token_endpoint_auth_method=provider.auth_method,
        scope=provider.scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256" if provider.pkce else None,
        timeout=settings.PUBLISH_TIMEOUT_SECONDS,
        # The token exchange goes out through the egress path like every other request.
        transport=egress.transport(flavour="httpx2"),
        trust_env=False,
        **kwargs,
    )


def authorization_start(
    *, platform: str, base_url: str, redirect_uri: str
) -> tuple[str, dict[str, Any]]:
    """(where to send the browser, what the callback needs: kept in the session)."""
    provider = _provider(platform, base_url, redirect_uri)
    verifier = _pkce_verifier() if provider.pkce else None
    client = _client(provider, redirect_uri)
    url, state = client.create_authorization_url(provider.authorize_url, code_verifier=verifier)
    return url, {"platform": platform, "base_url": base_url, "state": state, "verifier": verifier}


def _pkce_verifier() -> str:
    from authlib.common.security import generate_token

    return str(generate_token(64))


@sensitive_variables("answer", "tokens", "pending")
def authorization_finish(
    *, pending: dict[str, Any], callback_url: str, redirect_uri: str
) -> tuple[Tokens, str, str]:
    """(tokens, the platform's id for the account, its name) from the callback's code."""
    platform, base_url = pending["platform"], pending["base_url"]
    provider = _provider(platform, base_url, redirect_uri)
    client = _client(provider, redirect_uri, state=pending["state"])
    try:
        answer = client.fetch_token(
            provider.token_url,
            authorization_response=callback_url,
            code_verifier=pending.get("verifier"),
        )
    except AuthlibBaseError as error:
        code = error.error if isinstance(error.error, str) and error.error.isidentifier() else ""
        raise PublishError(
            f"{platform} did not complete the connection{f' ({code})' if code else ''}.",
            kind="permanent",
        ) from error
    except egress.EgressRefused as error:
        raise PublishError(str(error), kind="permanent") from error
    except Exception as error:  # httpx transport errors, a token endpoint answering nonsense
        raise PublishError(
            f"{platform} could not be reached or answered nonsense ({type(error).__name__}).",
            kind="retry",
        ) from error
    tokens = tokens_from_answer(answer, platform=platform)
    if platform == Platform.THREADS:
        tokens = _threads_long_lived(tokens)
    external_id, name = publisher_for(platform).identity(base_url, tokens)  # type: ignore[attr-defined]
    return tokens, external_id, name


def _threads_long_lived(short: Tokens) -> Tokens:
    """Threads hands out an hour-long token; exchanged for a 60-day one that refreshes itself."""
    response = request(
        "GET",
        f"{settings.THREADS_API_URL.rstrip('/')}/access_token",
        platform="Threads",
        params={
            "grant_type": "th_exchange_token",
            "client_secret": settings.THREADS_APP_SECRET,
            "access_token": short.access_token,
        },
    )
    if not response.is_success:
        raise PublishError("Threads did not give a long-lived token.", kind="permanent")
    long_lived = tokens_from_answer(json_or_empty(response), platform="Threads")
    expires = long_lived.expires_at or timezone.now() + timedelta(seconds=5_184_000)
    return Tokens(long_lived.access_token, long_lived.access_token, expires)
