"""Celery application. Configuration lives in settings.py under the CELERY_ namespace."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import celeryd_after_setup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contentapp.settings")

app = Celery("contentapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_after_setup.connect
def _bulk_workers_yield_the_cpu(sender: str, instance: Any, **kwargs: Any) -> None:
    from core.lanes import yield_cpu_if_bulk

    yield_cpu_if_bulk([queue.name for queue in instance.app.amqp.queues.consume_from.values()])
