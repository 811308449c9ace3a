"""Readers for every format creators bring their history in.

Pasted text, CSV, JSON, LinkedIn's data export (Shares.csv) and the X/Twitter archive (tweets.js).
Each returns raw rows in one shape; `posts.rules.check_post` decides what is valid. Nothing here
touches the database."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from posts.models import ImportFormat


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (wrong type, encoding, structure); says why."""


@dataclass
class RawRow:
    number: int  # as the user counts: CSV data row, JSON item, pasted block, tweet (1-based)
    values: dict[str, Any]
    skipped: str = ""  # a row deliberately left out (e.g. a retweet), with the reason


@dataclass
class ParsedFile:
    format: str
    rows: list[RawRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# Column names as exports and spreadsheets spell them, after _key() folding.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "text": (
        "text",
        "post",
        "posttext",
        "content",
        "body",
        "commentary",
        "sharecommentary",
        "fulltext",
        "message",
        "caption",
        "tweet",
        "tweettext",
    ),
    "posted_at": (
        "postedat",
        "date",
        "posted",
        "postdate",
        "createdat",
        "created",
        "published",
        "publishedat",
        "publishdate",
        "time",
        "timestamp",
        "datetime",
    ),
    "impressions": ("impressions", "views", "viewcount", "reach", "impressioncount"),
    "likes": ("likes", "reactions", "favoritecount", "favorites", "likecount", "favourites"),
    "comments": ("comments", "replies", "replycount", "commentcount"),
    "reposts": ("reposts", "shares", "retweets", "retweetcount", "reshares", "repostcount"),
    "profile_views": ("profileviews", "profilevisits"),
    "saves": ("saves", "bookmarks", "saved", "bookmarkcount"),
    "external_ref": (
        "externalref",
        "url",
        "link",
        "sharelink",
        "permalink",
        "posturl",
        "postid",
        "id",
        "idstr",
    ),
    "content_type": ("contenttype", "type", "format"),
}
_ALIAS_TO_FIELD = {alias: name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}

_BINARY_SIGNATURES = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\xd0\xcf\x11\xe0": "an old Excel/Word file (save it as CSV)",
}


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.strip().lower())


def decode(data: bytes) -> str:
    """Text from bytes.

    UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252 (what Excel on Windows writes);
    line endings normalised."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:  # a UTF-16 mark, then halves of characters
            raise UnreadableFile(
                f"The file says it is UTF-16 but byte {error.start} is not (a broken "
                "character). Save it as UTF-8 and try again."
            ) from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise UnreadableFile(
                    "The file is not UTF-8 or Windows-1252 text. Save it as UTF-8 and try again."
                ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# A text export compresses well, but not by more than this: beyond it the archive is built to
# explode (a "zip bomb"), and we stop before unpacking it.
MAX_ZIP_RATIO = 100
_ZIP_CHUNK = 1024 * 1024


def _from_zip(data: bytes, max_bytes: int) -> tuple[bytes, str]:
    """LinkedIn and X hand out zip archives; take the one file we understand from inside.

    Unpacked in chunks and stopped at `max_bytes`, whatever the archive claims about itself."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise UnreadableFile("The zip archive is damaged.") from None
    for wanted, fmt in (("shares.csv", ImportFormat.LINKEDIN), ("tweets.js", ImportFormat.X)):
        for info in infos:
            if info.filename.lower().rsplit("/", 1)[-1] == wanted:
                return _unpack(archive, info, max_bytes), fmt
    raise UnreadableFile(
        "This zip archive has neither Shares.csv (LinkedIn) nor tweets.js (X). "
        "Upload that file from inside the archive."
    )


def _too_big(name: str, max_bytes: int) -> UnreadableFile:
    return UnreadableFile(
        f"{name} unpacks to more than {max_bytes // (1024 * 1024)} MB, the import limit. "
        "Split it and import the parts."
    )


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, max_bytes: int) -> bytes:
    name = info.filename.rsplit("/", 1)[-1]
    if info.flag_bits & 0x1:
        raise UnreadableFile(f"{name} in the zip archive is password-protected; unzip it first.")
    if info.file_size > max_bytes:
        raise _too_big(name, max_bytes)
    if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
        raise UnreadableFile(
            f"{name} claims to unpack to {info.file_size // info.compress_size} times its "
            "packed size, which no export does; the archive is refused."
        )
    chunks, total = [], 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(_ZIP_CHUNK):
                total += len(chunk)
                # The declared size can lie: count what really comes out.
                if total > max_bytes or total > MAX_ZIP_RATIO * max(1, info.compress_size):
                    raise _too_big(name, max_bytes)
                chunks.append(chunk)
    except NotImplementedError:
        raise UnreadableFile(
            f"{name} is compressed with a method we cannot read; re-zip it with standard "
            "(deflate) compression or upload the file itself."
        ) from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, ValueError):
        raise UnreadableFile(f"The zip archive is damaged ({name} cannot be unpacked).") from None
    return b"".join(chunks)


