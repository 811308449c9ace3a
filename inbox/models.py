from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.models import TimeStampedModel
from personas.models import Persona
from publishing.models import Account


class InboxKind(models.TextChoices):
    MENTION = "mention", "Mention"
    REPLY = "reply", "Reply"
    QUOTE = "quote", "Quote"


class InboxStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class InboxItem(TimeStampedModel):
    """Someone else's post that names or answers one of the workspace's accounts.

    Synced from the platform, once per platform id (the unique constraint makes a second sync of
    the same page add nothing)."""

    workspace_path = "workspace"

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    # The persona whose post it answers, when it answers one of ours.
    persona = models.ForeignKey(
        Persona, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    platform_id = models.CharField(max_length=300)  # a status id, an at:// uri
    kind = models.CharField(max_length=10, choices=InboxKind.choices)
    author_handle = models.CharField(max_length=200)
    author_name = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    parent_id = models.CharField(max_length=300, blank=True)  # the post it answers
    extra = models.JSONField(default=dict, blank=True)  # what a reply to it needs (a cid)
    received_at = models.DateTimeField()  # when its author posted it
    is_read = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=InboxStatus.choices, default=InboxStatus.OPEN)
    assigned_to = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Three replies suggested in a persona's voice: [{"text", "score", "by", "note"}].
    suggestions = models.JSONField(default=list, blank=True)
    # Our answer, sent through the publishing engine (exactly once, like every post).
    reply = models.ForeignKey(
        "publishing.Publication", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "platform_id"], name="inbox_item_once")
        ]
        indexes = [
            models.Index(fields=["workspace", "status", "-received_at"], name="inbox_open_new"),
        ]

    def __str__(self) -> str:
        return f"{self.author_handle}: {self.text[:40]}"


class InboxSync(models.Model):
    """Where an account's sync stands: its cursor, when it runs next, and how the last one went."""

    workspace_path = "account__workspace"

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="+")
    cursor = models.CharField(max_length=300, blank=True)
    next_at = models.DateTimeField(default=timezone.now)
    failures = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Inbox sync of {self.account_id}"
