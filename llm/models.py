from __future__ import annotations

from django.db import models


class Outcome(models.TextChoices):
    OK = "ok", "OK"
    ERROR = "error", "Error"


class UsageRecord(models.Model):
    """One row per model call, successful or not: the basis for limits, billing and costs."""

    workspace_path = "workspace"

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="usage_records"
    )
    persona = models.ForeignKey(
        "personas.Persona", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(max_length=40)  # generation, refine, regenerate, embedding
    provider = models.CharField(max_length=40)
    model = models.CharField(max_length=120)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cost_micros = models.PositiveBigIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=5, choices=Outcome.choices)
    error_kind = models.CharField(max_length=20, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at"], name="usage_workspace_time")]

    def __str__(self) -> str:
        return f"{self.provider}/{self.model} {self.purpose} {self.outcome}"
