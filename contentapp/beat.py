"""The beat scheduler: django-celery-beat's (schedules editable in the admin) plus liveness."""

from __future__ import annotations

import time

from django_celery_beat.schedulers import DatabaseScheduler

from core.services import heartbeat_record


class HeartbeatDatabaseScheduler(DatabaseScheduler):
    """Record beat's own heartbeat on its tick.

    Records beat's own heartbeat on its tick, so /healthz can tell a dead beat from a dead
    worker (the worker's heartbeat comes from running the `core.tasks.heartbeat` task)."""

    heartbeat_every = 10.0
    _last_beat = 0.0

    def tick(self, *args: object, **kwargs: object) -> float:
        now = time.monotonic()
        if now - self._last_beat >= self.heartbeat_every:
            heartbeat_record(name="beat")
            self._last_beat = now
        interval = super().tick(*args, **kwargs)
        return min(interval, self.heartbeat_every)
