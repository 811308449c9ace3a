"""Reading published posts' numbers back from the platforms (the beat's metric sync)."""

from __future__ import annotations

from posts.services import post_metrics_from_platform
from publishing.selectors import targets_due_for_metrics
from publishing.services import target_metrics_fetch, target_metrics_read

BATCH = 200
# What each platform calls its numbers → our metric names.
RENAMED = {"replies": "comments", "quotes": "reposts", "views": "impressions"}


def metrics_sync(*, limit: int = BATCH) -> dict[str, int]:
    """Read the numbers of the published posts that are due.

    A post's numbers become (or update) the persona's post for it, with a snapshot only when they
    changed. A failing read backs off for that post only."""
    read = changed = failed = 0
    for target in targets_due_for_metrics(limit=limit):
        numbers = target_metrics_fetch(target)
        if numbers is None:
            failed += 1
            continue
        metrics: dict[str, int] = {}
        for name, value in numbers.items():
            key = RENAMED.get(name, name)
            metrics[key] = metrics.get(key, 0) + int(value)
        publication = target.publication
        if post_metrics_from_platform(
            persona=publication.persona,
            external_ref=f"{target.account.platform}:{target.external_id}",
            text=publication.text,
            posted_at=target.published_at or publication.scheduled_at,
            metrics=metrics,
        ):
            changed += 1
        target_metrics_read(target=target, ok=True)
        read += 1
    return {"read": read, "changed": changed, "failed": failed}
