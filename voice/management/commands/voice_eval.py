"""python manage.py voice_eval FILE.jsonl [--cache FILE.npz]: voice scores telling authors apart.

For each author with at least 40 posts: a voice model from 30 of them, then the author's other
posts and as many posts by other authors are scored. The scorer sees only the 30 posts of the
author it models; other authors' posts are only ever negatives. Ends with one line:
auc=… eer=… own_mean=… other_mean=… authors=N
With --report, first one line per author (their own AUC) and the spread across authors.
Every text is embedded with the deployment's model; `--cache` keeps the vectors in a file, so a
rerun (another seed, a scorer change) embeds nothing again.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from language.text import detect_language
from voice import scoring
from voice.evaluation import auc, eer, posts_by_author

PROFILE_POSTS = 30
MIN_POSTS = 40


class Command(BaseCommand):
    help = __doc__.split("\n\n")[0]

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--no-embeddings", action="store_true", help="Stylometry only (much faster)."
        )
        parser.add_argument(
            "--report", action="store_true", help="Per-author AUC and the spread across authors."
        )
        parser.add_argument("--cache", type=Path, help="an .npz file to keep the embeddings in")

    def handle(
        self,
        *args: Any,
        file: Path,
        seed: int,
        no_embeddings: bool,
        report: bool,
        cache: Path | None = None,
        **opts: Any,
    ) -> None:
        try:
            records = posts_by_author(file)
        except ValueError as error:
            raise CommandError(str(error)) from None
        by_author = {author: [text for _, text in posts] for author, posts in records.items()}
        authors = sorted(a for a, posts in by_author.items() if len(posts) >= MIN_POSTS)
        if len(authors) < 2:
            raise CommandError(
                f"Need at least 2 authors with {MIN_POSTS}+ posts; found {len(authors)}."
            )

        vectors: dict[str, np.ndarray] = {}
        background = None
        if not no_embeddings:
            from llm.evaluation import cached_vectors
            from llm.services import embedding_model_name
            from voice.reference import reference_vectors

            texts = sorted({t for a in authors for t in by_author[a]})
            vectors = cached_vectors(texts, cache)
            background = reference_vectors(embedding_model_name())

        rng = random.Random(seed)
        own_scores: list[float] = []
        other_scores: list[float] = []
        timings: list[float] = []
        per_author: dict[str, float] = {}
        for author in authors:
            posts = by_author[author][:]
            rng.shuffle(posts)
            profile, held_out = posts[:PROFILE_POSTS], posts[PROFILE_POSTS:]
            others = [t for a in authors if a != author for t in by_author[a]]
            negatives = rng.sample(others, min(len(held_out), len(others)))
            embeddings = np.array([vectors[t] for t in profile]) if vectors else None
            model = scoring.build_model(
                profile, detect_language(profile), embeddings, background=background
            )
            mine: tuple[list[float], list[float]] = ([], [])
            for bucket, texts in zip(mine, (held_out, negatives), strict=True):
                for text in texts:
                    started = time.perf_counter()
                    result = scoring.score(text, model, vectors.get(text), judge_the_post=False)
                    timings.append((time.perf_counter() - started) * 1000)
                    bucket.append(result.overall)
            own_scores.extend(mine[0])
            other_scores.extend(mine[1])
            per_author[author] = auc(*mine)
        if report:
            for author, value in sorted(per_author.items(), key=lambda item: item[1]):
                self.stdout.write(f"author={author} auc={value:.3f}")
            values = np.array(list(per_author.values()))
            self.stdout.write(
                f"per_author mean={values.mean():.3f} sd={values.std():.3f} "
                f"min={values.min():.3f} p25={np.percentile(values, 25):.3f} "
                f"median={np.median(values):.3f} max={values.max():.3f}"
            )
        self.stdout.write(
            f"scored={len(timings)} ms_per_text={np.mean(timings):.2f} (excluding embedding) "
            f"embeddings={'no' if no_embeddings else 'yes'}"
        )
        self.stdout.write(
            f"auc={auc(own_scores, other_scores):.3f} eer={eer(own_scores, other_scores):.3f} "
            f"own_mean={np.mean(own_scores):.1f} other_mean={np.mean(other_scores):.1f} "
            f"authors={len(authors)}"
        )
