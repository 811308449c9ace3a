"""Limits, checked and recorded in one place, and paying for more.

A higher app asks for an allowance before doing limited work (`usage_claim`: per-user
rolling limits, then the workspace plan's monthly allowance, then a bought credit) or before
adding one more of a counted thing (`limit_allows`: personas, accounts, seats, sources); both
refuse with a message that says what to do. Plans apply only where Stripe is configured: a
self-hosted install without Stripe keys is unlimited. Stripe tells us what was paid through
webhooks (`webhook_receive`): the signature is checked on the raw body, each event is stored
once by its id, and a subscription's state only moves forward in Stripe's time, so replays and
late deliveries change nothing."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User, Workspace
from accounts.permissions import Action, require
from accounts.services import user_lock, workspace_lock
from billing import defaults
from billing.models import (
    CreditEntry,
    CreditPack,
    Plan,
    StripeEvent,
    Subscription,
    SubscriptionStatus,
    UsageEvent,
    UsageKind,
)
from core import egress
from notifications.services import limit_reached_later

# Per user, over rolling windows: (setting holding the limit, window, how it reads).
_LIMITS: dict[str, tuple[tuple[str, timedelta, str], ...]] = {
    UsageKind.GENERATION: (
        ("GENERATIONS_PER_HOUR", timedelta(hours=1), "an hour"),
        ("GENERATIONS_PER_DAY", timedelta(days=1), "a day"),
    ),
}
_NOUNS: dict[str, str] = {
    UsageKind.GENERATION: "generations",
    UsageKind.SCHEDULED_POST: "scheduled posts",
}
_MONTHLY: dict[str, str] = {
    UsageKind.GENERATION: "generations_per_month",
    UsageKind.SCHEDULED_POST: "scheduled_posts_per_month",
}
COUNTED = {  # (one, many)
    "personas": ("persona", "personas"),
    "connected_accounts": ("connected account", "connected accounts"),
    "seats": ("member", "members"),
    "trend_sources": ("trend source", "trend sources"),
}
GRACE = timedelta(days=7)  # a failed payment keeps the plan this long


def _upgrade() -> str:
    """Where to go when a limit is hit (a full address: messages show it as a link)."""
    return f"Upgrade or buy a credit pack: {settings.SITE_URL}/billing/"


@dataclass(frozen=True)
class SelfHosted:
    """No Stripe keys: no plan, no limits, no billing pages."""

    slug: str = "self-hosted"
    name: str = "Self-hosted"
    personas: None = None
    generations_per_month: None = None
    scheduled_posts_per_month: None = None
    connected_accounts: None = None
    seats: None = None
    trend_sources: None = None


def billing_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def plan_for(workspace: Workspace | int) -> Plan | SelfHosted:
    """The plan whose limits apply now.

    The subscription's while it is active (or past due within its grace period), else Free."""
    if not billing_enabled():
        return SelfHosted()
    subscription = Subscription.objects.filter(workspace=workspace).select_related("plan").first()
    if subscription is not None and (
        subscription.status == SubscriptionStatus.ACTIVE
        or (
            subscription.status == SubscriptionStatus.PAST_DUE
            and subscription.grace_until
            and subscription.grace_until > timezone.now()
        )
    ):
        return subscription.plan
    free = Plan.objects.order_by("order").first()
    if free is None:  # a database emptied by hand (or a test's flush): the defaults again
        defaults.seed(Plan, CreditPack)
        free = Plan.objects.order_by("order").first()
    assert free is not None  # just seeded
    return free


def month_start(now: datetime | None = None) -> datetime:
    now = (now or timezone.now()).astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def credits_left(workspace: Workspace | int) -> int:
    return CreditEntry.objects.filter(workspace=workspace).aggregate(n=Sum("delta"))["n"] or 0


def limit_check(user: User, kind: str) -> None:
    """Raises a ValidationError saying when the next use is possible if the user is at a limit."""
    now = timezone.now()
    for setting, window, label in _LIMITS.get(kind, ()):
        limit = getattr(settings, setting)
        recent = UsageEvent.objects.filter(user=user, kind=kind, created_at__gte=now - window)
        if recent.count() >= limit:
            oldest = recent.order_by("-created_at").values_list("created_at", flat=True)[limit - 1]
            # In the person's own zone, named.
            next_at = timezone.localtime(oldest + window, ZoneInfo(user.timezone or "UTC"))
            raise ValidationError(
                f"You have reached {limit} {_NOUNS[kind]} {label}. The next one is possible at "
                f"{next_at:%H:%M}{'' if window.days == 0 else f' on {next_at:%d %b}'} "
                f"{next_at.tzname()}."
            )


