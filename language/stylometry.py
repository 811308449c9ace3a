"""Stylometry of single posts and weighted statistics over many.

How a post opens (hook type), how it closes (call to action), its shape, reading level. Pure
functions, English/Portuguese/ Spanish aware."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence

from language import text as T
from language.lexicon import MARKERS

HOOK_TYPES = (
    "question",
    "number",
    "story",
    "quote",
    "how-to",
    "contrarian",
    "bold claim",
    "statement",
)
CTA_TYPES = ("question", "comment", "follow or share", "link", "statement")

CASUAL_WORDS = (
    "lol",
    "haha",
    "kkk",
    "jaja",
    "tá",
    "pra",
    "né",
    "gonna",
    "wanna",
    "tipo",
    "pq",
    "vc",
    "q",
    "x",
)
LIST_LINE = re.compile(r"^\s*(?:[-•*▪→✅✔️👉]|\d+[.)]|[a-z][.)])\s+")
_NUMBER_START = re.compile(
    r"^\W*(?:\d|(?:two|three|four|five|six|seven|eight|nine|ten|dois|duas|três|quatro|cinco|"
    r"seis|sete|oito|nove|dez|dos|tres|cuatro|siete|ocho|nueve|diez)\b)",
    re.IGNORECASE,
)


def has_marker(text: str, kind: str, language: str) -> bool:
    lowered = f" {text.lower()}"
    markers = MARKERS[kind].get(language, ()) + MARKERS[kind]["en"]
    return any(f" {m}" in lowered for m in markers)


def hook_type(first_line: str, language: str) -> str:
    stripped = first_line.strip()
    if not stripped:
        return "statement"
    if stripped[0] in "\"“«'":
        return "quote"
    if has_marker(stripped, "contrarian", language):
        return "contrarian"
    if stripped.rstrip().endswith("?"):
        return "question"
    if has_marker(stripped, "how-to", language):
        return "how-to"
    if _NUMBER_START.match(stripped) or re.search(r"\b\d+\s+\w+", stripped[:40]):
        return "number"
    if has_marker(stripped, "story", language):
        return "story"
    if len(T.words(stripped)) <= 12 and stripped.endswith((".", "!")):
        return "bold claim"
    return "statement"


def asks_to(text: str, kind: str, language: str) -> bool:
    """Whether a clause of `text` *starts* with one of the kind's markers as a whole word.

    An imperative ("Follow me for more", "→ Share this", "If it helped, repost"), not a mention ("we
    follow the plan", "shareholders")."""
    markers = MARKERS[kind].get(language, ()) + MARKERS[kind]["en"]
    for clause in re.split(r"[.!?:;,—\-–→👉⬇️👇]+|\n", text.lower()):
        words = clause.strip().strip("\"'“”*_ ").split()
        if words and any(" ".join(words[: len(m.split())]) == m for m in markers):
            return True
    return False


def cta_type(last_line: str, language: str) -> str:
    stripped = last_line.strip()
    if re.search(r"https?://|www\.", stripped):
        return "link"
    if has_marker(stripped, "comment", language):
        return "comment"
    if asks_to(stripped, "follow or share", language):
        return "follow or share"
    if stripped.endswith("?"):
        return "question"
    return "statement"


def _body_kind(body_lines: list[str], language: str) -> str:
    if sum(1 for line in body_lines if LIST_LINE.match(line)) >= 2:
        return "list"
    if any(has_marker(line, "story", language) for line in body_lines):
        return "story"
    return "insight" if body_lines else ""


def post_shape(text: str, language: str) -> str:
    """hook → body kind → CTA, e.g. 'hook → list → question'."""
    post_lines = T.lines(text)
    if len(post_lines) <= 1:
        return "single line"
    parts = ["hook"]
    body = _body_kind(post_lines[1:-1], language)
    if body:
        parts.append(body)
    closing = cta_type(post_lines[-1], language)
    parts.append("CTA" if closing != "statement" else "closing line")
    return " → ".join(parts)


def weighted_mean(values: Sequence[float], weights: Sequence[float]) -> float:
    total = sum(weights)
    return sum(v * w for v, w in zip(values, weights, strict=True)) / total if total else 0.0


def weighted_sd(values: Sequence[float], weights: Sequence[float]) -> float:
    mean = weighted_mean(values, weights)
    return math.sqrt(weighted_mean([(v - mean) ** 2 for v in values], weights)) if values else 0.0


def weighted_shares(
    labels: list[str], weights: list[float], order: Sequence[str]
) -> dict[str, float]:
    totals: defaultdict[str, float] = defaultdict(float)
    for label, weight in zip(labels, weights, strict=True):
        totals[label] += weight
    whole = sum(weights) or 1.0
    return {label: round(totals[label] / whole, 3) for label in order if totals[label]}


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def reading_level(word_list: list[str], sentence_count: int, language: str) -> dict[str, object]:
    if not word_list or not sentence_count:
        return {"score": None, "label": "unknown"}
    asl = len(word_list) / sentence_count
    asw = sum(T.syllables(w) for w in word_list) / len(word_list)
    if language == "pt":  # Flesch adapted to Portuguese (Martins et al., 1996)
        score = 248.835 - 1.015 * asl - 84.6 * asw
    elif language == "es":  # Fernández Huerta
        score = 206.84 - 0.60 * asw * 100 - 1.02 * asl
    else:
        score = 206.835 - 1.015 * asl - 84.6 * asw
    score = max(0.0, min(100.0, score))
    label = "easy" if score >= 70 else "standard" if score >= 50 else "demanding"
    return {"score": round(score, 1), "label": label}
