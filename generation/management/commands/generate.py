"""python manage.py generate --persona ID --topic "…" [--type long] [--creativity 30]

Writes three variations for a persona with the configured providers through the same services
as the Write page (no per-user limits: this is the operator's tool, run here rather than by a
worker), prints them with their scores and ends with one line:
variations=3 best=… provider=… ms=…
"""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role
from core.jobs import JobStatus
from generation.models import ContentType
from generation.services import generation_request, generation_run
from personas.selectors import persona_by_id


class Command(BaseCommand):
    help = __doc__.split("\n\n")[0]

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--persona", type=int, required=True)
        parser.add_argument("--topic", required=True)
        parser.add_argument("--type", choices=ContentType.values, default=ContentType.SHORT)
        parser.add_argument("--creativity", type=int, default=30)

    def handle(
        self, *args: Any, persona: int, topic: str, type: str, creativity: int, **opts: Any
    ) -> None:
        found = persona_by_id(persona)
        if found is None:
            raise CommandError(f"No persona with id {persona}.")
        if not 0 <= creativity <= 100:
            raise CommandError("--creativity must be between 0 and 100.")
        started = time.perf_counter()
        try:
            generation = generation_request(
                persona=found,
                user=None,
                role=Role.OWNER,
                topic=topic,
                content_type=type,
                creativity=creativity,
                queue=False,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        generation_run(generation_id=generation.pk)
        generation.refresh_from_db()
        elapsed = round((time.perf_counter() - started) * 1000)
        if generation.status != JobStatus.DONE:
            raise CommandError(f"Generation failed: {generation.error}")
        variations = list(generation.variations.order_by("rank"))
        for v in variations:
            self.stdout.write(
                f"--- #{v.rank} {v.angle} score={v.score} (structure {v.score_structure}, "
                f"tone {v.score_tone}, vocabulary {v.score_vocabulary}) {v.provider}/{v.model}"
            )
            self.stdout.write(v.text)
        if generation.error:
            self.stdout.write(self.style.WARNING(generation.error))
        best = variations[0]
        self.stdout.write(
            f"variations={len(variations)} best={best.score} provider={best.provider} ms={elapsed}"
        )
