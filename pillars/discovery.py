"""Finding a persona's pillars and ranking other texts by how well they fit them.

The themes it keeps coming back to. Pure numpy: no database, so the evaluation command and the
services run the very same code.

Why spherical k-means, with k chosen by silhouette: it is linear in the number of posts (20 or
20,000 cost the same handful of matrix products), it fits unit-length embeddings compared by
cosine, and it always gives every post a nearest theme, which the "unassigned" threshold then
tempers. The number of pillars (3–7) is the one whose clusters are best separated (mean
silhouette) on a sample of at most SAMPLE_FOR_CHOICE posts, so choosing stays quadratic only in
the sample. Density methods (HDBSCAN …) call most of 20 posts noise and need tuning per size.

Embeddings from one model all lean the same way; before clustering they are centred on the
persona's own mean (what is common to all its posts is not a theme), and when ranking on the
mean of the texts being ranked (what is common to this batch says nothing about fit)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise

import numpy as np
import snowballstemmer

from language import text as T
from language.commonness import general_zipf

MIN_PILLARS, MAX_PILLARS = 3, 7
POSTS_PER_PILLAR = 6  # fewer posts than this per pillar and the count drops
SAMPLE_FOR_CHOICE = 1500
ITERATIONS = 30
KNN = 3
# Relevance = lexical contrast + half each of: nearest own posts, the persona's centroid, the
# best pillar (z-scores within the batch). Fitted with trends_eval on the two dev sets.
RELEVANCE_WEIGHTS = {"lexical": 1.0, "neighbours": 0.5, "centroid": 0.5, "pillar": 0.5}


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def kmeans(points: np.ndarray, k: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means (k-means++ start) on unit rows: (unit centroids, label per row)."""
    rng = np.random.default_rng(seed)
    centroids = [points[rng.integers(len(points))]]
    for _ in range(1, k):
        distance = 1 - np.max(points @ np.array(centroids).T, axis=1)
        weights = np.clip(distance, 0, None) ** 2
        total = weights.sum()
        pick = (
            rng.choice(len(points), p=weights / total) if total > 0 else rng.integers(len(points))
        )
        centroids.append(points[pick])
    centres = np.array(centroids)
    labels = np.zeros(len(points), dtype=int)
    for _ in range(ITERATIONS):
        new_labels = np.argmax(points @ centres.T, axis=1)
        if _ and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        for j in range(k):
            members = points[labels == j]
            if len(members):
                centres[j] = members.mean(axis=0)
        centres = unit_rows(centres)
    return centres, labels


def silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette with cosine distance."""
    distance = 1 - points @ points.T
    scores = []
    for i, label in enumerate(labels):
        own = labels == label
        if own.sum() <= 1:
            scores.append(0.0)
            continue
        inside = (distance[i, own].sum()) / (own.sum() - 1)
        outside = min(
            distance[i, labels == other].mean() for other in set(labels.tolist()) - {label}
        )
        scores.append((outside - inside) / max(inside, outside, 1e-9))
    return float(np.mean(scores))


def choose_pillar_count(points: np.ndarray, *, seed: int = 0) -> int:
    most = max(MIN_PILLARS, min(MAX_PILLARS, len(points) // POSTS_PER_PILLAR))
    if len(points) > SAMPLE_FOR_CHOICE:
        points = points[np.random.default_rng(seed).choice(len(points), SAMPLE_FOR_CHOICE, False)]
    best, best_score = MIN_PILLARS, -2.0
    for k in range(MIN_PILLARS, most + 1):
        _, labels = kmeans(points, k, seed=seed)
        if len(set(labels.tolist())) < 2:
            continue
        score = silhouette(points, labels)
        if score > best_score + 1e-6:
            best, best_score = k, score
    return best


@dataclass
class Clusters:
    centre: np.ndarray  # the persona's mean embedding (raw space)
    means: np.ndarray  # each cluster's mean raw embedding, k × d
    labels: np.ndarray  # cluster per post
    similarities: np.ndarray  # each post's similarity to its cluster (centred space)
    thresholds: np.ndarray  # per cluster: below this a post is unassigned


def cluster_posts(vectors: np.ndarray, *, k: int | None = None, seed: int = 0) -> Clusters:
    """Pillars as clusters of the posts' embeddings (raw vectors, one row per post)."""
    centre = vectors.mean(axis=0)
    points = unit_rows(vectors - centre)
    k = k or choose_pillar_count(points, seed=seed)
    k = max(1, min(k, len(points)))
    _, labels = kmeans(points, k, seed=seed)
    means = np.array(
        [vectors[labels == j].mean(axis=0) if (labels == j).any() else centre for j in range(k)]
    )
    similarities = np.sum(points * unit_rows(means - centre)[labels], axis=1)
    # Thresholds from each post against its pillar *without it* (leave-one-out), measured as
    # `assign` measures a later post: a post inside the mean looks closer than a new one would.
    sizes = np.bincount(labels, minlength=k)[labels]
    held_out = (means[labels] * sizes[:, None] - vectors) / np.maximum(sizes - 1, 1)[:, None]
    loo = np.sum(points * unit_rows(held_out - centre), axis=1)
    thresholds = np.array([lower_fence(loo[labels == j]) for j in range(k)])
    return Clusters(centre, means, labels, similarities, thresholds)


def lower_fence(similarities: np.ndarray) -> float:
    """Below this a post is unassigned.

    Tukey's lower fence of the pillar's own posts' similarities (first quartile − 1.5 ×
    interquartile range), so only the outliers go."""
    if not len(similarities):
        return 1.0
    first, third = np.quantile(similarities, [0.25, 0.75])
    return float(first - 1.5 * (third - first))


