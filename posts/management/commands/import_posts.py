from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from personas.selectors import persona_by_id
from posts.importing import check_rows, read_file
from posts.models import ImportFormat
from posts.services import posts_bulk_import


class Command(BaseCommand):
    help = "Import a persona's past posts from a file (no row limit). Ends with one summary line."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--persona", type=int, required=True, help="Persona id")
        parser.add_argument("--format", default="auto", choices=ImportFormat.values)
        parser.add_argument("--max-bytes", type=int, default=None, help="Override the size limit")
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, persona: int, format: str, file: Path, **options: Any) -> None:
        target = persona_by_id(persona)
        if target is None:
            raise CommandError(f"No persona with id {persona}.")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        if options["max_bytes"]:
            from django.conf import settings

            settings.IMPORT_MAX_BYTES = options["max_bytes"]
        try:
            parsed = read_file(data, format)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        checked = check_rows(target, parsed.rows)
        for row in checked.rows:
            if row["status"] == "error":
                self.stderr.write(f"row {row['row']}: {'; '.join(row['errors'])}")
        outcome = posts_bulk_import(persona=target, values=checked.valid_values)
        counts = checked.counts
        self.stdout.write(
            f"imported={outcome.imported} "
            f"duplicates={counts['duplicates'] + outcome.duplicates} errors={counts['errors']}"
        )
