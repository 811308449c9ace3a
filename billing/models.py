from __future__ import annotations

from django.db import models


class UsageKind(models.TextChoices):
    GENERATION = "generation", "Generation"


class UsageEvent(models.Model):
    """One use of something limited (a generation, say): what limits are counted from. Apps
    above record uses through billing.services, never by hand."""

    workspace_path = "workspace"

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="usage_events"
    )
    user = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=UsageKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "kind", "-created_at"], name="usage_user_kind_time")
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"