def detect(text: str) -> str:
    stripped = text.lstrip()
    if stripped.startswith("window.YTD."):
        return ImportFormat.X
    if stripped.startswith(("[", "{")):
        return ImportFormat.JSON
    lines = [line for line in stripped.split("\n")[:50] if line.strip()]
    first_line = lines[0] if lines else ""
    header = {_key(cell) for cell in re.split(r"[,;\t]", first_line)}
    if "sharecommentary" in header:
        return ImportFormat.LINKEDIN
    if header & set(COLUMN_ALIASES["text"]) and (len(header) > 1 or len(lines) > 1):
        return ImportFormat.CSV  # a known text column, alone ("text") or with others
    if _consistent_columns(lines):
        return ImportFormat.CSV  # unknown columns: read as CSV, and say which were found
    return ImportFormat.PASTE


def _consistent_columns(lines: list[str]) -> bool:
    """Whether the lines are a table rather than prose.

    Three or more lines that all split into the same number (≥ 2) of cells by the header's
    delimiter: a table, not prose (pasted paragraphs do not keep their comma count)."""
    if len(lines) < 3:
        return False
    delimiter = max(",;\t", key=lines[0].count)
    try:
        rows = list(csv.reader(io.StringIO("\n".join(lines[:20])), delimiter=delimiter))
    except csv.Error:
        return False
    widths = {len(row) for row in rows}
    return len(widths) == 1 and widths.pop() >= 2


def parse(
    data: bytes,
    fmt: str = ImportFormat.AUTO,
    *,
    max_bytes: int = 10 * 1024 * 1024,
    max_rows: int | None = None,
) -> ParsedFile:
    """Rows from a file.

    Refuses (UnreadableFile, saying why) files it cannot read, archives that unpack beyond
    `max_bytes`, and files with more than `max_rows` posts — stopping at the first row over the
    limit rather than reading everything first."""
    if not data.strip():
        raise UnreadableFile("The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        data, zipped_format = _from_zip(data, max_bytes)
        fmt = zipped_format if fmt == ImportFormat.AUTO else fmt
    for signature, kind in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise UnreadableFile(f"This is {kind}, not a text export.")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile("This is a binary file, not a CSV, JSON, tweets.js or text export.")
    text = decode(data)
    if fmt == ImportFormat.AUTO:
        fmt = detect(text)
    readers = {
        ImportFormat.PASTE: _parse_paste,
        ImportFormat.CSV: _parse_csv,
        ImportFormat.LINKEDIN: _parse_csv,
        ImportFormat.JSON: _parse_json,
        ImportFormat.X: _parse_tweets_js,
    }
    if fmt not in readers:
        raise UnreadableFile(f"Unknown format “{fmt}”.")
    try:
        parsed = readers[ImportFormat(fmt)](text, max_rows)
    except RecursionError:
        raise UnreadableFile("The file is nested too deeply to be a posts export.") from None
    parsed.format = fmt
    for row in parsed.rows:
        row.values = {key: _storable(value) for key, value in row.values.items()}
    if not parsed.rows:
        raise UnreadableFile("No posts found in the file.")
    return parsed


_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(value: Any) -> Any:
    """Text PostgreSQL can store.

    It cannot hold NUL, nor lone UTF-16 surrogates (JSON can spell both: \\u0000, \\ud800), and
    no real post contains them: they are dropped or replaced rather than failing the row or the
    whole file. Nested values become text."""
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)[:10_000]
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value.replace("\x00", ""))
    return value


def _too_many(max_rows: int) -> UnreadableFile:
    return UnreadableFile(
        f"The file has more than {max_rows:,} posts; one upload takes up to {max_rows:,}. "
        "Split the file, or ask an admin to run `manage.py import_posts`, which has no limit."
    )


def _parse_paste(text: str, max_rows: int | None) -> ParsedFile:
    blocks = [b for b in re.split(r"^\s*-{3,}\s*$", text, flags=re.M) if b.strip()]
    if max_rows is not None and len(blocks) > max_rows:
        raise _too_many(max_rows)
    rows = [
        RawRow(number=n, values={"text": block.strip()}) for n, block in enumerate(blocks, start=1)
    ]
    return ParsedFile(format=ImportFormat.PASTE, rows=rows)


