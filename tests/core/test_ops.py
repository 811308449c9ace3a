from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import Heartbeat
from core.services import heartbeat_record
from tests.factories import UserFactory


@pytest.mark.django_db
def test_healthz_is_503_without_worker_and_beat_then_200_when_they_beat():
    response = Client().get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] and checks["database"]["pgvector"]
    assert checks["redis"]["ok"]
    assert not checks["worker"]["ok"] and checks["worker"]["heartbeat_age_s"] is None
    assert checks["llm"]["providers"] == ["offline"]

    heartbeat_record(name="worker")
    heartbeat_record(name="beat")
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_healthz_tells_the_public_only_ok_or_unavailable(settings):
    heartbeat_record(name="worker")
    heartbeat_record(name="beat")
    public = Client(REMOTE_ADDR="203.0.113.9").get("/healthz")
    assert public.status_code == 200 and public.json() == {"status": "ok"}
    proxied = Client().get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.json() == {"status": "ok"}  # through a proxy on this machine: no details
    staff = Client(REMOTE_ADDR="203.0.113.9")
    staff.force_login(UserFactory(is_staff=True))
    assert staff.get("/healthz").json()["checks"]["database"]["pgvector"]
    Heartbeat.objects.filter(name="beat").update(last_seen=timezone.now() - timedelta(hours=1))
    down = Client(REMOTE_ADDR="203.0.113.9").get("/healthz")
    assert down.status_code == 503 and down.json() == {"status": "unavailable"}


@pytest.mark.django_db
def test_healthz_reports_a_stale_beat(settings):
    heartbeat_record(name="worker")
    Heartbeat.objects.create(
        name="beat",
        last_seen=timezone.now() - timedelta(seconds=settings.HEARTBEAT_MAX_AGE_SECONDS + 5),
    )
    body = Client().get("/healthz").json()
    assert body["status"] == "unavailable"
    assert body["checks"]["worker"]["ok"] and not body["checks"]["beat"]["ok"]
    assert body["checks"]["beat"]["heartbeat_age_s"] > settings.HEARTBEAT_MAX_AGE_SECONDS


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_consumes_the_heartbeat_task_from_redis():
    """Starts a Celery worker (in a thread) on the real Redis broker and sends the task."""
    from celery.contrib.testing.worker import start_worker

    from contentapp.celery import app
    from core.tasks import heartbeat

    try:
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            Heartbeat.objects.filter(name="worker").delete()
            heartbeat.delay()
            deadline = time.monotonic() + 15
            while not Heartbeat.objects.filter(name="worker").exists():
                assert time.monotonic() < deadline, "the worker did not run the heartbeat task"
                time.sleep(0.1)
    finally:
        # Celery's Django fix-up closes database connections around tasks and worker start,
        # including this thread's; start the next test on a fresh one.
        connections.close_all()


# The scheduler calls close_old_connections(), which would close a test's wrapping transaction.
@pytest.mark.django_db(transaction=True)
def test_beat_scheduler_records_its_heartbeat_and_installs_the_schedule():
    from django_celery_beat.models import PeriodicTask

    from contentapp.beat import HeartbeatDatabaseScheduler
    from contentapp.celery import app

    scheduler = HeartbeatDatabaseScheduler(app=app, lazy=False)
    assert PeriodicTask.objects.filter(task="core.tasks.heartbeat").exists()
    interval = scheduler.tick()
    assert interval <= scheduler.heartbeat_every
    assert Heartbeat.objects.filter(name="beat").exists()


def test_celery_is_configured_for_at_least_once_delivery(settings):
    from contentapp.celery import app

    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert conf.beat_scheduler == "contentapp.beat:HeartbeatDatabaseScheduler"


