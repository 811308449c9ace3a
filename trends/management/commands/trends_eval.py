"""python manage.py trends_eval FILE.jsonl [--cache FILE.npz].

Does our relevance score pick a creator's own next posts out of a pool of other people's?

For each author with at least 50 posts (in time order): pillars and the lexical model come from
the first 30 posts; the pool is the author's next 20 posts plus 20 posts of each of 9 other
authors (seeded by the file's author names); the pool is ranked by `pillars.discovery.relevance`
without looking at authors. Ends with one line: precision@10=… ndcg@10=… authors=N (means).

Every text is embedded with the deployment's embedding model; `--cache` keeps the vectors in a
file so a rerun does not embed again.

`--feed` measures the product's own path instead (`trends.evaluation`): per author, a persona
from the first 70 posts, then a real scan of a loopback feed of 10 of the author's later posts,
10 other authors' posts and 20 everyday off-domain headlines. Ends with one line:
precision@10=… offdomain_top3=… authors=N (offdomain_top3: the share of the top three places
held by off-domain items). It needs the database (nothing is left in it)."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from language.text import detect_language, opening_if_shorter
from llm.evaluation import cached_vectors
from pillars import discovery, naming
from pillars.services import reference_texts
from trends import evaluation
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
        parser.add_argument(
            "--feed", action="store_true", help="rank through the real scan of a loopback feed"
        )
        parser.add_argument("--authors", type=int, help="only the first N authors (--feed)")

    def handle(self, *args, **options):
        try:
            by_author = posts_by_author(options["file"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        if options["feed"]:
            return self.through_the_scan(by_author, options)
        timelines = {
            author: [text for _, text in sorted(posts, key=lambda p: p[0])]
            for author, posts in by_author.items()
            if len(posts) >= PROFILE_POSTS + NEXT_POSTS
        }
        if len(timelines) <= OTHER_AUTHORS:
            raise CommandError(
                f"Need more than {OTHER_AUTHORS} authors with {PROFILE_POSTS + NEXT_POSTS}+ posts."
            )
        reference = list(reference_texts())
        openings = {
            t: opening_if_shorter(t) or t for ts in timelines.values() for t in ts[:PROFILE_POSTS]
        }
        vectors = cached_vectors(
            [t for ts in timelines.values() for t in ts] + list(openings.values()) + reference,
            options["cache"],
            self.stderr.write,
        )
        reference_vectors = np.array([vectors[t] for t in reference])
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
            language = detect_language(profile)
            # each post as the discovery job places it; items are measured against whole texts
            clusters, _ = naming.discover(
                profile,
                discovery.as_placed(own_vectors, np.array([vectors[openings[t]] for t in profile])),
                language,
            )
            model, _ = contrast.build(profile, language)
            ranked = discovery.relevance(
                lexical=np.array([contrast.logit(t, model) for t in pool]),
                vectors=np.array([vectors[t] for t in pool]),
                own_vectors=own_vectors,
                pillar_means=discovery.text_means(own_vectors, clusters.labels, clusters.means),
                reference_lexical=np.array([contrast.logit(t, model) for t in reference]),
                reference_vectors=reference_vectors,
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

    def through_the_scan(self, by_author: dict[str, list[tuple[str, str]]], options) -> None:
        needed = evaluation.PROFILE_POSTS + evaluation.OWN_ITEMS
        timelines = {
            author: sorted(posts) for author, posts in by_author.items() if len(posts) >= needed
        }
        if len(timelines) <= evaluation.OTHER_ITEMS:
            raise CommandError(
                f"Need more than {evaluation.OTHER_ITEMS} authors with {needed}+ posts."
            )
        authors = sorted(timelines)[: options["authors"]]
        precisions, off_domain = [], []
        with evaluation.served_feed() as feed:
            for author in authors:
                profile, items = evaluation.pool_for(author, timelines, options["file"].name)
                result = evaluation.evaluate_author(author, profile, items, feed)
                precisions.append(result.precision)
                off_domain.append(result.offdomain_top)
                if options["report"]:
                    top = "; ".join(
                        f"{score} {item.kind}: {item.title[:50]}"
                        for score, item in result.ranked[:3]
                    )
                    self.stdout.write(
                        f"{author} precision@10={result.precision:.2f} "
                        f"offdomain_top3={result.offdomain_top:.2f} | {top}"
                    )
        self.stdout.write(
            f"precision@10={np.mean(precisions):.3f} "
            f"offdomain_top3={np.mean(off_domain):.3f} authors={len(authors)}"
        )
