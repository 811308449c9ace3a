from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from llm.services import embedding_model_name
from personas.selectors import all_persona_ids, persona_by_id
from posts.services import embed_pending_posts, embeddings_reset


class Command(BaseCommand):
    help = (
        "Embed posts that have no vector from the current embedding model (after a model "
        "change, that is all of them). --force re-embeds every post in scope."
    )

    def add_arguments(self, parser: Any) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--persona", type=int, help="Persona id")
        scope.add_argument("--all", action="store_true", help="Every persona")
        parser.add_argument("--force", action="store_true")

    def handle(self, *args: Any, persona: int | None, all: bool, force: bool, **opts: Any) -> None:
        if all:
            persona_ids = all_persona_ids()
        elif persona is not None and persona_by_id(persona) is not None:
            persona_ids = [persona]
        else:
            raise CommandError(f"No persona with id {persona}.")
        model = embedding_model_name()
        started, total = time.monotonic(), 0
        for persona_id in persona_ids:
            if force:
                embeddings_reset(persona_id=persona_id)
            total += embed_pending_posts(persona_id=persona_id)
        elapsed = time.monotonic() - started
        rate = total / elapsed if elapsed else 0.0
        self.stdout.write(
            f"embedded={total} model={model} seconds={elapsed:.1f} posts_per_s={rate:.1f}"
        )
