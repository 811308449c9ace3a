from __future__ import annotations

from django.db import models


class UsageKind(models.TextChoices):
    GENERATION = "generation", "Generation"
    SCHEDULED_POST = "scheduled", "Scheduled post"


class UsageEvent(models.Model):
    """One use of something limited (a generation, say): what limits are counted from.

    Apps above record uses through billing.services, never by hand."""

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


class Plan(models.Model):
    """What a workspace may do a month and the Stripe price that buys it.

    Admin-editable; None is unlimited. Used only where Stripe is configured: a self-hosted install
    without Stripe keys runs unlimited and shows no billing pages."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=60)
    monthly_price = models.CharField(max_length=40, blank=True, help_text="As shown, e.g. “€19”.")
    stripe_price_id = models.CharField(max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    personas = models.PositiveIntegerField(null=True, blank=True)
    generations_per_month = models.PositiveIntegerField(null=True, blank=True)
    scheduled_posts_per_month = models.PositiveIntegerField(null=True, blank=True)
    connected_accounts = models.PositiveIntegerField(null=True, blank=True)
    seats = models.PositiveIntegerField(null=True, blank=True)
    trend_sources = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Payment failed (grace period)"
    CANCELED = "canceled", "Canceled"


class Subscription(models.Model):
    """A workspace's plan as Stripe last told us (webhooks), with the Stripe ids."""

    workspace_path = "workspace"

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="subscription"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=SubscriptionStatus.choices)
    stripe_customer_id = models.CharField(max_length=100, blank=True)
    stripe_subscription_id = models.CharField(max_length=100, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    grace_until = models.DateTimeField(null=True, blank=True)
    # the Stripe event time the state came from: an older event arriving late changes nothing
    state_as_of = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.workspace_id}: {self.plan} ({self.status})"


class CreditPack(models.Model):
    """A one-time purchase of generation credits, spent after the monthly allowance."""

    name = models.CharField(max_length=60)
    credits = models.PositiveIntegerField()
    price = models.CharField(max_length=40, blank=True)
    stripe_price_id = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.credits} credits)"


class CreditEntry(models.Model):
    """One change of a workspace's generation credits: + a pack bought, − one spent."""

    workspace_path = "workspace"

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="credit_entries"
    )
    delta = models.IntegerField()
    reason = models.CharField(max_length=200)
    stripe_ref = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.delta:+d} for {self.workspace_id}: {self.reason}"


class StripeEvent(models.Model):
    """Each webhook event once, by its id: a replay finds it and changes nothing."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    created = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField()

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
