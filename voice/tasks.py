from __future__ import annotations

from celery import shared_task

from voice import services


@shared_task(name="voice.tasks.run_analysis", time_limit=540, soft_time_limit=500)
def run_analysis(analysis_id: int) -> None:
    services.analysis_run(analysis_id=analysis_id)


@shared_task(name="voice.tasks.dispatch_due_analyses", time_limit=60, soft_time_limit=50)
def dispatch_due_analyses() -> int:
    """Beat, every 30 s: debounced analyses after imports, and runs whose worker died."""
    return services.dispatch_due_analyses()


@shared_task(name="voice.tasks.check_drift", time_limit=120, soft_time_limit=100)
def check_drift(persona_id: int) -> None:
    """After posts change: do the newer posts still look like the current voice?"""
    services.drift_check(persona_id=persona_id)
