from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from pgvector.django import VectorField

from core.models import ACTIVE, Job, TimeStampedModel
from personas.models import Language, Persona
from posts.models import EMBEDDING_DIMENSIONS, Post


class PillarDiscovery(Job):
    """One pillar discovery run and what later posts and trends are measured with.

    One discovery run (the Celery job's durable state) and what it learnt that later posts
    and trends are measured with: the centre the clusters were found around and the persona's
    lexical contrast model."""

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    centre = models.JSONField(default=list, blank=True)
    # how far the persona's opening lines sit from their posts (`discovery.opening_shift`)
    opening_shift = models.JSONField(default=list, blank=True)
    lexical = models.JSONField(default=dict, blank=True)
    embedding_model = models.CharField(max_length=100, blank=True)
    post_count = models.PositiveIntegerField(default=0)
    method = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "pillar discoveries"
        constraints = [
            models.UniqueConstraint(
                fields=["persona"], condition=Q(status__in=ACTIVE), name="one_active_discovery"
            )
        ]

    def __str__(self) -> str:
        return f"Pillar discovery {self.pk} for {self.persona_id} ({self.status})"


class PillarStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DELETED = "deleted", "Deleted"  # kept so rediscovery does not bring it back


class Pillar(TimeStampedModel):
    """A theme the persona keeps writing about.

    Its row is its identity: rediscovery updates the pillar a new cluster resembles instead of
    renumbering, so names and targets survive."""

    # Not columns: what pillars.selectors.pillars_with_stats adds for the Pillars page.
    post_total: int
    window_0: int
    window_1: int
    window_2: int
    share: int
    examples: list[dict[str, Any]]
    windows: list[int]
    direction: str

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="pillars")
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=240, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    mean_vector = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    threshold = models.FloatField(default=0.0)  # below this similarity a post is unassigned
    target_share = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Percent of your posts you want in this pillar."
    )
    edited = models.BooleanField(default=False)  # the creator named or described it
    status = models.CharField(
        max_length=10, choices=PillarStatus.choices, default=PillarStatus.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_share__isnull=True) | Q(target_share__lte=100),
                name="pillar_target_share_percent",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PostPillar(models.Model):
    """Which pillar a post belongs to (none: unassigned), and how closely."""

    workspace_path = "persona__workspace"

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="+")
    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="+")
    pillar = models.ForeignKey(
        Pillar, on_delete=models.SET_NULL, null=True, blank=True, related_name="assignments"
    )
    similarity = models.FloatField(default=0.0)

    class Meta:
        indexes = [models.Index(fields=["persona", "pillar"], name="postpillar_persona_pillar")]

    def __str__(self) -> str:
        return f"post {self.post_id} → {self.pillar_id or 'unassigned'}"


class TopicStatus(models.TextChoices):
    NEW = "new", "New"
    PLANNED = "planned", "Planned"
    DRAFTED = "drafted", "Drafted"
    PUBLISHED = "published", "Published"
    DISCARDED = "discarded", "Discarded"


class TopicSource(models.TextChoices):
    MANUAL = "manual", "Added by hand"
    PASTE = "paste", "Pasted list"
    TREND = "trend", "From a trend"
    SHARED = "shared", "Shared from another app"
    FEED = "feed", "Drafted from a feed"
    VOICE = "voice", "From a voice note"


class Topic(TimeStampedModel):
    """An idea in the persona's inbox, classified in the background.

    Its pillar, a score 0–100 with the factors behind it, and hook angles in the persona's voice."""

    # Not columns: the ideas page's links (pillars.views.ideas).
    angle_links: list[tuple[dict[str, Any], str]]
    write_url: str

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="topics")
    title = models.CharField(max_length=300)
    notes = models.TextField(blank=True, max_length=4000)
    source = models.CharField(max_length=10, choices=TopicSource.choices, default="manual")
    source_url = models.URLField(max_length=1000, blank=True)
    trend_velocity = models.FloatField(null=True, blank=True)  # when it came from a trend
    status = models.CharField(max_length=10, choices=TopicStatus.choices, default="new")
    pillar = models.ForeignKey(
        Pillar, on_delete=models.SET_NULL, null=True, blank=True, related_name="topics"
    )
    pillar_is_auto = models.BooleanField(default=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    factors = models.JSONField(default=dict, blank=True)
    angles = models.JSONField(default=list, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    voice_note = models.ForeignKey(
        "VoiceNote", on_delete=models.SET_NULL, null=True, blank=True, related_name="ideas"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["persona", "status"], name="topic_persona_status")]

    def __str__(self) -> str:
        return self.title


class VoiceNote(Job):
    """A spoken idea: the audio (kept for VOICE_NOTE_RETENTION_DAYS), its transcript and tone.

    Transcribing it is the job (core.jobs); the creator edits the transcript and turns it into
    ideas."""

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="voice_notes")
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    audio = models.FileField(upload_to="voice-notes/%Y/%m/", blank=True)
    filename = models.CharField(max_length=200, blank=True)  # as it was uploaded or recorded
    size = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)  # how long it plays, once decoded
    language = models.CharField(max_length=5, choices=Language.choices)
    transcript = models.TextField(blank=True, max_length=4000)
    engine = models.CharField(max_length=200, blank=True)  # who transcribed it, in words
    tone = models.JSONField(default=dict, blank=True)  # tone dimension → 0..1, from the words
    audio_deleted_at = models.DateTimeField(null=True, blank=True)  # retention, or by hand
    ideas_made_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["persona", "-created_at"], name="voicenote_persona_new")]

    def __str__(self) -> str:
        return f"Voice note {self.pk} ({self.status})"

    @property
    def leading_tone(self) -> list[tuple[str, int]]:
        """The two strongest tones, as percents, when they are there at all."""
        ranked = sorted(self.tone.items(), key=lambda kv: -kv[1])[:2]
        return [(name, round(value * 100)) for name, value in ranked if value >= 0.15]
