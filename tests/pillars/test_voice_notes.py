"""Voice notes: upload or record, transcribe in the background, correct, and make ideas.

Real audio throughout: flite speaks, the real decoder and offline recogniser listen; a model
provider's transcription endpoint is the loopback fake of OpenAI's API, called by the real SDK."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone

from core.jobs import JobStatus
from llm.models import ModelConnection, ModelKind, UsageRecord
from pillars import services
from pillars.models import Topic, TopicSource, VoiceNote
from tests.factories import TopicFactory, VoiceNoteFactory
from tests.fakes.openai_server import Fault, running_fake_openai
from tests.helpers import client_for
from tests.speech import as_browser_recording, heard_share, silence_wav, spoken_wav

pytestmark = pytest.mark.django_db

SAID = "I want to write about why small businesses should plan their week on Sunday evening"


@pytest.fixture(autouse=True)
def _notes_run_when_queued(monkeypatch):
    """The transcription job runs as soon as it is queued, as a worker would take it."""
    import pillars.services.notes as notes

    monkeypatch.setattr(
        notes, "enqueue", lambda name, note_id: services.voice_note_transcribe(note_id=note_id)
    )


def _upload(client, data: bytes, name: str, language: str = "en"):
    return client.post(
        reverse("voice_note_upload"),
        {"audio": SimpleUploadedFile(name, data), "language": language},
    )


def test_a_recorded_note_is_transcribed_offline_and_becomes_an_idea(
    owner, workspace, persona, django_capture_on_commit_callbacks
):
    client = client_for(owner, workspace)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, as_browser_recording(spoken_wav(SAID)), "voice-note.webm")
    assert response.status_code == 302
    note = VoiceNote.objects.get(persona=persona)
    assert note.status == JobStatus.DONE, note.error
    heard = note.transcript.lower()
    assert heard_share(SAID, heard) >= 0.75, heard
    assert note.engine == "pocketsphinx (offline, US English)"
    assert 4 < note.seconds < 8
    assert Path(note.audio.path).exists()
    usage = UsageRecord.objects.get(purpose="transcription")
    assert (usage.provider, usage.outcome) == ("offline", "ok")

    page = client.get(reverse("ideas"))
    assert page.context["voice_notes"][0][0] == note
    assert b"Make ideas" in page.content
    assert client.get(reverse("voice_note_audio", args=[note.pk])).status_code == 200

    corrected = "Why small businesses should plan their week on Sunday evening. It saves Mondays."
    response = client.post(reverse("voice_note_ideas", args=[note.pk]), {"transcript": corrected})
    assert response.status_code == 302
    idea = Topic.objects.get(persona=persona)
    assert idea.source == TopicSource.VOICE and idea.voice_note == note
    assert idea.title == "Why small businesses should plan their week on Sunday evening"
    assert idea.notes == corrected
    note.refresh_from_db()
    assert note.ideas_made_at and note.transcript == corrected
    assert set(note.tone) >= {"confident", "warm", "analytical"}
    # Made once: a second press does not add it again, and the note leaves the list.
    client.post(reverse("voice_note_ideas", args=[note.pk]), {"transcript": corrected})
    assert Topic.objects.filter(persona=persona).count() == 1
    assert client.get(reverse("ideas")).context["voice_notes"] == []


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("notes.txt", b"hello", "is not an audio file we take"),
        ("note.mp3", b"not really an mp3 at all", "is not audio we can read"),
        ("long.wav", silence_wav(125), "2.1 minutes long; a voice note is at most 2 minutes"),
    ],
)
def test_a_file_that_cannot_be_a_note_is_refused_in_words(
    owner, workspace, persona, name, data, says
):
    client = client_for(owner, workspace)
    response = _upload(client, data, name)
    assert response.status_code == 422
    assert says in response.content.decode()
    # What was chosen stays chosen.
    assert response.context["note_form"]["language"].value() == "en"
    assert not VoiceNote.objects.exists()


def test_too_large_a_file_is_refused_before_it_is_read(owner, workspace, persona, settings):
    settings.VOICE_NOTE_MAX_BYTES = 2048
    data = spoken_wav("hello there")
    response = _upload(client_for(owner, workspace), data, "note.wav")
    assert response.status_code == 422
    said = (
        f"That file is {filesizeformat(len(data))}; "
        f"a voice note is at most 2 minutes and {filesizeformat(2048)}."
    )
    assert said in response.content.decode()


def test_another_language_needs_a_model_and_the_note_says_so(
    owner, workspace, persona, django_capture_on_commit_callbacks
):
    client = client_for(owner, workspace)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, spoken_wav(SAID), "nota.wav", language="pt")
    note = VoiceNote.objects.get()
    assert note.status == JobStatus.FAILED
    assert "Offline transcription understands US English only" in note.error
    page = client.get(reverse("ideas")).content.decode()
    assert "It could not be transcribed: Offline transcription understands" in page
    assert "Try again" in page


def test_a_model_with_a_transcription_model_transcribes_other_languages(
    owner, workspace, persona, django_capture_on_commit_callbacks
):
    client = client_for(owner, workspace)
    with running_fake_openai() as fake:
        fake.transcript = "Quero escrever sobre  planejar a semana no domingo."
        ModelConnection.objects.create(
            workspace=workspace,
            kind=ModelKind.COMPATIBLE,
            model="llama3.1",
            transcription_model="Systran/faster-whisper-small",
            base_url=fake.base_url,
        )
        with django_capture_on_commit_callbacks(execute=True):
            _upload(client, as_browser_recording(spoken_wav(SAID)), "voice-note.webm", "pt")
    note = VoiceNote.objects.get()
    assert note.status == JobStatus.DONE, note.error
    assert note.transcript == "Quero escrever sobre planejar a semana no domingo."
    assert note.engine == f"Systran/faster-whisper-small on {fake.base_url}"
    (sent,) = [r for r in fake.requests if r["path"] == "/v1/audio/transcriptions"]
    assert sent["body"]["model"] == "Systran/faster-whisper-small"
    assert sent["body"]["language"] == "pt"
    assert sent["body"]["file"]["filename"] == "voice-note.webm"
    assert sent["body"]["file"]["size"] == note.size


def test_a_model_that_fails_falls_back_to_offline_for_english(
    owner, workspace, persona, django_capture_on_commit_callbacks
):
    client = client_for(owner, workspace)
    with running_fake_openai() as fake:
        fake.fail_next = [Fault(429, headers={"retry-after": "1"}) for _ in range(2)]
        ModelConnection.objects.create(
            workspace=workspace,
            kind=ModelKind.COMPATIBLE,
            model="m",
            transcription_model="whisper-small",
            base_url=fake.base_url,
        )
        with django_capture_on_commit_callbacks(execute=True):
            _upload(client, spoken_wav(SAID), "note.wav")
    note = VoiceNote.objects.get()
    assert note.status == JobStatus.DONE and "sunday" in note.transcript.lower()
    assert note.engine.startswith("pocketsphinx")
    outcomes = list(
        UsageRecord.objects.filter(purpose="transcription")
        .order_by("id")
        .values_list("provider", "outcome", "error_kind")
    )
    assert outcomes == [("openai-compatible", "error", "rate_limit"), ("offline", "ok", "")]


def test_deleting_a_note_deletes_its_audio_and_keeps_its_ideas(
    owner, workspace, persona, django_capture_on_commit_callbacks
):
    client = client_for(owner, workspace)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, spoken_wav(SAID), "note.wav")
    note = VoiceNote.objects.get()
    client.post(reverse("voice_note_ideas", args=[note.pk]), {"transcript": note.transcript})
    path = note.audio.name
    assert default_storage.exists(path)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("voice_note_delete", args=[note.pk]))
    assert not VoiceNote.objects.exists() and not default_storage.exists(path)
    assert Topic.objects.get().voice_note is None


def test_audio_past_its_retention_is_deleted_and_the_transcript_stays(
    owner, workspace, persona, settings, django_capture_on_commit_callbacks
):
    settings.VOICE_NOTE_RETENTION_DAYS = 30
    client = client_for(owner, workspace)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, spoken_wav(SAID), "old.wav")
        _upload(client, spoken_wav("hello"), "new.wav")
    old, new = VoiceNote.objects.order_by("id")
    VoiceNote.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    services.voice_notes_sweep()
    old.refresh_from_db()
    new.refresh_from_db()
    assert not old.audio and old.audio_deleted_at and "sunday" in old.transcript.lower()
    assert new.audio and default_storage.exists(new.audio.name)
    page = client.get(reverse("ideas")).content.decode()
    assert "The audio was deleted after 30 days" in page
    assert client.get(reverse("voice_note_audio", args=[old.pk])).status_code == 404


def test_a_viewer_cannot_record_or_make_ideas(viewer, workspace, persona):
    client = client_for(viewer, workspace)
    response = _upload(client, spoken_wav("hello"), "note.wav")
    assert response.status_code in (302, 403)
    assert not VoiceNote.objects.exists()
    page = client.get(reverse("ideas")).content.decode()
    assert "Voice note" not in page


def test_with_a_model_a_note_about_two_things_becomes_two_ideas(
    owner, workspace, persona, settings, django_capture_on_commit_callbacks
):
    client = client_for(owner, workspace)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, spoken_wav(SAID), "note.wav")
    note = VoiceNote.objects.get()
    said = (
        "Plan the week on Sunday evening, it saves Mondays. "
        "Also, um, why I stopped answering email before noon."
    )
    ideas = [
        {"title": "Plan the week on Sunday evening", "notes": "It saves Mondays."},
        {"title": "Why I stopped answering email before noon", "notes": "No email before noon."},
    ]
    with running_fake_openai() as fake:
        settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "sk-test", fake.base_url
        settings.LLM_PROVIDERS = ["openai"]
        fake.reply = "<json>" + json.dumps({"ideas": ideas}) + "</json>"
        client.post(reverse("voice_note_ideas", args=[note.pk]), {"transcript": said})
    (request,) = [r for r in fake.requests if r["path"] == "/v1/chat/completions"]
    assert f"<note>\n{said}\n</note>" in request["body"]["messages"][-1]["content"]
    made = Topic.objects.filter(persona=persona).order_by("id")
    assert [(t.title, t.notes, t.source) for t in made] == [
        (i["title"], i["notes"], TopicSource.VOICE) for i in ideas
    ]
    page = client.get(reverse("ideas")).content.decode()
    assert page.count("From a voice note") == 2


def test_an_idea_from_a_note_shows_the_tone_it_was_said_in(owner, workspace, persona):
    note = VoiceNoteFactory(persona=persona, tone={"warm": 0.62, "serious": 0.1, "curious": 0.3})
    TopicFactory(persona=persona, source=TopicSource.VOICE, voice_note=note)
    page = client_for(owner, workspace).get(reverse("ideas")).content.decode()
    assert "From a voice note (tone: warm 62%, curious 30%)" in page
