"""python manage.py trends_eval FILE.jsonl [--cache FILE.npz].

Does our relevance score pick a creator's own next posts out of a pool of other people's?

For each author with at least 50 posts (in time order): pillars and the lexical model come from
the first 30 posts; the pool is the author's next 20 posts plus 20 posts of each of 9 other
authors (seeded by the file's author names); the pool is ranked by `pillars.discovery.relevance`
without looking at authors. Ends with one line: precision@10=… ndcg@10=… authors=N (means).

Every text is embedded with the deployment's embedding model; `--cache` keeps the vectors in a
file so a rerun does not embed again."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from language.text import detect_language
from llm.evaluation import cached_vectors
from pillars import discovery
from voice import contrast
from voice.evaluation import posts_by_author

PROFILE_POSTS, NEXT_POSTS, OTHER_AUTHORS, PER_OTHER, K = 30, 20, 9, 20, 10


def precision_ndcg(scores: np.ndarray, labels: np.ndarray, k: int = K) -> tuple[float, float]:
    top = labels[np.argsort(-scores, kind="stable")[:k]]
    dcg = sum(rel / math.log2(i + 2) for i, rel in enumerate(top))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, int(labels.sum()))))
    return float(top.mean()), dcg / ideal if ideal else 0.0


class Command(BaseCommand):
    help = "Precision@10 and nDCG@10 of trend relevance on a voice-eval JSONL file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--cache", type=Path, help="an .npz file to keep the embeddings in")
        parser.add_argument("--report", action="store_true", help="a line per author too")

    def handle(self, *args, **options):
        try:
            by_author = posts_by_author(options["file"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        timelines = {
            author: [text for _, text in sorted(posts, key=lambda p: p[0])]
            for author, posts in by_author.items()
            if len(posts) >= PROFILE_POSTS + NEXT_POSTS
        }
        if len(timelines) <= OTHER_AUTHORS:
            raise CommandError(
                f"Need more than {OTHER_AUTHORS} authors with {PROFILE_POSTS + NEXT_POSTS}+ posts."
            )
        vectors = cached_vectors(
            [t for ts in timelines.values() for t in ts], options["cache"], self.stderr.write
        )
        precisions, ndcgs = [], []
        authors = sorted(timelines)
        for author in authors:
            rng = random.Random(f"{options['file'].name}:{author}")
            profile = timelines[author][:PROFILE_POSTS]
            own_next = timelines[author][PROFILE_POSTS : PROFILE_POSTS + NEXT_POSTS]
            others = rng.sample([a for a in authors if a != author], OTHER_AUTHORS)
            pool = own_next + [t for a in others for t in rng.sample(timelines[a], PER_OTHER)]
            labels = np.array([1] * len(own_next) + [0] * (len(pool) - len(own_next)))
            own_vectors = np.array([vectors[t] for t in profile])
            clusters = discovery.cluster_posts(own_vectors)
            model, _ = contrast.build(profile, detect_language(profile))
            ranked = discovery.relevance(
                lexical=np.array([contrast.logit(t, model) for t in pool]),
                vectors=np.array([vectors[t] for t in pool]),
                own_vectors=own_vectors,
                pillar_means=clusters.means,
            )
            precision, ndcg = precision_ndcg(ranked.score, labels)
            precisions.append(precision)
            ndcgs.append(ndcg)
            if options["report"]:
                self.stdout.write(
                    f"{author} precision@10={precision:.2f} ndcg@10={ndcg:.3f} "
                    f"pillars={len(clusters.means)}"
                )
        self.stdout.write(
            f"precision@10={np.mean(precisions):.3f} ndcg@10={np.mean(ndcgs):.3f} "
            f"authors={len(authors)}"
        )
