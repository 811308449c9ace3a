"""What the accounts connected with OAuth 2.0 (X, LinkedIn, Threads) share.

Bearer tokens that expire and are refreshed near expiry (authorisation code; X with PKCE), and
the recent posts whose replies the inbox reads where a platform has no mentions timeline."""

from __future__ import annotations

from datetime import timedelta

import httpx
from django.utils import timezone

from publishing.adapters.base import (
    PublishError,
    Tokens,
    error_code,
    json_or_empty,
    tokens_from_answer,
)
from publishing.models import Account, Target


def _refresh_refused(response: httpx.Response, platform: str) -> PublishError:
    """invalid_grant (revoked, expired, already used) ends the connection.

    Anything else — a 5xx, a 429 — is tried again later."""
    code = error_code(response)
    if code in ("invalid_grant", "invalid_token", "unauthorized_client") or (
        response.status_code == 401
    ):
        return PublishError(f"{platform} revoked the connection ({code}).", kind="auth")
    return PublishError(
        f"{platform} could not renew the token now ({response.status_code}).", kind="retry"
    )


def refreshed_tokens(response: httpx.Response, platform: str) -> Tokens:
    """The tokens a refresh answered with, or the refusal as a PublishError (`_refresh_refused`)."""
    if not response.is_success:
        raise _refresh_refused(response, platform)
    return tokens_from_answer(json_or_empty(response), platform=platform)


REPLY_DAYS = 14  # how far back the inbox reads replies under our Threads and LinkedIn posts
REPLY_POSTS = 50  # at most this many recent posts a sync


def recent_posts(account: Account) -> list[str]:
    """Our posts on the account of the last REPLY_DAYS days, newest first, by platform id."""
    recent = timezone.now() - timedelta(days=REPLY_DAYS)
    return list(
        Target.objects.filter(account=account, published_at__gte=recent)
        .exclude(external_id="")
        .order_by("-published_at")
        .values_list("external_id", flat=True)[:REPLY_POSTS]
    )
