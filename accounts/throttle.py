"""Login throttling: after LOGIN_FAILURE_LIMIT failures for one account (or 4x that from one IP
address) within LOGIN_LOCKOUT_SECONDS, further attempts are refused until the window passes."""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

IP_LIMIT_FACTOR = 4  # an office behind one address should not lock out after one typo each


def _keys(request: HttpRequest | None, email: str) -> list[tuple[str, int]]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    limit = settings.LOGIN_FAILURE_LIMIT
    keys = [(f"login-fail:email:{digest}", limit)]
    ip = client_ip(request) if request is not None else ""
    if ip:
        keys.append((f"login-fail:ip:{ip}", limit * IP_LIMIT_FACTOR))
    return keys


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind our own proxy (BEHIND_TLS_PROXY=1) REMOTE_ADDR is the
    proxy's, shared by everyone, so the last X-Forwarded-For hop (the one our proxy added) is
    used; otherwise X-Forwarded-For is ignored because any client can send it."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "")


def seconds_locked(request: HttpRequest | None, email: str) -> int:
    """Seconds until this account/IP may try again; 0 when not locked."""
    now = time.time()
    waits = []
    for key, limit in _keys(request, email):
        state = cache.get(key)
        if state and state["count"] >= limit:
            waits.append(state["first"] + settings.LOGIN_LOCKOUT_SECONDS - now)
    return max(0, math.ceil(max(waits))) if waits else 0


def record_failure(request: HttpRequest | None, email: str) -> None:
    now = time.time()
    for key, _ in _keys(request, email):
        state = cache.get(key) or {"count": 0, "first": now}
        state["count"] += 1
        remaining = max(1, int(state["first"] + settings.LOGIN_LOCKOUT_SECONDS - now))
        cache.set(key, state, timeout=remaining)


def clear_failures(email: str) -> None:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    cache.delete(f"login-fail:email:{digest}")