@pytest.mark.django_db
def test_every_request_gets_an_id_and_one_log_line(caplog):
    with caplog.at_level(logging.INFO, logger="contentapp.request"):
        response = Client().get(reverse("login"), HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    lines = [r for r in caplog.records if r.name == "contentapp.request"]
    assert len(lines) == 1
    assert lines[0].status == 200 and lines[0].path == "/login/"
    # A header that could inject into logs is replaced.
    response = Client().get(reverse("login"), HTTP_X_REQUEST_ID="bad id\nforged")
    assert len(response["X-Request-ID"]) == 32


def test_json_log_formatter_keeps_request_fields():
    from contentapp.http import JsonFormatter

    record = logging.makeLogRecord(
        {"name": "contentapp.request", "msg": "GET / 200", "levelname": "INFO", "status": 200}
    )
    record.request_id = "rid-1"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET / 200" and line["request_id"] == "rid-1"
    assert line["status"] == 200 and line["level"] == "INFO"


@pytest.mark.django_db
def test_messages_reach_htmx_requests_as_toasts(owner_client):
    response = owner_client.post(
        reverse("invitation_create"),
        {"email": "toast@example.com", "role": "editor"},
        HTTP_HX_REQUEST="true",
    )
    trigger = json.loads(response["HX-Trigger"])
    assert trigger["messages"] == [
        {"message": "Invitation sent to toast@example.com.", "tags": "success"}
    ]
    # Delivered once: the next full page does not repeat it.
    assert "toast@example.com" not in owner_client.get(reverse("dashboard")).content.decode()


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    from django.core.management import call_command

    from accounts.models import User

    call_command("seed_demo")
    call_command("seed_demo")
    user = User.objects.get(email="demo@contenttwin.local")
    assert user.check_password("contenttwin-demo")
    persona = user.memberships.get().workspace.personas.get()
    assert persona.posts.count() == 30  # the second run added no duplicates
    assert persona.posts.filter(tier="top").count() == 3
    # posted on the demo's schedule (Tue/Thu 09:00, Sat 10:30 in Lisbon), so best posting
    # times have cells of three posts or more
    zone = ZoneInfo(persona.timezone)
    local = [p.astimezone(zone) for p in persona.posts.values_list("posted_at", flat=True)]
    assert {(t.weekday(), t.strftime("%H:%M")) for t in local} == {
        (1, "09:00"),
        (3, "09:00"),
        (5, "10:30"),
    }


def test_every_model_has_a_proper_plural_name():
    from django.apps import apps

    wrong = [
        str(m._meta.verbose_name_plural)
        for m in apps.get_models()
        if str(m._meta.verbose_name_plural).endswith(("ss", "chs", "shs", "xs", "sis"))
    ]
    assert wrong == []


@pytest.mark.django_db
def test_admin_lists_every_model(owner):
    from django.apps import apps
    from django.conf import settings
    from django.contrib import admin

    ours = [
        m
        for m in apps.get_models()
        if m._meta.app_config.path.startswith(str(settings.BASE_DIR))
        and ".venv" not in m._meta.app_config.path
    ]
    missing = [m.__name__ for m in ours if m not in admin.site._registry]
    assert not missing
    owner.is_staff = owner.is_superuser = True
    owner.save()
    client = Client()
    client.force_login(owner)
    for model in ours:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url + "?q=a").status_code == 200


@pytest.mark.django_db
def test_pages_send_a_strict_csp_and_carry_no_inline_script_or_style(owner_client, workspace):
    import re

    from tests.factories import PersonaFactory, PostFactory, VariationFactory

    persona = PersonaFactory(workspace=workspace)
    post = PostFactory(persona=persona)
    draft = VariationFactory(generation__persona=persona)
    pages = ["/dashboard/", "/posts/", f"/posts/{post.pk}/", "/voice/", "/generate/"]
    pages += [
        f"/generate/{draft.generation_id}/",
        "/settings/",
        "/personas/",
        "/voice/versions/",
        "/voice/overlays/",
        "/generate/feedback/",
        "/generate/usage/",
        "/posts/import/",
    ]
    for path in [*pages, "/login/", "/signup/", "/password-reset/"]:
        client = owner_client if path in pages else Client()
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, path
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path  # inline script
        assert not re.search(r"\son[a-z]+\s*=", html), path  # inline event handler
        assert not re.search(r"\sstyle\s*=", html), path  # inline style


@pytest.mark.django_db
def test_healthz_names_what_failed_without_server_paths(settings):
    settings.REDIS_URL = "unix:///srv/secret/place/redis.sock"
    body = Client().get("/healthz").json()
    error = body["checks"]["redis"]["error"]
    assert error and "/srv" not in error and "secret" not in error
