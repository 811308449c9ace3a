"""Job rows (an analysis, a generation) that a Celery task works on. The row is the durable
state: a task claims it with one conditional update, so a redelivered task does nothing, and a
beat sweep finds rows that nobody works on (never picked up, or their worker died)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Model, Q
from django.utils import timezone

# A queued row this old was lost on its way to a worker (the broker restarted, say).
QUEUED_GRACE = timedelta(minutes=2)


def stale_before() -> datetime:
    """A running row not updated since then has outlived any task: its worker died."""
    return timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def job_claim(model: type[Model], pk: int, *, queued: str, running: str, **updates: object) -> bool:
    claimable = Q(status=queued) | Q(status=running, updated_at__lt=stale_before())
    return bool(
        model.objects.filter(claimable, pk=pk).update(
            status=running, updated_at=timezone.now(), **updates
        )
    )


def abandoned_jobs(model: type[Model], *, queued: str, running: str, limit: int = 50) -> list[int]:
    """Ids of rows queued for too long or running without progress for too long."""
    return list(
        model.objects.filter(
            Q(status=queued, updated_at__lt=timezone.now() - QUEUED_GRACE)
            | Q(status=running, updated_at__lt=stale_before())
        ).values_list("id", flat=True)[:limit]
    )
