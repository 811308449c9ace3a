"""Bulk scheduling: a CSV of posts, checked row by row, previewed, then scheduled.

Bulk scheduling: a CSV of posts (text, time, accounts, and optionally image URLs and a first
comment), read and checked row by row — each account's platform rules, times that passed or do
not exist, unknown accounts, unusable image addresses — into a preview; then the good rows are
scheduled by a background job, each once, its image URLs fetched through the egress path. A
row that fails then says why; nothing else is held up."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from accounts.selectors import role_in
from composer.models import BulkRow, BulkUpload
from core import egress
from core.jobs import JobStatus, enqueue, job_lease, resend_abandoned
from core.spreadsheet import csv_text, unsafe_cell
from language.platforms import normalise
from personas.models import Persona
from posts.parsers import UnreadableFile, csv_records, decode
from publishing import selectors as publishing_selectors
from publishing.checks import account_problems
from publishing.media import RULES, fetch_image
from publishing.models import Account
from publishing.services import publication_schedule

RUN_BULK = "composer.tasks.run_bulk"
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
MAX_IMAGES = 4
TEMPLATE_HEADER = ["text", "time", "accounts", "image_urls", "first_comment"]
COLUMNS = {
    "text": {"text", "post", "content", "body", "caption"},
    "time": {"time", "when", "date", "datetime", "scheduledat", "scheduledfor", "publishat"},
    "accounts": {"accounts", "account", "channels", "channel", "profiles", "to"},
    "images": {"imageurls", "imageurl", "images", "image", "media", "mediaurls"},
    "comment": {"firstcomment", "comment"},
}
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
_SPLIT = re.compile(r"\s*[;|,\n]\s*")


def template_csv() -> str:
    return csv_text(
        [
            TEMPLATE_HEADER,
            [
                "We raised prices 30%. Churn moved by 1%.",
                "2027-01-12 09:00",
                "Practice timeline",
                "",
                "",
            ],
            [
                "Three things I wish I had known before our first price increase.\n---\n"
                "1. Nobody reads your pricing page as closely as you do.",
                "2027-01-14 17:30",
                "Practice timeline; @me.bsky.social",
                "https://example.com/chart.png",
                "The full story: https://example.com/pricing",
            ],
        ]
    )


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.strip().lower())


def _column_of(header: list[str]) -> dict[str, int]:
    found = {}
    for index, name in enumerate(header):
        for column, aliases in COLUMNS.items():
            if _key(name) in aliases and column not in found:
                found[column] = index
    return found


def when_of(typed: str, zone: ZoneInfo) -> tuple[datetime | None, str]:
    """The typed time as an aware moment, or the problem with it in words.

    A time without an offset is in the persona's zone."""
    typed = typed.strip()
    if not typed:
        return None, "No time: write it as 2027-01-12 09:00 (in the persona's zone)."
    moment = None
    try:
        moment = datetime.fromisoformat(typed.replace("Z", "+00:00"))
    except ValueError:
        for fmt in TIME_FORMATS:
            try:
                moment = datetime.strptime(typed, fmt)
                break
            except ValueError:
                continue
    if moment is None:
        return None, f"“{typed}” is not a time: write it as 2027-01-12 09:00."
    if timezone.is_naive(moment):
        local = moment.replace(tzinfo=zone)
        round_trip = local.astimezone(ZoneInfo("UTC")).astimezone(zone)
        if round_trip.replace(tzinfo=None) != moment:
            return None, (
                f"{typed} does not exist in {zone.key} (the clocks go forward then): pick "
                "another time."
            )
        moment = local
    if moment < timezone.now():
        return None, f"{typed} has passed: pick a time from now on."
    return moment, ""


def _accounts_of(typed: str, accounts: list[Account]) -> tuple[list[Account], list[str]]:
    by_name = {a.name.casefold(): a for a in accounts}
    by_name |= {a.name.casefold().lstrip("@"): a for a in accounts}
    chosen, problems = [], []
    names = [n for n in _SPLIT.split(typed.strip()) if n]
    if not names:
        known = ", ".join(a.name for a in accounts) or "none connected yet"
        return [], [f"No account: name one or more of yours ({known})."]
    for name in names:
        account = by_name.get(name.casefold()) or by_name.get(name.casefold().lstrip("@"))
        if account is None:
            known = ", ".join(a.name for a in accounts) or "none connected yet"
            problems.append(f"Unknown account “{name}”: yours are {known}.")
        elif account not in chosen:
            chosen.append(account)
    return chosen, problems


