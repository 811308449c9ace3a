from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

from accounts.models import Workspace
from core.models import TimeStampedModel


class Platform(models.TextChoices):
    LINKEDIN = "linkedin", "LinkedIn"
    INSTAGRAM = "instagram", "Instagram"
    X = "x", "X (Twitter)"
    BLUESKY = "bluesky", "Bluesky"
    MASTODON = "mastodon", "Mastodon"
    THREADS = "threads", "Threads"


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    PORTUGUESE = "pt", "Portuguese"
    SPANISH = "es", "Spanish"
    FRENCH = "fr", "French"
    GERMAN = "de", "German"
    ITALIAN = "it", "Italian"
    DUTCH = "nl", "Dutch"


class Persona(TimeStampedModel):
    """One platform voice of a creator, e.g. "LinkedIn – founder me"."""

    workspace_path = "workspace"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="personas")
    name = models.CharField(max_length=80)
    platform = models.CharField(max_length=20, choices=Platform.choices)
    description = models.TextField(blank=True, max_length=2000)
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.ENGLISH)
    timezone = models.CharField(max_length=64, default="UTC")
    archived_at = models.DateTimeField(null=True, blank=True)
    # Counts up on every change to the persona's posts (posts.services): the key under which
    # pages cache what they count over those posts, so a page reads a number, not 10,000 rows.
    posts_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint("workspace", Lower("name"), name="persona_unique_name"),
        ]
        indexes = [models.Index(fields=["workspace", "archived_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
