from __future__ import annotations

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from core.models import Job, TimeStampedModel
from personas.models import Persona

# The three drafts of a generation, one per angle.
ANGLES = ("story", "contrarian", "how-to")


class ContentType(models.TextChoices):
    SHORT = "short", "Short post"
    LONG = "long", "Long post"


class Generation(Job):
    """One request for three drafts on a topic.

    Its inputs, what context was used (so a draft can be explained later), and the Celery job's
    state."""

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="generations")
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="generations"
    )
    topic = models.CharField(max_length=300)
    content_type = models.CharField(
        max_length=5, choices=ContentType.choices, default=ContentType.SHORT
    )
    creativity = models.PositiveSmallIntegerField(default=30)
    pillar = models.ForeignKey(
        "pillars.Pillar", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    idea = models.ForeignKey(
        "pillars.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opening = models.CharField(max_length=300, blank=True)  # a hook chosen in the ideas inbox
    overlay = models.ForeignKey(
        "voice.Overlay", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    error_kind = models.CharField(max_length=20, blank=True)
    # post ids, voice version, prompt version and lessons the drafts were written from
    context = models.JSONField(default=dict, blank=True)
    prompt_version = models.CharField(max_length=40, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="generation_user_time"),
            models.Index(fields=["persona", "-created_at"], name="generation_persona_time"),
        ]

    def __str__(self) -> str:
        return f"{self.topic[:40]} ({self.status})"


class VariationStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class RejectReason(models.TextChoices):
    TONE = "tone", "Tone"
    LENGTH = "length", "Length"
    OFF_TOPIC = "off_topic", "Off topic"
    NOT_ME = "not_me", "Not me"
    OTHER = "other", "Other"


class Variation(TimeStampedModel):
    # Not columns: the draft card's rewrites (prefetched) and its job's progress.
    active_rewrites: list[Rewrite]
    rewrite_job: Any
    workspace_path = "generation__persona__workspace"

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="variations")
    angle = models.CharField(max_length=20)
    rank = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()  # the current draft (after edits and refinements)
    original_text = models.TextField()  # as first written
    score = models.PositiveSmallIntegerField(default=0)
    score_structure = models.PositiveSmallIntegerField(default=0)
    score_tone = models.PositiveSmallIntegerField(default=0)
    score_vocabulary = models.PositiveSmallIntegerField(default=0)
    # Sounds like this creator rather than like people in general (voice.contrast).
    score_contrast = models.PositiveSmallIntegerField(default=0)
    # expected percentile among the persona's own posts (None: no engagement model yet)
    predicted_engagement = models.PositiveSmallIntegerField(null=True, blank=True)
    engagement_notes = models.JSONField(default=list, blank=True)
    # Why the score is what it is, when something is wrong ("copied word for word …").
    score_notes = models.CharField(max_length=300, blank=True)
    provider = models.CharField(max_length=40)
    model = models.CharField(max_length=120)
    duration_ms = models.PositiveIntegerField(default=0)
    warning = models.CharField(max_length=300, blank=True)  # e.g. "still too long after a retry"
    status = models.CharField(
        max_length=10, choices=VariationStatus.choices, default=VariationStatus.PROPOSED
    )
    reject_reasons = ArrayField(
        models.CharField(max_length=20, choices=RejectReason.choices), default=list, blank=True
    )
    feedback_note = models.TextField(blank=True, max_length=2000)
    edit_diff = models.TextField(blank=True)  # unified diff of the creator's edits
    decided_at = models.DateTimeField(null=True, blank=True)
    flagged_contradiction = models.BooleanField(default=False)
    # A decided draft is frozen: refining or regenerating it makes a new revision.
    revision_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="revisions"
    )

    @property
    def decided(self) -> bool:
        return self.status != VariationStatus.PROPOSED

    class Meta:
        ordering = ["rank", "id"]
        indexes = [models.Index(fields=["status"], name="variation_status")]

    def __str__(self) -> str:
        return f"{self.angle}: {self.text[:40]}"


class RefineMessage(TimeStampedModel):
    """The refinement chat of one variation: the creator's request and the revised draft."""

    workspace_path = "variation__generation__persona__workspace"

    variation = models.ForeignKey(Variation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=10)  # user | assistant
    text = models.TextField(max_length=5000)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    provider = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:40]}"


class LessonKind(models.TextChoices):
    LENGTH = "length", "Length preference"
    AVOID = "avoid", "Phrase to avoid"
    KEEP = "keep", "Phrase to keep"


class Lesson(TimeStampedModel):
    """A lesson feedback taught about a persona.

    What feedback taught about a persona, applied to every later generation and folded into
    the next voice version."""

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="lessons")
    kind = models.CharField(max_length=10, choices=LessonKind.choices)
    value = models.CharField(max_length=200)  # "shorter"/"longer" or a phrase
    source = models.ForeignKey(
        Variation, on_delete=models.SET_NULL, null=True, blank=True, related_name="lessons"
    )
    active = models.BooleanField(default=True)
    # A later decision said the opposite ("keep" after "avoid"): this lesson is kept for the
    # record, no longer applied, and counted among the contradictions.
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["persona", "kind", "value"], name="lesson_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class RewriteKind(models.TextChoices):
    REFINE = "refine", "Refinement"
    REGENERATE = "regenerate", "Regeneration"


class Rewrite(Job):
    """One refinement or regeneration of a draft, run by a worker and polled by the page.

    One refinement (a chat message) or regeneration of a draft, written by a worker — a
    remote model can take many seconds — and polled by the page. At most one runs per draft
    (a database constraint, so two clicks cannot both rewrite it)."""

    workspace_path = "variation__generation__persona__workspace"

    variation = models.ForeignKey(Variation, on_delete=models.CASCADE, related_name="rewrites")
    kind = models.CharField(max_length=10, choices=RewriteKind.choices)
    message = models.TextField(blank=True, max_length=1000)  # the creator's request (refine)
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    error_kind = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["variation"],
                condition=Q(status__in=["queued", "running"]),
                name="rewrite_one_active_per_draft",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} of draft {self.variation_id} ({self.status})"


class DecisionKind(models.TextChoices):
    ACCEPT = "accept", "Accepted"
    REJECT = "reject", "Rejected"
    EDIT = "edit", "Edited"
    REFINE = "refine", "Refined"
    REGENERATE = "regenerate", "Regenerated"


class Decision(models.Model):
    """One thing the creator did with a draft, kept for good.

    A later regeneration, edit or refinement of the draft never erases it. The Feedback page counts
    these."""

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="decisions")
    variation = models.ForeignKey(
        Variation, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    kind = models.CharField(max_length=10, choices=DecisionKind.choices)
    text = models.TextField()  # the draft as it stood when decided on
    score = models.PositiveSmallIntegerField(default=0)
    reasons = ArrayField(
        models.CharField(max_length=20, choices=RejectReason.choices), default=list, blank=True
    )
    note = models.TextField(blank=True, max_length=2000)  # a rejection note, a refine request
    diff = models.TextField(blank=True)  # an edit's unified diff
    user = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["persona", "kind"], name="decision_persona_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.variation_id} at {self.created_at:%Y-%m-%d %H:%M}"