def assign(
    vectors: np.ndarray, centre: np.ndarray, means: np.ndarray, thresholds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest pillar per vector (−1 when below that pillar's threshold) and the similarity."""
    if not len(means):
        return np.full(len(vectors), -1), np.zeros(len(vectors))
    similarity = unit_rows(vectors - centre) @ unit_rows(means - centre).T
    best = np.argmax(similarity, axis=1)
    value = similarity[np.arange(len(vectors)), best]
    return np.where(value >= thresholds[best], best, -1), value


# Snowball stemmers by language code: "price" and "pricing", "write" and "written" are one theme.
_SNOWBALL = {
    "en": "english",
    "pt": "portuguese",
    "es": "spanish",
    "fr": "french",
    "de": "german",
    "it": "italian",
    "nl": "dutch",
}


@cache
def _stemmer(language: str) -> Callable[[str], str]:
    name = _SNOWBALL.get(language)
    if name is None:
        return lambda word: word
    return lru_cache(maxsize=50_000)(snowballstemmer.stemmer(name).stemWord)


def _terms(text: str, stop: frozenset[str], stem: Callable[[str], str]) -> dict[str, str]:
    """The post's theme terms, {stemmed key: the form written}.

    Words of four letters or more and pairs of adjacent non-stop words."""
    tokens = [w for w in T.words(T.strip_links(text).lower()) if len(w) > 2]
    kept = {stem(w): w for w in tokens if w not in stop and len(w) > 3}  # "two", "day": no theme
    for a, b in pairwise(tokens):
        if a not in stop and b not in stop:
            kept[f"{stem(a)} {stem(b)}"] = f"{a} {b}"
    return kept


def _same_word(a: str, b: str) -> bool:
    """Two single words sharing all but the last two letters of the shorter (at least four)."""
    if " " in a or " " in b:
        return False
    common = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return common >= 4 and common >= min(len(a), len(b)) - 2


def distinctive_terms(
    inside: Sequence[str], outside: Sequence[str], language: str, *, limit: int = 5
) -> list[str]:
    """The words and word pairs that most set these posts apart from the persona's others.

    The words and word pairs that most set these posts apart from the persona's others
    (log-odds of the share of posts using them, smoothed), at least two posts using each.
    Forms of one word count together and are shown as the pillar's most used form."""
    stop = T.stop_words(language)
    stem = _stemmer(language)
    ins: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    for text in inside:
        terms = _terms(text, stop, stem)
        ins.update(terms.keys())
        for key, form in terms.items():
            forms.setdefault(key, Counter())[form] += 1
    outs: Counter[str] = Counter()
    for text in outside:
        outs.update(_terms(text, stop, stem).keys())
    n_in, n_out = max(len(inside), 1), max(len(outside), 1)
    shown = {key: counted.most_common(1)[0][0] for key, counted in forms.items()}
    scored = []
    for term, count in ins.items():
        if count < 2 and len(inside) > 3:
            continue
        share_in = (count + 0.5) / (n_in + 1)
        share_out = (outs[term] + 0.5) / (n_out + 1)
        # log-odds weighted by how many of the posts use it: a theme's name should be a word
        # most of its posts share, not a rarity that happens to be absent elsewhere
        # … and a word everybody uses often ("hard", "back") names no theme: damped by how
        # common it is in the language in general
        form = shown[term]
        common = 1.0 if " " in form else min(1.0, 10 ** ((5 - general_zipf(form, language)) / 2))
        scored.append((share_in * math.log(share_in / share_out) * common, term))
    scored.sort(reverse=True)
    chosen: list[str] = []
    for _, term in scored:
        # a pair already says its words; a word already chosen makes its pair redundant; a
        # form the stemmer missed ("write", "written") says the same as one chosen
        if any(term in c.split(" ") or c in term.split(" ") or _same_word(term, c) for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == limit:
            break
    return [shown[key] for key in chosen]


def name_from_terms(terms: Sequence[str]) -> str:
    if not terms:
        return "Other"
    return " · ".join(t.capitalize() for t in terms[:2])


def _z(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values)


@dataclass
class Relevance:
    score: np.ndarray  # combined evidence per text (z units within the batch)
    pillar: np.ndarray  # best pillar index per text
    neighbour: np.ndarray  # index of the closest own post per text


def relevance(
    *,
    lexical: np.ndarray,
    vectors: np.ndarray,
    own_vectors: np.ndarray,
    pillar_means: np.ndarray,
    reference: np.ndarray | None = None,
) -> Relevance:
    """How well each text fits the persona.

    `lexical` is its contrast score against other people's writing, `vectors` its embedding;
    `own_vectors` the persona's posts, `pillar_means` the pillars' mean embeddings. Centred on the
    batch's mean (or `reference`, for batches too small to have a meaningful mean)."""
    centre = reference if reference is not None else vectors.mean(axis=0)
    texts = unit_rows(vectors - centre)
    own = unit_rows(own_vectors - centre)
    similarity = texts @ own.T
    k = min(KNN, own.shape[0])
    neighbours = np.sort(similarity, axis=1)[:, -k:].mean(axis=1)
    centroid = texts @ unit_rows((own_vectors.mean(axis=0) - centre)[np.newaxis, :])[0]
    if len(pillar_means):
        by_pillar = texts @ unit_rows(pillar_means - centre).T
        best_pillar, pillar = by_pillar.argmax(axis=1), by_pillar.max(axis=1)
    else:
        best_pillar, pillar = np.full(len(vectors), -1), centroid
    w = RELEVANCE_WEIGHTS
    score = (
        w["lexical"] * _z(np.asarray(lexical, dtype=float))
        + w["neighbours"] * _z(neighbours)
        + w["centroid"] * _z(centroid)
        + w["pillar"] * _z(pillar)
    )
    return Relevance(score, best_pillar, similarity.argmax(axis=1))
