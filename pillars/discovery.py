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
import re
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
# Relevance = lexical contrast + nearest own posts + the persona's centroid + twice the best
# pillar, each in spreads of other people's posts. Fitted with trends_eval on the two dev sets.
RELEVANCE_WEIGHTS = {"lexical": 1.0, "neighbours": 1.0, "centroid": 1.0, "pillar": 2.0}
# A text scoring no higher than this share of other people's posts fits not at all; FIT_SCALE
# spreads of their combined score above that floor, it fits 63 %.
FLOOR_QUANTILE = 0.95
FIT_SCALE = 2.0
ON_TOPIC_QUANTILE = 0.995
DISMISSED_MARGIN = 0.1  # cosine: this much nearer a dismissed item than any own post, no fit


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


def cluster_terms(texts: Sequence[str], clusters: Clusters, language: str) -> list[list[str]]:
    """Each cluster's distinctive terms against the persona's other posts (its name first)."""
    return [
        distinctive_terms(
            [t for t, label in zip(texts, clusters.labels, strict=True) if label == j],
            [t for t, label in zip(texts, clusters.labels, strict=True) if label != j],
            language,
        )
        for j in range(len(clusters.means))
    ]


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


IDEA_FIT_TO_JOIN = 0.25  # an idea further from its pillar than this (0–1) joins none


@dataclass
class IdeaScale:
    """How close to each pillar other people's posts (0) and the pillar's own posts (1) come.

    Measured in the space centred on other people's posts, where short texts (an idea, a
    headline) compare fairly with posts."""

    centre: np.ndarray  # the reference posts' mean
    means: np.ndarray  # the pillars' means there, unit rows
    floor: float
    typical: np.ndarray  # per pillar


def idea_scale(
    reference_vectors: np.ndarray,
    pillar_means: np.ndarray,
    own_vectors: np.ndarray,
    own_labels: np.ndarray,
) -> IdeaScale:
    """The scale for these pillars: `own_labels` gives each own post's pillar (−1: none)."""
    centre = reference_vectors.mean(axis=0)
    means = unit_rows(pillar_means - centre)
    floor = float(np.median((unit_rows(reference_vectors - centre) @ means.T).max(axis=1)))
    own = unit_rows(own_vectors - centre) @ means.T if len(own_vectors) else np.zeros((0, 0))
    typical = np.array(
        [
            float(np.median(own[own_labels == j, j])) if (own_labels == j).any() else floor + 0.3
            for j in range(len(means))
        ]
    )
    return IdeaScale(centre, means, floor, typical)


