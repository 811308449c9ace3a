"""Event webhooks: a workspace's own systems are told what happened.

An app that did something calls `event_emit` (after its change commits, the event is handed to a
worker). Each endpoint subscribed to that event type gets it as signed JSON through the one
egress path — `X-ContentTwin-Signature: t=…,v1=…` as the webhook channel signs posts — with the
event's stable id (the body's `id` and `X-ContentTwin-Event-Id`), so a receiver that remembers
ids acts once however often it is sent. A refusal or no answer is retried with backoff for a day;
a delivery is claimed before it is sent, so two workers never send it at once, and one that was
taken (2xx) is never sent again unless someone presses Resend."""

from __future__ import annotations

import json
import logging
import secrets
import time
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User, Workspace
from accounts.permissions import Action, require
from core.crypto import encrypt, signature
from core.egress import EgressRefused, client, url_problem
from core.jobs import enqueue
from notifications.models import DeliveryStatus, Event, EventDelivery, EventType, WebhookEndpoint

logger = logging.getLogger(__name__)
DELIVER_TASK = "notifications.tasks.deliver_event"
GIVE_UP_AFTER = timedelta(hours=24)
# After the nth failed attempt, wait this long (the last step repeats until a day has passed).
BACKOFF = [timedelta(seconds=s) for s in (30, 120, 600, 1800, 3600, 7200, 14400, 28800)]
SEND_LEASE = timedelta(seconds=60)  # a claimed delivery is the claimer's for this long
TIMEOUT_SECONDS = 10
MAX_ENDPOINTS = 20


def endpoint_add(
    *, workspace: Workspace, user: User, role: str, url: str, events: list[str]
) -> WebhookEndpoint:
    """A new endpoint with its own signing secret (shown on the page to those who configure)."""
    require(role, Action.CONFIGURE)
    url = url.strip()
    if problem := url_problem(url):
        raise ValidationError(problem)
    events = [e for e in EventType.values if e in events]
    if not events:
        raise ValidationError("Choose at least one event to send to it.")
    if WebhookEndpoint.objects.filter(workspace=workspace).count() >= MAX_ENDPOINTS:
        raise ValidationError(f"A workspace has at most {MAX_ENDPOINTS} endpoints.")
    return WebhookEndpoint.objects.create(
        workspace=workspace,
        url=url,
        events=events,
        secret_encrypted=encrypt("whsec_" + secrets.token_urlsafe(32)),
        created_by=user,
    )


def endpoint_set_active(*, endpoint: WebhookEndpoint, role: str, active: bool) -> None:
    require(role, Action.CONFIGURE)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=active)


def endpoint_delete(*, endpoint: WebhookEndpoint, role: str) -> None:
    require(role, Action.CONFIGURE)
    endpoint.delete()


def event_emit(workspace_id: int, type: str, data: dict[str, Any]) -> Event | None:
    """Record the event and queue a delivery to each endpoint subscribed to it."""
    endpoints = list(
        WebhookEndpoint.objects.filter(
            workspace_id=workspace_id, active=True, events__contains=[type]
        )
    )
    if not endpoints:
        return None  # nobody listens: nothing kept
    event = Event.objects.create(workspace_id=workspace_id, type=type, data=data)
    made = EventDelivery.objects.bulk_create(
        EventDelivery(event=event, endpoint=endpoint) for endpoint in endpoints
    )
    for delivery in made:
        enqueue(DELIVER_TASK, delivery.pk)  # sent once the transaction commits
    return event


def _body(event: Event) -> bytes:
    return json.dumps(
        {
            "id": str(event.id),
            "type": event.type,
            "created_at": event.created_at.isoformat(),
            "workspace": event.workspace_id,
            "data": event.data,
        },
        ensure_ascii=False,
    ).encode()


def delivery_send(*, delivery_id: int) -> str:
    """Claim the delivery if it is due, send it once, and record what happened."""
    now = timezone.now()
    claimed = EventDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + SEND_LEASE, updated_at=now)
    if not claimed:
        return "not due"
    delivery = EventDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    body = _body(delivery.event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ContentTwin-Webhooks/1",
        "X-ContentTwin-Event": delivery.event.type,
        "X-ContentTwin-Event-Id": str(delivery.event.id),
        "X-ContentTwin-Signature": signature(delivery.endpoint.secret, int(time.time()), body),
    }
    status_code, error = None, ""
    try:
        with client(timeout=TIMEOUT_SECONDS, max_response_bytes=64_000) as http:
            response = http.post(delivery.endpoint.url, content=body, headers=headers)
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"The endpoint answered {status_code}."
    except EgressRefused as refused:
        error = str(refused)
    except Exception as failure:
        error = f"No answer: {type(failure).__name__}."
    return _record(delivery, status_code, error)


def _record(delivery: EventDelivery, status_code: int | None, error: str) -> str:
    now = timezone.now()
    attempts = delivery.attempts + 1
    fields: dict[str, Any] = {
        "attempts": attempts,
        "last_status_code": status_code,
        "last_error": error[:500],
        "updated_at": now,
    }
    if not error:
        fields.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
    elif now - delivery.event.created_at >= GIVE_UP_AFTER:
        fields.update(status=DeliveryStatus.FAILED)
    else:
        wait = BACKOFF[min(attempts, len(BACKOFF)) - 1]
        fields.update(next_attempt_at=now + wait)
    EventDelivery.objects.filter(pk=delivery.pk).update(**fields)
    return str(fields.get("status", "retry"))


def deliveries_due(*, limit: int = 500) -> list[int]:
    """Beat: deliveries whose next attempt is due (retries, and any whose worker died)."""
    return list(
        EventDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def delivery_resend(*, delivery: EventDelivery, role: str) -> None:
    """Send the same event (the same id) to the endpoint again, now."""
    require(role, Action.CONFIGURE)
    EventDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), last_error=""
    )
    enqueue(DELIVER_TASK, delivery.pk)


def endpoints_of(workspace: Workspace) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(workspace=workspace).order_by("created_at")


def deliveries_of(workspace: Workspace, *, limit: int = 50) -> list[EventDelivery]:
    """The workspace's latest deliveries, newest first (two tables, one query)."""
    return list(
        EventDelivery.objects.filter(endpoint__workspace=workspace)
        .select_related("event", "endpoint")
        .order_by("-created_at", "-pk")[:limit]
    )
