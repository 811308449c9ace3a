from __future__ import annotations

from celery import shared_task

from trends import services


@shared_task(name="trends.tasks.scan_due_sources", time_limit=60, soft_time_limit=50)
def scan_due_sources() -> int:
    """Beat, every minute.

    The sources whose interval is up (the schedule is editable in the admin under Periodic tasks;
    each source's interval on the Trends sources page)."""
    return services.scan_due_sources()


@shared_task(name="trends.tasks.scan_workspace", time_limit=540, soft_time_limit=500)
def scan_workspace(workspace_id: int, source_ids: list[int] | None = None) -> dict:
    return vars(services.workspace_scan(workspace_id=workspace_id, source_ids=source_ids))


@shared_task(name="trends.tasks.embed_backlog", time_limit=540, soft_time_limit=500)
def embed_backlog(workspace_id: int) -> int:
    """After a scan.

    The new items no persona shortlisted are embedded and near-duplicates folded, in batches (the
    scan itself embeds only what it ranks, to stay fast)."""
    return services.embed_backlog(workspace_id=workspace_id)
