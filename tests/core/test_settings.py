from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

from contentapp.env import (
    ImproperlyConfiguredEnv,
    env_bool,
    env_int,
    load_dotenv,
    parse_database_url,
)

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-" + "x7Qp9LmZ2vB8nR4tY6wE1uI0oPaSdFgHjKlZxCvBnM" * 2,
    "ALLOWED_HOSTS": "contenttwin.example.com",
    "FIELD_ENCRYPTION_KEYS": "4lx_mIh1e3YtqwK4f_hE8JGLglji4tlfiXN2U5fm6uE=",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Reuse this run's servers: a child given the URLs does not start or hold its own.
    # (The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE must not leak into a production check.)
    unset = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    full_env = {
        **base,
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_with_zero_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY is required"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be a random string"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must list"),
        ({"FIELD_ENCRYPTION_KEYS": ""}, "FIELD_ENCRYPTION_KEYS must be set"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of text, json"),
        ({"DB_CONN_MAX_AGE": "soon"}, "DB_CONN_MAX_AGE must be a whole number"),
    ],
)
def test_production_refuses_to_start_with_bad_settings(override, message):
    result = _manage("check", env={**PRODUCTION_ENV, **override})
    assert result.returncode != 0
    assert message in result.stderr


def test_env_helpers_fail_loudly(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfiguredEnv, match="FLAG must be one of"):
        env_bool("FLAG", False)
    monkeypatch.setenv("COUNT", "-3")
    with pytest.raises(ImproperlyConfiguredEnv, match="COUNT must be at least 0"):
        env_int("COUNT", 1, minimum=0)
    monkeypatch.setenv("FLAG", "off")
    assert env_bool("FLAG", True) is False


def test_database_url_parsing():
    parsed = parse_database_url("postgres://app:p%40ss@db.internal:5433/content?sslmode=require")
    assert parsed["NAME"] == "content" and parsed["PASSWORD"] == "p@ss"
    assert parsed["HOST"] == "db.internal" and parsed["PORT"] == "5433"
    assert parsed["OPTIONS"] == {"sslmode": "require"}
    socket = parse_database_url("postgres://postgres@/contentapp?host=/srv/var/pg")
    assert socket["HOST"] == "/srv/var/pg" and socket["OPTIONS"] == {}
    with pytest.raises(ImproperlyConfiguredEnv, match="must start with postgres"):
        parse_database_url("mysql://u@h/db")
    with pytest.raises(ImproperlyConfiguredEnv, match="must name a database"):
        parse_database_url("postgres://u@h/")


def test_dotenv_does_not_override_the_environment(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text('# comment\nCT_A="from file"\nCT_B=file\n')
    monkeypatch.setenv("CT_B", "from env")
    monkeypatch.delenv("CT_A", raising=False)
    load_dotenv(env_file)
    assert os.environ["CT_A"] == "from file" and os.environ["CT_B"] == "from env"
    monkeypatch.delenv("CT_A")
    env_file.write_text("not a pair\n")
    with pytest.raises(ImproperlyConfiguredEnv, match=r"\.env:1: expected KEY=VALUE"):
        load_dotenv(env_file)


def test_env_example_documents_every_variable_settings_read():
    import re

    base = settings.BASE_DIR
    source = (
        "\n".join(
            (base / path).read_text()
            for path in [
                "contentapp/settings.py",
                "core/embedded.py",
                "contentapp/gunicorn_config.py",
                "tests/e2e/conftest.py",
            ]
        )
        + (base / "home/management/commands/runall.py").read_text()
    )
    read = set(re.findall(r'env_(?:str|bool|int|list|choice)\("([A-Z_]+)"', source))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', source))
    documented = set(re.findall(r"^#? ?([A-Z_]+)=", (base / ".env.example").read_text(), re.M))
    assert read - documented == set()
    assert {"DATABASE_URL", "SECRET_KEY", "LOG_FORMAT"} <= read


def test_a_copy_of_env_example_works_for_development(tmp_path):
    """Empty values in .env mean "use the default", never "off"."""
    example = (settings.BASE_DIR / ".env.example").read_text()
    env = {}
    for line in example.splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value
    env.pop("DATABASE_URL"), env.pop("REDIS_URL")  # _manage passes this run's servers
    env.pop("CONTENTTWIN_VAR_DIR")
    result = _manage("check", env=env)
    assert result.returncode == 0, result.stderr
    prod = _manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE)",
        env={**env, **PRODUCTION_ENV},
    )
    assert prod.stdout.strip().splitlines()[-1] == "True", prod.stderr
