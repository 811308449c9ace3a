from __future__ import annotations

from celery import shared_task

from analytics import services


@shared_task(name="analytics.tasks.sync_metrics", time_limit=540, soft_time_limit=500)
def sync_metrics() -> dict[str, int]:
    """Beat, every 5 minutes: published posts whose numbers are due are read again."""
    return services.metrics_sync()
