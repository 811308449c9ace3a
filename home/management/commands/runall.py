"""`make run`: migrate, seed the demo account, then run web (gunicorn) + Celery worker + beat.

This process holds the embedded PostgreSQL and Redis (see core/embedded.py) and passes
their URLs to its children, so the children share them instead of starting their own. It also
supervises them: a child that dies is restarted after a growing delay (1 s … 30 s), and only a
crash loop (5 restarts of one child within a minute) or Ctrl-C stops everything: children
first, then the servers (unless another process still holds them).
"""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core import embedded
from core.lanes import BULK, PUBLISH, queue_name

# No gossip, mingle or event heartbeats: worker-to-worker chatter the product does not use,
# and the part of Celery that failed to restart after a broker outage ("Error on restarting
# Gossip: AttributeError …"). Liveness is our own heartbeat task.
WORKER_OPTIONS = ["--loglevel=INFO", "--without-gossip", "--without-mingle"]
WORKER_OPTIONS += ["--without-heartbeat"]
RESTART_DELAYS = (1, 2, 5, 10, 30)  # seconds before the 1st, 2nd … restart of a child
CRASH_LOOP = (5, 60.0)  # this many restarts of one child within this many seconds: give up


def _loopback(addr: str) -> bool:
    host = addr.rsplit(":", 1)[0].strip("[]") if ":" in addr else addr
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class Child:
    """One supervised process: started, restarted with backoff, stopped."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name, self.command, self.env = name, command, env
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts: list[float] = []  # monotonic times of recent restarts
        self.restart_at: float | None = None

    def start(self) -> None:
        # Own session: a terminal's Ctrl-C reaches only the supervisor, which stops children
        # in order.
        self.process = subprocess.Popen(self.command, env=self.env, start_new_session=True)

    def crash_looping(self, now: float) -> bool:
        count, window = CRASH_LOOP
        self.restarts = [t for t in self.restarts if now - t < window]
        return len(self.restarts) >= count


class Command(BaseCommand):
    help = "Run the whole app (web, worker, beat) on http://127.0.0.1:8000 until Ctrl-C."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default=os.environ.get("RUN_ADDR", "127.0.0.1:8000"))
        parser.add_argument("--no-reload", action="store_true", help="Disable auto-reload.")

    def _workers(self, celery: list[str], env: dict[str, str]) -> list[Child]:
        """A worker per lane (core/lanes.py): the rest, sends, bulk work."""
        default = settings.CELERY_TASK_DEFAULT_QUEUE
        if not settings.CELERY_LANES:
            return [Child("worker", [*celery, "worker", "--concurrency=2", *WORKER_OPTIONS], env)]
        lanes = [
            ("worker", default, "main", 2),
            # A send waits on the platform most of its time (60–110 ms each in the publishing
            # bench): four at once keep a 2-core box at 10,000 posts in 5 minutes (as
            # docker-compose), near capacity while an import embeds.
            ("worker-publish", queue_name(PUBLISH, default), "publish", 4),
            ("worker-bulk", queue_name(BULK, default), "bulk", 1),
        ]
        return [
            Child(
                name,
                [
                    *celery,
                    "worker",
                    "-Q",
                    queue,
                    "-n",
                    f"{node}@%h",
                    f"--concurrency={n}",
                    *WORKER_OPTIONS,
                ],
                env,
            )
            for name, queue, node, n in lanes
        ]

    def handle(self, *args: Any, addr: str, no_reload: bool, **options: Any) -> None:
        if settings.DEBUG and not _loopback(addr):
            raise CommandError(
                f"Refusing to serve {addr} with DEBUG on: Django's debug pages would show other "
                "machines your settings and code. Serve 127.0.0.1, or set DEBUG=0 (and its "
                "required settings, see .env.example)."
            )
        started = time.monotonic()
        # Redis started here (no REDIS_URL) is supervised too: restarted if it dies.
        self.embedded_redis = not os.environ.get("REDIS_URL")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo")
        env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL, "REDIS_URL": settings.REDIS_URL}
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "contentapp"]
        web = [python, "-m", "gunicorn", "contentapp.wsgi:application", "--bind", addr]
        web += ["-c", "python:contentapp.gunicorn_config"]
        if settings.DEBUG and not no_reload:
            web.append("--reload")
        children = [Child("web", web, env), *self._workers(celery, env)]
        children.append(Child("beat", [*celery, "beat", "--loglevel=INFO"], env))
        for child in children:
            child.start()
        where = "only this machine" if _loopback(addr) else "the network"
        self.stdout.write(
            self.style.SUCCESS(
                f"ContentTwin: web on http://{addr}/ ({where}) with worker and beat "
                f"(setup took {time.monotonic() - started:.1f}s). Ctrl-C stops everything."
            )
        )
        # Ctrl-C and SIGTERM both stop everything cleanly (SIGINT is set explicitly because a
        # shell starts background jobs with it ignored).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        exit_code = 0
        try:
            exit_code = self._supervise(children)
        except KeyboardInterrupt:
            pass
        finally:
            self._stop(children)
        if exit_code:
            sys.exit(exit_code)

    def _supervise(self, children: list[Child]) -> int:
        """Restart children that die (and the embedded Redis).

        Returns an exit code when one is crash-looping."""
        next_service_check = 0.0
        while True:
            now = time.monotonic()
            if getattr(self, "embedded_redis", False) and now >= next_service_check:
                next_service_check = now + 2
                if embedded.revive_redis():
                    self.stderr.write("The embedded Redis had stopped; restarted it.")
            for child in children:
                assert child.process is not None
                if child.restart_at is not None:
                    if now >= child.restart_at:
                        child.restart_at = None
                        child.restarts.append(now)
                        child.start()
                        self.stderr.write(f"{child.name} restarted.")
                    continue
                code = child.process.poll()
                if code is None:
                    continue
                if child.crash_looping(now):
                    self.stderr.write(
                        f"{child.name} exited with code {code} and keeps crashing "
                        f"({CRASH_LOOP[0]} restarts within {CRASH_LOOP[1]:.0f} s); stopping."
                    )
                    return code or 1
                delay = RESTART_DELAYS[min(len(child.restarts), len(RESTART_DELAYS) - 1)]
                self.stderr.write(f"{child.name} exited with code {code}; restarting in {delay} s.")
                child.restart_at = now + delay
            time.sleep(0.5)

    def _stop(self, children: list[Child]) -> None:
        running = [c for c in children if c.process is not None and c.process.poll() is None]
        for child in running:
            child.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        deadline = time.monotonic() + 20
        for child in running:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))  # type: ignore[union-attr]
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{child.name} did not stop in time; killing it.")
                child.process.kill()  # type: ignore[union-attr]
                child.process.wait()  # type: ignore[union-attr]
        self.stdout.write("All processes stopped.")
