"""Rate limits kept in Postgres (core.Throttle).

Growing delays after repeated failures, and plain counts per window. Keys say who is limited;
callers choose keys an attacker cannot use against someone else (a sign-in is keyed by account *and*
address)."""

from __future__ import annotations

import math
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import Throttle


def _locked(key: str, window: timedelta) -> Throttle:
    """The key's row, locked until the transaction ends; a count older than `window` restarts."""
    now = timezone.now()
    try:
        with transaction.atomic():
            row, _ = Throttle.objects.select_for_update().get_or_create(
                key=key, defaults={"window_start": now}
            )
    except IntegrityError:  # created by a concurrent request a moment ago
        row = Throttle.objects.select_for_update().get(key=key)
    if row.window_start < now - window:
        row.count, row.window_start, row.blocked_until = 0, now, None
    return row


def wait_seconds(key: str) -> int:
    """Seconds until `key` may try again (0: now)."""
    blocked_until = Throttle.objects.filter(key=key).values_list("blocked_until", flat=True).first()
    if blocked_until is None:
        return 0
    return max(0, math.ceil((blocked_until - timezone.now()).total_seconds()))


@transaction.atomic
def record_failure(
    key: str, *, free: int, first_delay: int, max_delay: int, window: timedelta
) -> int:
    """One more failure for `key`.

    From the `free`-th failure on, each one makes the next attempt wait longer (first_delay,
    doubling, at most max_delay). Returns the wait."""
    row = _locked(key, window)
    row.count += 1
    delay = 0
    if row.count >= free:
        delay = min(max_delay, first_delay * 2 ** (row.count - free))
        row.blocked_until = timezone.now() + timedelta(seconds=delay)
    row.save(update_fields=["count", "window_start", "blocked_until"])
    return delay


def clear(key: str) -> None:
    Throttle.objects.filter(key=key).delete()


@transaction.atomic
def allow(key: str, *, limit: int, per: timedelta) -> bool:
    """Counts one use of `key`; False (and not counted) when `limit` uses in `per` are spent."""
    row = _locked(key, per)
    if row.count >= limit:
        return False
    row.count += 1
    row.save(update_fields=["count", "window_start", "blocked_until"])
    return True
