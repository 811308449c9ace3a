"""Repurposing and bulk scheduling in the browser, with a real Celery worker.

Make versions of a published post for two personas with a local fake model (each version scored
against its persona), and schedule a CSV — 1,000 rows at desktop width — after its preview."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import Page, expect

from composer.models import BulkUpload
from core.spreadsheet import csv_text
from home.demo_posts import DEMO_POSTS
from publishing import services
from publishing.models import Publication, Target
from tests.factories import (
    PASSWORD,
    PersonaFactory,
    PostFactory,
    UserFactory,
    VoiceProfileFactory,
)
from tests.fakes.openai_server import running_fake_openai
from tests.helpers import personal_workspace

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("SCREENSHOTS_DIR")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _persona(workspace, name):
    persona = PersonaFactory(workspace=workspace, name=name, timezone="Europe/Lisbon")
    for text, *_ in DEMO_POSTS:
        PostFactory(persona=persona, text=text)
    VoiceProfileFactory(persona=persona)
    return persona


@pytest.mark.parametrize("width", [1280, 390])
def test_versions_with_a_model_and_a_bulk_csv(live_server, page: Page, settings, tmp_path, width):
    from celery.contrib.testing.worker import start_worker

    from contentapp.celery import app

    page.set_viewport_size({"width": width, "height": 900})
    user = UserFactory(email=f"versions{width}@example.com")
    workspace = personal_workspace(user)
    founder = _persona(workspace, "Founder")
    _persona(workspace, "Company page")  # the versions are made for both
    practice = services.account_connect(
        workspace=workspace, role="owner", platform="sandbox", name="Practice timeline"
    )
    post = services.publication_schedule(
        persona=founder,
        role="owner",
        user=user,
        text="I fired my best client last year. Revenue is back. Would you have done it?",
        scheduled_at=timezone.now() - timedelta(days=3),
        accounts=[practice],
    )
    Target.objects.filter(publication=post).update(state="published")
    rows = 1000 if width > 760 else 20
    start = datetime.now(UTC) + timedelta(days=1)
    csv_file = tmp_path / "posts.csv"
    csv_file.write_text(
        csv_text(
            [
                ["text", "time", "accounts"],
                *(
                    [
                        f"Bulk post {n}: a small true thing.",
                        f"{start + timedelta(hours=n):%Y-%m-%d %H:%M}",
                        "Practice timeline",
                    ]
                    for n in range(rows)
                ),
            ]
        )
    )
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    try:
        with (
            running_fake_openai() as fake,
            start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"),
        ):
            settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "sk-test", fake.base_url
            settings.LLM_PROVIDERS = ["openai"]
            fake.reply = "<post>We let our biggest client go. Revenue came back. Would you?</post>"
            page.goto(f"{live_server.url}/publishing/posts/{post.pk}/")
            page.get_by_role("link", name="Make versions for…").click()
            page.get_by_role("checkbox", name="Founder (this post’s)").check()
            page.get_by_role("checkbox", name="Practice (sandbox) · Practice timeline").check()
            page.get_by_role("button", name="Make the versions").click()
            versions = page.locator(".card.version")
            expect(versions).to_have_count(2, timeout=30_000)
            expect(versions.first).to_contain_text("Rewritten for")
            expect(versions.locator(".badge.score")).to_have_count(2)
            _shot(page, f"versions-{width}")

            page.goto(f"{live_server.url}/compose/bulk/")
            page.get_by_label("CSV file").set_input_files(str(csv_file))
            started = time.perf_counter()
            page.get_by_role("button", name="Preview").click()
            expect(page.locator("main")).to_contain_text(f"{rows} rows ready")
            print(
                f"bulk preview of {rows} rows in the browser: {time.perf_counter() - started:.2f} s"
            )
            _shot(page, f"bulk-preview-{width}")
            page.get_by_role("button", name=f"Schedule the {rows} good rows").click()
            expect(page.locator("main")).to_contain_text(
                f"Scheduled {rows} of {rows} good rows", timeout=120_000
            )
            _shot(page, f"bulk-done-{width}")
    finally:
        connections.close_all()
    assert Publication.objects.filter(text__startswith="Bulk post").count() == rows
    assert BulkUpload.objects.get().status == "done"
