from __future__ import annotations

from celery import shared_task

from generation import services


@shared_task(name="generation.tasks.run_generation", time_limit=300, soft_time_limit=280)
def run_generation(generation_id: int) -> None:
    services.generation_run(generation_id=generation_id)


@shared_task(name="generation.tasks.run_rewrite", time_limit=300, soft_time_limit=280)
def run_rewrite(rewrite_id: int) -> None:
    services.rewrite_run(rewrite_id=rewrite_id)


@shared_task(name="generation.tasks.dispatch_abandoned", time_limit=60, soft_time_limit=50)
def dispatch_abandoned() -> int:
    """Beat, every 60 s: no generation or rewrite stays stuck in the queue."""
    return services.dispatch_abandoned_generations() + services.dispatch_abandoned_rewrites()
