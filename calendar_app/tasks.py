from __future__ import annotations

from celery import shared_task

from calendar_app import evergreen


@shared_task(name="calendar_app.tasks.evergreen_sweep", time_limit=600, soft_time_limit=580)
def evergreen_sweep() -> int:
    """Beat, hourly: evergreen posts due to be re-shared go into their next free slot."""
    return evergreen.evergreen_sweep()
