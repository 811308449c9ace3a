"""The offline writer over a corpus of real creators (not part of the test run).

    .venv/bin/python bench/offline_writer.py PATH.jsonl [--authors 40] [--posts 30]

PATH holds one {"author": ..., "text": ...} object a line. Per author, the first POSTS posts
are the persona: analysed, embedded, a voice model built; three drafts (one per angle) are
written on a topic in the author's language from the posts the product would pick (the nearest
twelve that are about the topic, `generation.services.context.about_topic`; the recent ones for
style only) and scored against that model. Checks each draft carries the topic's key terms, fits
the length range and invents no link; on_topic is the share of the drafts' sentences closer to
the topic than the author's median post is (target ≥ 0.90). Last line:
authors=… drafts=… mean=… best_mean=… best_ge70=… in_range=… key_terms=… on_topic=…
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict

import numpy as np
from _setup import setup

TOPICS = {
    "en": "the future of public education",
    "pt": "o futuro da educação pública",
    "es": "el futuro de la educación pública",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--authors", type=int, default=40)
    parser.add_argument("--posts", type=int, default=30)
    args = parser.parse_args()
    setup()
    from generation.models import ANGLES
    from generation.services.context import about_topic, build_material
    from language.text import sentences
    from llm.embeddings import LocalEmbeddings
    from llm.providers.offline import write
    from voice import scoring
    from voice.analysis import WeightedPost, analyse
    from voice.reference import reference_vectors

    by_author: defaultdict[str, list[str]] = defaultdict(list)
    with open(args.path, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            by_author[record["author"]].append(record["text"])
    embedder = LocalEmbeddings()
    scores, best, in_range, key_terms = [], [], 0, 0
    on_topic: list[bool] = []
    for author in sorted(by_author)[: args.authors]:
        posts = by_author[author][: args.posts]
        profile = analyse([WeightedPost(t) for t in posts])
        vectors = embedder.embed_passages(posts)
        model = scoring.build_model(
            posts,
            profile["language"],
            vectors,
            background=reference_vectors(LocalEmbeddings.model_name),
        )
        topic = TOPICS.get(profile["language"], TOPICS["en"])
        topic_vector = embedder.embed_query(topic)
        closeness = vectors @ topic_vector
        nearest = np.argsort(-closeness)[:12]
        about = about_topic(
            topic, topic_vector, [posts[i] for i in nearest], vectors[nearest], profile["language"]
        )
        chosen = [posts[i] for i, kept in zip(nearest, about, strict=True) if kept][:6]
        material = build_material(
            profile=profile,
            posts=chosen,
            style_posts=[p for p in posts[-3:] if p not in chosen],
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
        for draft in drafts:
            in_range += material["min_chars"] <= len(draft) <= material["max_chars"]
            key_terms += all(t.lower() in draft.lower() for t in material["key_terms"])
            if "http" in draft:
                print(f"invented a link for {author}: {draft!r}", file=sys.stderr)
        author_scores = [
            scoring.score(d, model, v).overall
            for d, v in zip(drafts, embedder.embed_passages(drafts), strict=True)
        ]
        scores += author_scores
        lines = [s for draft in drafts for s in sentences(draft)]
        median = float(np.median(closeness))
        on_topic += [bool(v @ topic_vector > median) for v in embedder.embed_passages(lines)]
        best.append(max(author_scores))
    print(
        f"authors={len(best)} drafts={len(scores)} mean={np.mean(scores):.1f} "
        f"best_mean={np.mean(best):.1f} best_ge70={sum(b >= 70 for b in best)} "
        f"in_range={in_range} key_terms={key_terms} on_topic={np.mean(on_topic):.2f}"
    )


if __name__ == "__main__":
    main()
