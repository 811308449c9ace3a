"""Measuring how well voice-match scores tell an author's writing from other people's."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np


def posts_by_author(file: Path) -> dict[str, list[tuple[str, str]]]:
    """A voice-eval JSONL file as each author's (posted_at, text) pairs, in file order.

    One {"author", "text", "posted_at"?} object a line. ValueError says which line is wrong."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ValueError(f"Cannot read {file}: {error.strerror}") from None
    by_author: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            by_author[str(record["author"])].append(
                (str(record.get("posted_at") or ""), str(record["text"]))
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValueError(f'line {number}: expected {{"author": …, "text": …}}') from None
    return dict(by_author)


def auc(own: list[float], other: list[float]) -> float:
    """Probability that an own text outscores another's (ties count half)."""
    scores = np.concatenate([own, other])
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):  # average ranks over ties
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    own_ranks = ranks[: len(own)].sum()
    return float((own_ranks - len(own) * (len(own) + 1) / 2) / (len(own) * len(other)))


def eer(own: list[float], other: list[float]) -> float:
    """Equal error rate: where rejecting own texts and accepting others' are equally likely."""
    own_a, other_a = np.asarray(own), np.asarray(other)
    best = 1.0
    for threshold in np.unique(np.concatenate([own_a, other_a])):
        false_reject = float((own_a < threshold).mean())
        false_accept = float((other_a >= threshold).mean())
        best = min(best, max(false_reject, false_accept))
    return best
