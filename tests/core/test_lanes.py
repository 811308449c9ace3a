"""Celery lanes: sends and bulk work have queues of their own.

Celery lanes: sends and bulk work have queues of their own (core/lanes.py), so a
10,000-post import's embeddings never hold up a post that is due; every task a lane names is
a registered task, and `make run` starts a worker per lane."""

from __future__ import annotations

from contentapp.celery import app
from core.lanes import BULK, LANES, PUBLISH, lane_of, queue_name, route


def test_sends_and_bulk_work_have_their_own_lanes():
    assert lane_of("publishing.tasks.send_target") == PUBLISH
    assert lane_of("publishing.tasks.sweep") == PUBLISH
    assert lane_of("posts.tasks.embed_persona_posts") == BULK
    assert lane_of("posts.tasks.run_import") == BULK
    assert lane_of("trends.tasks.embed_backlog") == BULK
    assert lane_of("generation.tasks.run_generation") is None  # interactive: the default
    assert lane_of("core.tasks.heartbeat") is None  # the liveness check reads the main worker


def test_the_router_names_the_lane_after_the_default_queue_in_force():
    before = app.conf.task_default_queue
    app.conf.task_default_queue = "bench"
    try:
        assert route("publishing.tasks.send_target", (), {}, {}) == {"queue": "bench.publish"}
        assert route("posts.tasks.run_import", (), {}, {}) == {"queue": "bench.bulk"}
        assert route("voice.tasks.run_analysis", (), {}, {}) is None
    finally:
        app.conf.task_default_queue = before


def test_every_lane_names_registered_tasks():
    app.loader.import_default_modules()
    registered = {name for name in app.tasks if not name.startswith("celery.")}
    for prefixes in LANES.values():
        for prefix in prefixes:
            assert any(name.startswith(prefix) for name in registered), prefix


def test_make_run_starts_a_worker_per_lane(settings):
    from home.management.commands.runall import Command

    settings.CELERY_LANES, settings.CELERY_TASK_DEFAULT_QUEUE = True, "celery"
    workers = Command()._workers(["celery"], {})
    queues = {w.name: w.command[w.command.index("-Q") + 1] for w in workers}
    assert queues == {
        "worker": "celery",
        "worker-publish": queue_name(PUBLISH, "celery"),
        "worker-bulk": queue_name(BULK, "celery"),
    }
    settings.CELERY_LANES = False
    assert [w.name for w in Command()._workers(["celery"], {})] == ["worker"]


def test_a_bulk_only_worker_yields_the_cpu_and_the_others_do_not():
    import subprocess
    import sys

    from django.conf import settings

    probe = (
        "import os, sys; from core.lanes import yield_cpu_if_bulk; before = os.nice(0); "
        "yielded = yield_cpu_if_bulk(sys.argv[1:]); print(yielded, os.nice(0) - before)"
    )

    def run(*queues: str) -> str:
        answer = subprocess.run(
            [sys.executable, "-c", probe, *queues],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        )
        return answer.stdout.strip()

    assert run("celery.bulk") == "True 10"
    assert run("celery") == "False 0"
    assert run("celery", "celery.bulk") == "False 0"  # serves interactive work too
    assert run("celery.publish") == "False 0"
