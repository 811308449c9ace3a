from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from pgvector.django import VectorField

from accounts.models import Workspace
from core.crypto import decrypt, encrypt
from core.models import TimeStampedModel
from personas.models import Persona
from pillars.models import Pillar, Topic
from posts.models import EMBEDDING_DIMENSIONS


class SourceKind(models.TextChoices):
    FEED = "feed", "RSS / Atom feed"
    HACKER_NEWS = "hn", "Hacker News search"
    MASTODON = "mastodon", "Mastodon trends"
    REDDIT = "reddit", "Reddit subreddit (your own app credentials)"
    YOUTUBE = "youtube", "YouTube search (your own API key)"


class TrendSource(TimeStampedModel):
    """Where a workspace hears what is happening in its field.

    Scanned on its own interval with conditional GET; failures back off and show as its last
    error, never stopping the other sources."""

    workspace_path = "workspace"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=SourceKind.choices)
    name = models.CharField(max_length=100)
    url = models.URLField(
        max_length=1000,
        blank=True,
        help_text="The feed's address, or the Mastodon instance (https://mastodon.social). "
        "Hacker News, Reddit and YouTube need none.",
    )
    query = models.CharField(
        max_length=200,
        blank=True,
        help_text="Hacker News and YouTube: the search words. Reddit: the subreddit's name.",
    )
    # Reddit and YouTube are opt-in with the user's own credentials: a Reddit app's client id
    # and secret (app-only OAuth), or a YouTube Data API key. Encrypted at rest.
    client_id = models.CharField(max_length=200, blank=True)
    secret_encrypted = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    # Feeds to drafts: each new item becomes an idea of this persona with drafts written in the
    # background, at most drafts_per_day a day; nothing is ever published without the creator.
    draft_for = models.ForeignKey(
        "personas.Persona",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="Draft new items for",
    )
    drafts_per_day = models.PositiveSmallIntegerField(default=3)
    interval_minutes = models.PositiveIntegerField(default=60)
    next_scan_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_scanned_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    last_item_count = models.PositiveIntegerField(default=0)
    # Entries of the last read that could not be used (no title, a link that is not http(s)
    # or cannot be read, …): skipped one by one, never the whole source.
    last_skipped_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def secret(self) -> str:
        return decrypt(self.secret_encrypted) if self.secret_encrypted else ""

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = encrypt(value) if value else ""


class TrendItem(TimeStampedModel):
    """One story, link or tag, once per workspace however many sources carry it."""

    workspace_path = "workspace"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    canonical_url = models.CharField(max_length=1000)
    title = models.CharField(max_length=500)
    summary = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    source_ids = models.JSONField(default=list)  # the sources that carried it
    mentions = models.PositiveIntegerField(default=1)  # times seen new in a source
    signal = models.FloatField(default=0.0)  # points, uses … as the source reports them
    history = models.JSONField(default=list)  # [[iso time, signal, rank], …], newest last
    velocity = models.FloatField(default=0.0)  # 0–1, how fast it is rising
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    # canonical URLs of near-duplicate copies folded into this item: seen again, they count
    # for this item instead of coming back as new ones
    aliases = ArrayField(models.CharField(max_length=1000), default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "canonical_url"], name="trend_item_unique_url"
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "-last_seen_at"], name="trend_item_recent"),
            GinIndex(fields=["aliases"], name="trend_item_aliases"),
        ]

    def __str__(self) -> str:
        return self.title


class PersonaTrend(models.Model):
    """How relevant an item is to one persona, and why.

    How relevant an item is to one persona, why, and whether it runs against what the
    persona has said."""

    user_role: str  # not a column: set by accounts.selectors.get_object_for

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(TrendItem, on_delete=models.CASCADE, related_name="for_personas")
    relevance = models.PositiveSmallIntegerField(default=0)  # 0–100
    fit = models.FloatField(default=0.0)  # the persona-fit part alone (0–1)
    pillar = models.ForeignKey(
        Pillar, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closest_post_text = models.CharField(max_length=300, blank=True)
    why = models.CharField(max_length=500, blank=True)
    conflict = models.CharField(max_length=500, blank=True)  # the stated position it contradicts
    dismissed = models.BooleanField(default=False)
    topic = models.ForeignKey(Topic, on_delete=models.SET_NULL, null=True, blank=True)
    scored_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["persona", "item"], name="persona_trend_unique")
        ]
        indexes = [models.Index(fields=["persona", "-relevance"], name="persona_trend_rank")]

    def __str__(self) -> str:
        return f"{self.item_id} for {self.persona_id}: {self.relevance}"


class StanceKind(models.TextChoices):
    NEVER_SAY = "never", "I never say"
    DISAGREE = "disagree", "I disagree with"
    BELIEVE = "believe", "I believe"


class Stance(TimeStampedModel):
    """A position the persona holds, checked against trends.

    With the voice profile's strong opinions."""

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=StanceKind.choices)
    text = models.CharField(max_length=300)

    class Meta:
        ordering = ["kind", "text"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"
