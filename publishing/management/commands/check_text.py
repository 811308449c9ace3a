"""Measure texts by a platform's own rules, as the schedule forms and the composer do.

echo '{"text": "Visit twitter.com now"}' | manage.py check_text --platform x
{"length": 33, "limit": 280, "valid": true, "problem": ""}
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from language.platforms import MEASURES, measure


class Command(BaseCommand):
    help = (
        'Read JSON lines {"text": …} on standard input; print one JSON line per text: '
        "length, limit, valid, problem (the platform's own counting rules)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--platform", required=True, choices=sorted(MEASURES))
        parser.add_argument("--limit", type=int, default=None, help="An account's own limit")

    def handle(self, *args: Any, platform: str, limit: int | None, **options: Any) -> None:
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                text = json.loads(line)["text"]
            except (ValueError, KeyError, TypeError) as error:
                raise CommandError(f'line {number}: expected {{"text": "…"}} ({error})') from None
            if not isinstance(text, str):
                raise CommandError(f"line {number}: text must be a string")
            measured = measure(platform, text, limit=limit)
            assert measured is not None  # every choice has a rule
            self.stdout.write(json.dumps(measured.as_dict(), ensure_ascii=False))
