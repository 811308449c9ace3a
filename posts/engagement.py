"""Predicting how a text will do among a persona's own posts, before it is posted.

Pure numpy: the services, the draft scorer and `engagement_eval` run the same code.

Engagement is read within the persona (log of interactions, standardised over its own posts),
so a small account and a large one are on the same scale. Five pieces of evidence, each
standardised by its spread over the training posts and added:
- own embedding ridge: what the persona's better posts are about (ridge on the embeddings);
- nearest posts: how the persona's ten closest posts did;
- own form ridge: length, links, mentions, hashtags, questions … for this persona;
- workspace embedding ridge and workspace form ridge: the same learnt across the workspace's
  other personas, which carries a persona with few posts.
The sum is turned into a percentile among the persona's own posts (0–100), with the factors
that apply to the text in words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from language import text as T

RIDGE_EMBEDDING = 1.0
RIDGE_FORM = 10.0
NEIGHBOURS = 10
MIN_POSTS = 10  # fewer posts with numbers and the persona has no model of its own
MIN_FOR_A_FACTOR = 5  # posts on each side before a factor is said in words
LONG_POST = 1200
FORM_NAMES = (
    "characters", "links", "mentions", "hashtags", "repost", "reply", "question",
    "exclamation", "words", "numbers", "lines", "emoji",
)  # fmt: skip
_DIGIT = re.compile(r"\d")


def form(text: str) -> list[float]:
    """The text's form, as numbers (aligned with FORM_NAMES)."""
    stripped = text.strip()
    return [
        float(len(stripped)),
        float(stripped.count("http")),
        float(stripped.count("@")),
        float(stripped.count("#")),
        float(stripped.startswith("RT @")),
        float(stripped.startswith("@")),
        float("?" in stripped),
        float("!" in stripped),
        float(len(stripped.split())),
        float(bool(_DIGIT.search(stripped))),
        float(stripped.count("\n")),
        float(len(T.emojis(stripped)) > 0),
    ]


def standardised(interactions: Sequence[float]) -> np.ndarray:
    values = np.log1p(np.maximum(np.asarray(interactions, dtype=float), 0))
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values)


def _ridge(x: np.ndarray, y: np.ndarray, penalty: float) -> np.ndarray:
    return np.linalg.solve(x.T @ x + penalty * np.eye(x.shape[1]), x.T @ y)


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


@dataclass
class FormScale:
    mean: np.ndarray
    spread: np.ndarray

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        return (rows - self.mean) / self.spread


def _form_scale(rows: np.ndarray) -> FormScale:
    return FormScale(rows.mean(axis=0), rows.std(axis=0) + 1e-9)


def train_workspace(
    texts: Sequence[str], vectors: np.ndarray, z: np.ndarray
) -> dict[str, Any] | None:
    """The workspace model from other personas' posts (z already standardised within each persona).

    None with too few posts."""
    if len(texts) < MIN_POSTS:
        return None
    rows = np.array([form(t) for t in texts])
    scale = _form_scale(rows)
    return {
        "embedding": _ridge(_unit(vectors), z, RIDGE_EMBEDDING).tolist(),
        "form": _ridge(scale(rows), z, RIDGE_FORM).tolist(),
        "form_mean": scale.mean.tolist(),
        "form_spread": scale.spread.tolist(),
        "posts": len(texts),
    }


def _pieces(
    model: dict[str, Any],
    texts: Sequence[str],
    vectors: np.ndarray,
    own_vectors: np.ndarray,
    own_z: np.ndarray,
    workspace: dict[str, Any] | None,
) -> dict[str, np.ndarray]:
    units = _unit(vectors)
    rows = np.array([form(t) for t in texts])
    pieces = {
        "own_embedding": units @ np.array(model["embedding"]),
        "own_form": FormScale(np.array(model["form_mean"]), np.array(model["form_spread"]))(rows)
        @ np.array(model["form"]),
    }
    if len(own_vectors):
        similarity = units @ _unit(own_vectors).T
        k = min(NEIGHBOURS, own_vectors.shape[0])
        nearest = np.argsort(-similarity, axis=1)[:, :k]
        pieces["neighbours"] = own_z[nearest].mean(axis=1)
    if workspace:
        scale = FormScale(np.array(workspace["form_mean"]), np.array(workspace["form_spread"]))
        pieces["workspace_embedding"] = units @ np.array(workspace["embedding"])
        pieces["workspace_form"] = scale(rows) @ np.array(workspace["form"])
    return pieces


