"""The embedded servers start on demand, are shared, and stop with the last holder.

The embedded servers start on demand, are shared between processes, and stop with the last
process that holds them. Runs against a private var dir so it never touches the suite's."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

from django.conf import settings

HOLDER = textwrap.dedent(
    """
    import sys, time
    from core import embedded
    endpoints = embedded.ensure_running()
    import psycopg, redis
    url = endpoints.database_url
    host = url.split("host=", 1)[1]
    with psycopg.connect(host=host, user="postgres", dbname="contentapp") as conn:
        pid = conn.execute("select pg_postmaster_start_time()::text").fetchone()[0]
    redis.Redis.from_url(endpoints.redis_url).set("k", sys.argv[1])
    print(pid, flush=True)
    time.sleep(float(sys.argv[2]))
    """
)


def _holder(var_dir, name: str, seconds: float) -> subprocess.Popen[str]:
    env = {**os.environ, "CONTENTTWIN_VAR_DIR": str(var_dir)}
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, name, str(seconds)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_servers_are_shared_and_stop_with_the_last_holder(tmp_path, monkeypatch):
    from core import embedded

    first = _holder(tmp_path, "first", 6)
    first_start = first.stdout.readline().strip()
    second = _holder(tmp_path, "second", 0.5)
    second_start = second.stdout.readline().strip()
    # The second process found the first one's server instead of starting another.
    assert first_start and first_start == second_start
    assert second.wait(timeout=60) == 0
    monkeypatch.setenv("CONTENTTWIN_VAR_DIR", str(tmp_path))
    status = embedded.status()
    assert status["postgres"] and status["redis"], "the first holder still needs them"
    assert first.wait(timeout=60) == 0
    deadline = time.monotonic() + 20
    while (status := embedded.status())["postgres"] or status["redis"]:
        assert time.monotonic() < deadline, f"servers still up after the last holder: {status}"
        time.sleep(0.2)
    assert status["holders"] == []


WITHOUT_PGSERVER = textwrap.dedent(
    """
    import sys
    from importlib.abc import MetaPathFinder

    class Uninstalled(MetaPathFinder):  # as if the `embedded` extra were not installed
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "pgserver":
                raise ModuleNotFoundError(name)
            return None

    sys.meta_path.insert(0, Uninstalled())
    import django
    django.setup()
    """
)


def test_without_the_embedded_extra_an_unset_database_url_says_what_to_do(tmp_path):
    env = {**os.environ, "CONTENTTWIN_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env["REDIS_URL"] = "redis://127.0.0.1:9/0"  # only the database is asked for
    env["DJANGO_SETTINGS_MODULE"] = "contentapp.settings"
    run = subprocess.run(
        [sys.executable, "-c", WITHOUT_PGSERVER],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert "EmbeddedServersMissing: DATABASE_URL not set" in run.stderr
    assert "'.[embedded]'" in run.stderr
    assert not (tmp_path / "pg").exists()  # nothing was started
