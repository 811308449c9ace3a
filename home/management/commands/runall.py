"""`make run`: migrate, seed the demo account, then run web + Celery worker + beat together.

This process holds the embedded PostgreSQL and Redis (see contentapp/embedded.py) and passes
their URLs to its children, so the children share them instead of starting their own. Ctrl-C
stops every child, then the servers (unless another process still holds them).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the whole app (web, worker, beat) on http://127.0.0.1:8000 until Ctrl-C."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default=os.environ.get("RUN_ADDR", "127.0.0.1:8000"))
        parser.add_argument("--no-reload", action="store_true", help="Disable auto-reload.")

    def handle(self, *args: Any, addr: str, no_reload: bool, **options: Any) -> None:
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo")
        env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL, "REDIS_URL": settings.REDIS_URL}
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "contentapp"]
        commands = {
            "web": [python, "manage.py", "runserver", addr, *(["--noreload"] if no_reload else [])],
            "worker": [*celery, "worker", "--loglevel=INFO", "--concurrency=2"],
            "beat": [*celery, "beat", "--loglevel=INFO"],
        }
        # Children get their own session: a terminal's Ctrl-C reaches only this process, which
        # then stops them in order. A child that exits on its own is a real failure.
        children = {
            name: subprocess.Popen(cmd, env=env, start_new_session=True)
            for name, cmd in commands.items()
        }
        self.stdout.write(
            self.style.SUCCESS(
                f"ContentTwin: web on http://{addr}/ with worker and beat "
                f"(setup took {time.monotonic() - started:.1f}s). Ctrl-C stops everything."
            )
        )
        exit_code = 0
        # Ctrl-C and SIGTERM both stop everything cleanly (SIGINT is set explicitly because a
        # shell starts background jobs with it ignored).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            while True:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with code {child.returncode}; stopping.")
                        exit_code = child.returncode or 1
                        raise KeyboardInterrupt
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self._stop(children)
        if exit_code:
            sys.exit(exit_code)

    def _stop(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for name, child in children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in time; killing it.")
                child.kill()
                child.wait()
        self.stdout.write("All processes stopped.")
