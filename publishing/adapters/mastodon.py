"""Mastodon: POST /api/v1/statuses with the target's Idempotency-Key. Mastodon keeps a key for
about an hour and answers a repeated key with the status it already made, so within that
window a re-send *is* the reconciliation; after it, nobody can tell (→ unconfirmed)."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

import httpx
from django.conf import settings
from django.utils import timezone

from publishing.adapters.base import Published, PublishError
from publishing.models import Account, Target

IDEMPOTENCY_WINDOW = timedelta(minutes=55)  # Mastodon keeps keys about an hour


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After") or response.headers.get("X-RateLimit-Reset")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
        except (TypeError, ValueError):
            return None


def _error_text(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error") or response.text)[:200]
    except ValueError:
        return response.text[:200]


class MastodonPublisher:
    def publish(self, account: Account, target: Target, text: str) -> Published:
        try:
            response = httpx.post(
                f"{account.base_url.rstrip('/')}/api/v1/statuses",
                json={"status": text, "visibility": "public"},
                headers={
                    "Authorization": f"Bearer {account.access_token}",
                    "Idempotency-Key": str(target.idempotency_key),
                },
                timeout=settings.PUBLISH_TIMEOUT_SECONDS,
            )
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
            raise PublishError(
                f"The account's server address “{account.base_url}” is not valid ({error}).",
                kind="permanent",
            ) from error
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise PublishError(
                f"{account.base_url} could not be reached ({error}).", kind="retry"
            ) from error
        except httpx.HTTPError as error:  # sent, but no answer: it may be out
            raise PublishError(
                f"No answer from {account.base_url} ({error}).", kind="unknown"
            ) from error
        if response.status_code == 200:
            status = response.json()
            return Published(external_id=str(status["id"]), url=status.get("url") or "")
        reason = f"Mastodon answered {response.status_code}: {_error_text(response)}"
        if response.status_code in (401, 403):
            raise PublishError(reason, kind="auth")
        if response.status_code == 429 or response.status_code >= 500:
            raise PublishError(reason, kind="retry", retry_after=_retry_after(response))
        raise PublishError(reason, kind="permanent")

    def reconcile(self, account: Account, target: Target, text: str) -> Published | None:
        if target.first_sent_at and timezone.now() - target.first_sent_at > IDEMPOTENCY_WINDOW:
            raise PublishError(
                "Mastodon no longer remembers the first attempt (over an hour ago): check the "
                "account and say whether the post is there.",
                kind="unconfirmable",
            )
        # Same key, within the window: the status it made before, or a new one if none was.
        return self.publish(account, target, text)
