"""Voice notes: a spoken idea recorded or uploaded, transcribed in the background, made ideas.

The audio is checked as it arrives (kind, size, length, said in words), kept in media storage
for VOICE_NOTE_RETENTION_DAYS, transcribed by a worker (llm.transcription: a model provider's
endpoint when one is configured, else offline in US English), read for tone, and — once the
creator has read and corrected the transcript — split into ideas (by a model; offline, the
whole note is one idea) that are scored like every other idea."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from core.jobs import JobStatus, LeaseLost, enqueue, job_lease, resend_abandoned
from language.injection import without_instructions
from llm import transcription
from llm.services import usage_record
from llm.structured import ask_for_json
from personas.models import Persona
from pillars.models import Topic, TopicSource, VoiceNote
from pillars.services.ideas import create_topics
from voice import selectors as voice

TRANSCRIBE_NOTE = "pillars.tasks.transcribe_note"
IDEAS_PROMPT = Path(__file__).parent.parent / "prompts" / "voice_note_ideas_v1.txt"
MAX_IDEAS = 5
TITLE_WORDS = 12


def limits() -> str:
    """What a voice note may be, in words."""
    return (
        f"at most {settings.VOICE_NOTE_MAX_SECONDS / 60:g} minutes and "
        f"{filesizeformat(settings.VOICE_NOTE_MAX_BYTES)}"
    )


@transaction.atomic
def voice_note_add(
    *, persona: Persona, role: str, user: User | None, audio: UploadedFile, language: str
) -> VoiceNote:
    """Keep the file and queue its transcription; a file we cannot use is refused in words."""
    require(role, Action.EDIT)
    name = Path(audio.name or "note").name[:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in transcription.AUDIO_EXTENSIONS:
        raise ValidationError(
            f"“{name}” is not an audio file we take: record a note, or upload webm, ogg, m4a, "
            "mp3 or wav."
        )
    if (audio.size or 0) > settings.VOICE_NOTE_MAX_BYTES:
        raise ValidationError(
            f"That file is {filesizeformat(audio.size or 0)}; a voice note is {limits()}."
        )
    data = audio.read()
    try:
        seconds = transcription.audio_length(data)
    except transcription.AudioProblem as problem:
        raise ValidationError(str(problem)) from problem
    if seconds > settings.VOICE_NOTE_MAX_SECONDS + 1:
        raise ValidationError(
            f"That recording is {seconds / 60:.1f} minutes long; a voice note is {limits()}. "
            "Record a shorter note or split it."
        )
    audio.seek(0)
    note = VoiceNote(
        persona=persona,
        created_by=user,
        filename=name,
        size=len(data),
        seconds=seconds,
        language=language or persona.language,
        status=JobStatus.QUEUED,
        stage="Waiting to be transcribed",
    )
    note.audio.save(name, audio, save=False)
    note.save()
    transaction.on_commit(lambda: enqueue(TRANSCRIBE_NOTE, note.pk))
    return note


def voice_note_transcribe(*, note_id: int) -> None:
    """The Celery job, under a lease: decode, transcribe, read the tone."""
    with job_lease(VoiceNote, note_id, progress=10, stage="Listening") as lease:
        if lease is None:
            return
        note = VoiceNote.objects.select_related("persona__workspace").get(pk=note_id)
        try:
            if not note.audio:
                raise transcription.AudioProblem(
                    "The audio of this note was deleted before it was transcribed."
                )
            with note.audio.open("rb") as handle:
                data = handle.read()
            audio = transcription.decode(data, max_seconds=settings.VOICE_NOTE_MAX_SECONDS)
            lease.progress(30, "Transcribing", seconds=audio.seconds)
            chain = transcription.transcribers(note.persona.workspace_id)
            try:
                transcript, tried = transcription.transcribe(
                    audio, data, note.filename or "note.webm", language=note.language, chain=chain
                )
            except transcription.TranscriptionFailed as failed:
                _record(note, transcription.ledger_attempts(failed.tried, None))
                raise
            _record(note, transcription.ledger_attempts(tried, transcript))
            text = transcript.text[:4000]
            lease.progress(
                100,
                "" if text else "Nothing in it could be made out as words.",
                status=JobStatus.DONE,
                transcript=text,
                engine=transcript.engine[:200],
                tone=voice.tone_of(text, note.language),
                error="",
            )
        except LeaseLost:
            return
        except (transcription.AudioProblem, transcription.TranscriptionFailed) as problem:
            lease.progress(100, "", status=JobStatus.FAILED, error=str(problem))
        except Exception as error:
            lease.progress(
                100,
                "",
                status=JobStatus.FAILED,
                error=f"Transcription stopped unexpectedly ({type(error).__name__}). Try again.",
            )
            raise


def _record(note: VoiceNote, attempts: list) -> None:
    usage_record(
        attempts=attempts,
        workspace=note.persona.workspace,
        persona=note.persona,
        user=note.created_by,
        purpose="transcription",
    )


@transaction.atomic
def voice_note_retry(*, note: VoiceNote, role: str) -> VoiceNote:
    """Transcribe a failed note again (after adding a model, say)."""
    require(role, Action.EDIT)
    if note.status != JobStatus.FAILED:
        raise ValidationError("This note is not waiting for another try.")
    if not note.audio:
        raise ValidationError("Its audio was deleted; record the note again.")
    VoiceNote.objects.filter(pk=note.pk).update(
        status=JobStatus.QUEUED, progress=0, stage="Waiting to be transcribed", error=""
    )
    transaction.on_commit(lambda: enqueue(TRANSCRIBE_NOTE, note.pk))
    note.refresh_from_db()
    return note


def _split_offline(text: str) -> list[tuple[str, str]]:
    """One idea: its title the first sentence, cut at a dozen words."""
    first = re.split(r"(?<=[.!?])\s+", text, maxsplit=1)[0].rstrip(".!?")
    words = first.split()
    title = " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")
    return [(title, text)]


def _split_by_model(note: VoiceNote, text: str, user: User | None) -> list[tuple[str, str]] | None:
    data, _ = ask_for_json(
        system=IDEAS_PROMPT.read_text(encoding="utf-8").strip(),
        content=f"<note>\n{without_instructions(text).replace('</note>', '')}\n</note>",
        workspace=note.persona.workspace,
        persona=note.persona,
        user=user,
        purpose="voice_note_ideas",
        max_tokens=900,
    )
    if data is None:
        return None
    try:
        ideas = [
            (" ".join(str(i["title"]).split())[:300], str(i.get("notes", "")).strip()[:4000])
            for i in data["ideas"]
            if str(i.get("title", "")).strip()
        ][:MAX_IDEAS]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return ideas or None


@transaction.atomic
def voice_note_make_ideas(
    *, note: VoiceNote, role: str, user: User | None, transcript: str
) -> list[Topic]:
    """The (corrected) transcript as ideas in the inbox, each scored in the background."""
    require(role, Action.EDIT)
    text = " ".join(transcript.split())
    if not text:
        raise ValidationError("The transcript is empty: write what you said, then make ideas.")
    if note.status != JobStatus.DONE:
        raise ValidationError("Wait until the note is transcribed.")
    if note.ideas_made_at:
        raise ValidationError("Ideas were already made from this note.")
    ideas = _split_by_model(note, text, user) or _split_offline(text)
    topics = [
        create_topics(
            note.persona,
            user,
            [title],
            notes=notes,
            source=TopicSource.VOICE,
            voice_note=note,
        )[0]
        for title, notes in ideas
    ]
    VoiceNote.objects.filter(pk=note.pk).update(
        transcript=text[:4000],
        tone=voice.tone_of(text, note.language),
        ideas_made_at=timezone.now(),
    )
    return topics


def _forget_audio(note: VoiceNote) -> None:
    if note.audio:
        note.audio.delete(save=False)


@transaction.atomic
def voice_note_delete(*, note: VoiceNote, role: str) -> None:
    """The note and its audio file; ideas made from it stay in the inbox."""
    require(role, Action.EDIT)
    path, storage = note.audio.name, note.audio.storage
    note.delete()
    if path:  # once the row is gone for good: a rolled-back delete keeps its audio
        transaction.on_commit(lambda: storage.delete(path))


def voice_notes_sweep() -> int:
    """Beat: audio past its retention deleted (transcripts stay); stalled notes resent."""
    resent = resend_abandoned(VoiceNote, TRANSCRIBE_NOTE)
    days = settings.VOICE_NOTE_RETENTION_DAYS
    if not days:
        return resent
    expired = VoiceNote.objects.filter(
        created_at__lt=timezone.now() - timedelta(days=days), audio_deleted_at__isnull=True
    ).exclude(audio="")
    forgotten = 0
    for note in expired[:500]:
        _forget_audio(note)
        VoiceNote.objects.filter(pk=note.pk).update(audio="", audio_deleted_at=timezone.now())
        forgotten += 1
    return resent + forgotten