def _image_problems(urls: list[str], accounts: list[Account]) -> list[str]:
    problems = []
    if len(urls) > MAX_IMAGES:
        problems.append(f"{len(urls)} images; a row may carry {MAX_IMAGES} at most.")
    for url in urls:
        try:
            egress.check_url(url, resolve_host=False)  # the fetch checks the address again
        except egress.EgressRefused as error:
            problems.append(f"Image {url}: {error}")
    for account in accounts:
        rule = RULES.get(account.platform)
        if rule and len(urls) > rule.count:
            problems.append(
                f"{account.get_platform_display()} takes {rule.count} images at most; "
                f"this row has {len(urls)}."
            )
    return problems


def bulk_preview(
    *, persona: Persona, user: User, role: str, data: bytes, filename: str
) -> BulkUpload:
    """Read the CSV and check every row; whole-file problems are a ValidationError."""
    require(role, Action.EDIT)
    if len(data) > MAX_BYTES:
        raise ValidationError(f"The file is over {MAX_BYTES // (1024 * 1024)} MB; split it.")
    try:
        text = decode(data)
    except UnreadableFile as error:
        raise ValidationError(str(error)) from None
    if not text.strip():
        raise ValidationError("The file is empty: download the template to start.")

    def too_many() -> UnreadableFile:
        return UnreadableFile(f"More than {MAX_ROWS:,} rows: split the file.")

    try:
        header, records = csv_records(text, too_many, MAX_ROWS)
        rows = _checked_rows(header, records, persona)
    except UnreadableFile as error:
        raise ValidationError(str(error)) from None
    if not rows:
        raise ValidationError("The file has a header but no rows.")
    columns = _column_of(header)
    unused = [h for i, h in enumerate(header) if i not in columns.values() and h.strip()]
    with transaction.atomic():
        upload = BulkUpload.objects.create(
            persona=persona,
            created_by=user,
            filename=filename[:200],
            notes=[f"Columns not used: {', '.join(unused)}."] if unused else [],
        )
        for row in rows:
            row.upload = upload
        BulkRow.objects.bulk_create(rows, batch_size=1000)
    return upload


def _checked_rows(
    header: list[str], records: Iterator[tuple[int, list[str]]], persona: Persona
) -> list[BulkRow]:
    columns = _column_of(header)
    missing = [name for name in ("text", "time", "accounts") if name not in columns]
    if missing:
        raise ValidationError(
            f"No {', '.join(missing)} column. The columns are: {', '.join(TEMPLATE_HEADER)} "
            f"(found: {', '.join(h for h in header if h.strip()) or 'none'})."
        )
    accounts = list(publishing_selectors.accounts_of(persona.workspace, usable=True))
    zone = ZoneInfo(persona.timezone)
    rows: list[BulkRow] = []
    seen: dict[tuple[str, datetime | None], int] = {}
    for line, cells in records:

        def cell(name: str, cells: list[str] = cells) -> str:
            index = columns.get(name)
            return unsafe_cell(cells[index]) if index is not None and index < len(cells) else ""

        rows.append(_checked_row(line, cell, accounts, zone, seen))
    return rows


def _checked_row(
    line: int,
    cell,
    accounts: list[Account],
    zone: ZoneInfo,
    seen: dict[tuple[str, datetime | None], int],
) -> BulkRow:
    text = normalise(cell("text")).strip()
    comment = normalise(cell("comment")).strip()
    typed_time, typed_accounts = cell("time").strip(), cell("accounts").strip()
    problems = [] if text else ["No text."]
    when, problem = when_of(typed_time, zone)
    if problem:
        problems.append(problem)
    chosen, account_problem_list = _accounts_of(typed_accounts, accounts)
    problems += account_problem_list
    urls = [u for u in re.split(r"[\s;|,]+", cell("images").strip()) if u]
    problems += _image_problems(urls, chosen)
    if text:
        for account in chosen:
            problems += [
                f"{account.name}: {p}"
                for p in account_problems(account, text, first_comment=comment)
            ]
    if text and when is not None:
        earlier = seen.setdefault((text, when), line)
        if earlier != line:
            problems.append(f"The same post at the same time as row {earlier}.")
    return BulkRow(
        line=line,
        text=text[:25_000],
        first_comment=comment[:5_000],
        scheduled_at=when,
        typed_time=typed_time[:100],
        account_ids=[a.pk for a in chosen],
        typed_accounts=typed_accounts[:500],
        image_urls=urls[:MAX_IMAGES],
        problems=problems,
    )


