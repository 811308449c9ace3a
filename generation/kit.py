"""The draft kit.

What a creator needs to write a post on a topic themselves, in a minute, when no model is connected.
Nothing here is invented: hooks, lines and closings are the creator's own (from their best and most
relevant posts), with the pattern each one follows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from language import stylometry as S
from language import text as T
from language.injection import without_instructions
from llm.services import EmbeddingError
from personas.models import Persona
from posts import selectors as posts
from voice.selectors import latest_voice_version

# How to use each kind of opening the creator already writes.
HOOK_ADVICE = {
    "question": "Ask the question your reader has about this topic, in one line.",
    "contrarian": "Say what most people get wrong about this topic, then why.",
    "number": "Open with a number from your own experience of this topic.",
    "story": "Start in the middle of a moment this topic happened to you.",
    "bold claim": "State your position on this topic in twelve words or fewer.",
    "quote": "Open with something someone said to you about this topic.",
    "statement": "Say plainly what this post is about, the way you usually do.",
}
CLOSING_ADVICE = {
    "question": "End with a question that invites the reader's own experience.",
    "comment": "Ask readers to comment, as you do.",
    "follow or share": "Ask readers to follow or share, as you do.",
    "link": "End with the link and one line on why it is worth the click.",
    "statement": "End on a short line that lands the point; no call to action.",
}


@dataclass
class Example:
    text: str
    post_id: int


@dataclass
class DraftKit:
    topic: str
    hooks: list[tuple[str, str, Example]] = field(default_factory=list)  # (type, advice, ex.)
    shape: str = ""
    length: int = 0
    lines: list[Example] = field(default_factory=list)
    closing: tuple[str, str, list[Example]] | None = None
    lines_are_closest: bool = False  # nothing on the topic itself: the closest posts instead
    has_voice: bool = False


SUFFIXES = ("ing", "ed", "es", "s", "ção", "ções", "ción", "ciones", "mente")


def _stem(word: str) -> str:
    """A crude stem, enough to match "firing" with "fired" and "clients" with "client"."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _stems(text: str, language: str) -> set[str]:
    stops = T.stop_words(language)
    return {_stem(w) for w in T.words(text) if w not in stops and len(w) > 2}


def _relevant(persona: Persona, topic: str, words: set[str], language: str) -> list[Any]:
    """The persona's posts closest to the topic: by meaning when embedded, else by words."""
    try:
        close = posts.similar_posts(persona, topic, k=8)
    except EmbeddingError:
        close = []  # the embedding service is down: words will do
    if close:
        return close
    candidates = posts.best_posts(persona, exclude=[], limit=200)
    scored = [(len(words & _stems(p.text, language)), p) for p in candidates]
    return [p for hits, p in sorted(scored, key=lambda x: -x[0]) if hits][:8]


def draft_kit(persona: Persona, topic: str) -> DraftKit:
    version = latest_voice_version(persona)
    profile = version.profile if version else {}
    language = profile.get("language") or "en"
    kit = DraftKit(topic=topic.strip(), has_voice=version is not None)
    words = _stems(topic, language)
    best = posts.best_posts(persona, exclude=[], limit=30)

    # Openings: one of each kind the creator uses, from their best posts.
    seen: set[str] = set()
    for post in best:
        first = (T.lines(without_instructions(post.text)) or [""])[0].strip()
        kind = S.hook_type(first, language)
        if first and kind not in seen:
            seen.add(kind)
            kit.hooks.append((kind, HOOK_ADVICE.get(kind, ""), Example(first, post.pk)))
        if len(kit.hooks) == 4:
            break

    shapes = Counter(S.post_shape(p.text, language) for p in best[:15])
    kit.shape = shapes.most_common(1)[0][0] if shapes else ""
    lengths = sorted(len(p.text) for p in best[:15])
    kit.length = lengths[len(lengths) // 2] if lengths else 0

    # Their own lines on the topic: sentences that share its words (with the post they come
    # from); only when there are none, the opening of the closest post or two.
    relevant = _relevant(persona, topic, words, language)
    for post in relevant:
        sentences = T.sentences(without_instructions(post.text))
        for sentence in [s for s in sentences if words & _stems(s, language)][:2]:
            if len(kit.lines) < 6 and 20 <= len(sentence) <= 300:
                kit.lines.append(Example(sentence.strip(), post.pk))
    if not kit.lines:
        for post in relevant[:2]:
            first = (T.sentences(without_instructions(post.text)) or [""])[0].strip()
            if first:
                kit.lines.append(Example(first, post.pk))
        kit.lines_are_closest = bool(kit.lines)

    # Closings from posts with more than one line, never a line already shown as an opening
    # (a one-line post's last line is its first).
    openings = {example.text for _, _, example in kit.hooks}
    closings: dict[str, list[Example]] = {}
    for post in best:
        post_lines = [line.strip() for line in T.lines(without_instructions(post.text))]
        last = post_lines[-1] if len(post_lines) > 1 else ""
        if last and last not in openings:
            closings.setdefault(S.cta_type(last, language), []).append(Example(last, post.pk))
    if closings:
        kind = max(closings, key=lambda k: len(closings[k]))
        kit.closing = (kind, CLOSING_ADVICE.get(kind, ""), closings[kind][:2])
    return kit