@transaction.atomic
def usage_claim(*, user: User | None, workspace: Workspace, kind: str) -> UsageEvent:
    """Check the limits for one use of `kind` and record it.

    The user's rolling limits, then the plan's monthly allowance, past which a generation spends one
    bought credit. Under a lock on the user and on the workspace, so two requests at once cannot
    both take the last one."""
    if user is not None:
        user_lock(user)
        limit_check(user, kind)
    plan = plan_for(workspace)
    allowance = getattr(plan, _MONTHLY[kind]) if kind in _MONTHLY else None
    if allowance is not None:
        workspace_lock(workspace)  # two requests at once cannot both take the last one
        used = UsageEvent.objects.filter(
            workspace=workspace, kind=kind, created_at__gte=month_start()
        ).count()
        if used >= allowance:
            if kind == UsageKind.GENERATION and credits_left(workspace) > 0:
                CreditEntry.objects.create(
                    workspace=workspace, delta=-1, reason="a generation past the monthly allowance"
                )
            else:
                limit_reached_later(
                    workspace_id=workspace.pk,
                    title=f"This month's {_NOUNS[kind]} are used",
                    body=f"The {plan.name} plan includes {allowance} {_NOUNS[kind]} a month. "
                    "Upgrade, or buy credits, to go on.",
                    key=f"limit:{kind}:{month_start():%Y-%m}",
                )
                raise ValidationError(
                    f"Your {plan.name} plan includes {allowance} {_NOUNS[kind]} a month, and "
                    f"this month's are used. {_upgrade()}"
                )
    return UsageEvent.objects.create(workspace=workspace, user=user, kind=kind)


def plan_limit_check(kind: str, workspace_id: int, current: int) -> None:
    """accounts.limits' hook: one more `kind` in the workspace, within its plan or refused."""
    limit_allows(workspace=workspace_id, kind=kind, current=current)


def limit_allows(*, workspace: Workspace | int, kind: str, current: int) -> None:
    """Refuse one more of a counted thing when the workspace already has as many as its plan allows.

    Personas, connected_accounts, seats, trend_sources."""
    plan = plan_for(workspace)
    limit = getattr(plan, kind)
    if limit is not None and current >= limit:
        one, many = COUNTED[kind]
        limit_reached_later(
            workspace_id=workspace if isinstance(workspace, int) else workspace.pk,
            title=f"The plan's limit of {limit} {one if limit == 1 else many} was reached",
            body=f"The {plan.name} plan allows {limit} {one if limit == 1 else many}.",
            key=f"limit:{kind}:{limit}",
        )
        raise ValidationError(
            f"Your {plan.name} plan allows {limit} {one if limit == 1 else many}; this "
            f"workspace has {current}. Upgrade for more: {settings.SITE_URL}/billing/"
        )


def usage_this_month(workspace: Workspace) -> dict[str, Any]:
    """This month's use against each monthly allowance, and the credits left."""
    plan = plan_for(workspace)
    start = month_start()
    used = {
        kind: UsageEvent.objects.filter(
            workspace=workspace, kind=kind, created_at__gte=start
        ).count()
        for kind in _MONTHLY
    }
    return {
        "plan": plan,
        "rows": [
            {"name": _NOUNS[kind], "used": used[kind], "limit": getattr(plan, field)}
            for kind, field in _MONTHLY.items()
        ],
        "credits": credits_left(workspace),
        "since": start,
    }


# --- Stripe webhooks -------------------------------------------------------------------------


class WebhookRejected(Exception):
    """Not a genuine Stripe event (bad signature, unreadable body)."""


SIGNATURE_TOLERANCE = 300  # seconds either side of now (Stripe's library checks only the past)


def _signed_at(signature: str) -> int | None:
    for part in signature.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    return None


