"""python manage.py pillars_eval FILE.jsonl [--cache FILE.npz] [--report].

Are the offline pillar names topics, and does an idea land where its post would?

Per author (in time order): pillars are discovered on the first 70 posts and named offline, as
the discovery job does (`naming.discover`, each post as the job places it: `discovery.as_placed`);
then each of the last 30 posts is placed twice, by its first sentence through the idea path
(`discovery.place_ideas`, with the persona's `opening_shift` from its opening lines, as the job
measures it) and by its whole text (with its opening, as every post) through the post path
(`discovery.assign`). Ends with one line:

    agreement=… named=… named_ceiling=… offdomain_joined=… authors=N

agreement: the share of posts both paths put in the same pillar, or both in none. named: the
share of pillar names that are phrases of at least two words written in at least three of the
pillar's posts. named_ceiling: the most `named` could be with three pillars an author, given how
many groups of three posts sharing a phrase each author's 70 posts hold at all (an author with
no phrase written in three posts has no pillar that can count). offdomain_joined: the share of
the shipped off-domain headlines (`voice.reference.off_domain_headlines`, in the author's
language) that join one of the author's pillars through the idea path — joining everything
would make every opening agree; this says what that costs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from language import text as T
from language.text import detect_language, first_sentence, opening_if_shorter
from llm.evaluation import cached_vectors
from pillars import discovery, naming
from pillars.services import reference_texts
from voice.evaluation import posts_by_author
from voice.reference import off_domain_headlines, reference_openings, reference_rows

DISCOVER_ON, PLACED = 70, 30


def phrase_groups(posts: list[str], language: str) -> int:
    """How many disjoint groups of MIN_PHRASE_POSTS posts could share a phrase (at most)."""
    written: Counter[str] = Counter()
    for post in posts:
        written.update(naming.phrases_in(post, T.stop_words(language)).keys())
    return sum(count // naming.MIN_PHRASE_POSTS for count in written.values())


def is_named(name: str, posts: list[str]) -> bool:
    """A phrase of two words or more, written as it is in at least three of the posts."""
    phrase = " ".join(name.lower().split())
    written = sum(phrase in " ".join(post.lower().split()) for post in posts)
    return len(phrase.split()) >= 2 and written >= naming.MIN_PHRASE_POSTS


class Command(BaseCommand):
    help = "Agreement of idea and post placement, and how many pillar names are topics."

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
            author: [text for _, text in sorted(posts)]
            for author, posts in by_author.items()
            if len(posts) >= DISCOVER_ON + PLACED
        }
        if not timelines:
            raise CommandError(f"No author has {DISCOVER_ON + PLACED} posts.")
        reference = list(reference_texts())
        off_domain = {  # ideas a creator of these files would not have: recipes, gadgets, sport
            language: [title for title, _ in off_domain_headlines(language)]
            for language in ("en", "pt", "es")
        }
        firsts = {
            t: first_sentence(t) for ts in timelines.values() for t in ts[: DISCOVER_ON + PLACED]
        }
        vectors = cached_vectors(
            [t for ts in timelines.values() for t in ts]
            + list(firsts.values())
            + reference
            + list(reference_openings())
            + [t for titles in off_domain.values() for t in titles],
            options["cache"],
            self.stderr.write,
        )
        reference_vectors = np.array([vectors[t] for t in reference])
        opening_vectors = np.array([vectors[t] for t in reference_openings()])
        agreements, named, nameable, strays = [], [], [], []

        def placed(texts: list[str]) -> np.ndarray:  # as the job places posts
            return discovery.as_placed(
                np.array([vectors[t] for t in texts]),
                np.array([vectors[opening_if_shorter(t) or t] for t in texts]),
            )

        for author in sorted(timelines):
            own = timelines[author][:DISCOVER_ON]
            later = timelines[author][DISCOVER_ON : DISCOVER_ON + PLACED]
            own_vectors = placed(own)
            language = detect_language(own)
            clusters, terms = naming.discover(own, own_vectors, language)
            nameable.append(min(phrase_groups(own, language), discovery.MIN_PILLARS))
            names = naming.names_from_terms(terms)
            by_post, _ = discovery.assign(
                placed(later), clusters.centre, clusters.means, clusters.thresholds
            )
            # as the job does: the newest posts' opening lines (a one-sentence post is its own)
            sample = own[-discovery.OPENING_SAMPLE :]
            openings = [vectors[opening_if_shorter(t) or t] for t in sample]
            whole = np.array([vectors[t] for t in own])
            scale = discovery.idea_scale(reference_vectors, clusters.means, whole, clusters.labels)
            lines = discovery.idea_scale(  # as the job measures ideas: against one-liners too
                opening_vectors[list(reference_rows(language))],
                clusters.means,
                whole,
                clusters.labels,
                own_openings=np.array([vectors[opening_if_shorter(t) or t] for t in own]),
            )
            shift = discovery.opening_shift(own_vectors[-len(sample) :], np.array(openings))

            ideas = [firsts[t] for t in later] + off_domain[language]
            joined, _, _ = discovery.place_ideas(
                np.array([vectors[t] for t in ideas]),
                centre=clusters.centre,
                means=clusters.means,
                scale=scale,
                shift=shift,
                lines=lines,
            )
            by_idea, strayed = joined[: len(later)], joined[len(later) :]
            strays.append(float(np.mean(strayed >= 0)))
            agreement = float(np.mean(by_post == by_idea))
            topics = [
                is_named(
                    name, [t for t, label in zip(own, clusters.labels, strict=True) if label == j]
                )
                for j, name in enumerate(names)
            ]
            agreements.append(agreement)
            named.extend(topics)
            if options["report"]:
                self.stdout.write(
                    f"{author} agreement={agreement:.2f} offdomain_joined={strays[-1]:.2f} "
                    "pillars: "
                    + "; ".join(
                        f"{n}{'' if ok else ' (not a topic)'}"
                        for n, ok in zip(names, topics, strict=True)
                    )
                )
        self.stdout.write(
            f"agreement={np.mean(agreements):.3f} named={np.mean(named):.3f} "
            f"named_ceiling={sum(nameable) / (discovery.MIN_PILLARS * len(nameable)):.3f} "
            f"offdomain_joined={np.mean(strays):.3f} "
            f"authors={len(agreements)}"
        )
