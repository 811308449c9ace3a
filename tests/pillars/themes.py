"""Posts about three clear themes, with embeddings made to match.

Posts about three clear themes, with embeddings made to match (a centre per theme plus
noise), so pillar tests do not wait for the embedding model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from posts.models import EMBEDDING_DIMENSIONS, Post
from tests.factories import PostFactory

THEMES = {
    "pricing": [
        "Raise your prices: our pricing page doubled revenue after we dropped the cheap plan.",
        "Pricing is positioning. Annual plans and a higher price brought better customers.",
        "We tested three pricing tiers; the middle plan won and churn fell.",
        "Discounts train buyers to wait. Our pricing stays the same all year.",
    ],
    "hiring": [
        "Hiring lesson: the best engineers we hired came from referrals, not job boards.",
        "Our interview loop is two hours, paid, and ends with a real task. Hiring got better.",
        "Stop hiring for culture fit; hire for the problems you will have next year.",
        "We rejected a brilliant candidate for arrogance. Best hiring call I made.",
    ],
    "running": [
        "Marathon training taught me more about patience than any book. Slow miles matter.",
        "Ran my first ultramarathon this weekend: 50 km, legs gone, head clear.",
        "Easy runs, mostly. Running fast every day is how you get injured.",
        "Morning running before email: the only meeting I never cancel.",
    ],
}


def theme_vectors(seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: rng.normal(size=EMBEDDING_DIMENSIONS) for name in THEMES}


def noisy(centre: np.ndarray, rng: np.random.Generator, noise: float = 0.35) -> np.ndarray:
    vector = centre / np.linalg.norm(centre) + noise * rng.normal(
        size=EMBEDDING_DIMENSIONS
    ) / np.sqrt(EMBEDDING_DIMENSIONS)
    return vector / np.linalg.norm(vector)


def themed_posts(persona, per_theme: int = 10, seed: int = 2) -> dict[str, list[Post]]:
    """per_theme posts of each theme (texts cycle through the examples), embedded."""
    rng = np.random.default_rng(seed)
    centres = theme_vectors()
    made: dict[str, list[Post]] = {}
    now = datetime.now(UTC)
    for t, (name, texts) in enumerate(THEMES.items()):
        made[name] = [
            PostFactory(
                persona=persona,
                text=f"{texts[i % len(texts)]} #{i}",
                posted_at=now - timedelta(days=3 * i + t),
                embedding=noisy(centres[name], rng),
                embedding_model="test",
                performance_score=float(30 + 20 * t),
            )
            for i in range(per_theme)
        ]
    return made
