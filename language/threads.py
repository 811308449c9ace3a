"""Threads as text.

A post cut into parts by lines that hold only `---` (what the composer's "+" inserts, and what a
creator types), "split for me" at sentence boundaries within a platform's limit, and "1/n" numbering
that counts against that limit."""

from __future__ import annotations

import re
from collections.abc import Callable

from language.platforms import normalise
from language.text import sentences

SEPARATOR = "---"
_SEPARATOR_LINE = re.compile(r"^[ \t]*-{3,}[ \t]*$", re.MULTILINE)


def split_parts(text: str) -> list[str]:
    """The parts of a text (one part when there is no separator line); empty parts dropped."""
    parts = [part.strip("\n").strip() for part in _SEPARATOR_LINE.split(normalise(text))]
    return [part for part in parts if part]


def join_parts(parts: list[str]) -> str:
    return f"\n\n{SEPARATOR}\n\n".join(part.strip() for part in parts)


def numbered(parts: list[str]) -> list[str]:
    """ "1/3" after each part of a thread of more than one."""
    if len(parts) < 2:
        return list(parts)
    return [f"{part}\n\n{n}/{len(parts)}" for n, part in enumerate(parts, start=1)]


def split_for_me(
    text: str,
    limit: int,
    measure: Callable[[str], int],
    *,
    numbering: bool = False,
) -> list[str]:
    """The text as thread parts, each within `limit` by `measure` (the platform's own count).

    Whole sentences packed in order (a new paragraph starts on a new line when it shares a part), a
    sentence longer than a part cut between words. With `numbering`, room is kept for the "n/N"
    line."""
    room = limit - (len("\n\n99/99") if numbering else 0)
    parts: list[str] = []
    current = ""
    for paragraph in [p.strip() for p in normalise(text).split("\n\n") if p.strip()]:
        for number, sentence in enumerate(sentences(paragraph, keep_links=True) or [paragraph]):
            for piece in _fit(sentence, room, measure):
                glue = "\n\n" if number == 0 else " "
                candidate = f"{current}{glue}{piece}" if current else piece
                if measure(candidate) <= room:
                    current = candidate
                    continue
                if current:
                    parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return numbered(parts) if numbering else parts


def _fit(sentence: str, room: int, measure: Callable[[str], int]) -> list[str]:
    """A sentence as it is, or cut between words into pieces that fit."""
    if measure(sentence) <= room:
        return [sentence]
    pieces, current = [], ""
    for word in sentence.split():
        candidate = f"{current} {word}" if current else word
        if measure(candidate) <= room or not current:
            current = candidate
        else:
            pieces.append(current)
            current = word
    if current:
        pieces.append(current)
    return pieces
