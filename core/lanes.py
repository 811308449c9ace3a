"""Celery lanes: posts that are due never wait behind bulk work.

Three queues, named after the default queue (CELERY_QUEUE, "celery"): the default one for
interactive jobs (generation, refinement, analyses, repurposing, sweeps), `<default>.publish` for
sending posts, and `<default>.bulk` for what may take minutes (embedding an import's posts, trend
backlogs, metric syncs, bulk CSV scheduling). `make run` and docker compose run a worker per lane.
Routed by task name, so a task sent by name (core.jobs.send) finds its lane too."""

from __future__ import annotations

from typing import Any

PUBLISH = "publish"
BULK = "bulk"
# Checked in order: bulk first, so a publishing task that is bulk work (predictions) is not
# taken for a send by the publish lane's prefix.
LANES: dict[str, tuple[str, ...]] = {
    BULK: (
        "posts.tasks.embed_persona_posts",
        "posts.tasks.sweep_unembedded",
        "posts.tasks.run_import",
        "posts.tasks.train_engagement",
        "pillars.tasks.assign_posts",
        "trends.tasks.embed_backlog",
        "analytics.tasks.sync_metrics",
        "inbox.tasks.sync_account",
        "composer.tasks.run_bulk",
        "publishing.tasks.predict_engagement",
    ),
    PUBLISH: ("publishing.tasks.",),
}


def lane_of(task_name: str) -> str | None:
    """The lane a task runs in (None: the default queue)."""
    for lane, prefixes in LANES.items():
        if task_name.startswith(prefixes):
            return lane
    return None


# A worker that serves only the bulk lane yields the CPU to sends and pages: its process (and
# the pool it forks) runs this much nicer. Measured by `bench/publishing.py --import 10000`.
BULK_NICENESS = 10


def yield_cpu_if_bulk(queues: list[str]) -> bool:
    """Celery's celeryd_after_setup: a bulk-only worker lowers its priority. True if so."""
    import os

    if queues and all(queue.endswith(f".{BULK}") for queue in queues):
        os.nice(BULK_NICENESS)
        return True
    return False


def queue_name(lane: str | None, default_queue: str) -> str:
    return f"{default_queue}.{lane}" if lane else default_queue


def route(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any) -> Any:
    """Celery's task router (CELERY_TASK_ROUTES).

    The lane's queue, after the default queue in force (the tests' and benches' own queue names get
    their lanes too)."""
    from celery import current_app

    lane = lane_of(name)
    if lane is None:
        return None
    return {"queue": queue_name(lane, current_app.conf.task_default_queue)}
