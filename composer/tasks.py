from __future__ import annotations

from celery import shared_task

from composer import bulk, repurpose


@shared_task(name="composer.tasks.run_repurpose", time_limit=600, soft_time_limit=580)
def run_repurpose(repurpose_id: int) -> None:
    repurpose.repurpose_run(repurpose_id=repurpose_id)


@shared_task(name="composer.tasks.dispatch_abandoned", time_limit=60, soft_time_limit=50)
def dispatch_abandoned() -> int:
    """Beat, every 60 s: no repurposing or bulk scheduling stays stuck in the queue."""
    return repurpose.dispatch_abandoned_repurposes() + bulk.dispatch_abandoned_bulk()


@shared_task(name="composer.tasks.run_bulk", time_limit=3600, soft_time_limit=3580)
def run_bulk(upload_id: int) -> None:
    bulk.bulk_run(upload_id=upload_id)
