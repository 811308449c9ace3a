"""What makes a valid training post: one set of rules for the add-post form and every importer.

`check_post()` turns raw values (as typed, or as read from a file) into clean values plus
errors (the post cannot be saved) and warnings (it can, but the user should know).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from posts.models import METRIC_FIELDS, ContentType

MIN_LENGTH = 50  # LinkedIn: shorter is rarely a post worth learning from
# Short-form platforms: any post is a post (a 20-character tweet is still the creator's voice).
MIN_LENGTH_BY_PLATFORM = {"linkedin": MIN_LENGTH, "instagram": 10}


def min_length(platform: str) -> int:
    return MIN_LENGTH_BY_PLATFORM.get(platform, 1)


MAX_COUNT = 10**12  # the most a metric may be (the columns are 64-bit: they hold it)
SHORT_MAX = 400  # up to this many characters a post counts as short
# The most a post may hold on each platform (X: long posts of paid accounts; Bluesky counts
# graphemes, which we approximate with characters). Articles are exempt.
PLATFORM_MAX_LENGTH = {
    "linkedin": 3000,
    "instagram": 2200,
    "x": 25000,
    "bluesky": 300,
    "mastodon": 500,
    "threads": 500,
}

_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%a %b %d %H:%M:%S %z %Y",  # X archive: Wed Oct 10 20:19:24 +0000 2018
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%b %d, %Y",
    "%d %b %Y",
)


def normalise(text: str) -> str:
    """Lower-case, accents kept, punctuation and spacing folded: what makes two posts 'the same'."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"https?://\S+", "", text)  # shortened links differ between exports
    text = re.sub(r"[^\w#@]+", " ", text)
    return " ".join(text.split())


def text_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode()).hexdigest()


def derived_content_type(text: str) -> str:
    return ContentType.SHORT if len(text) <= SHORT_MAX else ContentType.LONG


def parse_datetime(value: Any, timezone: str) -> datetime | None:
    """A datetime from the many ways exports write one; naive values are in the persona's zone."""
    parsed: datetime | None
    if isinstance(value, datetime):
        parsed = value
    else:
        raw = str(value or "").strip()
        if not raw:
            return None
        parsed = None
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            for pattern in _DATE_FORMATS:
                try:
                    parsed = datetime.strptime(raw, pattern)
                    break
                except ValueError:
                    continue
        if parsed is None:
            return None
    assert parsed is not None
    try:
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):  # e.g. 0001-01-01T00:00+14:00 is before year 1 in UTC
        return None


def parse_count(value: Any) -> int | None:
    """A metric: empty → None; '1,234' / '1 234' → 1234; anything else raises ValueError."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        number = int(value)
    else:
        raw = str(value).strip().replace(",", "").replace(" ", "").replace("\u00a0", "")
        if raw == "":
            return None
        if raw.endswith(".0"):
            raw = raw[:-2]
        if not raw.isdigit():
            raise ValueError(value)
        number = int(raw)
    if number < 0 or number > MAX_COUNT:
        raise ValueError(value)
    return number


@dataclass
class CheckedPost:
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_post(
    raw: dict[str, Any], *, platform: str, timezone: str, now: datetime | None = None
) -> CheckedPost:
    """Validate one post's raw values.

    Keys: text, posted_at, content_type, external_ref and the metric names; missing keys are
    treated as empty."""
    now = now or datetime.now(UTC)
    result = CheckedPost()
    text = str(raw.get("text") or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    content_type = str(raw.get("content_type") or "").strip().lower()
    if content_type and content_type not in ContentType.values:
        result.errors.append(
            f"content type “{content_type}” is not one of {', '.join(ContentType.values)}"
        )
        content_type = ""
    if len(text) < min_length(platform):
        result.errors.append(
            f"text is {len(text)} characters; a post needs at least {min_length(platform)}"
            if text
            else "text is empty"
        )
    limit = PLATFORM_MAX_LENGTH.get(platform)
    if limit and len(text) > limit and content_type != ContentType.ARTICLE:
        result.errors.append(
            f"text is {len(text):,} characters; {platform} allows {limit:,} "
            "(mark it as an article if it is one)"
        )
    result.values["text"] = text
    result.values["content_type"] = content_type or derived_content_type(text)
    result.values["content_type_is_auto"] = not content_type
    result.values["text_hash"] = text_hash(text)

    raw_date = raw.get("posted_at")
    posted_at = parse_datetime(raw_date, timezone)
    if posted_at is None:
        if str(raw_date or "").strip():
            result.warnings.append(f"date “{raw_date}” could not be read; used today")
        else:
            result.warnings.append("no date; used today")
        posted_at = now
    elif posted_at > now:
        result.warnings.append(f"date {posted_at:%Y-%m-%d} is in the future; used today")
        posted_at = now
    result.values["posted_at"] = posted_at

    for name in METRIC_FIELDS:
        try:
            result.values[name] = parse_count(raw.get(name))
        except ValueError:
            result.errors.append(
                f"{name.replace('_', ' ')} “{raw.get(name)}” is not a whole number"
            )
            result.values[name] = None
    external_ref = str(raw.get("external_ref") or "").strip()
    if len(external_ref) > 500:
        result.errors.append("post id or URL is longer than 500 characters")
    result.values["external_ref"] = external_ref[:500]
    return result
