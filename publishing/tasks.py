from __future__ import annotations

from celery import shared_task

from publishing import engine, services


@shared_task(name="publishing.tasks.sweep", time_limit=60, soft_time_limit=50)
def sweep() -> int:
    """Beat, every PUBLISH_SWEEP_SECONDS: claim due targets and queue their sends."""
    return engine.sweep()


@shared_task(name="publishing.tasks.send_target", time_limit=120, soft_time_limit=100)
def send_target(target_id: int, token: str) -> str:
    return engine.target_send(target_id=target_id, token=token)


@shared_task(name="publishing.tasks.predict_engagement", time_limit=300, soft_time_limit=280)
def predict_engagement(persona_id: int) -> int:
    """Predicted engagement for the persona's posts that have none (the bulk lane)."""
    return services.publications_predict(persona_id=persona_id)
