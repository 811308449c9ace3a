"""The jobs kit.

Every background job (an import, an analysis, a generation, a rewrite) is a row that a Celery task
works on, and the row is the durable state.

- `enqueue` sends a task by name once the transaction that wrote the row commits (so a worker
  never looks for a row it cannot see yet; by name, so services never import their tasks).
- `job_lease` claims the row with one conditional update (a redelivered task does nothing; a
  running row whose lease expired is taken over) and renews the lease from a thread while the
  work runs; the `Lease` writes progress and the final state through its token, so a worker
  that lost its job cannot write over its successor (exactly once).
- `abandoned_jobs` is what the beat sweeps re-send: rows never picked up, or whose worker
  died (lease not renewed for JOB_LEASE_SECONDS).
- `JobProgress` + `poll_response` are the one progress fragment every job page polls
  (`templates/core/jobs.html#job-progress`), answering 286 to stop polling when done."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.models import ACTIVE as ACTIVE  # re-exported: the jobs kit in one import
from core.models import Job as Job
from core.models import JobStatus as JobStatus

# A queued row this old was lost on its way to a worker (the broker was down, say): the beat
# sweep sends it again. A duplicate delivery is harmless (the claim), so this can be short.
QUEUED_GRACE = timedelta(seconds=60)
# One try: a broker that does not answer costs a request at most the transport's 2 s timeout;
# after a failure this process stops trying for BROKER_PAUSE seconds (the rows wait in
# Postgres and the beat sweep sends them), so a hung Redis never holds page after page.
_PUBLISH_RETRY = {"max_retries": 0}
BROKER_PAUSE = 30.0
_broker_paused_until = 0.0

logger = logging.getLogger(__name__)


def send(task_name: str, *args: object, expires: float | None = None) -> bool:
    """Send a task by name now.

    The job's row is already in Postgres: when the broker cannot be reached the send is given up
    quickly and logged, and the beat sweep sends the job once the broker is back — a page never
    fails, nor waits, because Redis is down or hung. True when sent. `expires`: seconds after
    which a worker drops the message unrun (its sweep re-sends)."""
    global _broker_paused_until
    from celery import current_app

    if time.monotonic() < _broker_paused_until:
        return False
    try:
        current_app.send_task(
            task_name, args=args, retry=True, retry_policy=_PUBLISH_RETRY, expires=expires
        )
    except Exception as error:  # kombu raises several kinds; none may reach the user
        _broker_paused_until = time.monotonic() + BROKER_PAUSE
        logger.warning("could not send %s%r (%s); the sweep will", task_name, args, error)
        return False
    return True


def enqueue(task_name: str, *args: object) -> None:
    """Send a task by name once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send(task_name, *args))


def stale_before() -> datetime:
    """A running row whose lease was not renewed since then has lost its worker."""
    return timezone.now() - timedelta(seconds=settings.JOB_LEASE_SECONDS)


class LeaseLost(Exception):
    """Another worker took the job over (this one's lease had expired): stop, write nothing."""


class Lease:
    """A claimed job row.

    While the `job_lease` block runs, a thread renews the lease every third of
    JOB_LEASE_SECONDS, so a live worker keeps its job however long a model call takes, and a
    dead one loses it within JOB_LEASE_SECONDS. Every write goes through the token: a worker
    whose job was taken over cannot overwrite its successor's work. Write the final state with
    `update(status=…)` in the same transaction as the job's results."""

    def __init__(self, model: type[Job], pk: int, token: uuid.UUID) -> None:
        self.model, self.pk, self.token = model, pk, token

    def _mine(self) -> models.QuerySet[Job]:
        return self.model._default_manager.filter(pk=self.pk, lease_token=self.token)

    def update(self, **fields: object) -> None:
        """Fields of the row (progress, counts …), with a renewal.

        Raises LeaseLost when the job is no longer this worker's. Inside the caller's transaction
        with its results, the results are rolled back with it."""
        if not self._mine().update(updated_at=timezone.now(), **fields):
            raise LeaseLost(f"{self.model.__name__} {self.pk} was taken over")

    def progress(self, percent: int, stage: str, **extra: object) -> None:
        """Percent and stage for the progress fragment."""
        self.update(progress=percent, stage=stage, **extra)

    def _renew(self) -> bool:
        return bool(self._mine().update(updated_at=timezone.now()))


