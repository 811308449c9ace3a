from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready

from core.services import heartbeat_record


@shared_task(name="core.tasks.heartbeat", time_limit=30, soft_time_limit=20)
def heartbeat() -> None:
    """Sent by beat every 30 s; running it proves a worker consumes the queue."""
    heartbeat_record(name="worker")


@worker_ready.connect
def _heartbeat_on_start(**kwargs: object) -> None:
    # So /healthz turns green as soon as a worker is up, not only after beat's first send.
    heartbeat_record(name="worker")
