"""Shared start-up for benchmarks.

Django on its own database (contentapp_bench by default) on the same PostgreSQL as the app — the
embedded one unless DATABASE_URL is set — migrated."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(database: str = "contentapp_bench") -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contentapp.settings")
    os.environ["DATABASE_NAME"] = database
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The benches' fake platforms, feeds and model servers listen on loopback: the bench is an
    # operator who allows that address (the app's own processes it starts inherit it).
    os.environ.setdefault("ALLOW_PRIVATE_HOSTS", "127.0.0.1")
    import django
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    params = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            conn.execute(f'CREATE DATABASE "{database}"')
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from contentapp.celery import app

    # Tasks the product enqueues (e.g. embedding after an import) must not reach a running
    # `make run` worker, which serves the app's own database.
    app.conf.task_default_queue = "bench"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_pid(node: str = "main") -> int | None:
    """The main process of the Celery worker named `node`, the one whose children are its pool.

    `make run` runs one per lane: main, publish, bulk — core/lanes.py."""
    listing = subprocess.run(["ps", "-eo", "pid,ppid,args"], capture_output=True, text=True)
    rows = [line.split(None, 2) for line in listing.stdout.splitlines()[1:]]
    workers = {
        int(pid): int(ppid)
        for pid, ppid, args in rows
        if "contentapp worker" in args and f"{node}@" in args
    }
    mains = [pid for pid, ppid in workers.items() if ppid not in workers]
    return mains[0] if mains else None


@contextmanager
def gunicorn_server() -> Iterator[str]:
    """The app on gunicorn as `make run` serves it, on the bench database.

    The app on gunicorn as `make run` serves it (contentapp/gunicorn_config.py), on the
    bench database, on a free loopback port; yields its base URL once /healthz answers."""
    import time

    import requests
    from django.conf import settings

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "DATABASE_NAME": "contentapp_bench",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "gunicorn", "contentapp.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "-c", "python:contentapp.gunicorn_config"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)
