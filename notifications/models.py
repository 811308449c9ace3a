"""What a person (and a workspace's systems) is told.

One row per notification and recipient (the in-app centre reads them; mail is sent from them, once),
and how each person wants mail."""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.crypto import decrypt
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
    INBOX = "inbox", "New mentions and replies"


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


class EventType(models.TextChoices):
    """What a workspace's systems can be told (event webhooks)."""

    PUBLISHED = "publication.published", "A post went out on an account"
    FAILED = "publication.failed", "A post failed on an account"
    UNCONFIRMED = "publication.unconfirmed", "A post may or may not be out: check it"
    GENERATION_COMPLETED = "generation.completed", "Drafts are written"
    IDEA_ADDED = "idea.added", "An idea was added"
    APPROVAL_REQUESTED = "approval.requested", "A post waits for approval"
    ACCOUNT_RECONNECT = "account.needs_reconnect", "An account needs reconnecting"


class WebhookEndpoint(TimeStampedModel):
    """A URL of the workspace's that is told, signed, of the events it subscribed to."""

    workspace_path = "workspace"

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=1000)
    events = ArrayField(models.CharField(max_length=40, choices=EventType.choices))
    secret_encrypted = models.TextField()
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return self.url

    @property
    def secret(self) -> str:
        return decrypt(self.secret_encrypted)


class Event(models.Model):
    """Something that happened, with a stable id: every delivery (and resend) carries it."""

    workspace_path = "workspace"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=40, choices=EventType.choices)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class EventDelivery(TimeStampedModel):
    """One event to one endpoint: retried with backoff for a day until it is taken (2xx)."""

    workspace_path = "endpoint__workspace"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the next attempt may start; a claimed delivery sets it a lease ahead, so a worker
    # that dies mid-send leaves it to the next sweep rather than stuck.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_endpoint")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id}: {self.status}"
