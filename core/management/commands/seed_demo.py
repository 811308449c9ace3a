from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.services import user_sign_up
from personas.models import Persona

DEMO_EMAIL = "demo@contenttwin.local"
DEMO_PASSWORD = "contenttwin-demo"


class Command(BaseCommand):
    help = "Create (or reset the password of) the demo account and its demo persona."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=DEMO_EMAIL).first()
        if user is None:
            user = user_sign_up(email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo Creator")
        else:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        workspace = user.memberships.get(workspace__is_personal=True).workspace
        Persona.objects.get_or_create(
            workspace=workspace,
            name="LinkedIn – founder me",
            defaults={
                "platform": "linkedin",
                "language": "en",
                "timezone": "Europe/Lisbon",
                "description": "Lessons from building a bootstrapped SaaS, for other founders.",
            },
        )
        self.stdout.write(f"demo account: {DEMO_EMAIL} / {DEMO_PASSWORD}")
