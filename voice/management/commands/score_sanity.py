"""python manage.py score_sanity FILE.jsonl.

Does the voice-match score prefer a creator's real post over a broken one made from their own
material?

For each author (posts in time order): a voice model from their first 30 posts; then each later
post is paired with a broken draft built from that author's material, in turn:
- truncated: the post itself cut mid-sentence;
- collage: three sentences from three of the author's profile posts;
- stub: a topic-in-template line with the post's key words pasted in;
- keyless: what the offline writer makes on the post's key words from the profile posts.
A pair is correct when the real post scores higher. Ends with one line:
correct=… pairs=… truncated=… collage=… stub=… keyless=… authors=N"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from language import text as T
from llm.evaluation import offline_draft
from voice import scoring
from voice.evaluation import posts_by_author

PROFILE_POSTS = 30
KINDS = ("truncated", "collage", "stub", "keyless")
STUBS = {
    "en": ["Let's talk about {topic}. Here's what I learned.", "My take on {topic}, in short."],
    "pt": ["Vamos falar sobre {topic}. Eis o que aprendi.", "Minha opinião sobre {topic}."],
    "es": ["Hablemos de {topic}. Esto es lo que aprendí.", "Mi opinión sobre {topic}."],
}


def key_words(text: str, language: str, n: int = 3) -> str:
    stops = T.stop_words(language)
    words = [w for w in T.words(T.strip_links(text)) if w not in stops and len(w) > 3]
    return " ".join(list(dict.fromkeys(words))[:n])


def broken_draft(
    kind: str, real: str, profile: list[str], language: str, rng: random.Random
) -> str:
    if kind == "truncated":
        words = real.split()
        return " ".join(words[: max(2, int(len(words) * 0.55))])
    if kind == "collage":
        picked = rng.sample(profile, k=min(3, len(profile)))
        sentences = [rng.choice(T.sentences(p) or [p]) for p in picked]
        return " ".join(s.strip() for s in sentences)
    topic = key_words(real, language) or "this"
    if kind == "stub":
        return rng.choice(STUBS.get(language, STUBS["en"])).format(topic=topic)
    material = {
        "language": language,
        "topic": topic,
        "key_terms": topic.split(),
        "posts": profile,
        "content_type": "short",
        "min_chars": 40,
        "target_chars": len(real),
        "max_chars": max(280, len(real)),
        "angle": rng.choice(["story", "contrarian", "how-to", "question"]),
        "variation_index": rng.randrange(3),
    }
    return offline_draft(material, seed=rng.randrange(10**6))


class Command(BaseCommand):
    help = __doc__.split("\n\n")[0]

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args: Any, file: Path, seed: int, **opts: Any) -> None:
        try:
            by_author = posts_by_author(file)
        except ValueError as error:
            raise CommandError(str(error)) from None
        rng = random.Random(seed)
        right: defaultdict[str, int] = defaultdict(int)
        total: defaultdict[str, int] = defaultdict(int)
        authors = 0
        for author in sorted(by_author):
            texts = [text for _, text in sorted(by_author[author])]
            if len(texts) <= PROFILE_POSTS + 5:
                continue
            authors += 1
            profile, later = texts[:PROFILE_POSTS], texts[PROFILE_POSTS:]
            language = T.detect_language(profile)
            model = scoring.build_model(profile, language)
            for index, real in enumerate(later):
                kind = KINDS[index % len(KINDS)]
                broken = broken_draft(kind, real, profile, language, rng)
                total[kind] += 1
                if scoring.score(real, model).overall > scoring.score(broken, model).overall:
                    right[kind] += 1
        if not authors:
            raise CommandError(f"No author has more than {PROFILE_POSTS + 5} posts.")
        pairs = sum(total.values())
        per_kind = " ".join(f"{k}={right[k] / max(1, total[k]):.2f}" for k in KINDS)
        self.stdout.write(
            f"correct={sum(right.values()) / pairs:.3f} pairs={pairs} {per_kind} authors={authors}"
        )
