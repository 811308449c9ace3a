"""Drafts scored against the persona's voice (the voice-match model of a version)."""

from __future__ import annotations

from typing import Any

from generation.models import Variation
from llm.services import embed_for
from voice import scoring
from voice.models import VoiceProfile
from voice.services import scoring_model


def score_texts(version: VoiceProfile, texts: list[str]) -> list[scoring.VoiceScore]:
    model = scoring_model(version)
    if not model:
        return [scoring.VoiceScore(0, 0, 0, 0) for _ in texts]
    embeddings: Any = [None] * len(texts)
    if model.get("centroid") is not None:
        embeddings = embed_for(version.persona, texts, purpose="scoring")
    return [scoring.score(t, model, e) for t, e in zip(texts, embeddings, strict=True)]


def apply_score(variation: Variation, s: scoring.VoiceScore) -> None:
    variation.score = s.overall
    variation.score_structure = s.structure
    variation.score_tone = s.tone
    variation.score_vocabulary = s.vocabulary
    variation.score_contrast = s.contrast
    variation.score_notes = " ".join(s.notes)[:300]


SCORE_FIELDS = [
    "score",
    "score_structure",
    "score_tone",
    "score_vocabulary",
    "score_contrast",
    "score_notes",
]