@contextmanager
def kept_alive(renew: Callable[[], bool], *, every: float, name: str) -> Iterator[None]:
    """Keep a lease alive from a thread while the block runs.

    Run `renew` every `every` seconds from a thread while the block runs (a lease that a
    live worker keeps however long its call takes, and a dead one loses); the thread stops
    when `renew` says False (finished or taken over) or the block ends."""
    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.wait(every):
                if not renew():
                    return
        finally:
            connection.close()  # this thread's own database connection

    renewer = threading.Thread(target=loop, name=name, daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join(timeout=5)


@contextmanager
def job_lease(
    model: type[Job],
    pk: int,
    *,
    queued: str = JobStatus.QUEUED,
    running: str = JobStatus.RUNNING,
    **updates: object,
) -> Iterator[Lease | None]:
    """Claim a job row with one conditional update and hold its lease while the block runs.

    Queued, or running with an expired lease. Yields None when the row is not claimable: a
    redelivered task then does nothing."""
    token = uuid.uuid4()
    claimable = Q(status=queued) | Q(status=running, updated_at__lt=stale_before())
    claimed = model._default_manager.filter(claimable, pk=pk).update(
        status=running, lease_token=token, updated_at=timezone.now(), **updates
    )
    if not claimed:
        yield None
        return
    lease = Lease(model, pk, token)
    with kept_alive(lease._renew, every=settings.JOB_LEASE_SECONDS / 3, name=f"lease-{pk}"):
        yield lease


def abandoned_jobs(
    model: type[Job],
    *,
    queued: str = JobStatus.QUEUED,
    running: str = JobStatus.RUNNING,
    limit: int = 50,
) -> list[int]:
    """Ids of rows queued for too long or running without progress for too long."""
    return list(
        model._default_manager.filter(
            Q(status=queued, updated_at__lt=timezone.now() - QUEUED_GRACE)
            | Q(status=running, updated_at__lt=stale_before())
        ).values_list("pk", flat=True)[:limit]
    )


def resend_abandoned(
    model: type[Job],
    task_name: str,
    *,
    queued: str = JobStatus.QUEUED,
    running: str = JobStatus.RUNNING,
) -> int:
    """Beat: hand abandoned rows to a worker again; the claim makes a duplicate harmless."""
    ids = abandoned_jobs(model, queued=queued, running=running)
    for pk in ids:
        send(task_name, pk)
    return len(ids)


@dataclass(frozen=True)
class JobProgress:
    """What the shared progress fragment shows about one job."""

    region: str  # id of the element the poll swaps
    poll_url: str
    title: str  # "Analysing your voice…"
    running: bool
    percent: int = 0
    stage: str = ""
    failed: bool = False
    error: str = ""
    done_text: str = "Done."
    done_url: str = ""
    done_link: str = ""

    @classmethod
    def of(cls, row: Job, *, error: str | None = None, **shown: str) -> JobProgress:
        """For a job row with the usual fields (status, progress, stage, error)."""
        status = row.status
        stage = shown.pop("stage", "") or row.stage
        if status == JobStatus.QUEUED and not stage:
            stage = queued_note()
        return cls(
            running=status in ACTIVE,
            percent=row.progress,
            stage=stage,
            failed=status == JobStatus.FAILED,
            error=row.error if error is None else error,
            **shown,
        )


WORKER_UNREACHABLE = (
    "Queued. The worker is unreachable right now; this starts as soon as it is back, "
    "and nothing is lost."
)


def queued_note() -> str:
    """What a queued job's progress says while it waits."""
    from core.selectors import worker_unreachable

    return WORKER_UNREACHABLE if worker_unreachable() else "Waiting for a worker"


def poll_response(request: HttpRequest, job: JobProgress, *, refresh: bool) -> HttpResponse:
    """The progress fragment.

    Once the job stops running, status 286 stops htmx polling and `refresh` reloads the page to show
    the result."""
    response = render(request, "core/jobs.html#job-progress", {"job": job})
    if not job.running:
        response.status_code = 286
        if refresh:
            response["HX-Refresh"] = "true"
    return response
