"""Re-encrypt every secret at rest with the newest of FIELD_ENCRYPTION_KEYS.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), restart,
run this, then drop the old keys. Every model field named `*_encrypted` is rewritten, row by
row in batches, each batch in one transaction; a value no key can read is reported by row
(never printed) and left as it is."""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from core.crypto import InvalidToken, rotate

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt every *_encrypted field with the newest FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args: object, **options: object) -> None:
        total = unreadable = 0
        for model in apps.get_models():
            fields = [f.name for f in model._meta.fields if f.name.endswith("_encrypted")]
            if not fields:
                continue
            ids = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(ids), BATCH):
                with transaction.atomic():
                    rows = model._default_manager.select_for_update().filter(
                        pk__in=ids[start : start + BATCH]
                    )
                    for row in rows:
                        changed = {}
                        for name in fields:
                            value = getattr(row, name)
                            if not value:
                                continue
                            try:
                                changed[name] = rotate(value)
                            except InvalidToken:
                                unreadable += 1
                                self.stderr.write(
                                    f"{model._meta.label} #{row.pk} {name}: no key reads it"
                                )
                        if changed:
                            model._default_manager.filter(pk=row.pk).update(**changed)
                            total += 1
        self.stdout.write(f"rotated={total} unreadable={unreadable}")
