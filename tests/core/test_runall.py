"""`make run`'s supervisor: a crashed child is restarted with a delay; a crash loop stops all."""

from __future__ import annotations

import io
import sys

import pytest
from django.core.management import CommandError, call_command

from home.management.commands import runall


def test_a_crashed_child_is_restarted_and_a_crash_loop_stops_everything(monkeypatch):
    monkeypatch.setattr(runall, "RESTART_DELAYS", (0.05,))
    monkeypatch.setattr(runall.time, "sleep", lambda _: None)
    crashing = runall.Child("worker", [sys.executable, "-c", "raise SystemExit(3)"], {})
    steady = runall.Child("web", [sys.executable, "-c", "import time; time.sleep(30)"], {})
    command = runall.Command(stdout=io.StringIO(), stderr=io.StringIO())
    for child in (crashing, steady):
        child.start()
    try:
        code = command._supervise([crashing, steady])
    finally:
        command._stop([crashing, steady])
    log = command.stderr.getvalue()
    assert code == 3
    assert log.count("worker exited with code 3; restarting in 0.05 s.") == 5
    assert log.count("worker restarted.") == 5
    assert "keeps crashing (5 restarts within 60 s); stopping." in log
    assert "web" not in log  # the healthy child was left alone until the end
    assert steady.process.poll() is not None  # … and then stopped


def test_debug_pages_are_never_served_to_other_machines(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match=r"Refusing to serve 0\.0\.0\.0:8000 with DEBUG on"):
        call_command("runall", addr="0.0.0.0:8000")
