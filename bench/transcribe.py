"""Offline transcription of voice notes: accuracy and CPU, through the real pipeline.

20 English sentences a creator might say, spoken by flite's four voices in turn, encoded as
Chromium's MediaRecorder saves them (Opus in WebM), uploaded as voice notes and transcribed by
the job a worker runs (decode, segment, recognise offline, read the tone). Needs flite
(`apt-get install -y flite`); not part of the test run.

    .venv/bin/python bench/transcribe.py

WER is word edits (substitutions, insertions, deletions) over the words said, all sentences
pooled; seconds_per_minute is the job's CPU time per minute of audio. Targets: WER ≤ 0.35 and
≤ 30 s of CPU per minute of audio. Last line: notes=… audio_s=… wer=… seconds_per_minute=…"""

from __future__ import annotations

import re
import time

from _setup import setup

SENTENCES = [
    "I want to write about why small businesses should plan their week on Sunday evening",
    "Most people think hiring is about skills but it is really about trust",
    "The best advice I ever got was to ship before I felt ready",
    "We lost our biggest customer last year and it changed how we sell",
    "Nobody talks about how lonely it is to run a company on your own",
    "Here is what I learned from writing every single day for a year",
    "Remote teams need fewer meetings and better written updates",
    "My first product failed because I never talked to the people who would use it",
    "Raising prices was the hardest and the best decision we made",
    "A good onboarding email answers one question and asks for one action",
    "I stopped checking my phone in the morning and my focus came back",
    "Customers remember how you handled the problem more than the problem itself",
    "The simplest marketing plan is to help one person every day in public",
    "Our team grew from three people to thirty and here is what broke first",
    "Saying no to good opportunities is how you make room for great ones",
    "Every founder should answer support tickets for at least a week",
    "The real cost of a bad hire is the time everyone spends fixing it",
    "I read fifty books this year and only three changed how I work",
    "Pricing pages should show the plan most people choose in the middle",
    "What would you build if you knew nobody would ever see it",
]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def edits(said: list[str], heard: list[str]) -> int:
    """Word-level Levenshtein distance."""
    row = list(range(len(heard) + 1))
    for i, s in enumerate(said, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(heard, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (s != h))
    return row[-1]


def main() -> None:
    setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    import pillars.services.notes as notes
    from accounts.models import Role, Workspace
    from core.jobs import JobStatus
    from personas.models import Persona
    from pillars import services
    from pillars.models import VoiceNote
    from tests.speech import VOICES, as_browser_recording, spoken_wav

    notes.enqueue = lambda *args: None  # the bench runs each job itself, timed
    Workspace.objects.filter(name="Transcribe bench").delete()
    workspace = Workspace.objects.create(name="Transcribe bench")
    persona = Persona.objects.create(
        workspace=workspace, name="Speaker", platform="linkedin", language="en"
    )
    recordings = [
        as_browser_recording(spoken_wav(text, voice=VOICES[n % len(VOICES)]))
        for n, text in enumerate(SENTENCES)
    ]
    total_edits = total_words = 0
    cpu = audio = 0.0
    by_voice: dict[str, list[int]] = {v: [0, 0] for v in VOICES}
    for n, (text, data) in enumerate(zip(SENTENCES, recordings, strict=True)):
        note = services.voice_note_add(
            persona=persona,
            role=Role.OWNER,
            user=None,
            audio=SimpleUploadedFile("voice-note.webm", data),
            language="en",
        )
        started = time.process_time()
        services.voice_note_transcribe(note_id=note.pk)
        cpu += time.process_time() - started
        note = VoiceNote.objects.get(pk=note.pk)
        assert note.status == JobStatus.DONE, note.error
        audio += note.seconds
        said, heard = words(text), words(note.transcript)
        wrong = edits(said, heard)
        total_edits += wrong
        total_words += len(said)
        voice = VOICES[n % len(VOICES)]
        by_voice[voice][0] += wrong
        by_voice[voice][1] += len(said)
        print(f"{voice:6} {wrong:2}/{len(said):2}  {note.transcript}")
    for voice, (wrong, said_count) in by_voice.items():
        print(f"voice={voice} wer={wrong / said_count:.3f}")
    workspace.delete()
    print(
        f"notes={len(SENTENCES)} audio_s={audio:.1f} wer={total_edits / total_words:.3f} "
        f"seconds_per_minute={cpu / (audio / 60):.1f}"
    )


if __name__ == "__main__":
    main()
