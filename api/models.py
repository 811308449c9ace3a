"""Personal API tokens and the answers kept for idempotent POSTs."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from accounts.models import Workspace
from core.models import TimeStampedModel


class Scope(models.TextChoices):
    READ = "read", "Read: see personas, posts, drafts, posts scheduled, analytics"
    WRITE = "write", "Write: add posts and ideas, write and decide on drafts"
    PUBLISH = "publish", "Publish: schedule, cancel and retry posts"


class ApiToken(TimeStampedModel):
    """A personal API token.

    Acts as its user in one workspace, within its scopes and the user's role there. Only a digest of
    the secret is stored; the token is shown once."""

    workspace_path = "workspace"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80)
    # The token's public part (after the prefix), to find its row without a scan.
    lookup = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)  # sha256 of the whole token, hex
    scopes = ArrayField(models.CharField(max_length=10, choices=Scope.choices))
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.lookup}…)"


class IdempotentRequest(models.Model):
    """The answer to a POST made with an `Idempotency-Key`, kept a day.

    The same key with the same body gets this answer again; with another body, a 409."""

    token_digest = models.CharField(max_length=64)  # whose key it is (the token's digest)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # sha256 of method, path, query and body
    status_code = models.PositiveSmallIntegerField(null=True)  # None: still being answered
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token_digest", "key"], name="idempotency_key_once")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.key} → {self.status_code or 'pending'}"
