from __future__ import annotations

from celery import shared_task

from api.middleware import forget_old_keys


@shared_task(name="api.tasks.forget_idempotency_keys")
def forget_idempotency_keys() -> int:
    """Beat, hourly: answers kept for Idempotency-Keys older than a day are forgotten."""
    return forget_old_keys()