def place_ideas(
    vectors: np.ndarray, *, centre: np.ndarray, means: np.ndarray, scale: IdeaScale
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pillar each idea joins (−1: none), its fit (0–1) and the nearest pillar.

    An idea joins the pillar it is closest to by meaning, measured as posts are measured (in
    the persona's space, around its `centre`), if it is close enough to the persona at all: its
    fit on `scale` at least IDEA_FIT_TO_JOIN. (A pillar's threshold is learnt from whole posts;
    a one-line idea sits further from every pillar, so it is not held to it.)"""
    if not len(means):
        nothing = np.full(len(vectors), -1)
        return nothing, np.zeros(len(vectors)), nothing
    nearest = (unit_rows(vectors - centre) @ unit_rows(means - centre).T).argmax(axis=1)
    similarity = unit_rows(vectors - scale.centre) @ scale.means.T
    reach = similarity[np.arange(len(vectors)), nearest] - scale.floor
    fit = np.clip(reach / np.maximum(scale.typical[nearest] - scale.floor, 1e-6), 0, 1)
    return np.where(fit >= IDEA_FIT_TO_JOIN, nearest, -1), fit, nearest


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
    """The terms that most set these posts apart from the persona's others, best first.

    Topic phrases first (`topic_phrases`), then the words and word pairs ranked by the log-odds
    of the share of posts using them (smoothed), at least two posts using each. Forms of one
    word count together and are shown as the pillar's most used form."""
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
    words_valued = {shown[key]: max(value, 0.0) for value, key in scored if " " not in key}
    phrases = topic_phrases(inside, outside, language, word_values=words_valued)
    chosen: list[str] = []
    for _, term in scored:
        # a pair already says its words; a word already chosen makes its pair redundant; a
        # form the stemmer missed ("write", "written") says the same as one chosen
        if any(term in c.split(" ") or c in term.split(" ") or _same_word(term, c) for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == limit:
            break
    words_ = [shown[key] for key in chosen]
    # a phrase or two, then the words (a pillar's keywords say its vocabulary, not only phrases)
    taken = {phrase.lower() for phrase in phrases}
    return (phrases[:2] + [w for w in words_ if w.lower() not in taken])[:limit]


# A run of words with only spaces between them (punctuation, links, @handles and #tags end a run):
# what a phrase may span, so a name is always written verbatim in the posts it names.
_RUN_BREAK = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|[^\w\s'’-]|(?<!\w)[-'’]|[-'’](?!\w)")
MIN_PHRASE_POSTS = 3  # a name is written in at least this many of the pillar's posts
PHRASE_WORDS = (2, 3, 4)


def _runs(text: str) -> list[list[str]]:
    """The text's runs of two or more words (a number, like punctuation, ends a run)."""
    runs: list[list[str]] = []
    for segment in _RUN_BREAK.split(text):
        current: list[str] = []
        for token in segment.split():
            if any(c.isdigit() for c in token):
                runs.append(current)
                current = []
            else:
                current.append(token)
        runs.append(current)
    return [run for run in runs if len(run) >= 2]


def _phrases(text: str, stop: frozenset[str]) -> dict[str, str]:
    """The candidate topic phrases written in the text: {lower-cased: as written}.

    2–4 consecutive words (stop words only inside, as in "shrimp on a treadmill"), at least one
    of four letters or more."""
    found: dict[str, str] = {}
    for run in _runs(text):
        lowered = [t.lower().replace("’", "'") for t in run]
        for n in PHRASE_WORDS:
            for i in range(len(run) - n + 1):
                words_ = lowered[i : i + n]
                if words_[0] in stop or words_[-1] in stop or len(words_[0]) < 2:
                    continue
                if len(words_[-1]) < 2 or not any(len(w) > 3 and w not in stop for w in words_):
                    continue
                found.setdefault(" ".join(words_), " ".join(run[i : i + n]))
    return found


def topic_phrases(
    inside: Sequence[str],
    outside: Sequence[str],
    language: str,
    *,
    word_values: dict[str, float] | None = None,
    limit: int = 3,
) -> list[str]:
    """Phrases that name what these posts are about, best first.

    Each is written, word for word, in at least two of them; those in MIN_PHRASE_POSTS or more
    (two for a pillar of fewer than six posts) come first. Ranked by how much more of these
    posts use it than of the persona's others (the share using it × its log-odds, as
    `distinctive_terms` ranks words). A phrase inside a better one, or containing it, is the
    same topic and is left out. Shown as the posts most often write it."""
    stop = T.stop_words(language)
    word_values = word_values or {}
    usual = MIN_PHRASE_POSTS if len(inside) >= 6 else 2
    ins: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    for text in inside:
        for key, form in _phrases(text, stop).items():
            ins[key] += 1
            forms.setdefault(key, Counter())[form] += 1
    candidates = {key for key, count in ins.items() if count >= 2}
    if not candidates:
        return []
    outs: Counter[str] = Counter()
    for text in outside:
        outs.update(key for key in _phrases(text, stop) if key in candidates)
    n_in, n_out = max(len(inside), 1), max(len(outside), 1)
    scored = []
    for key in candidates:
        share_in = (ins[key] + 0.5) / (n_in + 1)
        share_out = (outs[key] + 0.5) / (n_out + 1)
        # a longer phrase used as often says more: a little credit per word
        if share_in <= share_out:
            continue  # used as much by the persona's other posts: no theme of these
        value = share_in * math.log(share_in / share_out)
        if ins[key] < usual:  # in two posts only: still a topic, named after the usual ones
            value -= 10
        # a phrase with the theme's own words ("pricing page") names it better than one that
        # merely repeats ("loop is two hours")
        value += max((word_values.get(w, 0.0) for w in key.split()), default=0.0)
        scored.append((value, -len(key), key))
    scored.sort(reverse=True)  # ties: the shorter phrase ("pricing page", not "… page changed")
    chosen: list[str] = []
    for _, _, key in scored:
        if any(f" {key} " in f" {c} " or f" {c} " in f" {key} " for c in chosen):
            continue
        chosen.append(key)
        if len(chosen) == limit:
            break
    return [forms[key].most_common(1)[0][0] for key in chosen]


def name_from_terms(terms: Sequence[str], taken: Sequence[str] = ()) -> str:
    """A pillar's offline name: its best term not already another pillar's name, as written.

    A topic phrase, when it has one. Never two terms side by side: two unrelated words are no
    topic."""
    used = {name.lower() for name in taken}
    for term in terms:
        name = term[0].upper() + term[1:]
        if name.lower() not in used:
            return name
    return "Other" if "other" not in used else f"Other {len(used) + 1}"


def names_from_terms(terms: Sequence[Sequence[str]]) -> list[str]:
    """Every pillar's offline name (`name_from_terms`), no two alike."""
    names: list[str] = []
    for each in terms:
        names.append(name_from_terms(each, names))
    return names


def on_topic(topic: np.ndarray, vectors: np.ndarray, reference_vectors: np.ndarray) -> np.ndarray:
    """Which of these posts the topic is unusually close to, each judged against itself.

    A post is about the topic when the topic is closer to it than all but 1 − ON_TOPIC_QUANTILE
    of other people's posts are (in the space centred on those). Each post is its own yardstick:
    a long business post is closer to any topic than a short chat is, so a threshold shared by
    all posts lets in whatever genre the persona writes in."""
    if not len(vectors):
        return np.zeros(0, dtype=bool)
    centre = reference_vectors.mean(axis=0)
    posts = unit_rows(np.asarray(vectors) - centre)
    point = unit_rows((np.asarray(topic) - centre)[np.newaxis, :])[0]
    others = posts @ unit_rows(reference_vectors - centre).T
    return posts @ point > np.quantile(others, ON_TOPIC_QUANTILE, axis=1)


@dataclass
class Relevance:
    score: np.ndarray  # combined evidence per text, in spreads of other people's posts
    fit: np.ndarray  # 0–1: 0 up to the floor other people's posts set, towards 1 above it
    neighbour: np.ndarray  # index of the closest own post per text


def _evidence(
    lexical: np.ndarray,
    vectors: np.ndarray,
    own: np.ndarray,
    own_centroid: np.ndarray,
    pillars: np.ndarray,
    centre: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per text: its four measures and its nearest own post.

    The measures: lexical, nearest own posts, the persona's centroid, the best pillar."""
    texts = unit_rows(vectors - centre)
    similarity = texts @ own.T
    k = min(KNN, own.shape[0])
    neighbours = np.sort(similarity, axis=1)[:, -k:].mean(axis=1)
    centroid = texts @ own_centroid
    pillar = (texts @ pillars.T).max(axis=1) if len(pillars) else centroid
    measures = np.column_stack([np.asarray(lexical, dtype=float), neighbours, centroid, pillar])
    return measures, similarity.argmax(axis=1)


def relevance(
    *,
    lexical: np.ndarray,
    vectors: np.ndarray,
    own_vectors: np.ndarray,
    pillar_means: np.ndarray,
    reference_lexical: np.ndarray,
    reference_vectors: np.ndarray,
    dismissed_vectors: np.ndarray | None = None,
) -> Relevance:
    """How well each text fits the persona, measured against how well other people's posts do.

    `lexical` is each text's contrast score against other people's writing, `vectors` its
    embedding; `own_vectors` the persona's posts, `pillar_means` the pillars' mean embeddings;
    `reference_lexical` and `reference_vectors` the same two measures of other people's posts
    (`pillars.services.reference_vectors`). Embeddings are compared after subtracting the
    reference's mean (what any text looks like to the model), and each measure is read in
    spreads of the reference's: an absolute scale, so a batch of recipes does not make the least
    unrelated recipe look relevant, as ranking within the batch did.

    `dismissed_vectors`, what the creator dismissed, teach it further: a text nearer to one of
    them than to the persona's own posts loses its fit (all of it DISMISSED_MARGIN nearer)."""
    centre = reference_vectors.mean(axis=0)
    own = unit_rows(own_vectors - centre)
    own_centroid = unit_rows((own_vectors.mean(axis=0) - centre)[np.newaxis, :])[0]
    pillars = unit_rows(pillar_means - centre) if len(pillar_means) else pillar_means
    weights = np.array(list(RELEVANCE_WEIGHTS.values()))
    others, _ = _evidence(reference_lexical, reference_vectors, own, own_centroid, pillars, centre)
    mean, spread = others.mean(axis=0), np.where(others.std(axis=0) > 0, others.std(axis=0), 1)
    combined = ((others - mean) / spread) @ weights
    floor, scale = float(np.quantile(combined, FLOOR_QUANTILE)), FIT_SCALE * float(combined.std())
    measures, neighbour = _evidence(lexical, vectors, own, own_centroid, pillars, centre)
    score = ((measures - mean) / spread) @ weights
    fit = 1 - np.exp(-np.clip(score - floor, 0, None) / max(scale, 1e-9))
    if dismissed_vectors is not None and len(dismissed_vectors):
        texts = unit_rows(vectors - centre)
        nearest_own = (texts @ own.T).max(axis=1)
        nearest_dismissed = (texts @ unit_rows(dismissed_vectors - centre).T).max(axis=1)
        fit = fit * np.clip(1 - (nearest_dismissed - nearest_own) / DISMISSED_MARGIN, 0, 1)
    return Relevance(score, fit, neighbour)