def _map_record(record: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column, value in record.items():
        field_name = _ALIAS_TO_FIELD.get(_key(str(column)))
        if field_name and field_name not in values:
            values[field_name] = value
    return values


def csv_records(
    text: str, too_many: Callable[[], UnreadableFile], max_rows: int | None = None
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and numbered rows of a CSV, its delimiter guessed from the first line.

    (the header, the data rows numbered from 1, empty rows skipped) of a CSV whose
    delimiter (, ; or tab) is the one its first line uses most. UnreadableFile when the header
    cannot be read, when the file breaks mid-way, and (`too_many()`) past `max_rows`."""
    csv.field_size_limit(64 * 1024 * 1024)  # an oversized row is a row error, not a crash
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=max(",;\t", key=first_line.count))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as error:
        raise UnreadableFile(f"The CSV header cannot be read: {error}") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise UnreadableFile(f"The CSV breaks after data row {number}: {error}") from None
            if not any(cell.strip() for cell in cells):
                continue
            number += 1
            if max_rows is not None and number > max_rows:
                raise too_many()
            yield number, cells

    return header, rows()


def _parse_csv(text: str, max_rows: int | None) -> ParsedFile:
    header, records = csv_records(text, lambda: _too_many(max_rows or 0), max_rows)
    mapped = {_ALIAS_TO_FIELD.get(_key(column)) for column in header}
    if "text" not in mapped:
        raise UnreadableFile(
            "No column with the post text. Name it one of: text, post, content, body, "
            f"commentary, caption. Columns found: {', '.join(header) or 'none'}."
        )
    notes = []
    unknown = [c for c in header if _key(c) not in _ALIAS_TO_FIELD and c.strip()]
    if unknown:
        notes.append(f"Columns not used: {', '.join(unknown)}.")
    rows = []
    for number, cells in records:
        values = _map_record(dict(zip(header, cells, strict=False)))
        if len(cells) > len(header):
            values["_extra_cells"] = len(cells) - len(header)
        rows.append(RawRow(number=number, values=values))
    return ParsedFile(format=ImportFormat.CSV, rows=rows, notes=notes)


def _parse_json(text: str, max_rows: int | None) -> ParsedFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableFile(
            f"The JSON is not valid (line {error.lineno}, column {error.colno}): {error.msg}."
        ) from None
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), None)
    if not isinstance(data, list):
        raise UnreadableFile("Expected a JSON array of posts (objects with a “text” field).")
    if max_rows is not None and len(data) > max_rows:
        raise _too_many(max_rows)
    rows = []
    for number, item in enumerate(data, start=1):
        if isinstance(item, str):
            values: dict[str, Any] = {"text": item}
        elif isinstance(item, dict):
            values = _map_record(item)
        else:
            values = {"_not_an_object": type(item).__name__}
        rows.append(RawRow(number=number, values=values))
    return ParsedFile(format=ImportFormat.JSON, rows=rows)


def _parse_tweets_js(text: str, max_rows: int | None) -> ParsedFile:
    start = text.find("[")
    if start < 0:
        raise UnreadableFile("This tweets.js has no list of tweets after “window.YTD…=”.")
    try:
        items = json.loads(text[start:].rstrip().rstrip(";"))
    except json.JSONDecodeError as error:
        raise UnreadableFile(f"This tweets.js is not valid: {error.msg}.") from None
    if not isinstance(items, list):
        raise UnreadableFile("This tweets.js has no list of tweets after “window.YTD…=”.")
    if max_rows is not None and len(items) > max_rows:
        raise _too_many(max_rows)
    rows = []
    retweets = 0
    for number, item in enumerate(items, start=1):
        tweet = item.get("tweet", item) if isinstance(item, dict) else None
        if not isinstance(tweet, dict):
            kind = "null" if tweet is None and item is None else type(tweet or item).__name__
            rows.append(RawRow(number=number, values={"_not_an_object": kind}))
            continue
        full_text = html.unescape(str(tweet.get("full_text") or tweet.get("text") or ""))
        tweet_id = str(tweet.get("id_str") or tweet.get("id") or "")
        values = {
            "text": full_text,
            "posted_at": tweet.get("created_at"),
            "likes": tweet.get("favorite_count"),
            "reposts": tweet.get("retweet_count"),
            "external_ref": f"https://x.com/i/web/status/{tweet_id}" if tweet_id else "",
        }
        skipped = ""
        if full_text.startswith("RT @") or tweet.get("retweeted_status"):
            skipped = "a retweet of someone else's post"
            retweets += 1
        rows.append(RawRow(number=number, values=values, skipped=skipped))
    notes = [f"{retweets} retweets skipped."] if retweets else []
    return ParsedFile(format=ImportFormat.X, rows=rows, notes=notes)
