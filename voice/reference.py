"""Other people's posts, as the measures that need a yardstick read them.

The first REFERENCE_PER_LANGUAGE posts of each shipped background language (`voice.contrast`):
their embeddings and their first sentences' (shipped for the local model in `voice/data/`,
embedded once per process for another) and how a persona's lexical model reads them; and the
everyday headlines the evaluations mix in. Voice-match centres embeddings on them
(what every text looks like to the model says nothing about a voice); pillars and trends measure
ideas, headlines and topics against how close these come."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

from language.text import first_sentence
from llm.services import embed_reference
from voice import contrast

REFERENCE_DIR = Path(__file__).parent / "data"
REFERENCE_PER_LANGUAGE = 100
# Everyday headlines (food, sport, gadgets, travel, celebrities) in English, Portuguese and
# Spanish, written for the project (CC0, licence beside it): what the evaluations mix in as
# topics a creator of the evaluation files would not take up.
OFF_DOMAIN_FILE = REFERENCE_DIR / "offdomain_headlines.jsonl"


@cache
def _reference() -> tuple[tuple[str, str], ...]:
    """(language, text) for the first REFERENCE_PER_LANGUAGE posts of each background language."""
    return tuple(
        (language, text)
        for language in contrast.BACKGROUND_LANGUAGES
        for text in contrast.background_texts(language)[:REFERENCE_PER_LANGUAGE]
    )


@cache
def reference_texts() -> tuple[str, ...]:
    """Other people's posts: the first 100 of each shipped background language."""
    return tuple(text for _, text in _reference())


@cache
def reference_rows(language: str) -> tuple[int, ...]:
    """Which of `reference_texts()` are in `language` (all of them for a language not shipped)."""
    rows = tuple(i for i, (other, _) in enumerate(_reference()) if other == language)
    return rows or tuple(range(len(_reference())))


@cache
def _reference_features() -> list[tuple[np.ndarray, np.ndarray]]:
    return [contrast.features(text) for text in reference_texts()]


def reference_lexical(weights: dict[str, float]) -> np.ndarray:
    """How much each reference post reads like the persona (its lexical model's weights)."""
    return contrast.logits(_reference_features(), weights)


@cache
def off_domain_headlines(language: str) -> tuple[tuple[str, str], ...]:
    """(title, summary) of the shipped everyday headlines in `language` (English if none)."""
    rows = [json.loads(line) for line in OFF_DOMAIN_FILE.read_text(encoding="utf-8").splitlines()]
    chosen = [r for r in rows if r["language"] == language] or [
        r for r in rows if r["language"] == "en"
    ]
    return tuple((r["title"], r["summary"]) for r in chosen)


@cache
def reference_openings() -> tuple[str, ...]:
    """The first sentence of each of `reference_texts()`: other people's one-liners."""
    return tuple(first_sentence(text) for text in reference_texts())


def _shipped_or_embedded(kind: str, model_name: str, texts: Sequence[str]) -> np.ndarray:
    slug = re.sub(r"[^a-z0-9]+", "-", model_name.lower()).strip("-")
    shipped = REFERENCE_DIR / f"{kind}_{slug}.npy"
    if shipped.exists():
        return np.load(shipped).astype(float)
    return embed_reference(list(texts))


@cache
def reference_opening_vectors(model_name: str) -> np.ndarray:
    """Embeddings of `reference_openings()`, row for row with `reference_vectors`.

    What a one-line text — an idea — is measured against. Shipped for the local model
    (`voice/data/reference_openings_*.npy`, float16); another model embeds them once per process."""
    return _shipped_or_embedded("reference_openings", model_name, reference_openings())


@cache
def reference_vectors(model_name: str) -> np.ndarray:
    """Embeddings of other people's posts (100 each of the shipped pt/es/en background).

    What any text looks like to this embedding model. Shipped for the local model; another model
    embeds them once per process."""
    return _shipped_or_embedded("reference", model_name, reference_texts())
