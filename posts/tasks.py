from __future__ import annotations

from celery import shared_task

from posts import importing, selectors, services


@shared_task(
    name="posts.tasks.embed_persona_posts",
    time_limit=540,
    soft_time_limit=500,
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=180,  # short countdowns only: durable work is swept from Postgres
    max_retries=5,
)
def embed_persona_posts(persona_id: int) -> int:
    return services.embed_pending_posts(persona_id=persona_id)


@shared_task(name="posts.tasks.run_import", time_limit=540, soft_time_limit=500)
def run_import(import_id: int) -> None:
    importing.import_run(import_id=import_id)


@shared_task(name="posts.tasks.sweep_stalled_imports", time_limit=60, soft_time_limit=50)
def sweep_stalled_imports() -> int:
    """Beat, every minute: hand imports that nobody is working on to a worker again."""
    return importing.resend_stalled_imports()


@shared_task(name="posts.tasks.sweep_unembedded", time_limit=120, soft_time_limit=100)
def sweep_unembedded() -> int:
    """Beat, every 10 minutes.

    Personas with posts the current model has not embedded (a failed job, a model change) get an
    embedding job again."""
    persona_ids = selectors.personas_with_unembedded_posts(limit=100)
    for persona_id in persona_ids:
        embed_persona_posts.delay(persona_id)
    return len(persona_ids)


@shared_task(name="posts.tasks.train_engagement", time_limit=300, soft_time_limit=280)
def train_engagement(persona_id: int) -> int:
    """After posts or their numbers change: the persona's engagement prediction again."""
    model = services.engagement_train(persona_id=persona_id)
    return model.posts if model else 0
