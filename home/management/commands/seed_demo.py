from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import user_sign_up
from home.demo_posts import DEMO_POSTS
from personas.models import Persona
from posts.rules import check_post
from posts.services import posts_bulk_import

DEMO_EMAIL = "demo@contenttwin.local"
DEMO_PASSWORD = "contenttwin-demo"


class Command(BaseCommand):
    help = "Create (or reset the password of) the demo account, its persona and demo posts."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=DEMO_EMAIL).first()
        if user is None:
            user = user_sign_up(email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo Creator")
        else:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        workspace = user.memberships.get(workspace__is_personal=True).workspace
        persona, _ = Persona.objects.get_or_create(
            workspace=workspace,
            name="LinkedIn – founder me",
            defaults={
                "platform": "linkedin",
                "language": "en",
                "timezone": "Europe/Lisbon",
                "description": "Lessons from building a bootstrapped SaaS, for other founders.",
            },
        )
        now = timezone.now()
        rows = [
            check_post(
                {
                    "text": text,
                    "posted_at": now - timedelta(days=days),
                    "impressions": impressions,
                    "likes": likes,
                    "comments": comments,
                    "reposts": reposts,
                },
                platform=persona.platform,
                timezone=persona.timezone,
            ).values
            for text, days, impressions, likes, comments, reposts in DEMO_POSTS
        ]
        posts_bulk_import(persona=persona, values=rows)  # skips posts it already has
        self.stdout.write(f"demo account: {DEMO_EMAIL} / {DEMO_PASSWORD}")
