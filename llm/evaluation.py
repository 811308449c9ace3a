"""Embedding a data set for an evaluation command, optionally cached in a file.

Embedding a data set for an evaluation command, with an optional cache file so a rerun does
not embed the same texts again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from llm.embeddings import get_embedder

# The offline writer, for evaluations that score drafts without a model (score_sanity).
from llm.providers.offline import write as offline_draft

__all__ = ["cached_vectors", "offline_draft"]

BATCH = 64


def cached_vectors(
    texts: list[str], cache: Path | None, progress: Callable[[str], None] = lambda _: None
) -> dict[str, np.ndarray]:
    """Each distinct text's vector from the deployment's embedding model.

    `cache` (an .npz of texts and vectors) is read first and written back with what was added."""
    known: dict[str, np.ndarray] = {}
    if cache and cache.exists():
        stored = np.load(cache, allow_pickle=False)
        known = dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    embedder = get_embedder()
    for start in range(0, len(missing), BATCH):
        batch = missing[start : start + BATCH]
        known.update(zip(batch, embedder.embed_passages(batch), strict=True))
        progress(f"embedded {min(start + BATCH, len(missing))}/{len(missing)}")
    if cache and missing:
        np.savez(cache, texts=np.array(list(known)), vectors=np.array(list(known.values())))
    return known
