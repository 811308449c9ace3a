"""Each platform's length rules, from the platforms' own references.

Each platform's own rules for a post's length, from the platforms' own references rather
than rules of ours:

- X: twitter-text v3 (the `twitter-text-parser` port, which passes twitter-text's conformance
  file, vendored in tests/data/twitter-text/): weighted length (most scripts beyond Latin and
  every emoji sequence weigh 2, any link — with or without http:// — 23), at most 280, and
  characters X refuses (U+FFFE, U+FFFF, directional overrides) make a post invalid.
- Bluesky: the reference PDS's lexicon for app.bsky.feed.post: at most 3,000 UTF-8 bytes and
  300 extended grapheme clusters (Unicode UAX #29, checked against Unicode's own
  GraphemeBreakTest in tests/data/unicode/).
- Mastodon: its StatusLengthValidator: every http(s) link counts 23, a mention @user@domain
  counts as @user, then grapheme clusters; 500 unless the instance says otherwise.
- Threads: 500 characters; LinkedIn: 3,000 characters.

Every text is normalised as it will be stored (CR LF and lone CR become LF: a browser's
textarea sends CR LF) before anything is counted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import regex
from twitter_text import extract_urls_with_indices, parse_tweet
from twitter_text.has_invalid_characters import has_invalid_characters
from uniseg.graphemecluster import grapheme_clusters

X_LIMIT = 280
BLUESKY_GRAPHEMES = 300
BLUESKY_BYTES = 3000
MASTODON_DEFAULT = 500
MASTODON_URL_LENGTH = 23
_CLUSTER = regex.compile(r"\X")
_NEWLINES = re.compile(r"\r\n?")
# Mastodon's Account::MENTION_RE: @user, optionally @domain, not inside a word or a URL.
_MENTION = regex.compile(
    r"(?<![=/\w])@(([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@[\w]+(?:[.-]+[\w]+)*)?)",
    regex.IGNORECASE,
)
_INVALID_X = re.compile("[\ufffe\ufeff\uffff\u202a-\u202e]")


def normalise(text: str) -> str:
    """The text as it is stored and sent: CR LF and lone CR become LF."""
    return _NEWLINES.sub("\n", text)


def graphemes(text: str) -> list[str]:
    """User-perceived characters (Unicode extended grapheme clusters).

    `regex`'s \\X is fast and right except after a zero-width joiner (its Extended_Pictographic
    data misses some characters), so a text with one goes through `uniseg`, which passes every
    line of GraphemeBreakTest."""
    if "\u200d" in text:
        return list(grapheme_clusters(text))
    return _CLUSTER.findall(text)


def grapheme_count(text: str) -> int:
    return len(graphemes(text))


@dataclass(frozen=True)
class Measure:
    """A text measured by one platform's rules.

    `problem` says what the platform would refuse, in words, or is ""."""

    length: int
    limit: int
    valid: bool
    problem: str
    unit: str = "characters"

    def as_dict(self) -> dict[str, object]:
        return {
            "length": self.length,
            "limit": self.limit,
            "valid": self.valid,
            "problem": self.problem,
        }


def _too_long(name: str, length: int, limit: int, unit: str, how: str = "") -> str:
    return f"{name} allows {limit} {unit}; this post has {length}{how}."


def x_length(text: str) -> tuple[int, bool]:
    """(weighted length, valid) as twitter-text v3 counts them."""
    parsed = _parse_x(normalise(text))
    return parsed.weightedLength, parsed.valid


@lru_cache(maxsize=256)
def _parse_x(text: str):
    return parse_tweet(text)


def comparable_x_text(text: str) -> str:
    """A post as X shows it back, for matching.

    Every link (X wraps each in t.co) as one placeholder, runs of white space as one space."""
    text = normalise(text)
    pieces, last = [], 0
    for found in extract_urls_with_indices(text):
        start, end = found["indices"]
        pieces += [text[last:start], "\x00link\x00"]
        last = end
    return " ".join("".join([*pieces, text[last:]]).split())


def measure_x(text: str, limit: int = X_LIMIT) -> Measure:
    text = normalise(text)
    length, valid = x_length(text)
    if not text.strip():
        return Measure(length, limit, False, "X needs some text.", "weighted characters")
    if has_invalid_characters(text):
        bad = _INVALID_X.search(text)
        what = f"U+{ord(bad.group()):04X}" if bad else "an invisible control character"
        return Measure(length, limit, False, f"X refuses a post containing {what}.")
    if length > limit or not valid:
        problem = _too_long(
            "X", length, limit, "weighted characters", " (a link counts 23, most emoji and CJK 2)"
        )
        return Measure(length, limit, False, problem, "weighted characters")
    return Measure(length, limit, True, "", "weighted characters")


def measure_bluesky(text: str, limit: int = BLUESKY_GRAPHEMES) -> Measure:
    text = normalise(text)
    size, length = len(text.encode("utf-8")), grapheme_count(text)
    if size > BLUESKY_BYTES:
        problem = f"Bluesky allows {BLUESKY_BYTES:,} bytes; this post has {size:,}."
        return Measure(length, limit, False, problem)
    if length > limit:
        return Measure(length, limit, False, _too_long("Bluesky", length, limit, "characters"))
    return Measure(length, limit, True, "")


def mastodon_countable(text: str) -> str:
    """The text Mastodon counts: each http(s) link as 23 characters, @user@domain as @user."""
    text = normalise(text)
    pieces, last = [], 0
    for found in extract_urls_with_indices(text, extract_urls_without_protocol=False):
        start, end = found["indices"]
        pieces += [text[last:start], "x" * MASTODON_URL_LENGTH]
        last = end
    pieces.append(text[last:])
    return _MENTION.sub(lambda m: "@" + m.group(2), "".join(pieces))


def measure_mastodon(text: str, limit: int = MASTODON_DEFAULT) -> Measure:
    length = grapheme_count(mastodon_countable(text))
    if not normalise(text).strip():
        return Measure(length, limit, False, "Mastodon needs some text.")
    if length > limit:
        how = " (a link counts 23)"
        return Measure(
            length, limit, False, _too_long("Mastodon", length, limit, "characters", how)
        )
    return Measure(length, limit, True, "")


def _measure_plain(name: str, default: int):
    def measure(text: str, limit: int = default) -> Measure:
        length = len(normalise(text))
        if length > limit:
            return Measure(length, limit, False, _too_long(name, length, limit, "characters"))
        return Measure(length, limit, True, "")

    return measure


MEASURES = {
    "x": measure_x,
    "bluesky": measure_bluesky,
    "mastodon": measure_mastodon,
    "threads": _measure_plain("Threads", 500),
    "linkedin": _measure_plain("LinkedIn", 3000),
}


def measure(platform: str, text: str, *, limit: int | None = None) -> Measure | None:
    """The text by `platform`'s rules (None for a channel without any: webhook, manual, sandbox).

    `limit`: the account's own limit when its server says (a Mastodon instance)."""
    rule = MEASURES.get(platform)
    if rule is None:
        return None
    return rule(text, limit) if limit else rule(text)
