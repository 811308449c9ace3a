"""Plans, limits in services, credit packs, and Stripe.

The real SDK against a loopback fake; webhook payloads signed here as Stripe signs them."""

from __future__ import annotations

import json
import random
import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from billing import services
from billing.defaults import seed
from billing.models import CreditEntry, CreditPack, Plan, StripeEvent, Subscription, UsageKind
from personas.services import persona_create
from tests.factories import PersonaFactory, UserFactory
from tests.fakes.stripe_server import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, event, sign


@pytest.fixture
def stripe_on(settings, db):
    with FakeStripe() as fake:
        settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = SECRET_KEY, WEBHOOK_SECRET
        settings.STRIPE_API_URL = fake.base_url
        seed(Plan, CreditPack)  # gone if a browser test emptied the database before
        Plan.objects.filter(slug="creator").update(stripe_price_id="price_creator")
        Plan.objects.filter(slug="pro").update(stripe_price_id="price_pro")
        yield fake


def _deliver(client, item: dict, secret: str = WEBHOOK_SECRET):
    payload = json.dumps(item).encode()
    return client.post(
        reverse("billing_webhook"),
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": sign(payload, secret)},
    )


def test_a_self_hosted_install_is_unlimited_and_has_no_billing_pages(
    owner, workspace, owner_client
):
    assert owner_client.get(reverse("billing")).status_code == 404
    assert "Billing" not in owner_client.get(reverse("dashboard")).content.decode()
    for _ in range(40):
        services.usage_claim(user=None, workspace=workspace, kind=UsageKind.SCHEDULED_POST)
    assert services.plan_for(workspace).name == "Self-hosted"


def test_a_monthly_limit_holds_at_exactly_its_boundary_then_credits_carry_on(stripe_on, workspace):
    Plan.objects.filter(slug="free").update(generations_per_month=2)
    for _ in range(2):  # the allowance, exactly
        services.usage_claim(user=None, workspace=workspace, kind=UsageKind.GENERATION)
    with pytest.raises(ValidationError, match="includes 2 generations a month") as refused:
        services.usage_claim(user=None, workspace=workspace, kind=UsageKind.GENERATION)
    assert "/billing/" in str(refused.value)
    CreditEntry.objects.create(workspace=workspace, delta=2, reason="pack", stripe_ref="cs_x")
    services.usage_claim(user=None, workspace=workspace, kind=UsageKind.GENERATION)
    services.usage_claim(user=None, workspace=workspace, kind=UsageKind.GENERATION)
    assert services.credits_left(workspace) == 0
    with pytest.raises(ValidationError):
        services.usage_claim(user=None, workspace=workspace, kind=UsageKind.GENERATION)


def test_counted_limits_refuse_one_more_persona_and_member(stripe_on, owner, workspace):
    PersonaFactory(workspace=workspace)  # Free allows one persona
    with pytest.raises(ValidationError, match="allows 1 persona;"):
        persona_create(
            workspace=workspace, role=Role.OWNER, data={"name": "Second", "platform": "linkedin"}
        )
    from accounts.services import invitation_accept, invitation_create

    invitation = invitation_create(
        workspace=workspace, inviter=owner, inviter_role=Role.OWNER, email="new@example.com",
        role=Role.EDITOR,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="allows 1 member;"):
        invitation_accept(invitation=invitation, user=UserFactory(email="new@example.com"))


def _story(workspace_id: int) -> list[dict]:
    """The Stripe events of a customer's year, in Stripe's time order.

    Subscribe to Creator, upgrade to Pro, a failed payment, the payment recovered, and a credit pack
    — in Stripe's time order."""
    t = int(time.time())
    session = {
        "id": "cs_1", "object": "checkout.session", "mode": "subscription", "customer": "cus_1",
        "subscription": "sub_1", "metadata": {"workspace_id": str(workspace_id), "plan": "creator"},
        "payment_status": "paid",
    }  # fmt: skip
    sub = {
        "id": "sub_1", "object": "subscription", "customer": "cus_1",
        "metadata": {"workspace_id": str(workspace_id)},
    }  # fmt: skip

    def with_price(status: str, price: str) -> dict:
        return {**sub, "status": status, "items": {"data": [{"price": {"id": price}}]}}

    pack = {
        "id": "cs_2", "object": "checkout.session", "mode": "payment", "customer": "cus_1",
        "metadata": {"workspace_id": str(workspace_id), "credits": "100"},
        "payment_status": "paid",
    }  # fmt: skip
    failed = {"object": "invoice", "subscription": "sub_1"}
    steps = [
        ("checkout.session.completed", session),
        ("customer.subscription.updated", with_price("active", "price_pro")),
        ("invoice.payment_failed", failed),
        ("customer.subscription.updated", with_price("active", "price_pro")),
        ("checkout.session.completed", pack),
    ]
    return [
        event(kind, obj, created=t + 10 * n, number=n + 1) for n, (kind, obj) in enumerate(steps)
    ]


