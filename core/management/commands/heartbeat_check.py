from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.models import Heartbeat


class Command(BaseCommand):
    help = (
        "Exit non-zero when the worker's or beat's heartbeat is missing or stale (health checks)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", choices=["worker", "beat"])

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        heartbeat = Heartbeat.objects.filter(name=name).first()
        if heartbeat is None:
            raise CommandError(f"no {name} heartbeat recorded yet")
        age = (timezone.now() - heartbeat.last_seen).total_seconds()
        if age > settings.HEARTBEAT_MAX_AGE_SECONDS:
            raise CommandError(f"{name} heartbeat is {age:.0f}s old")
        self.stdout.write(f"{name} ok ({age:.0f}s)")
