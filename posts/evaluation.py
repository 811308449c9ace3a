"""Reading a JSONL file of posts with likes, and rank correlation, for `engagement_eval`.

Reading a voice-eval style JSONL file with likes, and rank correlation, for
`engagement_eval`."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def likes_by_author(file: Path) -> dict[str, list[tuple[str, float]]]:
    """Each author's (text, likes) pairs in time order, from a JSONL file.

    One {"author", "text", "posted_at", "likes"} object a line. ValueError says which line."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ValueError(f"Cannot read {file}: {error.strerror}") from None
    rows: defaultdict[str, list[tuple[str, str, float]]] = defaultdict(list)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            rows[str(record["author"])].append(
                (
                    str(record.get("posted_at") or ""),
                    str(record["text"]),
                    float(record["likes"] or 0),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValueError(
                f'line {number}: expected {{"author": …, "text": …, "likes": …}}'
            ) from None
    return {
        author: [(text, likes) for _, text, likes in sorted(posts, key=lambda p: p[0])]
        for author, posts in rows.items()
    }


def _ranks(values: Sequence[float]) -> np.ndarray:
    """Ranks with ties sharing their mean rank."""
    array = np.asarray(values, dtype=float)
    order = np.argsort(array, kind="stable")
    ranks = np.empty(len(array))
    ranks[order] = np.arange(len(array), dtype=float)
    for value in np.unique(array):
        tied = array == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(predicted: Sequence[float], actual: Sequence[float]) -> float:
    """Spearman's rank correlation (0 when either side is constant)."""
    a, b = _ranks(predicted), _ranks(actual)
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])
