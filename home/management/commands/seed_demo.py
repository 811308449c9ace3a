from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from home.services import DEMO_EMAIL, DEMO_PASSWORD, demo_account_ensure


class Command(BaseCommand):
    help = "Create (or reset the password of) the demo account, its persona and demo posts."

    def handle(self, *args: Any, **options: Any) -> None:
        demo_account_ensure()
        self.stdout.write(f"demo account: {DEMO_EMAIL} / {DEMO_PASSWORD}")
