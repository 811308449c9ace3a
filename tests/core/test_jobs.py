"""Job leases (core.jobs).

A live worker keeps its job however long it takes; a dead one's job is taken over once its lease
expires, and finished exactly once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from core.jobs import JobStatus, LeaseLost, abandoned_jobs, job_lease
from generation import services
from generation.models import Generation
from home.demo_posts import DEMO_POSTS
from tests.factories import PersonaFactory, PostFactory, UserFactory, VoiceProfileFactory
from tests.fakes.openai_server import running_fake_openai


def _queued_generation() -> Generation:
    user = UserFactory()
    persona = PersonaFactory(workspace=user.memberships.get().workspace)
    for text, *_ in DEMO_POSTS[:6]:
        PostFactory(persona=persona, text=text)
    VoiceProfileFactory(persona=persona)
    return Generation.objects.create(persona=persona, requested_by=user, topic="pricing")


@pytest.mark.django_db(transaction=True)
def test_a_live_worker_keeps_its_lease_through_a_slow_model(settings):
    settings.JOB_LEASE_SECONDS = 3  # renewed every second
    generation = _queued_generation()
    with running_fake_openai() as fake:
        settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "sk-test", fake.base_url
        settings.LLM_PROVIDERS = ["openai"]
        fake.delay = 5  # longer than the lease
        fake.reply = "<post>" + "Pricing is a promise we keep to customers. " * 3 + "</post>"

        def work() -> None:
            try:
                services.generation_run(generation_id=generation.pk)
            finally:
                connections.close_all()

        worker = threading.Thread(target=work)
        worker.start()
        seen_abandoned = []
        while worker.is_alive():
            seen_abandoned += abandoned_jobs(Generation)
            time.sleep(0.3)
        worker.join()
    generation.refresh_from_db()
    assert generation.status == JobStatus.DONE and generation.variations.count() == 3
    assert seen_abandoned == []  # never looked dead while it was alive


@pytest.mark.django_db
def test_a_dead_workers_job_is_taken_over_and_finished_once(settings):
    settings.JOB_LEASE_SECONDS = 30
    generation = _queued_generation()
    with job_lease(Generation, generation.pk) as first:  # a worker claims it …
        assert first is not None
        assert services.generation_run(generation_id=generation.pk) is None  # held: no rerun
        # … and dies: its lease is not renewed.
        Generation.objects.filter(pk=generation.pk).update(
            updated_at=timezone.now() - timedelta(seconds=31)
        )
        assert abandoned_jobs(Generation) == [generation.pk]  # the sweep sends it again
        services.generation_run(generation_id=generation.pk)  # another worker takes over
        generation.refresh_from_db()
        assert generation.status == JobStatus.DONE
        assert generation.variations.count() == 3
        with pytest.raises(LeaseLost):  # the first can no longer write anything
            first.progress(100, "Done", status=JobStatus.DONE)
    assert abandoned_jobs(Generation) == []
