from __future__ import annotations

from celery import shared_task

from generation import services


@shared_task(name="generation.tasks.run_generation", time_limit=300, soft_time_limit=280)
def run_generation(generation_id: int) -> None:
    services.generation_run(generation_id=generation_id)
