"""A voice note in the browser: record with the microphone, see it transcribed, make an idea.

Chromium's fake microphone plays a sentence flite spoke into a WAV file made here; the page's
recorder (MediaRecorder, timer, level meter) records it, the real Celery worker transcribes it
offline, and the corrected transcript becomes a scored idea."""

from __future__ import annotations

import pytest
from django.db import connections
from playwright.sync_api import expect

from pillars.models import Topic, TopicSource, VoiceNote
from tests.e2e.conftest import CHROMIUM
from tests.factories import PASSWORD, PersonaFactory, UserFactory
from tests.helpers import personal_workspace
from tests.speech import heard_share, spoken_wav

pytestmark = pytest.mark.django_db(transaction=True)

SAID = "I want to write about why small businesses should plan their week on Sunday evening"


def test_record_a_note_and_make_it_an_idea(
    live_server, browser_type, browser_type_launch_args, tmp_path
):
    from celery.contrib.testing.worker import start_worker

    from contentapp.celery import app

    wav = tmp_path / "said.wav"
    wav.write_bytes(spoken_wav(SAID))
    browser = browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *browser_type_launch_args["args"],
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}%noloop",
        ],
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    owner = UserFactory(email="speaker@example.com")
    persona = PersonaFactory(workspace=personal_workspace(owner), name="Founder voice")
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            page.goto(f"{live_server.url}/login/")
            page.get_by_label("Email").fill(owner.email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.goto(f"{live_server.url}/pillars/ideas/")

            page.get_by_role("button", name="Record").click()
            expect(page.get_by_role("status").filter(has_text="Recording")).to_be_visible()
            levels = []  # the level meter moves with the voice
            for _ in range(35):  # the sentence takes about five seconds; record seven
                levels.append(page.evaluate("document.querySelector('[data-level]').value"))
                page.wait_for_timeout(200)
            assert max(levels) > 0.05, levels
            expect(page.locator("[data-timer]")).to_contain_text("/ 2:00")
            page.get_by_role("button", name="Stop and save").click()
            expect(page.locator("#toasts")).to_contain_text("Voice note saved")

            # The progress polls, then the page reloads with the transcript to correct.
            transcript = page.get_by_label("Transcript")
            expect(transcript).to_be_visible(timeout=60_000)
            heard = transcript.input_value().lower()
            assert heard_share(SAID, heard) >= 0.75, heard
            expect(
                page.get_by_text("transcribed by pocketsphinx (offline, US English)")
            ).to_be_visible()
            note = VoiceNote.objects.get(persona=persona)
            assert note.filename == "voice-note.webm" and 5 < note.seconds < 12

            transcript.fill("Why small businesses should plan their week on Sunday evening.")
            page.get_by_role("button", name="Make ideas").click()
            expect(page.locator("#toasts")).to_contain_text(
                "1 idea from your note: “Why small businesses should plan their week on Sunday"
            )
            expect(
                page.get_by_role("heading", name="Voice notes to turn into ideas")
            ).to_have_count(0)
            idea = Topic.objects.get(persona=persona)
            assert idea.source == TopicSource.VOICE
            expect(page.locator(f"#idea-{idea.pk}")).to_contain_text("From a voice note")
    finally:
        context.close()
        browser.close()
        connections.close_all()
    assert not violations, violations
