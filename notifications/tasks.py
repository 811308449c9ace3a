from __future__ import annotations

from celery import shared_task

from notifications import events, services


@shared_task(acks_late=True, time_limit=60, soft_time_limit=50)
def email_notification(notification_id: int) -> bool:
    return services.email_notification(notification_id=notification_id)


@shared_task(acks_late=True, time_limit=300, soft_time_limit=280)
def send_digests() -> int:
    return services.send_digests()


@shared_task(acks_late=True, time_limit=60, soft_time_limit=50)
def limit_reached(workspace_id: int, title: str, body: str, key: str) -> int:
    return len(services.limit_reached(workspace_id=workspace_id, title=title, body=body, key=key))


@shared_task(acks_late=True, time_limit=60, soft_time_limit=50)
def deliver_event(delivery_id: int) -> str:
    return events.delivery_send(delivery_id=delivery_id)


@shared_task(acks_late=True, time_limit=300, soft_time_limit=280)
def deliver_due_events() -> int:
    """Beat: retries that are due, and deliveries whose worker died, are sent again."""
    due = events.deliveries_due()
    for delivery_id in due:
        events.delivery_send(delivery_id=delivery_id)
    return len(due)