def webhook_receive(*, payload: bytes, signature: str) -> StripeEvent | None:
    """Verify the event on the raw body and apply it once.

    None when it was seen before. WebhookRejected (a 400) for a bad or stale signature — dated
    more than five minutes from now either way — and for anything that is not a well-formed
    event."""
    signed_at = _signed_at(signature)
    if signed_at is None or abs(time.time() - signed_at) > SIGNATURE_TOLERANCE:
        raise WebhookRejected("The signature's time is missing or more than 5 minutes away.")
    try:
        event = stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=SIGNATURE_TOLERANCE
        )
        data = event.to_dict() if hasattr(event, "to_dict") else dict(event)
        created = datetime.fromtimestamp(int(data["created"]), UTC)
        event_id, kind, obj = str(data["id"]), str(data["type"]), data["data"]["object"]
        if not isinstance(obj, dict) or not event_id or not kind:
            raise ValueError("no object")
    except stripe.SignatureVerificationError as error:
        raise WebhookRejected(f"Bad signature ({type(error).__name__}).") from None
    except (ValueError, KeyError, TypeError, OverflowError, OSError, AttributeError):
        raise WebhookRejected("Not a well-formed Stripe event.") from None
    with transaction.atomic():
        stored, fresh = StripeEvent.objects.get_or_create(
            event_id=event_id[:255],
            defaults={"type": kind[:100], "created": created, "payload": data},
        )
        if not fresh:
            return None
        _apply(kind, obj, created)
    return stored


def _workspace_id(obj: dict[str, Any]) -> int | None:
    value = (obj.get("metadata") or {}).get("workspace_id") or obj.get("client_reference_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


# A Checkout session has been paid for (or needs no payment: a free trial) — only then does it
# buy anything. A delayed payment method completes the session "unpaid" and pays later
# (checkout.session.async_payment_succeeded), or never (…_failed).
PAID = ("paid", "no_payment_required")


def _apply(kind: str, obj: dict[str, Any], created: datetime) -> None:
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        workspace_id = _workspace_id(obj)
        if workspace_id is None or obj.get("payment_status") not in PAID:
            return
        if obj.get("mode") == "payment":
            try:
                credits = int((obj.get("metadata") or {}).get("credits") or 0)
            except (TypeError, ValueError):
                credits = 0
            if credits > 0:
                CreditEntry.objects.get_or_create(
                    stripe_ref=str(obj.get("id") or ""),
                    defaults={
                        "workspace_id": workspace_id,
                        "delta": credits,
                        "reason": f"credit pack: {credits} generations",
                    },
                )
            return
        plan = Plan.objects.filter(slug=(obj.get("metadata") or {}).get("plan")).first()
        if plan is not None:
            _subscription_state(
                workspace_id,
                created,
                plan=plan,
                status=SubscriptionStatus.ACTIVE,
                customer=obj.get("customer") or "",
                subscription=obj.get("subscription") or "",
            )
    elif kind in ("customer.subscription.created", "customer.subscription.updated"):
        workspace_id = _workspace_id(obj) or _workspace_of_subscription(obj.get("id"))
        price = ((obj.get("items") or {}).get("data") or [{}])[0].get("price") or {}
        plan = Plan.objects.filter(stripe_price_id=price.get("id")).first() if price else None
        status = {
            "active": SubscriptionStatus.ACTIVE,
            "trialing": SubscriptionStatus.ACTIVE,
            "past_due": SubscriptionStatus.PAST_DUE,
            "unpaid": SubscriptionStatus.PAST_DUE,
        }.get(str(obj.get("status")), SubscriptionStatus.CANCELED)
        end = obj.get("current_period_end")
        if workspace_id is not None:
            _subscription_state(
                workspace_id,
                created,
                plan=plan,
                status=status,
                customer=obj.get("customer") or "",
                subscription=obj.get("id") or "",
                period_end=datetime.fromtimestamp(int(end), UTC) if end else None,
            )
    elif kind == "customer.subscription.deleted":
        workspace_id = _workspace_id(obj) or _workspace_of_subscription(obj.get("id"))
        if workspace_id is not None:
            _subscription_state(workspace_id, created, status=SubscriptionStatus.CANCELED)
    elif kind == "invoice.payment_failed":
        workspace_id = _workspace_of_subscription(obj.get("subscription"))
        if workspace_id is not None:
            _subscription_state(workspace_id, created, status=SubscriptionStatus.PAST_DUE)


def _workspace_of_subscription(stripe_id: str | None) -> int | None:
    if not stripe_id:
        return None
    return (
        Subscription.objects.filter(stripe_subscription_id=stripe_id)
        .values_list("workspace_id", flat=True)
        .first()
    )


def _subscription_state(
    workspace_id: int,
    created: datetime,
    *,
    status: str,
    plan: Plan | None = None,
    customer: str = "",
    subscription: str = "",
    period_end: datetime | None = None,
) -> None:
    """Apply a Stripe event's subscription state unless a later event already did.

    Move the workspace's subscription to what an event of time `created` says, unless a
    later event already spoke (ids learnt are kept whatever the order)."""
    row = Subscription.objects.select_for_update().filter(workspace_id=workspace_id).first()
    if row is None:
        if plan is None:
            return
        row = Subscription(workspace_id=workspace_id, plan=plan, status=status)
    if customer:
        row.stripe_customer_id = customer
    if subscription:
        row.stripe_subscription_id = subscription
    if row.state_as_of is None or created >= row.state_as_of:
        row.status = status
        row.plan = plan or row.plan
        row.current_period_end = period_end or row.current_period_end
        row.grace_until = created + GRACE if status == SubscriptionStatus.PAST_DUE else None
        row.state_as_of = created
    row.save()


# --- Stripe Checkout and the Customer Portal ---------------------------------------------------


class _EgressHTTPClient(stripe.HTTPXClient):
    """The stripe SDK's httpx client, through our egress path.

    The stripe SDK's httpx client, sending through our egress path like every other
    outbound request."""

    def __init__(self) -> None:
        super().__init__(timeout=30, allow_sync_methods=True)
        self._client = egress.shared_client("stripe", timeout=30)


_stripe_http: dict[int, _EgressHTTPClient] = {}


def _stripe() -> stripe.StripeClient:
    # One HTTP client per process (building one loads the CA bundle twice).
    http = _stripe_http.get(os.getpid()) or _stripe_http.setdefault(
        os.getpid(), _EgressHTTPClient()
    )
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_URL},
        http_client=http,
    )


