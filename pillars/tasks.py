from __future__ import annotations

from celery import shared_task

from pillars import services


@shared_task(name="pillars.tasks.run_discovery", time_limit=540, soft_time_limit=500)
def run_discovery(discovery_id: int) -> None:
    services.discovery_run(discovery_id=discovery_id)


@shared_task(name="pillars.tasks.assign_posts", time_limit=300, soft_time_limit=280)
def assign_posts(persona_id: int) -> int:
    """After an embedding run: the new posts join their pillars."""
    return services.posts_assign(persona_id=persona_id)


@shared_task(
    name="pillars.tasks.classify_topics",
    time_limit=300,
    soft_time_limit=280,
    autoretry_for=(Exception,),
    retry_backoff=30,
    max_retries=3,
)
def classify_topics(persona_id: int) -> int:
    done = total = services.topics_classify(persona_id=persona_id)
    while done:
        done = services.topics_classify(persona_id=persona_id)
        total += done
    return total


@shared_task(name="pillars.tasks.transcribe_note", time_limit=300, soft_time_limit=280)
def transcribe_note(note_id: int) -> None:
    services.voice_note_transcribe(note_id=note_id)


@shared_task(name="pillars.tasks.sweep", time_limit=120, soft_time_limit=100)
def sweep() -> int:
    """Beat: discoveries and voice notes nobody works on are handed out again.

    Unclassified ideas too; voice notes' audio past its retention is deleted."""
    return services.sweep() + services.voice_notes_sweep()
