"""python manage.py engagement_eval FILE.jsonl [--cache FILE.npz].

Does the engagement prediction rank an author's next posts by their likes?

For each author with at least 100 posts (in time order): the persona model is trained on the
first 70 posts (their likes), the workspace model on the first 70 posts of every other author
(likes standardised within each author), and the last 30 are predicted. Ends with one line:
spearman=… authors=N (the mean per-author Spearman between prediction and actual likes).
Every text is embedded with the deployment's model; `--cache` keeps the vectors in a file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from llm.evaluation import cached_vectors
from posts import engagement
from posts.evaluation import likes_by_author, spearman

TRAIN, TEST = 70, 30


class Command(BaseCommand):
    help = "Mean per-author Spearman of predicted engagement against likes."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--cache", type=Path, help="an .npz file to keep the embeddings in")
        parser.add_argument("--report", action="store_true", help="a line per author too")

    def handle(self, *args, **options):
        try:
            by_author = likes_by_author(options["file"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        timelines = {a: p for a, p in by_author.items() if len(p) >= TRAIN + TEST}
        if len(timelines) < 2:
            raise CommandError(f"Need at least two authors with {TRAIN + TEST} posts.")
        vectors = cached_vectors(
            [text for posts in timelines.values() for text, _ in posts],
            options["cache"],
            self.stderr.write,
        )
        train = {a: p[:TRAIN] for a, p in timelines.items()}
        z = {a: engagement.standardised([likes for _, likes in p]) for a, p in train.items()}
        results = []
        for author, posts in sorted(timelines.items()):
            others = [a for a in train if a != author]
            workspace = engagement.train_workspace(
                [t for a in others for t, _ in train[a]],
                np.array([vectors[t] for a in others for t, _ in train[a]]),
                np.concatenate([z[a] for a in others]),
            )
            own_texts = [t for t, _ in train[author]]
            own_vectors = np.array([vectors[t] for t in own_texts])
            own_likes = [likes for _, likes in train[author]]
            model = engagement.train(own_texts, own_vectors, own_likes, workspace)
            test = posts[TRAIN : TRAIN + TEST]
            predicted, _ = engagement.predict(
                model,
                [t for t, _ in test],
                np.array([vectors[t] for t, _ in test]),
                own_vectors,
                own_likes,
            )
            rho = spearman(predicted, [likes for _, likes in test])
            results.append(rho)
            if options["report"]:
                self.stdout.write(f"{author} spearman={rho:.3f}")
        self.stdout.write(f"spearman={np.mean(results):.3f} authors={len(results)}")
