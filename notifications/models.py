"""What a person is told.

One row per notification and recipient (the in-app centre reads them; mail is sent from them, once),
and how each person wants mail."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel


class Kind(models.TextChoices):
    APPROVAL_REQUESTED = "approval_requested", "A post waits for approval"
    APPROVED = "approved", "Your post was approved"
    SENT_BACK = "sent_back", "Your post was sent back"
    POST_FAILED = "post_failed", "A post failed"
    POST_UNCONFIRMED = "post_unconfirmed", "A post needs checking"
    ACCOUNT_RECONNECT = "account_reconnect", "An account needs reconnecting"
    LIMIT_REACHED = "limit_reached", "A plan limit was reached"
    EVERGREEN = "evergreen", "An evergreen post needs you"


class Notification(TimeStampedModel):
    workspace_path = "workspace"

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="notifications"
    )
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=1000, blank=True)
    url = models.CharField(max_length=500, blank=True)  # a path in this site
    # The same event told twice is told once (e.g. "limit:generations:2026-12").
    key = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(fields=["user", "-created_at"], name="notification_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=~Q(key=""), name="notification_once"
            )
        ]

    def __str__(self) -> str:
        return self.title


class EmailMode(models.TextChoices):
    EACH = "each", "Each notification, as it happens"
    DIGEST = "digest", "One daily digest"
    OFF = "off", "No e-mail (the bell only)"


class NotificationSettings(models.Model):
    user = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, related_name="notification_settings"
    )
    email = models.CharField(max_length=10, choices=EmailMode.choices, default=EmailMode.EACH)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"{self.user}: {self.email}"
