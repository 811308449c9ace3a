"""The import flow: read a file → check every row (preview) → import the valid rows.

Used by the upload pages (a preview the user confirms, row limit, background job with progress
for larger files) and by `manage.py import_posts` (no limit, straight through)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from core.jobs import (
    JobStatus,
    Lease,
    LeaseLost,
    abandoned_jobs,
    enqueue,
    job_lease,
    resend_abandoned,
)
from core.spreadsheet import csv_text
from personas.models import Persona
from posts import parsers
from posts.models import ImportBatch
from posts.rules import check_post
from posts.services import (
    existing_hashes,
    posts_bulk_import,
    posts_import_finished,
    posts_refresh_metrics,
)

logger = logging.getLogger(__name__)
RUN_IMPORT = "posts.tasks.run_import"
CHUNK_ROWS = 200  # rows written per transaction by the background job (progress granularity)


@dataclass
class CheckedRows:
    rows: list[dict[str, Any]]  # stored on ImportBatch.rows, shown in the preview
    valid_values: list[dict[str, Any]]  # cleaned values of the rows to import
    # Cleaned values of rows the persona already has (their numbers may be newer).
    known_values: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "valid": sum(1 for r in self.rows if r["status"] == "ok"),
            "duplicates": sum(1 for r in self.rows if r["status"] == "duplicate"),
            "errors": sum(1 for r in self.rows if r["status"] == "error"),
            "skipped": sum(1 for r in self.rows if r["status"] == "skipped"),
        }


def check_rows(persona: Persona, raw_rows: list[parsers.RawRow]) -> CheckedRows:
    """Validate every row and mark duplicates (of the persona's posts or of earlier rows)."""
    now = datetime.now(UTC)
    checked = []
    for raw in raw_rows:
        result = check_post(
            raw.values, platform=persona.platform, timezone=persona.timezone, now=now
        )
        if "_not_an_object" in raw.values:
            result.errors.insert(0, f"item is a {raw.values['_not_an_object']}, not an object")
        if "_extra_cells" in raw.values:
            result.errors.append(
                f"{raw.values['_extra_cells']} more cells than the header has columns "
                "(text with commas must be in quotes)"
            )
        checked.append((raw, result))
    known = existing_hashes(persona, {r.values["text_hash"] for _, r in checked if r.ok})
    rows, valid, already = [], [], []
    for raw, result in checked:
        status = "ok"
        if raw.skipped:
            status = "skipped"
        elif not result.ok:
            status = "error"
        elif result.values["text_hash"] in known:
            status = "duplicate"
            already.append(result.values)
        else:
            known.add(result.values["text_hash"])
            valid.append(result.values)
        rows.append(
            {
                "row": raw.number,
                "status": status,
                "text": result.values["text"][:10_000],
                "posted_at": result.values["posted_at"].isoformat(),
                "metrics": {
                    k: result.values[k]
                    for k in ("impressions", "likes", "comments", "reposts")
                    if result.values.get(k) is not None
                },
                "errors": result.errors or ([raw.skipped] if raw.skipped else []),
                "warnings": result.warnings,
                "raw": {k: _json_safe(v) for k, v in raw.values.items() if not k.startswith("_")},
            }
        )
    return CheckedRows(rows=rows, valid_values=valid, known_values=already)


def _json_safe(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def read_file(data: bytes, fmt: str, *, max_rows: int | None = None) -> parsers.ParsedFile:
    """The rows of an upload, or a ValidationError saying why not (size, archive, rows)."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            f"The file is {filesizeformat(len(data))}; the limit is "
            f"{filesizeformat(settings.IMPORT_MAX_BYTES)}. Split it and import the parts."
        )
    try:
        return parsers.parse(data, fmt, max_bytes=settings.IMPORT_MAX_BYTES, max_rows=max_rows)
    except parsers.UnreadableFile as error:
        raise ValidationError(str(error)) from None


@transaction.atomic
def import_prepare(
    *, persona: Persona, user: User, role: str, data: bytes, filename: str, fmt: str
) -> ImportBatch:
    """Read and check an upload; the batch waits in PREVIEW until the user confirms."""
    require(role, Action.EDIT)
    parsed = read_file(data, fmt, max_rows=settings.IMPORT_MAX_ROWS)
    checked = check_rows(persona, parsed.rows)
    counts = checked.counts
    return ImportBatch.objects.create(
        persona=persona,
        created_by=user,
        filename=filename[:255],
        format=parsed.format,
        rows=checked.rows,
        total=counts["valid"],
        failed_rows=counts["errors"],
        duplicates=counts["duplicates"],
        error=" ".join(parsed.notes),
    )


def import_confirm(*, batch: ImportBatch, role: str) -> ImportBatch:
    """Start the import the user confirmed: right away when small, else as a Celery job."""
    require(role, Action.EDIT)
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=JobStatus.PREVIEW).update(
        status=JobStatus.QUEUED, updated_at=timezone.now()
    )
    if claimed:
        if batch.total > settings.IMPORT_BACKGROUND_ABOVE:
            enqueue(RUN_IMPORT, batch.pk)
        else:
            import_run(import_id=batch.pk)
    batch.refresh_from_db()
    return batch


def stalled_import_ids() -> list[int]:
    """Confirmed imports no worker is making progress on."""
    return abandoned_jobs(ImportBatch, limit=100)


def resend_stalled_imports() -> int:
    """Beat: confirmed imports no worker is making progress on are sent to a worker again.

    Queued for over two minutes — the enqueue was lost, e.g. Redis restarted — or running with an
    expired lease."""
    return resend_abandoned(ImportBatch, RUN_IMPORT)


def import_run(*, import_id: int) -> None:
    """Write the batch's valid rows, under a lease (core.jobs).

    A second delivery does nothing while the first is alive; a run whose worker died is taken over.
    Each chunk of rows is one transaction with its progress, re-checked against the persona's posts,
    so whatever a dead run wrote is skipped as duplicates: every post is written exactly once."""
    with job_lease(ImportBatch, import_id) as lease:
        if lease is None:
            return
        try:
            _import_rows(import_id, lease)
        except LeaseLost:
            return


def _import_rows(import_id: int, lease: Lease) -> None:
    batch = ImportBatch.objects.select_related("persona").get(pk=import_id)
    raw_rows = [
        parsers.RawRow(number=r["row"], values=r["raw"]) for r in batch.rows if r["status"] == "ok"
    ]
    imported = duplicates = 0
    try:
        for start in range(0, len(raw_rows), CHUNK_ROWS):
            chunk = check_rows(batch.persona, raw_rows[start : start + CHUNK_ROWS])
            with transaction.atomic():
                outcome = posts_bulk_import(
                    persona=batch.persona, values=chunk.valid_values, followups=False
                )
                processed = min(start + CHUNK_ROWS, len(raw_rows))
                lease.progress(
                    round(100 * processed / len(raw_rows)),
                    f"{processed} of {len(raw_rows)} rows",
                    processed=processed,
                    imported=imported + outcome.imported,
                )
            imported += outcome.imported
            duplicates += outcome.duplicates + chunk.counts["duplicates"]
    except LeaseLost:
        raise
    except Exception as error:
        # Each chunk is written in one transaction, all or nothing: the count is exact.
        logger.exception("import %s stopped after %s posts", import_id, imported)
        with transaction.atomic():
            if imported:
                posts_import_finished(persona=batch.persona)
            lease.update(
                status=JobStatus.FAILED,
                imported=imported,
                error=f"The import stopped after {imported} posts "
                f"({type(error).__name__}). Those {imported} posts are kept; importing the "
                "file again adds only the rest.",
            )
        return
    # Rows the persona already had: their numbers may be newer (a later export).
    known = [
        parsers.RawRow(number=r["row"], values=r["raw"])
        for r in batch.rows
        if r["status"] == "duplicate"
    ]
    refreshed = check_rows(batch.persona, known).known_values if known else []
    with transaction.atomic():
        metrics_updated = posts_refresh_metrics(persona=batch.persona, values=refreshed)
        if imported:
            posts_import_finished(persona=batch.persona)
        lease.update(
            status=JobStatus.DONE,
            progress=100,
            processed=len(raw_rows),
            imported=imported,
            duplicates=batch.duplicates + duplicates,
            metrics_updated=metrics_updated,
        )


def errors_csv(batch: ImportBatch) -> str:
    """The rows that were not imported, with the reason, as CSV the user can fix and re-upload."""
    rows: list[list[object]] = [["row", "problem", "text", "posted_at"]]
    for row in batch.rows:
        if row["status"] in {"error", "skipped"}:  # already-imported rows need no fixing
            problem = "; ".join(row["errors"]) if row["errors"] else "skipped"
            rows.append(
                [row["row"], problem, row["raw"].get("text", ""), row["raw"].get("posted_at")]
            )
    return csv_text(rows)
