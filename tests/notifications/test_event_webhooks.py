"""Event webhooks: a workspace's endpoints are told what happened.

Signed, through the egress path, retried with backoff after a refusal, delivered once, and resent
on request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import events
from notifications.models import DeliveryStatus, EventDelivery, EventType, WebhookEndpoint
from pillars.services.ideas import topic_add
from publishing.models import Target, TargetState
from tests.factories import PublicationFactory, PublishingAccountFactory
from tests.fakes.webhook_receiver import FakeWebhookReceiver
from tests.helpers import client_for
from tests.publishing.flows import run_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    with FakeWebhookReceiver() as server:
        yield server


def _endpoint(owner_client, receiver, events_wanted) -> WebhookEndpoint:
    page = owner_client.post(reverse("webhooks"), {"url": receiver.url, "events": events_wanted})
    assert page.status_code == 302, page.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get()
    receiver.secret = endpoint.secret
    return endpoint


def _due_now() -> None:
    EventDelivery.objects.update(next_attempt_at=timezone.now())


def test_an_event_is_signed_retried_after_a_refusal_and_delivered_once(
    owner_client, owner, persona, receiver
):
    _endpoint(owner_client, receiver, [EventType.IDEA_ADDED])
    topic_add(persona=persona, role="owner", user=owner, title="Why we never discount")
    delivery = EventDelivery.objects.get()
    receiver.fail_next = [(500, {"error": "down for a deploy"}, {})]

    assert events.delivery_send(delivery_id=delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_status_code == 500 and "500" in delivery.last_error
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=20) < wait <= timedelta(seconds=30)
    assert events.delivery_send(delivery_id=delivery.pk) == "not due"  # the backoff holds

    _due_now()
    assert events.deliveries_due() == [delivery.pk]
    assert events.delivery_send(delivery_id=delivery.pk) == "delivered"
    assert events.delivery_send(delivery_id=delivery.pk) == "not due"  # never sent twice
    assert events.deliveries_due() == []
    assert len(receiver.log) == 2 and len(receiver.acted_on) == 1
    body = receiver.acted_on[0]
    assert body["type"] == "idea.added" and body["data"]["title"] == "Why we never discount"
    assert body["id"] == str(delivery.event_id)


def test_a_day_of_refusals_gives_up_and_resend_sends_the_same_event(
    owner_client, owner, persona, receiver
):
    _endpoint(owner_client, receiver, [EventType.IDEA_ADDED])
    topic_add(persona=persona, role="owner", user=owner, title="Pricing pages that say no")
    delivery = EventDelivery.objects.get()
    receiver.fail_next = [(503, {"error": "no"}, {})] * 2
    events.delivery_send(delivery_id=delivery.pk)
    delivery.event.__class__.objects.update(created_at=timezone.now() - timedelta(hours=25))
    _due_now()
    assert events.delivery_send(delivery_id=delivery.pk) == "failed"
    page = owner_client.get(reverse("webhooks")).content.decode()
    assert "Failed" in page and "idea.added" in page

    owner_client.post(reverse("webhook_resend", args=[delivery.pk]))
    assert events.delivery_send(delivery_id=delivery.pk) == "delivered"
    assert receiver.acted_on[0]["id"] == str(delivery.event_id)


def test_publishing_events_reach_the_endpoint(owner_client, workspace, persona, receiver):
    _endpoint(owner_client, receiver, [EventType.PUBLISHED, EventType.FAILED])
    account = PublishingAccountFactory(workspace=workspace)
    publication = PublicationFactory(persona=persona)
    Target.objects.create(publication=publication, account=account, due_at=timezone.now())
    assert run_sweep() == ["published"]
    for delivery in EventDelivery.objects.all():
        events.delivery_send(delivery_id=delivery.pk)
    (told,) = receiver.acted_on
    assert told["type"] == "publication.published"
    assert told["data"]["publication"] == publication.pk
    assert told["data"]["account"]["name"] == account.name
    assert Target.objects.get().state == TargetState.PUBLISHED


def test_only_those_who_configure_manage_endpoints_and_private_addresses_are_refused(
    owner_client, workspace, viewer, settings
):
    settings.ALLOW_PRIVATE_HOSTS = []
    refused = owner_client.post(
        reverse("webhooks"), {"url": "http://10.0.0.8/hook", "events": [EventType.IDEA_ADDED]}
    )
    assert refused.status_code == 422 and not WebhookEndpoint.objects.exists()
    assert "http://10.0.0.8/hook" in refused.content.decode()  # what was typed is kept
    page = client_for(viewer, workspace).post(
        reverse("webhooks"),
        {"url": "https://hooks.example.com/x", "events": [EventType.IDEA_ADDED]},
    )
    assert page.status_code == 403 and not WebhookEndpoint.objects.exists()


def test_no_endpoint_no_event_kept(owner, persona):
    topic_add(persona=persona, role="owner", user=owner, title="Nobody listens")
    assert not EventDelivery.objects.exists()
