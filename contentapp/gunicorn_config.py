"""Gunicorn settings for `make run` and production.

`gunicorn -c python:contentapp.gunicorn_config contentapp.wsgi`.

Threaded workers: each request holds a thread while it waits on Postgres, so a few processes
(CPU-bound work is Python) with a few threads each serve many concurrent users. Every thread
keeps at most one database connection (CONN_MAX_AGE), so connections = workers x threads,
well under PostgreSQL's limit."""

from __future__ import annotations

import multiprocessing
import os

workers = int(os.environ.get("WEB_WORKERS") or min(2 * multiprocessing.cpu_count() + 1, 9))
threads = int(os.environ.get("WEB_THREADS") or 4)
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = None  # contentapp.http logs one line per request, with its request id


def post_worker_init(worker: object) -> None:
    """Keep what the worker loaded at start out of the garbage collector's full passes.

    Django, the apps and their modules are some 250,000 objects that live as long as the
    worker; a full collection walked them all every few hundred requests, its tens of
    milliseconds landing on one request. Frozen, the collector never scans them again."""
    import gc

    gc.collect()
    gc.freeze()