def bulk_schedule(*, upload: BulkUpload, role: str) -> BulkUpload:
    """Queue the scheduling of the upload's good rows."""
    require(role, Action.EDIT)
    claimed = BulkUpload.objects.filter(pk=upload.pk, status="preview").update(
        status=JobStatus.QUEUED
    )
    if not claimed:
        raise ValidationError("These rows are being scheduled already.")
    enqueue(RUN_BULK, upload.pk)
    upload.refresh_from_db()
    return upload


def bulk_run(*, upload_id: int) -> BulkUpload | None:
    """The Celery job, under a lease.

    Each good row is scheduled once (its publication is stored with it in one transaction), even
    when a worker dies half way."""
    with job_lease(BulkUpload, upload_id, progress=1, stage="Scheduling") as lease:
        if lease is None:
            return None
        upload = BulkUpload.objects.select_related("persona__workspace", "created_by").get(
            pk=upload_id
        )
        accounts = {
            a.pk: a for a in publishing_selectors.accounts_of(upload.persona.workspace, usable=True)
        }
        todo = list(upload.rows.filter(problems=[], publication__isnull=True, failure=""))
        for n, row in enumerate(todo):
            if n % 20 == 0:
                lease.progress(1 + 98 * n // max(1, len(todo)), f"Row {row.line} of {len(todo)}")
            _schedule_row(upload, row, accounts)
        lease.progress(100, "", status=JobStatus.DONE)
    upload.refresh_from_db()
    return upload


def _schedule_row(upload: BulkUpload, row: BulkRow, accounts: dict[int, Account]) -> None:
    chosen = [accounts[i] for i in row.account_ids if i in accounts]
    try:
        if len(chosen) != len(row.account_ids):
            raise ValidationError("An account of this row was disconnected meanwhile.")
        images = []
        for url in row.image_urls:
            try:
                images.append(fetch_image(url))
            except ValueError as error:
                raise ValidationError(str(error)) from None
        with transaction.atomic():
            locked = BulkRow.objects.select_for_update().get(pk=row.pk)
            if locked.publication_id:
                return
            assert row.scheduled_at is not None  # a previewed row that is "ok" has its time
            locked.publication = publication_schedule(
                persona=upload.persona,
                role=_role(upload),
                user=upload.created_by,
                text=row.text,
                scheduled_at=row.scheduled_at,
                accounts=chosen,
                images=images,
                alt_texts=["" for _ in images],
                first_comment=row.first_comment,
            )
            locked.save(update_fields=["publication"])
    except ValidationError as error:
        BulkRow.objects.filter(pk=row.pk).update(failure=" ".join(error.messages)[:500])
    except PermissionDenied:
        BulkRow.objects.filter(pk=row.pk).update(
            failure="Whoever uploaded this can no longer schedule posts in this workspace."
        )


def _role(upload: BulkUpload) -> str:
    """The uploader's role now.

    One who left the workspace schedules nothing; an editor's rows wait for approval where the
    workspace asks for it."""
    return role_in(upload.created_by, upload.persona.workspace) or "viewer"


def dispatch_abandoned_bulk() -> int:
    return resend_abandoned(BulkUpload, RUN_BULK)


def problem_rows_csv(upload: BulkUpload) -> str:
    """The rows with problems (or that failed), as they were typed plus why: fix and upload."""
    rows = upload.rows.exclude(problems=[], failure="")
    return csv_text(
        [
            ["row", *TEMPLATE_HEADER, "problem"],
            *(
                [
                    r.line,
                    r.text,
                    r.typed_time,
                    r.typed_accounts,
                    " ".join(r.image_urls),
                    r.first_comment,
                    " ".join(r.problems) or r.failure,
                ]
                for r in rows
            ),
        ]
    )
