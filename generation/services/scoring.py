"""Drafts scored against the persona's voice (the voice-match model of a version)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generation.models import Variation
from llm.services import embed_for
from posts.selectors import has_engagement_model, predicted_engagement
from voice import scoring
from voice.models import VoiceProfile
from voice.services import scoring_model


@dataclass
class DraftScore:
    """A draft against the persona: its voice match, and how it is expected to do."""

    voice: scoring.VoiceScore
    engagement: int | None = None
    engagement_notes: list[str] = field(default_factory=list)


def score_texts(version: VoiceProfile, texts: list[str]) -> list[DraftScore]:
    model = scoring_model(version)
    if not model:
        return [DraftScore(scoring.VoiceScore(0, 0, 0, 0)) for _ in texts]
    # One embedding per text serves both measures: the voice's meaning (when the voice was
    # analysed from embedded posts) and the engagement prediction (when the persona has one).
    embedded = bool(model.get("neighbours")) or has_engagement_model(version.persona)
    embeddings: Any = [None] * len(texts)
    if embedded:
        embeddings = embed_for(version.persona, texts, purpose="scoring")
    voice = [scoring.score(t, model, e) for t, e in zip(texts, embeddings, strict=True)]
    predicted = predicted_engagement(version.persona, texts, embeddings) if embedded else None
    return [
        DraftScore(v, *(predicted[i] if predicted else (None, []))) for i, v in enumerate(voice)
    ]


def apply_score(variation: Variation, s: DraftScore) -> None:
    variation.score = s.voice.overall
    variation.score_structure = s.voice.structure
    variation.score_tone = s.voice.tone
    variation.score_vocabulary = s.voice.vocabulary
    variation.score_contrast = s.voice.contrast
    variation.score_notes = " ".join(s.voice.notes)[:300]
    variation.predicted_engagement = s.engagement
    variation.engagement_notes = s.engagement_notes


SCORE_FIELDS = [
    "score",
    "score_structure",
    "score_tone",
    "score_vocabulary",
    "score_contrast",
    "score_notes",
    "predicted_engagement",
    "engagement_notes",
]
