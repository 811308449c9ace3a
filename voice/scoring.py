"""Voice-match scoring: how much a text sounds like a persona, 0–100.

Voice-match scoring: how much a text sounds like a persona, 0–100, with structure, tone,
vocabulary and contrast sub-scores. Deterministic; the model is built once per voice version
from the persona's posts (`build_model`) and stored on the version, so scoring a text is a few
dictionary look-ups and dot products.

Evidence, each measured against the persona's own posts as an unseen post of theirs would be
(leave-one-out or cross-validated at analysis time):
- vocabulary: character 3–5-gram and function-word profile (cosine),
- structure: length, sentence length, line breaks, punctuation, emoji, links (z-distance),
- tone: how close in meaning the text comes to its nearest own posts (embeddings centred on
  other people's posts, `voice.reference`: what every text looks like to the model says nothing
  about a voice), when an embedding is given,
- contrast: a classifier of the persona's posts against other people's (`voice.contrast`).
The overall score combines them with weights fitted on the voice-eval dev sets (frozen here,
not per user), each kind counted in how far apart it sets the persona's posts and other
people's (the shipped reference posts in their language, `voice.reference`), and reads as
"yours rather than anyone's": 50 is the line between the persona's posts and other people's,
drawn at analysis time (LINE_SHARE of the way from a typical post of theirs down to the top
twentieth of other people's), so a typical post of theirs reads above it and other people's
below. Each sub-score reads against the persona's own posts: 50 is a typical post of theirs.

A text made of the persona's old sentences is not a new post in their voice, however much it
sounds like them: the share of its sentences copied from their posts (`recycled`) pulls the
overall score down, and `notes` says so. Without it a collage of old lines outscored the real
thing (`manage.py score_sanity`).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from language import text as T
from voice import contrast
from voice.reference import reference_rows, reference_texts

MODEL_VERSION = 9
MAX_SHINGLES = 30_000  # the newest posts' word runs, when a persona has very many
# Penalties, in the persona's own spread (median to top-tenth post) or, when larger, the distance
# from their typical post down to the line: a text made only of old sentences falls this far; one
# cut off mid-sentence, the other. (In the own spread alone, a third-copied sketch of a voice far
# from other people's still read 83.)
RECYCLED_PENALTY = 12.0
SHINGLE_WORDS = 5  # a run this long, word for word, is copied, not coincidence
FORMULA_POSTS = 3  # … unless the persona writes it in this many posts: then it is a formula
UNFINISHED_PENALTY = 2.0
# A persona who closes at least this share of their posts (a full stop, a link, a tag, an emoji)
# reads a text that just stops as unfinished, whatever its last word.
CLOSING_HABIT = 0.9
OPEN_PENALTY = 0.5  # in the same spread: half a mid-sentence stop's
MAX_NGRAMS = 6000
# Fitted on the voice-eval dev sets (see voice_eval), the same for every persona.
WEIGHTS = {"vocabulary": 0.1, "structure": 0.15, "tone": 0.3, "contrast": 0.45}
# … and for a voice without embeddings: the style habits then catch a stub or a cut-off draft
WEIGHTS_WITHOUT_TONE = {"vocabulary": 0.2, "structure": 0.2, "contrast": 0.4}
NEIGHBOURS = 5  # tone: the mean similarity to this many of the nearest own posts
NEIGHBOUR_POSTS = 300  # … among the newest this many (kept in the model)
Z_FLOOR, Z_CEILING = -4.0, 3.0
STYLE_Z_CAP = 3.0  # one style habit counts at most this many spreads (`_style_distance`)
# The line between the persona and other people: this share of the way from the median of their
# own posts' combined evidence down to OTHERS_TOP of other people's (fitted with the weights:
# voice_eval pooled AUC 0.862 en / 0.862 pt-es, against 0.843 / 0.842 with 50 at their median
# post).
LINE_SHARE = 0.6
OTHERS_TOP = 95  # percentile
# A text this far above the line (in combined evidence) reads 80; the median persona's typical
# post sits 0.94 above it in English, 0.47 in Portuguese/Spanish (voice-eval dev sets).
ABOVE_THE_LINE = 1.0
LOW_TAIL = 3.0  # below the line the curve falls this much more slowly: poor still beats worse
MIN_EVIDENCE_SCALE = 0.05  # a kind that barely varies (posts all alike) is not divided by ~0
SUBSCORE_SLOPE = 1.5  # a sub-score one own spread below the mean reads about 18


@dataclass(frozen=True)
class VoiceScore:
    overall: int
    structure: int
    tone: int
    vocabulary: int
    contrast: int = 50
    recycled: int = 0  # % of the text's sentences copied from the persona's posts
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall,
            "structure": self.structure,
            "tone": self.tone,
            "vocabulary": self.vocabulary,
            "contrast": self.contrast,
            "recycled": self.recycled,
            "notes": list(self.notes),
        }


def _shingles(text: str) -> list[str]:
    """Fingerprints of every run of SHINGLE_WORDS words, in order.

    Fingerprints of every run of SHINGLE_WORDS words (links, case and punctuation
    ignored), in order: a copied line shows up as a run of known shingles, wherever the
    sentence boundaries fall."""
    words = T.words(T.strip_links(text))
    return [
        hashlib.blake2b(" ".join(words[i : i + SHINGLE_WORDS]).encode(), digest_size=6).hexdigest()
        for i in range(len(words) - SHINGLE_WORDS + 1)
    ]


def recycled_share(text: str, known: set[str]) -> float:
    """The share of the text's words inside a run of words found in the persona's posts."""
    prints = _shingles(text)
    if not prints:
        return 0.0
    covered: set[int] = set()
    for i, digest in enumerate(prints):
        if digest in known:
            covered.update(range(i, i + SHINGLE_WORDS))
    return len(covered) / (len(prints) + SHINGLE_WORDS - 1)


def _copyable_shingles(texts: Sequence[str]) -> list[str]:
    """The runs of words a copy would be made of: each written in fewer than FORMULA_POSTS posts.

    A run the persona writes again and again ("The week ahead for Sen. …", "Watch my weekly video
    address") is a formula of theirs, part of the voice: a new post using it copies nothing.
    Texts are given oldest first: the newest posts' runs are the ones kept."""
    by_post = [list(dict.fromkeys(_shingles(t))) for t in reversed(texts)]
    uses = Counter(p for prints in by_post for p in prints)
    runs = dict.fromkeys(p for prints in by_post for p in prints if uses[p] < FORMULA_POSTS)
    return list(runs)[:MAX_SHINGLES]


def _char_ngrams(text: str) -> Counter[str]:
    cleaned = re.sub(r"\s+", " ", T.strip_links(text).lower())
    grams: Counter[str] = Counter()
    for n in (3, 4, 5):
        grams.update(cleaned[i : i + n] for i in range(len(cleaned) - n + 1))
    return grams


def _function_words(text: str, language: str) -> Counter[str]:
    stops = T.stop_words(language)
    return Counter(f"w:{w}" for w in T.words(text) if w in stops)


def _counts(text: str, language: str) -> Counter[str]:
    return _char_ngrams(text) + _function_words(text, language)


def _vector(counts: Counter[str], idf: dict[str, float], unseen_idf: float) -> dict[str, float]:
    """Log-TF × IDF, where IDF comes from the persona's own posts.

    What every post of theirs shares (the language's glue) weighs less than what marks some of them.
    """
    vector = {
        gram: (1 + math.log(count)) * idf.get(gram, unseen_idf) for gram, count in counts.items()
    }
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {gram: v / norm for gram, v in vector.items()}


# Style habits measured by _style(), in order, each with the smallest spread we assume, so a
# persona that never varies on one habit is not scored as infinitely strict about it.
STYLE_FEATURES: dict[str, float] = {
    "log_chars": 0.3,
    "words_per_sentence": 3,
    "lines": 1,
    "blank_lines": 0.5,
    "questions": 0.5,
    "exclamations": 0.5,
    "emoji": 0.5,
    "links": 0.3,
    "hashtags_mentions": 0.5,
    "capitals": 0.2,
    "digits": 0.2,
    "word_length": 0.3,
    "commas_per_sentence": 0.3,
    "colons_quotes_parens": 0.5,
    "ellipses_dashes": 0.3,
    "starts_lower": 0.2,
    "ends_without_punctuation": 0.2,
}


def _style(text: str) -> list[float]:
    n_chars = max(1, len(text))
    post_words = T.words(text)
    post_sentences = T.sentences(text) or [text]
    return [
        math.log(n_chars),
        len(post_words) / len(post_sentences),
        len(T.lines(text)),
        text.count("\n\n"),
        text.count("?"),
        text.count("!"),
        len(T.emojis(text)),
        len(re.findall(r"https?://", text)),
        len(re.findall(r"[#@]\w", text)),
        sum(1 for c in text if c.isupper()) / n_chars * 10,
        sum(1 for c in text if c.isdigit()) / n_chars * 10,
        sum(len(w) for w in post_words) / max(1, len(post_words)),
        text.count(",") / len(post_sentences),
        sum(text.count(c) for c in ':;"“”()'),
        text.count("...") + text.count("…") + text.count(" - ") + text.count("—"),
        1.0 if text.strip()[:1].islower() else 0.0,
        0.0 if T.strip_links(text).strip()[-1:] in '.!?…)"”' else 1.0,
    ]


def _style_distance(style: np.ndarray, mean: Sequence[float], sd: Sequence[float]) -> float:
    """How far a text's habits sit from the persona's, in their spreads, averaged over habits.

    Each habit counts at most STYLE_Z_CAP spreads: one wild habit ("!!!!", three links) says the
    text is unusual in that one way, not that it is unlike them in every way."""
    z = np.abs((np.asarray(style) - np.asarray(mean)) / np.asarray(sd))
    return float(np.minimum(z, STYLE_Z_CAP).mean())


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


def _z(value: float, calibration: Sequence[float]) -> float:
    """How far `value` sits above the persona's unseen posts, in their own spreads.

    How many of the persona's own spreads `value` sits above their unseen posts' mean,
    bounded so one wild habit cannot outvote the rest."""
    mean, sd = calibration
    return min(Z_CEILING, max(Z_FLOOR, (value - mean) / max(sd, 1e-3)))


def _sounds_like(combined: float, line: float) -> float:
    """Combined evidence mapped to 0..1: 0.5 on the line between the persona and other people.

    ABOVE_THE_LINE above it reads 0.8, on one scale for every persona, so 80 means as much for a
    steady voice as for a varied one. Below the line the curve falls LOW_TAIL times more slowly,
    so a poor text still ranks above a worse one instead of both reading 0."""
    scale = ABOVE_THE_LINE / math.log(4)
    if combined < line:
        scale *= LOW_TAIL
    return 1 / (1 + math.exp(-(combined - line) / scale))


def _leave_one_out_cosines(vectors: list[dict[str, float]]) -> list[float]:
    """Each post's similarity to the profile of the other posts.

    Each post's similarity to the profile of the *other* posts, as an unseen post would be
    measured (a profile always resembles the posts it was built from)."""
    total: Counter[str] = Counter()
    for vector in vectors:
        total.update(vector)
    total_sq = sum(v * v for v in total.values())
    cosines = []
    for vector in vectors:
        dot = sum(v * total.get(k, 0.0) for k, v in vector.items())
        # |S - v|² = |S|² - 2 v·S + |v|²  (|v| = 1)
        rest_norm = math.sqrt(max(total_sq - 2 * dot + 1.0, 1e-9))
        cosines.append((dot - 1.0) / rest_norm)
    return cosines


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    return matrix / (np.linalg.norm(matrix, axis=-1, keepdims=True) + 1e-9)


def _nearest_mean(similarities: np.ndarray, k: int) -> np.ndarray:
    """Per row, the mean of its k largest values."""
    k = max(1, min(k, similarities.shape[-1]))
    return np.sort(similarities, axis=-1)[..., -k:].mean(axis=-1)


@lru_cache(maxsize=64)
def _neighbour_matrix(encoded: str, dimensions: int) -> np.ndarray:
    """The stored own posts' vectors (float16, base64) as a matrix, decoded once per model."""
    stored = np.frombuffer(base64.b64decode(encoded), dtype=np.float16)
    return stored.reshape(-1, dimensions).astype(float)


def build_model(
    texts: Sequence[str],
    language: str,
    embeddings: np.ndarray | None = None,
    impostors: Sequence[str] = (),
    background: np.ndarray | None = None,
) -> dict[str, Any]:
    """The persona's scoring model from its posts (oldest first; JSON-serialisable).

    `impostors` are other personas' posts in the workspace: the contrast learns against them as well
    as against the shipped background. With `embeddings` (one per text), `background` is other
    people's posts' embeddings from the same model, one per `voice.reference.reference_texts()`
    (`voice.reference.reference_vectors`)."""
    counts = [_counts(t, language) for t in texts]
    document_frequency: Counter[str] = Counter()
    for post_counts in counts:
        document_frequency.update(post_counts.keys())
    n_docs = len(texts)
    unseen_idf = math.log((n_docs + 1) / 0.5)
    idf = {
        gram: math.log((n_docs + 1) / (df + 0.5))
        for gram, df in document_frequency.items()
        if df >= 2  # one-post grams score like unseen ones: keeps the stored model small
    }
    vectors = [_vector(c, idf, unseen_idf) for c in counts]
    centroid: Counter[str] = Counter()
    for vector in vectors:
        centroid.update(vector)
    top = dict(centroid.most_common(MAX_NGRAMS))
    norm = math.sqrt(sum(v * v for v in top.values())) or 1.0
    profile = {k: v / norm for k, v in top.items()}
    own: dict[str, list[float]] = {"vocabulary": _leave_one_out_cosines(vectors)}

    styles = np.array([_style(t) for t in texts], dtype=float)
    style_mean = styles.mean(axis=0)
    style_sd = styles.std(axis=0) + np.array(list(STYLE_FEATURES.values()))
    own["structure"] = [-_style_distance(s, style_mean, style_sd) for s in styles]

    contrast_model, own["contrast"] = contrast.build(texts, language, impostors)
    model: dict[str, Any] = {
        "model_version": MODEL_VERSION,
        "language": language,
        "ngrams": profile,
        "idf": {gram: round(value, 3) for gram, value in idf.items()},
        "unseen_idf": unseen_idf,
        "style_mean": style_mean.round(4).tolist(),
        "style_sd": style_sd.round(4).tolist(),
        "contrast": contrast_model,
        "neighbours": None,
        "closed_share": round(float(np.mean([not T.ends_open(t) for t in texts])), 3),
        "shingles": _copyable_shingles(texts),
    }
    if embeddings is not None and len(embeddings) > 1:
        if background is None or len(background) != len(reference_texts()):
            raise ValueError(
                "Scoring with embeddings needs other people's posts' embeddings, "
                "one per voice.reference.reference_texts()."
            )
        centre = np.asarray(background, dtype=float).mean(axis=0)
        posts = _unit_rows(np.asarray(embeddings, dtype=float) - centre)
        kept = posts[-NEIGHBOUR_POSTS:].astype(np.float16)
        similarities = posts @ kept.astype(float).T
        # each post among the kept ones is measured without itself, as an unseen post would be
        first_kept = len(posts) - len(kept)
        similarities[np.arange(first_kept, len(posts)), np.arange(len(kept))] = -np.inf
        own["tone"] = _nearest_mean(similarities, min(NEIGHBOURS, len(kept) - 1)).tolist()
        model["background_centre"] = centre.round(5).tolist()
        model["neighbours"] = base64.b64encode(kept.tobytes()).decode()
        model["neighbour_count"] = min(NEIGHBOURS, len(kept) - 1)
    model["calibration"] = {
        name: [float(np.mean(values)), float(np.std(values))] for name, values in own.items()
    }
    own_evidence = [
        {name: _z(own[name][i], model["calibration"][name]) for name in own}
        for i in range(len(texts))
    ]
    # Other people's posts in the persona's language, read as this persona's would be: how far
    # apart each kind of evidence sets the two (its spread over both, so a kind that barely moves
    # between them does not outvote one that does), and where the line between them falls.
    rows = reference_rows(language)
    others = reference_texts()
    others_evidence = [
        evidence(others[row], model, None if background is None else background[row])
        for row in rows
    ]
    model["evidence_scale"] = {
        name: max(
            MIN_EVIDENCE_SCALE,
            math.sqrt(
                (
                    np.var([z[name] for z in own_evidence])
                    + np.var([z[name] for z in others_evidence])
                )
                / 2
            ),
        )
        for name in own
    }
    # Scored with tone (a draft with its embedding) and without (the composer's live score): a
    # line for each, each the persona's own combined evidence against other people's.
    model["scales"] = {}
    for kinds in (set(own), set(own) - {"tone"}):
        mine = [_combine({k: z[k] for k in kinds}, model) for z in own_evidence]
        theirs = [_combine({k: z[k] for k in kinds}, model) for z in others_evidence]
        median = float(np.median(mine))
        model["scales"][_scale_name(kinds)] = {
            "line": median - LINE_SHARE * (median - float(np.percentile(theirs, OTHERS_TOP))),
            # the persona's own spread (median to top tenth): what the penalties count in
            "median": median,
            "top": float(np.percentile(mine, 90)),
        }
    return model


def _scale_name(kinds: Iterable[str]) -> str:
    return "with_tone" if "tone" in kinds else "without_tone"


def _combine(z: dict[str, float], model: dict[str, Any]) -> float:
    """The weighted evidence, each kind in how far apart it sets the persona and other people.

    Tone counts only when there is an embedding to measure it."""
    weights = WEIGHTS if "tone" in z else WEIGHTS_WITHOUT_TONE
    scale = model["evidence_scale"]
    return sum(weights[name] * z[name] / scale[name] for name in z) / sum(
        weights[name] for name in z
    )


def evidence(
    text: str, model: dict[str, Any], embedding: np.ndarray | None = None
) -> dict[str, float]:
    """Each kind of evidence for `text`, in the persona's own spreads (see `_z`)."""
    language = model["language"]
    calibration = model["calibration"]
    vector = _vector(_counts(text, language), model["idf"], model["unseen_idf"])
    z = {"vocabulary": _z(_cosine(vector, model["ngrams"]), calibration["vocabulary"])}
    style = _style_distance(np.array(_style(text)), model["style_mean"], model["style_sd"])
    z["structure"] = _z(-style, calibration["structure"])
    z["contrast"] = _z(contrast.logit(text, model["contrast"]), calibration["contrast"])
    if embedding is not None and model.get("neighbours"):
        centre = np.asarray(model["background_centre"])
        kept = _neighbour_matrix(model["neighbours"], len(centre))
        point = _unit_rows(np.asarray(embedding, dtype=float) - centre)
        near = _nearest_mean(kept @ point, model["neighbour_count"])
        z["tone"] = _z(float(near), calibration["tone"])
    return z


def score(
    text: str,
    model: dict[str, Any],
    embedding: np.ndarray | None = None,
    *,
    judge_the_post: bool = True,
) -> VoiceScore:
    """How much `text` sounds like the persona whose `model` this is.

    `judge_the_post=False` measures style alone (authorship evaluation), not whether the text is
    a new, finished post (copied lines, a sentence cut off)."""
    z = evidence(text, model, embedding)
    # Sub-scores read against the persona's own posts: 50 = a typical post of theirs.
    sub = {name: 1 / (1 + math.exp(-value * SUBSCORE_SLOPE)) for name, value in z.items()}
    combined = _combine(z, model)
    # Not-a-post penalties are counted in the persona's own units (see RECYCLED_PENALTY), so
    # they weigh the same for a steady voice and a varied one.
    scale = model["scales"][_scale_name(z)]
    spread = max(scale["top"] - scale["median"], scale["median"] - scale["line"])
    recycled = recycled_share(text, set(model.get("shingles") or ())) if judge_the_post else 0.0
    notes: tuple[str, ...] = ()
    if judge_the_post and T.ends_mid_sentence(text, model["language"]):
        combined -= UNFINISHED_PENALTY * spread
        notes += ("It stops in the middle of a sentence.",)
    elif judge_the_post and T.ends_open(text) and model.get("closed_share", 0.0) >= CLOSING_HABIT:
        combined -= OPEN_PENALTY * spread
        notes += ("It just stops: your posts end with punctuation, a link or a tag.",)
    if recycled >= 0.1:
        combined -= RECYCLED_PENALTY * recycled * spread
        notes += (f"{round(recycled * 100)} % of it is copied word for word from your posts.",)
    else:
        recycled = 0.0
    overall = _sounds_like(combined, scale["line"])
    return VoiceScore(
        overall=round(overall * 100),
        structure=round(sub["structure"] * 100),
        tone=round(sub.get("tone", sub["vocabulary"]) * 100),
        vocabulary=round(sub["vocabulary"] * 100),
        contrast=round(sub["contrast"] * 100),
        recycled=round(recycled * 100),
        notes=notes,
    )
