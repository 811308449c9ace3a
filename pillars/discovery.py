"""Finding a persona's pillars and ranking other texts by how well they fit them.

The themes it keeps coming back to. Pure numpy: no database, so the evaluation command and the
services run the very same code.

Why spherical k-means, with k chosen by silhouette: it is linear in the number of posts (20 or
20,000 cost the same handful of matrix products), it fits unit-length embeddings compared by
cosine, and it always gives every post a nearest theme, which the "unassigned" threshold then
tempers. The number of pillars (3–7) is the one whose clusters are best separated (mean
silhouette) on a sample of at most SAMPLE_FOR_CHOICE posts, so choosing stays quadratic only in
the sample; given the posts' phrases (`naming.discover`), several starts per count are tried and
a grouping whose clusters a phrase of their own posts names is preferred. Density methods
(HDBSCAN …) call most of 20 posts noise and need tuning per size.

Embeddings from one model all lean the same way; before clustering they are centred on the
persona's own mean (what is common to all its posts is not a theme), and when ranking on the
mean of the texts being ranked (what is common to this batch says nothing about fit)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

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


# How much a post's opening line counts beside its whole text when pillars place the post.
OPENING_WEIGHT = 1.5


def as_placed(vectors: np.ndarray, openings: np.ndarray) -> np.ndarray:
    """Posts as pillars place them: their whole text's embedding and their opening line's.

    An idea is one line, and its pillar should be the one its post would join; a post placed by
    its whole text alone often lands elsewhere than its first sentence does (a long post drifts,
    and a short opening leans wherever the persona's one-liners lean). The opening is a post's
    headline, weighted in as search engines weight a title. pillars_eval, against whole texts
    alone: agreement 0.614 → 0.836 (Portuguese/Spanish), 0.843 → 0.900 (English); named 0.427
    → 0.424, 0.701 → 0.693 (weight 1 kept names as they were, agreement 0.796 / 0.898; 2 cost
    names 0.04 in English). A one-sentence post is its own opening: nothing changes for it."""
    return (np.asarray(vectors) + OPENING_WEIGHT * np.asarray(openings)) / (1 + OPENING_WEIGHT)


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def kmeans(
    points: np.ndarray, k: int, *, seed: int = 0, start: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means on unit rows: (unit centroids, label per row).

    From `start` centroids when given, else a k-means++ start drawn with `seed`."""
    if start is None:
        rng = np.random.default_rng(seed)
        centroids = [points[rng.integers(len(points))]]
        for _ in range(1, k):
            distance = 1 - np.max(points @ np.array(centroids).T, axis=1)
            weights = np.clip(distance, 0, None) ** 2
            total = weights.sum()
            pick = (
                rng.choice(len(points), p=weights / total)
                if total > 0
                else rng.integers(len(points))
            )
            centroids.append(points[pick])
        start = np.array(centroids)
    centres = np.array(start, dtype=float)
    labels = np.zeros(len(points), dtype=int)
    for _ in range(ITERATIONS):
        new_labels = np.argmax(points @ centres.T, axis=1)
        if _ and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        for j in range(len(centres)):
            members = points[labels == j]
            if len(members):
                centres[j] = members.mean(axis=0)
        centres = unit_rows(centres)
    return centres, labels


def silhouette(
    points: np.ndarray, labels: np.ndarray, distances: np.ndarray | None = None
) -> float:
    """Mean silhouette with cosine distance (a point alone in its cluster scores 0).

    `distances` (1 − points · pointsᵀ), when many labellings of the same points are scored."""
    present, labels = np.unique(labels, return_inverse=True)
    if len(present) < 2:
        return 0.0
    member = np.eye(len(present))[labels]  # n × k
    sizes = member.sum(axis=0)
    if distances is None:
        distances = 1 - points @ points.T
    to_cluster = distances @ member  # each point's summed distance to each cluster
    rows = np.arange(len(points))
    own_size = sizes[labels]
    inside = to_cluster[rows, labels] / np.maximum(own_size - 1, 1)
    mean_to = to_cluster / sizes
    mean_to[rows, labels] = np.inf
    outside = mean_to.min(axis=1)
    scores = (outside - inside) / np.maximum(np.maximum(inside, outside), 1e-9)
    return float(np.mean(np.where(own_size > 1, scores, 0.0)))


# Starts tried per pillar count when a partition is chosen by its names as well: k-means finds
# a different local optimum from each, and some group the posts around what they say in words
# (pillars_eval named: 8 starts 0.675 en / 0.367 pt-es, 24 starts 0.701 / 0.427, 48 no more).
STARTS_WITH_NAMES = 24
# A partition's score: its mean silhouette + this × the share of its clusters that a phrase of
# their own posts names (`naming.discover`). Fitted with pillars_eval on the two dev sets.
NAMEABLE_WEIGHT = 0.3


def choose_partition(
    points: np.ndarray,
    *,
    seed: int = 0,
    nameable: Callable[[np.ndarray, np.ndarray], float] | None = None,
) -> np.ndarray:
    """Starting centroids for the pillars: the best of k-means runs on (a sample of) the points.

    Every pillar count from MIN_PILLARS up to one per POSTS_PER_PILLAR posts, scored by mean
    silhouette (how well separated the clusters are). With `nameable` — (sample indices, their
    labels) → the share of the clusters a phrase names — each count is tried from
    STARTS_WITH_NAMES starts and NAMEABLE_WEIGHT × that share adds to the score."""
    most = max(MIN_PILLARS, min(MAX_PILLARS, len(points) // POSTS_PER_PILLAR))
    sample = np.arange(len(points))
    if len(points) > SAMPLE_FOR_CHOICE:
        sample = np.sort(np.random.default_rng(seed).choice(len(points), SAMPLE_FOR_CHOICE, False))
    chosen = points[sample]
    distances = 1 - chosen @ chosen.T
    best, best_score = None, -np.inf
    for k in range(MIN_PILLARS, most + 1):
        for start in range(STARTS_WITH_NAMES if nameable else 1):
            centres, labels = kmeans(chosen, k, seed=seed + start)
            if len(set(labels.tolist())) < 2:
                continue
            score = silhouette(chosen, labels, distances)
            if nameable:
                score += NAMEABLE_WEIGHT * nameable(sample, labels)
            if score > best_score + 1e-6:
                best, best_score = centres, score
    if best is None:  # every run found one cluster (the posts are all alike)
        best, _ = kmeans(chosen, MIN_PILLARS, seed=seed)
    return best


@dataclass
class Clusters:
    centre: np.ndarray  # the persona's mean embedding (raw space)
    means: np.ndarray  # each cluster's mean raw embedding, k × d
    labels: np.ndarray  # cluster per post
    similarities: np.ndarray  # each post's similarity to its cluster (centred space)
    thresholds: np.ndarray  # per cluster: below this a post is unassigned


def cluster_posts(
    vectors: np.ndarray,
    *,
    k: int | None = None,
    seed: int = 0,
    nameable: Callable[[np.ndarray, np.ndarray], float] | None = None,
) -> Clusters:
    """Pillars as clusters of the posts' embeddings (raw vectors, one row per post).

    `k` clusters when given, else the partition `choose_partition` finds best (with `nameable`:
    preferring one whose clusters a phrase of their posts names)."""
    centre = vectors.mean(axis=0)
    points = unit_rows(vectors - centre)
    if k:
        k = max(1, min(k, len(points)))
        _, labels = kmeans(points, k, seed=seed)
    else:
        start = choose_partition(points, seed=seed, nameable=nameable)
        k = len(start)
        _, labels = kmeans(points, k, start=start)
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


# An idea further from its pillar than this (0–1) joins none. pillars_eval offdomain_joined (the
# shipped everyday headlines that join a pillar): 0.25 → 0.3 took it 0.29 → 0.18 in English,
# 0.91 → 0.86 in Portuguese/Spanish (whose one-liners all sit close), agreement 0.907 → 0.900
# and 0.851 → 0.836.
IDEA_FIT_TO_JOIN = 0.3


@dataclass
class IdeaScale:
    """How close to each pillar other people's posts (0) and the pillar's own posts (1) come.

    Measured in the space centred on other people's posts, where short texts (an idea, a
    headline) compare fairly with posts."""

    centre: np.ndarray  # the reference posts' mean
    means: np.ndarray  # the pillars' means there, unit rows
    floor: float
    typical: np.ndarray  # per pillar


def text_means(vectors: np.ndarray, labels: np.ndarray, pillar_means: np.ndarray) -> np.ndarray:
    """Each pillar's mean whole-text embedding over these posts, else its own mean.

    `labels` gives each post's pillar (−1: none); a pillar none of them is in keeps its own mean
    (`as_placed`). What a whole text — another person's post, a headline with its summary — is
    compared with: a mean placed partly by opening lines sits nearer every short text, on topic
    or not."""
    pillar_means = np.asarray(pillar_means)
    return np.array(
        [
            vectors[labels == j].mean(axis=0) if (labels == j).any() else mean
            for j, mean in enumerate(pillar_means)
        ]
    ).reshape(pillar_means.shape)


# The scale of one-liners: its floor is how close the least related tenth of other people's
# opening lines come. pillars_eval (English / Portuguese-Spanish): offdomain_joined 0.177 / 0.857
# → 0.177 / 0.511, agreement 0.900 / 0.836 → 0.891 / 0.812; at the quarter 0.168 / 0.261 but
# agreement 0.882 / 0.773, at the median 0.089 / 0.086 but 0.858 / 0.719.
LINES_FLOOR_QUANTILE = 0.1


def idea_scale(
    reference_vectors: np.ndarray,
    pillar_means: np.ndarray,
    own_vectors: np.ndarray,
    own_labels: np.ndarray,
    *,
    own_openings: np.ndarray | None = None,
) -> IdeaScale:
    """The scale for these pillars: `own_labels` gives each own post's pillar (−1: none).

    `own_vectors` are the posts' whole-text embeddings, and each pillar is measured here by the
    mean of its posts' (`text_means`): other people's posts give the floor as whole texts, and
    a pillar placed partly by its posts' opening lines sits nearer every one-line text ("Best
    sourdough recipes" fitted a runner's pillar 31 % that way).

    With `own_openings` (each own post's first sentence's embedding) it is the scale of
    one-liners: `reference_vectors` are then other people's opening lines in the persona's
    language (`voice.reference.reference_opening_vectors`), the floor is how close the least
    related LINES_FLOOR_QUANTILE of them come, and the persona's own opening lines are typical.
    Centred on those, a line in Portuguese no longer looks close to a Portuguese speaker's
    pillars for its language alone: a 20-minute pasta recipe fitted a São Paulo governor's
    pillar 71 % on the scale of whole posts in every language."""
    lines = own_openings is not None
    centre = reference_vectors.mean(axis=0)
    means = unit_rows(text_means(own_vectors, own_labels, pillar_means) - centre)
    reach = (unit_rows(reference_vectors - centre) @ means.T).max(axis=1)
    floor = float(np.quantile(reach, LINES_FLOOR_QUANTILE if lines else 0.5))
    typical_of = own_openings if own_openings is not None else own_vectors
    own = unit_rows(typical_of - centre) @ means.T if len(typical_of) else np.zeros((0, 0))
    typical = np.array(
        [
            float(np.median(own[own_labels == j, j])) if (own_labels == j).any() else floor + 0.3
            for j in range(len(means))
        ]
    )
    return IdeaScale(centre, means, floor, typical)


OPENING_SAMPLE = 200  # the newest posts whose opening lines give `opening_shift`


def opening_shift(post_vectors: np.ndarray, opening_vectors: np.ndarray) -> np.ndarray:
    """How far the persona's opening lines sit from their whole posts, on average (raw space).

    An idea is one line; a pillar is made of whole posts, and to the embedding model a persona's
    one-liners lean one way whatever they are about (for one author, every short opening was
    nearest the pillar of their short posts). Taken off an idea's vector (`place_ideas`), the idea
    is measured as its post would be when choosing its pillar — not when judging whether it fits
    the persona at all (its fit is the idea's as written): the shift carries the persona's own
    lean, and would pull any idea in.
    pillars_eval agreement: 0.532 → 0.598 (Portuguese/Spanish), 0.855 → 0.851 (English, whose
    openings are often the whole post), measured before posts were placed by their openings too
    (`as_placed`). A post of one sentence is its own opening: adds nothing."""
    if not len(post_vectors):
        return np.zeros(post_vectors.shape[1:])
    return (np.asarray(opening_vectors) - np.asarray(post_vectors)).mean(axis=0)


def place_ideas(
    vectors: np.ndarray,
    *,
    centre: np.ndarray,
    means: np.ndarray,
    scale: IdeaScale,
    shift: np.ndarray | None = None,
    lines: IdeaScale | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pillar each idea joins (−1: none), its fit (0–1) and the nearest pillar.

    An idea joins the pillar it is closest to by meaning, measured as posts are measured (in
    the persona's space, around its `centre`, with the persona's opening-line `shift` taken off),
    if it is close enough to the persona at all: its fit at least IDEA_FIT_TO_JOIN — on `scale`,
    and on the scale of one-liners `lines` when given (the lower of the two is its fit). (A
    pillar's threshold is learnt from whole posts; a one-line idea sits further from every
    pillar, so it is not held to it.)"""
    if not len(means):
        nothing = np.full(len(vectors), -1)
        return nothing, np.zeros(len(vectors)), nothing

    def nearest_to(points: np.ndarray) -> np.ndarray:
        return (unit_rows(points - centre) @ unit_rows(means - centre).T).argmax(axis=1)

    as_written = nearest_to(vectors)
    nearest = as_written if shift is None or not len(shift) else nearest_to(vectors - shift)

    # how close to the persona at all: the idea as written, against its nearest pillar then
    def fit_on(on: IdeaScale) -> np.ndarray:
        similarity = unit_rows(vectors - on.centre) @ on.means.T
        reach = similarity[np.arange(len(vectors)), as_written] - on.floor
        return np.clip(reach / np.maximum(on.typical[as_written] - on.floor, 1e-6), 0, 1)

    fit = fit_on(scale) if lines is None else np.minimum(fit_on(scale), fit_on(lines))
    return np.where(fit >= IDEA_FIT_TO_JOIN, nearest, -1), fit, nearest


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
