from __future__ import annotations

import re
from typing import Any

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.models import Heartbeat

_PATH = re.compile(r"(?:[A-Za-z]:)?(?:/[^\s\"':,]+)+")


def _public_error(error: Exception) -> str:
    """What failed, without the server's file system paths or addresses in the answer."""
    first_line = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {_PATH.sub('<path>', first_line)}"[:200]


def health_report() -> tuple[bool, dict[str, Any]]:
    """Checks every dependency the product needs to work; returns (healthy, details)."""
    checks: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            row = cursor.fetchone()
        checks["database"] = {"ok": True, "pgvector": row[0] if row else None}
    except Exception as exc:  # any failure means "unhealthy", reported as text
        checks["database"] = {"ok": False, "error": _public_error(exc)}
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
        client.ping()
        checks["redis"] = {"ok": True}
    except (redis.RedisError, OSError) as exc:
        checks["redis"] = {"ok": False, "error": _public_error(exc)}

    max_age = settings.HEARTBEAT_MAX_AGE_SECONDS
    seen: dict[str, Heartbeat] = {}
    if checks["database"]["ok"]:
        seen = {h.name: h for h in Heartbeat.objects.filter(name__in=["worker", "beat"])}
    now = timezone.now()
    for name in ("worker", "beat"):
        heartbeat = seen.get(name)
        age = round((now - heartbeat.last_seen).total_seconds(), 1) if heartbeat else None
        checks[name] = {"ok": age is not None and age <= max_age, "heartbeat_age_s": age}
    checks["llm"] = {"ok": True, "providers": settings.LLM_PROVIDERS}
    healthy = all(check["ok"] for check in checks.values())
    return healthy, checks


def worker_unreachable() -> bool:
    """True when queued work cannot start now.

    The broker (Redis) does not answer, or no worker has been heard from lately. Cheap: one ping
    with a short timeout, one row."""
    try:
        redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5
        ).ping()
    except (redis.RedisError, OSError):
        return True
    last = Heartbeat.objects.filter(name="worker").values_list("last_seen", flat=True).first()
    return last is None or (timezone.now() - last).total_seconds() > (
        settings.HEARTBEAT_MAX_AGE_SECONDS
    )