def train(
    texts: Sequence[str],
    vectors: np.ndarray,
    interactions: Sequence[float],
    workspace: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The persona's model from its own posts with numbers (None under MIN_POSTS)."""
    if len(texts) < MIN_POSTS:
        return None
    z = standardised(interactions)
    rows = np.array([form(t) for t in texts])
    scale = _form_scale(rows)
    model: dict[str, Any] = {
        "embedding": _ridge(_unit(vectors), z, RIDGE_EMBEDDING).tolist(),
        "form": _ridge(scale(rows), z, RIDGE_FORM).tolist(),
        "form_mean": scale.mean.tolist(),
        "form_spread": scale.spread.tolist(),
        "workspace": workspace,
        "posts": len(texts),
        "factors": factors_of(texts, interactions),
    }
    # Each piece's spread over the persona's own posts, so they add on one scale, and the
    # posts' combined evidence as the reference a new text is ranked in. Both from the posts
    # left out of what they are measured by (exact leave-one-out for the ridges and the
    # neighbours): in-sample, a ridge knows its own posts too well and a new text would land
    # in the middle of them whatever it is.
    pieces = _pieces(model, texts, vectors, np.zeros((0, vectors.shape[1])), z, workspace)
    pieces["own_embedding"] = _held_out_ridge(_unit(vectors), z, RIDGE_EMBEDDING)
    pieces["own_form"] = _held_out_ridge(scale(rows), z, RIDGE_FORM)
    pieces["neighbours"] = _held_out_neighbours(vectors, z)
    model["scale"] = {k: [float(v.mean()), float(v.std() + 1e-9)] for k, v in pieces.items()}
    combined = _combine(pieces, model["scale"])
    model["reference"] = sorted(round(float(x), 4) for x in combined)
    return model


def _held_out_ridge(x: np.ndarray, y: np.ndarray, penalty: float) -> np.ndarray:
    """Each row's ridge prediction from a fit without it: (ŷ − h·y) / (1 − h)."""
    inverse = np.linalg.inv(x.T @ x + penalty * np.eye(x.shape[1]))
    fitted = x @ (inverse @ (x.T @ y))
    leverage = np.einsum("ij,jk,ik->i", x, inverse, x)
    return (fitted - leverage * y) / np.maximum(1 - leverage, 1e-6)


def _held_out_neighbours(vectors: np.ndarray, z: np.ndarray) -> np.ndarray:
    units = _unit(vectors)
    similarity = units @ units.T
    np.fill_diagonal(similarity, -np.inf)
    k = min(NEIGHBOURS, len(z) - 1)
    nearest = np.argsort(-similarity, axis=1)[:, :k]
    return z[nearest].mean(axis=1)


def _combine(pieces: dict[str, np.ndarray], scale: dict[str, list[float]]) -> np.ndarray:
    total = np.zeros(len(next(iter(pieces.values()))))
    for name, values in pieces.items():
        if name in scale:
            mean, spread = scale[name]
            total += (values - mean) / spread
    return total


def predict(
    model: dict[str, Any],
    texts: Sequence[str],
    vectors: np.ndarray,
    own_vectors: np.ndarray,
    own_interactions: Sequence[float],
) -> tuple[np.ndarray, np.ndarray]:
    """(raw combined evidence, percentile 0–100 among the persona's own posts) per text."""
    own_z = standardised(own_interactions) if len(own_interactions) else np.zeros(0)
    pieces = _pieces(model, texts, vectors, own_vectors, own_z, model.get("workspace"))
    combined = _combine(pieces, model["scale"])
    reference = np.array(model["reference"])
    percentile = 100 * np.searchsorted(reference, combined, side="right") / len(reference)
    return combined, np.clip(np.round(percentile), 0, 100)


def _list_lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip()[:2] in {"- ", "• ", "1."})


FACTOR_TESTS = {
    "question": (lambda t: "?" in t, "questions"),
    "long": (lambda t: len(t) > LONG_POST, f"your posts over {LONG_POST:,} characters"),
    "link": (lambda t: "http" in t, "posts with a link"),
    "hashtag": (lambda t: "#" in t, "posts with hashtags"),
    "numbers": (lambda t: bool(_DIGIT.search(t)), "posts with numbers"),
    "list": (lambda t: _list_lines(t) >= 2, "list posts"),
    "emoji": (lambda t: bool(T.emojis(t)), "posts with emoji"),
    "mention": (lambda t: "@" in t, "posts that mention someone"),
}


def factors_of(texts: Sequence[str], interactions: Sequence[float]) -> dict[str, float]:
    """How much better (or worse) the persona's posts with each trait do than those without.

    The ratio of median interactions minus one (0.3: 30 % better), when both sides have
    MIN_FOR_A_FACTOR posts."""
    values = np.asarray(interactions, dtype=float)
    found = {}
    for name, (test, _) in FACTOR_TESTS.items():
        has = np.array([test(t) for t in texts])
        if has.sum() >= MIN_FOR_A_FACTOR and (~has).sum() >= MIN_FOR_A_FACTOR:
            ratio = (np.median(values[has]) + 1) / (np.median(values[~has]) + 1)
            found[name] = round(float(ratio) - 1, 3)
    return found


def words(model: dict[str, Any], text: str, *, limit: int = 2) -> list[str]:
    """The factors that apply to this text, strongest first, in words."""
    said = []
    for name, ratio in sorted(model.get("factors", {}).items(), key=lambda kv: -abs(kv[1])):
        test, label = FACTOR_TESTS[name]
        if not test(text) or abs(ratio) < 0.1:
            continue
        if ratio > 0:
            said.append(f"{label} do {round(100 * ratio)} % better for you")
        else:
            said.append(f"{label} underperform ({round(-100 * ratio)} % fewer interactions)")
        if len(said) == limit:
            break
    return said