def test_only_a_paid_session_buys_credits_or_a_plan(stripe_on, client, workspace):
    """A delayed payment method completes the session unpaid.

    Nothing is given until Stripe says the money arrived (async_payment_succeeded); a failed one
    gives nothing."""
    t = int(time.time())
    unpaid = {
        "id": "cs_9", "object": "checkout.session", "mode": "payment", "customer": "cus_1",
        "metadata": {"workspace_id": str(workspace.pk), "credits": "500"},
        "payment_status": "unpaid",
    }  # fmt: skip
    plan = {**unpaid, "id": "cs_8", "mode": "subscription", "subscription": "sub_8",
            "metadata": {"workspace_id": str(workspace.pk), "plan": "pro"}}  # fmt: skip
    assert _deliver(client, event("checkout.session.completed", unpaid, created=t, number=1))
    assert _deliver(client, event("checkout.session.completed", plan, created=t, number=2))
    assert services.credits_left(workspace) == 0
    assert not Subscription.objects.filter(workspace=workspace).exists()
    failed = event("checkout.session.async_payment_failed", unpaid, created=t + 1, number=3)
    assert _deliver(client, failed).status_code == 200
    assert services.credits_left(workspace) == 0
    paid = {**unpaid, "payment_status": "paid"}
    succeeded = event("checkout.session.async_payment_succeeded", paid, created=t + 2, number=4)
    assert _deliver(client, succeeded).status_code == 200
    assert services.credits_left(workspace) == 500


def test_a_signature_from_the_future_or_a_malformed_event_is_a_400(stripe_on, client, workspace):
    item = event("checkout.session.completed", {"id": "cs_1"}, created=int(time.time()), number=1)
    payload = json.dumps(item).encode()
    for stamp in (time.time() + 600, time.time() - 600):
        answer = client.post(
            reverse("billing_webhook"),
            data=payload,
            content_type="application/json",
            headers={"Stripe-Signature": sign(payload, timestamp=int(stamp))},
        )
        assert answer.status_code == 400
    for broken in (
        {k: v for k, v in item.items() if k != "created"},
        {**item, "data": {}},
        {**item, "data": {"object": "nope"}},
        {**item, "created": "yesterday"},
        ["not", "an", "event"],
    ):
        assert _deliver(client, broken).status_code == 400, broken
    assert not StripeEvent.objects.exists()


def test_webhook_replays_in_any_order_reach_the_same_state(stripe_on, client, workspace):
    story = _story(workspace.pk)
    deliveries = story * 3
    random.Random(7).shuffle(deliveries)
    for item in deliveries:
        assert _deliver(client, item).status_code == 200
    subscription = Subscription.objects.get(workspace=workspace)
    assert (subscription.plan.slug, subscription.status) == ("pro", "active")
    assert subscription.grace_until is None
    assert services.credits_left(workspace) == 100  # once, however often it came
    assert StripeEvent.objects.count() == 5
    assert services.plan_for(workspace).slug == "pro"


def test_a_failed_payment_keeps_the_plan_for_the_grace_period(stripe_on, client, workspace):
    story = _story(workspace.pk)
    for item in story[:3]:
        _deliver(client, item)
    subscription = Subscription.objects.get(workspace=workspace)
    assert subscription.status == "past_due" and subscription.grace_until is not None
    assert services.plan_for(workspace).slug == "pro"
    from datetime import timedelta

    from django.utils import timezone

    ended = timezone.now() - timedelta(seconds=1)
    Subscription.objects.filter(pk=subscription.pk).update(grace_until=ended)
    assert services.plan_for(workspace).slug == "free"  # grace over: back to Free


def test_an_unsigned_or_forged_event_is_refused(stripe_on, client, workspace):
    item = _story(workspace.pk)[0]
    assert _deliver(client, item, secret="whsec_wrong").status_code == 400
    answer = client.post(
        reverse("billing_webhook"), data=json.dumps(item), content_type="application/json"
    )
    assert answer.status_code == 400
    assert not StripeEvent.objects.exists() and not Subscription.objects.exists()


def test_choosing_a_plan_goes_through_stripe_checkout(stripe_on, owner_client, client, workspace):
    answer = owner_client.post(reverse("billing_checkout"), {"plan": "creator"})
    assert answer.status_code == 302 and answer["Location"].startswith(f"{stripe_on.base_url}/pay/")
    (session,) = stripe_on.sessions.values()
    assert session["metadata"] == {"workspace_id": str(workspace.pk), "plan": "creator"}
    assert session["mode"] == "subscription" and session["customer_email"]
    import httpx

    paid = httpx.post(session["url"], follow_redirects=False)
    assert paid.status_code == 303 and paid.headers["Location"].endswith("?paid=1")
    for item in stripe_on.events:
        assert _deliver(client, item).status_code == 200
    page = owner_client.get(reverse("billing"))
    assert page.context["usage"]["plan"].slug == "creator"
    portal = owner_client.post(reverse("billing_portal"))
    assert portal["Location"].startswith(f"{stripe_on.base_url}/portal?customer=cus_")


def test_a_plan_without_a_stripe_price_is_refused_plainly(stripe_on, owner_client):
    owner_client.post(reverse("billing_checkout"), {"plan": "team"})
    page = owner_client.get(reverse("billing"))
    assert "cannot be bought yet" in page.content.decode()
