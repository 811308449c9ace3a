"""Sign-in and password-reset limits, kept in Postgres so they hold while Redis is down.

They count through core.throttle.

Sign-in failures are counted per (account, address): after LOGIN_FAILURE_LIMIT failures each
further one makes the next attempt from that address wait longer (30 s, doubling, at most
LOGIN_LOCKOUT_SECONDS) and the page answers 429. Someone guessing from elsewhere therefore
never locks the owner out. One address failing across many accounts is slowed the same way
after 4x the limit. Password-reset mails: at most 3 an hour to one address and 10 an hour
from one client address; over that the page looks the same but no mail is sent."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest

from core import throttle

IP_LIMIT_FACTOR = 4  # an office behind one address should not be slowed after one typo each
FIRST_DELAY_SECONDS = 30
FAILURE_WINDOW = timedelta(hours=24)
RESET_MAILS_PER_ADDRESS = 3
RESET_MAILS_PER_CLIENT = 10


def _digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def client_ip(request: HttpRequest) -> str:
    """The client's address.

    Behind our own proxy (BEHIND_TLS_PROXY=1) REMOTE_ADDR is the proxy's, shared by everyone, so
    the last X-Forwarded-For hop (the one our proxy added) is used; otherwise X-Forwarded-For is
    ignored because any client can send it."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return str(hops[-1])
    return str(request.META.get("REMOTE_ADDR", ""))


def _login_keys(request: HttpRequest | None, email: str) -> list[tuple[str, int]]:
    """(key, failures allowed before delays) for this attempt."""
    ip = client_ip(request) if request is not None else ""
    limit = settings.LOGIN_FAILURE_LIMIT
    keys = [(f"login:{_digest(email)}:{ip or '-'}", limit)]
    if ip:
        keys.append((f"login-from:{ip}", limit * IP_LIMIT_FACTOR))
    return keys


def seconds_locked(request: HttpRequest | None, email: str) -> int:
    """Seconds until this address may try this account again; 0 when it may now."""
    return max(throttle.wait_seconds(key) for key, _ in _login_keys(request, email))


def record_failure(request: HttpRequest | None, email: str) -> None:
    for key, free in _login_keys(request, email):
        throttle.record_failure(
            key,
            free=free,
            first_delay=FIRST_DELAY_SECONDS,
            max_delay=settings.LOGIN_LOCKOUT_SECONDS,
            window=FAILURE_WINDOW,
        )


def clear_failures(request: HttpRequest | None, email: str) -> None:
    throttle.clear(_login_keys(request, email)[0][0])


def reset_mail_allowed(request: HttpRequest, email: str) -> bool:
    hour = timedelta(hours=1)
    return throttle.allow(
        f"reset-to:{_digest(email)}", limit=RESET_MAILS_PER_ADDRESS, per=hour
    ) and throttle.allow(f"reset-from:{client_ip(request)}", limit=RESET_MAILS_PER_CLIENT, per=hour)


def wait_in_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minutes"
