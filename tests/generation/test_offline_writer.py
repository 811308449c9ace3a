"""The offline writer on real creators' posts (the voice-eval dev corpus, evaluation only):
drafts carry the topic's key terms, fit the persona's length, follow their layout, and score
as theirs against their own voice model."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from generation.models import ANGLES
from generation.services.context import build_material
from llm.embeddings import LocalEmbeddings
from llm.providers.offline import refine, write
from voice import scoring
from voice.analysis import WeightedPost, analyse

DEV = Path(settings.BASE_DIR).parent / "shared" / "data" / "voice-eval" / "dev.jsonl"
TOPICS = {"pt": "o futuro da educação pública", "es": "el futuro de la educación pública"}
AUTHORS = 8


@pytest.fixture(scope="module")
def dev_authors() -> dict[str, list[str]]:
    assert DEV.exists(), f"the voice-eval dev corpus is expected at {DEV}"
    by_author: defaultdict[str, list[str]] = defaultdict(list)
    for line in DEV.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        by_author[record["author"]].append(record["text"])
    # Every fifth author: a spread of Brazilian and Mexican voices.
    return {a: by_author[a][:30] for a in sorted(by_author)[::5][:AUTHORS]}


def test_offline_drafts_score_as_the_persona_on_real_creators(dev_authors):
    embedder = LocalEmbeddings()
    all_scores, best_scores = [], []
    for posts in dev_authors.values():
        profile = analyse([WeightedPost(t) for t in posts])
        vectors = embedder.embed_passages(posts)
        model = scoring.build_model(posts, profile["language"], vectors)
        topic = TOPICS[profile["language"]]
        nearest = np.argsort(-(vectors @ embedder.embed_query(topic)))[:6]
        material = build_material(
            profile=profile,
            posts=[posts[i] for i in nearest] + posts[:3],
            topic=topic,
            content_type="short",
            creativity=30,
            lessons={},
            overlay=None,
            platform="x",
        )
        drafts = [
            write({**material, "angle": angle, "variation_index": i}, seed=1)
            for i, angle in enumerate(ANGLES)
        ]
        assert len(set(drafts)) == 3
        for draft in drafts:
            assert all(term.lower() in draft.lower() for term in material["key_terms"]), draft
            assert material["min_chars"] <= len(draft) <= material["max_chars"], draft
            assert "http" not in draft  # never invents links
            if profile["structure"]["lines_per_post"] < 2:
                assert "\n" not in draft  # one-line tweeters get one-line drafts
        scores = [
            scoring.score(d, model, v).overall
            for d, v in zip(drafts, embedder.embed_passages(drafts), strict=True)
        ]
        all_scores += scores
        best_scores.append(max(scores))
    assert np.mean(all_scores) >= 70, all_scores
    assert min(best_scores) >= 70, best_scores  # the top-ranked draft sounds like them


def test_refinement_instructions():
    material = {
        "language": "en",
        "topic": "pricing",
        "max_chars": 3000,
        "posts": ["We raised prices twice last year and kept every customer who mattered."],
        "profile": {"fingerprint": {"emoji": {"favourites": [["🚀", 3]]}}},
        "draft": "Pricing is trust. Here's what I learned! We raised prices twice. "
        "Nobody left. It was fine. More soon 🙂",
    }
    shorter = refine({**material, "instruction": "Make it shorter"}, seed=1)
    assert len(shorter) < len(material["draft"]) and shorter.startswith("Pricing is trust.")
    removed = refine({**material, "instruction": 'remove "Here\'s what I learned"'}, seed=1)
    assert "here's what i learned" not in removed.lower()
    replaced = refine({**material, "instruction": 'replace "trust" with "respect"'}, seed=1)
    assert "Pricing is respect." in replaced
    formal = refine({**material, "instruction": "more formal please, no emoji"}, seed=1)
    assert "🙂" not in formal and "!" not in formal
    question = refine({**material, "instruction": "end with a question"}, seed=1)
    assert question.rstrip().endswith("?")
