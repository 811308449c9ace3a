"""A persona's posting schedule: the weekday × time slots it posts at, in its own time zone."""

from __future__ import annotations

from django.db import models

from core.models import TimeStampedModel
from personas.models import Persona

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class PostingSlot(TimeStampedModel):
    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="posting_slots")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    time = models.TimeField(help_text="Local time, in the persona's time zone.")

    class Meta:
        ordering = ["weekday", "time"]
        constraints = [
            models.UniqueConstraint(fields=["persona", "weekday", "time"], name="slot_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.time:%H:%M}"


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    SCHEDULED = "scheduled", "Scheduled"  # one of its drafts became a scheduled post
    DECLINED = "declined", "Declined"


class PlannedPost(TimeStampedModel):
    """One slot of a four-week plan: what to post then (an idea, its pillar and hook angle) and why.

    Accepted, it is on the calendar and its drafts are written in the background."""

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="+")
    scheduled_at = models.DateTimeField()
    topic = models.ForeignKey(
        "pillars.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trend = models.ForeignKey(
        "trends.PersonaTrend", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=300)
    pillar = models.ForeignKey(
        "pillars.Pillar", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    angle = models.CharField(max_length=20, blank=True)
    opening = models.CharField(max_length=300, blank=True)
    reasoning = models.CharField(max_length=600)
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default="proposed")
    generation = models.ForeignKey(
        "generation.Generation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    problem = models.CharField(max_length=300, blank=True)  # why its drafts could not start
    # The post one of its drafts became (the slot is then shown as that post, not as a plan).
    publication = models.ForeignKey(
        "publishing.Publication",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["scheduled_at"]
        indexes = [models.Index(fields=["persona", "status", "scheduled_at"], name="plan_when")]

    def __str__(self) -> str:
        return f"{self.scheduled_at:%Y-%m-%d %H:%M} {self.title}"
