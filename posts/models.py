from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from pgvector.django import VectorField

from core.models import Job, JobStatus, TimeStampedModel
from personas.models import Persona

EMBEDDING_DIMENSIONS = 384
# 'simple' (no stemming, no stop words) because personas write in many languages; the list
# view's search uses exactly this expression so PostgreSQL can use the GIN index.
SEARCH_CONFIG = "simple"
SEARCH_VECTOR = SearchVector("text", config=SEARCH_CONFIG)


class ContentType(models.TextChoices):
    SHORT = "short", "Short"
    LONG = "long", "Long"
    ARTICLE = "article", "Article"


class Source(models.TextChoices):
    MANUAL = "manual", "Added by hand"
    IMPORT = "import", "Imported"
    API = "api", "From the platform"


class Tier(models.TextChoices):
    TOP = "top", "Top"
    ABOVE = "above", "Above average"
    AVERAGE = "average", "Average"
    BELOW = "below", "Below average"
    UNDER = "under", "Underperforming"


METRIC_FIELDS = ("impressions", "likes", "comments", "reposts", "profile_views", "saves")


class Post(TimeStampedModel):
    """One of the creator's own past posts: the material their voice is learned from."""

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="posts")
    text = models.TextField()
    # Normalised-text hash: finds duplicates within a persona (imports skip them).
    text_hash = models.CharField(max_length=64)
    content_type = models.CharField(max_length=10, choices=ContentType.choices)
    content_type_is_auto = models.BooleanField(default=True)
    posted_at = models.DateTimeField()
    impressions = models.PositiveBigIntegerField(null=True, blank=True)
    likes = models.PositiveBigIntegerField(null=True, blank=True)
    comments = models.PositiveBigIntegerField(null=True, blank=True)
    reposts = models.PositiveBigIntegerField(null=True, blank=True)
    profile_views = models.PositiveBigIntegerField(null=True, blank=True)
    saves = models.PositiveBigIntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    external_ref = models.CharField(
        max_length=500, blank=True, help_text="The platform's post id or URL."
    )

    # Derived (see services.recompute_performance): never typed by a user.
    engagement_rate = models.FloatField(null=True, blank=True)
    performance_score = models.FloatField(null=True, blank=True)
    tier = models.CharField(max_length=10, choices=Tier.choices, null=True, blank=True)

    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    # The first sentence's vector (the whole text's when the post is one sentence), embedded
    # with `embedding`: pillars place a post by both (`pillars.discovery.as_placed`).
    opening_embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["persona", "-posted_at"], name="post_persona_posted"),
            models.Index(fields=["persona", "text_hash"], name="post_persona_hash"),
            models.Index(fields=["persona", "tier"], name="post_persona_tier"),
            # Similarity search reads one persona's vectors from this index alone (an
            # index-only scan of contiguous pages) instead of visiting scattered heap rows.
            models.Index(
                fields=["persona"], include=["id", "embedding"], name="post_persona_embedding"
            ),
            GinIndex(SEARCH_VECTOR, name="post_text_search"),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_incomplete(self) -> bool:
        """No metric at all: still used to learn the voice, but has no performance tier."""
        return all(getattr(self, field) is None for field in METRIC_FIELDS)


class MetricSnapshot(models.Model):
    """A post's numbers as seen at one moment (an import, later a platform's metrics).

    One is added only when the numbers changed, so the history shows how a post grew."""

    workspace_path = "post__persona__workspace"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.IMPORT)
    impressions = models.PositiveBigIntegerField(null=True, blank=True)
    likes = models.PositiveBigIntegerField(null=True, blank=True)
    comments = models.PositiveBigIntegerField(null=True, blank=True)
    reposts = models.PositiveBigIntegerField(null=True, blank=True)
    profile_views = models.PositiveBigIntegerField(null=True, blank=True)
    saves = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["taken_at", "id"]

    def __str__(self) -> str:
        return f"{self.post_id} @ {self.taken_at:%Y-%m-%d}"


class ImportFormat(models.TextChoices):
    AUTO = "auto", "Detect automatically"
    PASTE = "paste", "Pasted text (posts separated by a line of ---)"
    CSV = "csv", "CSV with a header row"
    JSON = "json", "JSON array"
    LINKEDIN = "linkedin", "LinkedIn data export (Shares.csv)"
    X = "x", "X / Twitter archive (tweets.js)"


class ImportBatch(Job):
    """One upload: its parsed rows, the preview the user confirms, and the outcome.

    As read, re-checked at import time. Rows are kept so the error report can be downloaded later.
    """

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True)
    format = models.CharField(max_length=10, choices=ImportFormat.choices)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PREVIEW)
    # [{"row": 3, "raw": {...}, "errors": [...], "warnings": [...], "skipped": "..."}]
    rows = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    metrics_updated = models.PositiveIntegerField(default=0)  # already-imported rows, newer numbers
    failed_rows = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.filename or 'pasted text'} → {self.persona} ({self.status})"


class EngagementModel(models.Model):
    """A persona's engagement prediction, learnt from its posts' numbers.

    A persona's engagement prediction, learnt from its own posts' numbers (and the
    workspace's other personas'); retrained in the background when posts or numbers change."""

    workspace_path = "persona__workspace"

    persona = models.OneToOneField(Persona, on_delete=models.CASCADE, related_name="+")
    model = models.JSONField()
    posts = models.PositiveIntegerField(default=0)
    trained_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Engagement model of {self.persona_id} ({self.posts} posts)"
