from __future__ import annotations

from django.db import models


class TimeStampedModel(models.Model):
    """Created and updated times, on every row of the product's models."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Not a column: the viewer's role in the row's workspace, annotated by the permission-
    # checked fetch (accounts.selectors.get_object_for) for the view to pass to services.
    user_role: str

    class Meta:
        abstract = True


class JobStatus(models.TextChoices):
    """The states of every job row (core.jobs): the one enum, whatever the job."""

    PREVIEW = "preview", "Waiting for confirmation"  # an upload read, not yet confirmed
    SCHEDULED = "scheduled", "Scheduled"  # waits for run_after (a debounced analysis)
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class Job(TimeStampedModel):
    """A background job's durable state.

    A Celery task works on the row through a `core.jobs.Lease`, and every page shows it with
    `core.jobs.JobProgress.of`."""

    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    stage = models.CharField(max_length=200, blank=True)  # what it is doing now, in words
    error = models.TextField(blank=True)  # why it failed, or a note on how it went
    lease_token = models.UUIDField(null=True, blank=True)  # the worker holding it (core.jobs)

    class Meta:
        abstract = True


class Heartbeat(models.Model):
    """Last time a background process (worker, beat) proved it was alive."""

    name = models.CharField(max_length=40, unique=True)
    last_seen = models.DateTimeField()
    hostname = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class Throttle(models.Model):
    """Attempts counted per key in Postgres (see core.throttle).

    Attempts counted per key (a sign-in from one address to one account, password-reset
    mails to one address …) in Postgres, so limits hold while Redis is down and across
    processes. See core.throttle."""

    key = models.CharField(max_length=150, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()
    blocked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
