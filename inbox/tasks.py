from __future__ import annotations

from celery import shared_task

from inbox import services


@shared_task(name="inbox.tasks.sync_due", time_limit=60, soft_time_limit=50)
def sync_due() -> int:
    """Beat: each account whose sync is due gets a sync job."""
    return services.inbox_sync_due()


@shared_task(name="inbox.tasks.sync_account", time_limit=300, soft_time_limit=280)
def sync_account(account_id: int) -> int:
    return services.inbox_sync(account_id=account_id)
