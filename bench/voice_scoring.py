"""Voice-match speed: analysing a persona of 1,000 posts and scoring drafts.

Not part of the test run; no data set needed — the shipped background posts stand in for a
creator's.

    .venv/bin/python bench/voice_scoring.py [--posts 1000] [--drafts 500] [--impostors 1000]

Times the whole analysis (voice.analysis.analyse + the voice-match model with its contrast,
leave-one-out calibration and other personas' posts as impostors) and each draft's score with
a 384-dimension embedding. Targets: analysis ≤ 30 s, scoring p95 ≤ 20 ms. Last line:
posts=… analysis_s=… model_s=… score_p50_ms=… score_p95_ms=…"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _setup import setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--drafts", type=int, default=500)
    parser.add_argument("--impostors", type=int, default=1000)
    args = parser.parse_args()
    setup()
    from llm.embeddings import LocalEmbeddings
    from voice import contrast, scoring
    from voice.analysis import WeightedPost, analyse
    from voice.reference import reference_vectors

    english = contrast.background_texts("en")
    posts = list(english[: args.posts])
    impostors = list(contrast.background_texts("es")[: args.impostors])
    drafts = list(english[args.posts : args.posts + args.drafts])
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(posts) + len(drafts), 384))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    contrast._background_moments("en")  # once per worker process, as in production

    started = time.perf_counter()
    analyse([WeightedPost(text, 1.0) for text in posts])
    model_started = time.perf_counter()
    model = scoring.build_model(
        posts,
        "en",
        vectors[: len(posts)],
        impostors=impostors,
        background=reference_vectors(LocalEmbeddings.model_name),
    )
    finished = time.perf_counter()

    timings = []
    for text, vector in zip(drafts, vectors[len(posts) :], strict=True):
        began = time.perf_counter()
        scoring.score(text, model, vector)
        timings.append((time.perf_counter() - began) * 1000)
    print(
        f"posts={len(posts)} analysis_s={finished - started:.1f} "
        f"model_s={finished - model_started:.1f} "
        f"score_p50_ms={np.percentile(timings, 50):.2f} "
        f"score_p95_ms={np.percentile(timings, 95):.2f}"
    )


if __name__ == "__main__":
    main()
