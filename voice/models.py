from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from pgvector.django import VectorField

from core.models import Job, TimeStampedModel
from personas.models import Persona

KEEP_CURRENT_VERSIONS = 10


class VoiceProfile(TimeStampedModel):
    """One version of a persona's voice.

    An analysis's findings (`raw`, never edited) and what is shown (`profile`: raw with the
    persona's answers applied, refreshed when the creator answers). Analyses and rollbacks create
    versions; answers do not."""

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="voice_versions")
    version = models.PositiveIntegerField()
    raw = models.JSONField()  # what the analysis found
    profile = models.JSONField()  # `raw` with the persona's overrides applied: what is shown
    tone = VectorField(dimensions=8)
    summary = models.TextField()
    post_count = models.PositiveIntegerField(default=0)
    origin = models.CharField(max_length=200)  # "analysis of 42 posts", "rollback to version 3"
    based_on = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_archived = models.BooleanField(default=False)
    # Why the posts added since this version look unlike it (checked in the background).
    drift = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["persona", "version"], name="voice_unique_version")
        ]
        indexes = [models.Index(fields=["persona", "-version"], name="voice_persona_version")]

    def __str__(self) -> str:
        return f"{self.persona} v{self.version}"


class Verdict(models.TextChoices):
    CONFIRMED = "confirmed", "Sounds like me"
    REJECTED = "rejected", "Not me"
    CORRECTED = "corrected", "Corrected"


class VoiceOverride(TimeStampedModel):
    """The creator's answer to "does this sound like you?" for one pattern.

    Every later version applies it, whatever the analysis finds."""

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="voice_overrides")
    key = models.CharField(max_length=200)  # e.g. "hook:question", "word:pricing", "summary"
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    value = models.JSONField(null=True, blank=True)  # the corrected value, for CORRECTED
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["persona", "key"], name="voice_override_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.verdict}"


class VoiceAnalysis(Job):
    """One analysis run (the Celery job's durable state and progress)."""

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="voice_analyses")
    run_after = models.DateTimeField(null=True, blank=True)  # debounce after imports
    result = models.ForeignKey(
        VoiceProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "voice analyses"
        indexes = [models.Index(fields=["status", "run_after"], name="voice_analysis_due")]
        # At most one analysis waits and one runs per persona: the database says so, so no
        # race between a click, an import and the beat sweep can start a second.
        constraints = [
            models.UniqueConstraint(
                fields=["persona"],
                condition=models.Q(status="scheduled"),
                name="voice_one_scheduled_analysis",
            ),
            models.UniqueConstraint(
                fields=["persona"],
                condition=models.Q(status__in=["queued", "running"]),
                name="voice_one_active_analysis",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.persona} analysis ({self.status})"


class LengthPreference(models.TextChoices):
    SHORTER = "shorter", "Shorter"
    SAME = "same", "Same as usual"
    LONGER = "longer", "Longer"


class Overlay(TimeStampedModel):
    """A mode the voice can take on ("Educational", "Storytelling").

    Shifts tone, length and structure for a draft without changing who is speaking."""

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="overlays")
    name = models.CharField(max_length=60)
    tone_shift = models.FloatField(
        default=0.0, help_text="−1 more casual … 0 as usual … +1 more formal"
    )
    length_preference = models.CharField(
        max_length=10, choices=LengthPreference.choices, default=LengthPreference.SAME
    )
    structure_override = models.CharField(
        max_length=200, blank=True, help_text="e.g. “hook → numbered list → question”"
    )
    notes = models.TextField(blank=True, max_length=2000)

    class Meta:
        constraints = [
            models.UniqueConstraint("persona", Lower("name"), name="overlay_unique_name"),
            models.CheckConstraint(
                condition=models.Q(tone_shift__gte=-1) & models.Q(tone_shift__lte=1),
                name="overlay_tone_shift_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name
