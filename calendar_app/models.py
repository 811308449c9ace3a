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