def checkout_start(
    *,
    workspace: Workspace,
    role: str,
    user: User,
    success_url: str,
    cancel_url: str,
    plan: Plan | None = None,
    pack: CreditPack | None = None,
) -> str:
    """A Stripe Checkout session for a plan (a subscription) or a credit pack (a one-time payment).

    The address to send the buyer to. What was bought arrives by webhook."""
    require(role, Action.CONFIGURE)
    if not billing_enabled():
        raise ValidationError("Billing is not set up on this installation.")
    chosen = plan or pack
    if chosen is None or not chosen.stripe_price_id:
        raise ValidationError("That plan or pack cannot be bought yet (no Stripe price).")
    metadata = {"workspace_id": str(workspace.pk)}
    params: dict[str, Any] = {
        "line_items": [{"price": chosen.stripe_price_id, "quantity": 1}],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": str(workspace.pk),
    }
    if plan is not None:
        params.update(
            mode="subscription",
            metadata={**metadata, "plan": plan.slug},
            subscription_data={"metadata": metadata},
        )
    else:
        assert pack is not None  # chosen is the pack
        params.update(mode="payment", metadata={**metadata, "credits": str(pack.credits)})
    customer = (
        Subscription.objects.filter(workspace=workspace)
        .values_list("stripe_customer_id", flat=True)
        .first()
    )
    if customer:
        params["customer"] = customer
    else:
        params["customer_email"] = user.email
    try:
        session = _stripe().v1.checkout.sessions.create(params=cast(Any, params))
    except stripe.StripeError as error:
        message = error.user_message or str(error)
        raise ValidationError(f"Stripe could not start the payment: {message}") from None
    if not session.url:
        raise ValidationError("Stripe did not return a payment page; try again.")
    return session.url


def portal_url(*, workspace: Workspace, role: str, return_url: str) -> str:
    """The Stripe Customer Portal, where the plan is changed or cancelled."""
    require(role, Action.CONFIGURE)
    customer = (
        Subscription.objects.filter(workspace=workspace)
        .values_list("stripe_customer_id", flat=True)
        .first()
    )
    if not customer:
        raise ValidationError("There is no subscription to manage yet: choose a plan first.")
    try:
        session = _stripe().v1.billing_portal.sessions.create(
            params={"customer": customer, "return_url": return_url}
        )
    except stripe.StripeError as error:
        message = error.user_message or str(error)
        raise ValidationError(f"Stripe could not open the portal: {message}") from None
    return session.url
