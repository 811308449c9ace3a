"""What every platform client speaks. Clients make one request per step and never retry:
the engine (publishing.engine) decides, from the kind of failure, what happens next."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Protocol

import httpx
from django.conf import settings
from django.utils import timezone

if TYPE_CHECKING:
    from publishing.models import Account, Target


@dataclass(frozen=True)
class Published:
    external_id: str
    url: str


@dataclass(frozen=True)
class Tokens:
    """What a refresh (or a connection) hands back; stored in one transaction."""

    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None


def tokens_from_answer(answer: dict, *, keep_refresh: str = "") -> Tokens:
    """Tokens from an OAuth token endpoint's answer (expires_in seconds from now)."""
    expires_in = answer.get("expires_in")
    return Tokens(
        access_token=answer["access_token"],
        refresh_token=answer.get("refresh_token") or keep_refresh,
        expires_at=timezone.now() + timedelta(seconds=int(expires_in)) if expires_in else None,
    )


class PublishError(Exception):
    """`kind` says what the engine may do next:
    - retry:     the platform did not take the post (rate limit, server error, never reached);
                 `retry_after` seconds when the platform said so
    - unknown:   the post may or may not be out (timeout after sending, dropped connection)
    - unconfirmable: the platform cannot tell whether an earlier send went out
    - expired:   the access token ran out: refresh it, then try again
    - auth:      the account's token was refused or revoked: it needs reconnecting
    - handoff:   nothing to send: the creator posts it (the manual channel)
    - permanent: the platform refused this post (too long, duplicate …): retrying cannot help
    """

    def __init__(self, message: str, *, kind: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


# Called by a client with idempotency material it learned mid-way (a Threads container id,
# a Bluesky record key): the engine commits it before the client makes its next request.
Remember = Callable[[str], None]


class Publisher(Protocol):
    def publish(self, account: Account, target: Target, text: str, remember: Remember) -> Published:
        """Make the post. Raises PublishError."""
        ...

    def reconcile(self, account: Account, target: Target, text: str) -> Published | None:
        """Whether an earlier send of this target went out: its post, or None when it did
        not. Raises PublishError(kind="unconfirmable") when the platform cannot tell."""
        ...

    def refresh(self, account: Account) -> Tokens:
        """New tokens from the refresh token. PublishError(kind="auth") when the platform says
        the grant is gone (invalid_grant, revoked); any other failure is kind "retry"."""
        ...

    def fetch_metrics(self, account: Account, target: Target) -> dict[str, int]:
        """The post's numbers now (likes, reposts, replies …), for analytics."""
        ...


# --- What the HTTP clients share -------------------------------------------------------------


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait, from Retry-After (seconds or a date) or a rate-limit reset time."""
    value = response.headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
            except (TypeError, ValueError):
                return None
    reset = response.headers.get("x-rate-limit-reset") or response.headers.get("ratelimit-reset")
    if reset and reset.isdigit():  # X and Bluesky: epoch seconds
        return max(0.0, int(reset) - timezone.now().timestamp())
    return None


def error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        for key in ("message", "detail", "error_description", "error", "title"):
            value = body.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if value:
                return str(value)[:200]
    return response.text[:200]


_client: tuple[int, httpx.Client] | None = None
_client_lock = threading.Lock()


def _shared_client() -> httpx.Client:
    """One client per process: building one loads the CA bundle (~70 ms), and it keeps
    connections to the platforms open between posts. Made after a fork, never inherited."""
    global _client
    with _client_lock:
        if _client is None or _client[0] != os.getpid():
            limits = httpx.Limits(max_connections=50, max_keepalive_connections=20)
            _client = (os.getpid(), httpx.Client(limits=limits, follow_redirects=False))
        return _client[1]


def request(method: str, url: str, *, platform: str, **kwargs: object) -> httpx.Response:
    """One request, its transport failures in the engine's words: unreachable (never sent:
    retry), an invalid address (permanent), or no answer after sending (unknown)."""
    kwargs.setdefault("timeout", settings.PUBLISH_TIMEOUT_SECONDS)
    try:
        return _shared_client().request(method, url, **kwargs)  # type: ignore[arg-type]
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
        raise PublishError(
            f"The address “{url}” is not valid ({error}).", kind="permanent"
        ) from error
    except (httpx.ConnectError, httpx.ConnectTimeout) as error:
        raise PublishError(f"{platform} could not be reached ({error}).", kind="retry") from error
    except httpx.HTTPError as error:  # sent, but no answer: it may be out
        raise PublishError(f"No answer from {platform} ({error}).", kind="unknown") from error


def raise_for_answer(response: httpx.Response, platform: str) -> None:
    """A non-2xx answer in the engine's words."""
    if response.is_success:
        return
    reason = f"{platform} answered {response.status_code}: {error_text(response)}"
    if response.status_code == 401:
        raise PublishError(reason, kind="expired")
    if response.status_code == 403:
        raise PublishError(reason, kind="auth")
    if response.status_code in (408, 429) or response.status_code >= 500:
        raise PublishError(reason, kind="retry", retry_after=retry_after(response))
    raise PublishError(reason, kind="permanent")


def no_refresh(platform: str) -> PublishError:
    return PublishError(
        f"{platform} tokens cannot be renewed from here: reconnect the account.", kind="auth"
    )
