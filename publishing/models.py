"""Connected accounts, what is published where, and the state of every (post, account) target.

A target's life: scheduled → claimed → sending → published, or → retry_scheduled → …, or
→ unknown (the outcome of a send is not known) → reconciled before any retry, or → dead (a
dead letter, with the reason in words), or unconfirmed (the platform cannot tell us: the
creator decides). The idempotency key is stored when the target is created, so it exists
before any network call."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.crypto import decrypt, encrypt
from core.models import TimeStampedModel
from personas.models import Persona

EXPIRES_SOON = timedelta(days=3)


class Platform(models.TextChoices):
    SANDBOX = "sandbox", "Practice (sandbox)"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    X = "x", "X"
    LINKEDIN = "linkedin", "LinkedIn"
    THREADS = "threads", "Threads"
    WEBHOOK = "webhook", "Webhook (your own endpoint)"
    MANUAL = "manual", "Manual (you post it yourself)"


class AccountStatus(models.TextChoices):
    CONNECTED = "connected", "Connected"
    NEEDS_RECONNECT = "reconnect", "Needs reconnecting"
    DISCONNECTED = "disconnected", "Disconnected"


class Account(TimeStampedModel):
    """A workspace's connection to one account on a platform.

    Tokens are encrypted at rest (MultiFernet, FIELD_ENCRYPTION_KEYS) and never shown, logged or
    put in the admin."""

    workspace_path = "workspace"

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="publishing_accounts"
    )
    platform = models.CharField(max_length=20, choices=Platform.choices)
    name = models.CharField(max_length=200)  # @handle@instance, as the creator knows it
    # The Mastodon instance, the Bluesky PDS, or the webhook's endpoint.
    base_url = models.URLField(blank=True)
    # The platform's id for the account: Bluesky DID, X user id, LinkedIn person URN, Threads
    # user id (what posts are made as).
    external_user_id = models.CharField(max_length=200, blank=True)
    # Secrets, encrypted: the access token (the webhook's signing secret), the refresh token
    # (Bluesky's refreshJwt, X/LinkedIn/Threads refresh tokens).
    access_token_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # The most characters a post may have here, when the server says (a Mastodon instance's
    # own limit); otherwise the platform's.
    max_characters = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=AccountStatus.choices, default=AccountStatus.CONNECTED
    )
    last_error = models.CharField(max_length=300, blank=True)
    # A webhook's signing secret is shown on the accounts page (with a copy button) from when
    # it is made or rotated until someone with editing rights says it is saved.
    reveal_secret = models.BooleanField(default=False)
    # A paused queue: nothing is sent to this account until it is resumed (posts that come due
    # meanwhile wait, then go out in their order).
    paused_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} · {self.get_platform_display()}"

    @property
    def access_token(self) -> str:
        return decrypt(self.access_token_encrypted) if self.access_token_encrypted else ""

    def set_access_token(self, token: str) -> None:
        self.access_token_encrypted = encrypt(token) if token else ""

    @property
    def refresh_token(self) -> str:
        return decrypt(self.refresh_token_encrypted) if self.refresh_token_encrypted else ""

    def set_refresh_token(self, token: str) -> None:
        self.refresh_token_encrypted = encrypt(token) if token else ""

    @property
    def health(self) -> str:
        """valid / expires soon / needs reconnect, for the accounts page."""
        if self.status != AccountStatus.CONNECTED:
            return self.get_status_display()
        if self.token_expires_at and self.token_expires_at - timezone.now() < EXPIRES_SOON:
            # A refresh token renews it at the next send; without one the creator must.
            return "Renews at the next post" if self.refresh_token_encrypted else "Expires soon"
        return "Valid"


class OAuthApp(TimeStampedModel):
    """The OAuth client ContentTwin registered on one Mastodon server (POST /api/v1/apps).

    Mastodon has no central developer portal, so each instance gets its own app."""

    base_url = models.URLField(unique=True)
    client_id = models.CharField(max_length=200)
    client_secret_encrypted = models.TextField()

    def __str__(self) -> str:
        return self.base_url

    @property
    def client_secret(self) -> str:
        return decrypt(self.client_secret_encrypted)


class Approval(models.TextChoices):
    NOT_NEEDED = "not_needed", "No approval needed"
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    SENT_BACK = "sent_back", "Sent back"


class Publication(TimeStampedModel):
    """A post to publish.

    Its text, for a persona, at a time (UTC; shown in the persona's zone), to one or more accounts
    (its targets). In a workspace where posts need approval, an editor's post waits (its targets in
    DRAFT) until an owner or admin approves it."""

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="publications")
    text = models.TextField(max_length=25_000)
    scheduled_at = models.DateTimeField()
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approval = models.CharField(
        max_length=10, choices=Approval.choices, default=Approval.NOT_NEEDED
    )
    review_comment = models.CharField(max_length=1000, blank=True)
    # the idea in the inbox it was written for: marked published when the post goes out
    idea = models.ForeignKey(
        "pillars.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A thread is the text cut by lines holding only `---` (language.threads); each part goes
    # out as a reply to the one before. "1/n" is added to each part when asked.
    number_parts = models.BooleanField(default=False)
    # Posted as a reply to the post (a comment on LinkedIn) once the post is out.
    first_comment = models.TextField(max_length=5_000, blank=True)
    # Evergreen: re-shared `evergreen_days` after its last share, into a free slot of the
    # posting schedule, at most `evergreen_times` times, never within `evergreen_gap_days` of
    # the last share (calendar_app.evergreen). A platform that refuses the same text twice (X)
    # gets a re-share only with a changed version (`evergreen_versions`: account id -> text).
    evergreen = models.BooleanField(default=False)
    evergreen_days = models.PositiveSmallIntegerField(default=60)
    evergreen_times = models.PositiveSmallIntegerField(default=3)
    evergreen_gap_days = models.PositiveSmallIntegerField(default=30)
    evergreen_versions = models.JSONField(default=dict, blank=True)
    reshare_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reshares"
    )
    share_number = models.PositiveSmallIntegerField(default=0)  # 0: not a re-share
    # Predicted engagement (0–100 among the persona's own posts) and the factors in words,
    # made in the background when the text is set or the persona's model is retrained; never
    # on a page view. predicted_at None: not (yet) predicted for this text.
    predicted_score = models.PositiveSmallIntegerField(null=True, blank=True)
    predicted_why = models.JSONField(default=list, blank=True)
    predicted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reshare_of", "share_number"],
                condition=models.Q(reshare_of__isnull=False),
                name="one_reshare_per_number",
            )
        ]
        indexes = [
            models.Index(
                fields=["evergreen"], condition=models.Q(evergreen=True), name="evergreen_posts"
            ),
            # A persona's posts by time, newest first: the API's pages, the calendar's ranges.
            models.Index(
                fields=["persona", "-scheduled_at", "-id"], name="publication_persona_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.text[:40]} @ {self.scheduled_at:%Y-%m-%d %H:%M}"

    # Derived from its targets' states (prefetch `targets` to keep a list page at one query).
    def _states(self) -> list[str]:
        return [t.state for t in self.targets.all()]

    @property
    def can_cancel(self) -> bool:
        return any(state in CANCELLABLE_STATES for state in self._states())

    @property
    def is_movable(self) -> bool:
        """Neither out, nor on its way, nor in doubt: its time and text can still change."""
        return not any(state in FIXED_STATES for state in self._states())

    @property
    def is_pending(self) -> bool:
        return any(state in PENDING_STATES for state in self._states())

    @property
    def prediction(self) -> tuple[int, list[str]] | None:
        """The stored engagement prediction for this text, if any.

        (predicted engagement 0–100, its factors in words) once the background job has
        predicted this text; None before, or without an engagement model."""
        if self.predicted_at is None or self.predicted_score is None:
            return None
        return self.predicted_score, list(self.predicted_why)

    def next_share_due(self, shares: list[Publication]) -> datetime:
        """Evergreen: when the next re-share is due.

        `evergreen_days` after the last share (`shares`: its live re-shares,
        publishing.selectors.live_reshares)."""
        last = max([self.scheduled_at, *(s.scheduled_at for s in shares)])
        return last + timedelta(days=self.evergreen_days)

    @property
    def is_coming(self) -> bool:
        """Still to go out somewhere (waiting for approval, scheduled, on its way)."""
        return any(s in (TargetState.DRAFT, *PENDING_STATES) for s in self._states())


class PublicationEvent(models.Model):
    """The activity log of a post.

    Who did what, when (ContentTwin itself when actor is empty: published, failed)."""

    workspace_path = "publication__persona__workspace"

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    detail = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} · {self.created_at:%Y-%m-%d %H:%M}"


class PublicationImage(models.Model):
    """An image attached to a post, checked with Pillow when it was added, with its alt text.

    Its real type, size and dimensions are stored."""

    workspace_path = "publication__persona__workspace"

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to="publications/%Y/%m/")
    alt_text = models.CharField(max_length=1000, blank=True)
    content_type = models.CharField(max_length=30)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)
    part = models.PositiveSmallIntegerField(default=0)  # which part of a thread it goes with

    class Meta:
        ordering = ["part", "position", "id"]

    def __str__(self) -> str:
        return str(self.file.name)

    def read(self) -> bytes:
        with self.file.open("rb") as handle:
            return bytes(handle.read())


class TargetState(models.TextChoices):
    DRAFT = "draft", "Waiting for approval"
    SCHEDULED = "scheduled", "Scheduled"
    CLAIMED = "claimed", "Claimed"
    SENDING = "sending", "Sending"
    PUBLISHED = "published", "Published"
    RETRY_SCHEDULED = "retry", "Will retry"
    UNKNOWN = "unknown", "Checking whether it went out"
    UNCONFIRMED = "unconfirmed", "Unconfirmed: please check"
    DEAD = "dead", "Failed"
    HANDOFF = "handoff", "Your turn to post it"
    CANCELLED = "cancelled", "Cancelled"


# Every label and action a page shows for a target, and what services allow, is derived from
# these groups (one place: pages and services never compare states on their own).
# Waiting for its time (or its retry's): "Post now" brings these forward.
WAITING_STATES = (TargetState.SCHEDULED, TargetState.RETRY_SCHEDULED)
# Waiting on the scheduler (due_at says when).
DUE_STATES = (*WAITING_STATES, TargetState.UNKNOWN)
# Being worked on by a worker holding the lease.
WORKING_STATES = (TargetState.CLAIMED, TargetState.SENDING)
# Still on its way: the queue page keeps refreshing while any target is in one of these.
PENDING_STATES = (*DUE_STATES, *WORKING_STATES)
# Out, on its way, or in doubt: the post can no longer be moved or edited.
FIXED_STATES = (
    *WORKING_STATES,
    TargetState.UNKNOWN,
    TargetState.PUBLISHED,
    TargetState.UNCONFIRMED,
)
# Not sent and not in doubt: "Cancel what is not sent" cancels these.
CANCELLABLE_STATES = (
    TargetState.DRAFT,
    TargetState.SCHEDULED,
    TargetState.RETRY_SCHEDULED,
    TargetState.HANDOFF,
)
RETRYABLE_STATES = (TargetState.DEAD, TargetState.UNCONFIRMED)  # "Retry now" / "Publish again"
CONFIRMABLE_STATES = (TargetState.UNCONFIRMED, TargetState.HANDOFF)  # "It's there" / "Mark …"
DISCARDABLE_STATES = (TargetState.DEAD, TargetState.UNCONFIRMED, TargetState.HANDOFF)
# Out, or may be: what is there cannot be edited.
MAY_BE_OUT_STATES = (TargetState.PUBLISHED, TargetState.UNCONFIRMED)
# Where the engine stops and the creator is told (a dead letter, a doubt, a hand-over).
STOPPED_STATES = (TargetState.DEAD, TargetState.UNCONFIRMED, TargetState.HANDOFF)
# Not the engine's any more: an edit leaves them as they are.
LEFT_ALONE_STATES = (TargetState.CANCELLED, TargetState.HANDOFF)
# States whose last_error explains what the creator sees (any other state hides a stale one).
EXPLAINED_STATES = (
    TargetState.RETRY_SCHEDULED,
    TargetState.UNKNOWN,
    TargetState.DEAD,
    TargetState.UNCONFIRMED,
    TargetState.HANDOFF,
)


class Target(TimeStampedModel):
    """One (publication, account) pair: published exactly once, whatever fails around it."""

    workspace_path = "publication__persona__workspace"

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="targets")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="targets")
    state = models.CharField(
        max_length=12, choices=TargetState.choices, default=TargetState.SCHEDULED
    )
    due_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    # A send whose outcome is unknown: the next attempt asks the platform first.
    needs_reconcile = models.BooleanField(default=False)
    # Sent with every attempt (Mastodon's Idempotency-Key, the sandbox's key): created with the
    # target, so it is in the database before any request carries it.
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False)
    # Idempotency material a platform lets us choose or gives us mid-way, committed before the
    # request that uses it: Bluesky's record key (a TID), Threads' container id.
    platform_ref = models.CharField(max_length=100, blank=True)
    lease_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    first_sent_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Analytics reads the published post's numbers back: fresh posts often, old ones rarely,
    # failures backing off (see publishing.services.target_metrics_read).
    metrics_next_at = models.DateTimeField(null=True, blank=True, db_index=True)
    metrics_failures = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # This account's own version of the text (blank: it follows the post's text), and of the
    # first comment (blank: the post's; `comment_off`: none for this account).
    text = models.TextField(max_length=25_000, blank=True)
    first_comment = models.TextField(max_length=5_000, blank=True)
    comment_off = models.BooleanField(default=False)
    # A reply to someone else's post (the inbox): the post it answers and its thread's root,
    # by the platform's ids ({"id", "cid", "root_id", "root_cid"}); empty for a post.
    reply_to = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "account"], name="target_once"),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(state__in=["scheduled", "retry", "unknown"]),
                name="target_due",
            ),
            # What the sweep counts (in flight) and reclaims (leases expired).
            models.Index(
                fields=["claimed_at"],
                condition=Q(state__in=["claimed", "sending"]),
                name="target_working",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publication_id} → {self.account} ({self.state})"

    # What the creator may do with it, and what the page explains (from the groups above).
    @property
    def can_retry(self) -> bool:
        return self.state in RETRYABLE_STATES

    @property
    def resume_from(self) -> int | None:
        """The part of a thread a retry starts from (1-based) when the parts before it are out.

        Prefetch `parts` on a list page."""
        parts = [p for p in self.parts.all() if p.kind == "post"]
        out = sum(1 for p in parts if p.published_at)
        return out + 1 if 0 < out < len(parts) else None

    @property
    def can_confirm(self) -> bool:
        return self.state in CONFIRMABLE_STATES

    @property
    def can_discard(self) -> bool:
        return self.state in DISCARDABLE_STATES

    @property
    def problem(self) -> str:
        """last_error when it still explains the state ("" once the post is out)."""
        return self.last_error if self.state in EXPLAINED_STATES else ""


class PartKind(models.TextChoices):
    POST = "post", "Post"
    COMMENT = "comment", "First comment"


class TargetPart(models.Model):
    """One request's worth of a target: a post, one part of a thread, or the first comment.

    Made (with its own idempotency material) when the target is first claimed, before any
    request; sent in order — part n only once part n−1 is out and its id stored — and each
    reconciled on its own, so a thread goes out once, in order, whatever fails around it."""

    workspace_path = "target__publication__persona__workspace"

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="parts")
    index = models.PositiveSmallIntegerField()  # 0 = the post; a comment comes last
    kind = models.CharField(max_length=10, choices=PartKind.choices, default=PartKind.POST)
    text = models.TextField(max_length=25_000)
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False)
    platform_ref = models.CharField(max_length=100, blank=True)
    first_sent_at = models.DateTimeField(null=True, blank=True)
    needs_reconcile = models.BooleanField(default=False)
    external_id = models.CharField(max_length=300, blank=True)
    external_cid = models.CharField(max_length=200, blank=True)  # Bluesky's record cid
    external_url = models.URLField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["target", "index"]
        constraints = [
            models.UniqueConstraint(fields=["target", "index"], name="target_part_once"),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} #{self.index} ({self.kind})"

    @property
    def is_out(self) -> bool:
        return bool(self.external_id)


class SandboxPost(models.Model):
    """The sandbox platform's timeline: what a sandbox account published (demo and tests).

    The idempotency key is unique, as a real platform's would be honoured."""

    workspace_path = "account__workspace"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="sandbox_posts")
    idempotency_key = models.UUIDField(unique=True)
    text = models.TextField()
    images = models.JSONField(default=list, blank=True)  # [{"id": PublicationImage id, "alt"}]
    # A thread's later parts and first comments answer the post before them.
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.text[:40]
