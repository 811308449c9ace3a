from __future__ import annotations

from django.db import models


class Outcome(models.TextChoices):
    OK = "ok", "OK"
    ERROR = "error", "Error"


class ModelKind(models.TextChoices):
    OPENAI = "openai", "OpenAI"
    ANTHROPIC = "anthropic", "Anthropic"
    COMPATIBLE = "compatible", "OpenAI-compatible server (Ollama, LM Studio, vLLM, llama.cpp …)"


class ModelConnection(models.Model):
    """A model a workspace brings: tried in `position` order before the built-in offline writer.

    The key is encrypted at rest (core.crypto) and never shown again."""

    user_role: str  # not a column: set by accounts.selectors.get_object_for

    workspace_path = "workspace"

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="model_connections"
    )
    kind = models.CharField(max_length=12, choices=ModelKind.choices)
    model = models.CharField(max_length=120)
    # Voice notes: the model its audio/transcriptions endpoint uses (OpenAI and OpenAI-compatible
    # servers only); empty: this connection does not transcribe.
    transcription_model = models.CharField(max_length=120, blank=True)
    base_url = models.URLField(blank=True)
    api_key_encrypted = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.model}"

    @property
    def label(self) -> str:
        where = self.base_url or {"openai": "api.openai.com", "anthropic": "api.anthropic.com"}.get(
            self.kind, ""
        )
        return f"{self.model} on {where}"

    @property
    def api_key(self) -> str:
        from core.crypto import decrypt

        return decrypt(self.api_key_encrypted) if self.api_key_encrypted else ""


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
