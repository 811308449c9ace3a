"""Voice analysis: what a persona's own posts say about how they write.

`analyse(posts)` takes (text, weight) pairs — better-performing posts weigh more — and returns
a JSON-serialisable profile: structure, linguistic fingerprint, content DNA, an 8-dimensional
tone vector and a plain-language summary. Deterministic, offline, English/Portuguese/Spanish
aware. Content DNA here comes from keyword clusters and simple patterns (labelled as such); a
configured LLM can replace that part later.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from language import stylometry as S
from language import text as T
from language.commonness import distinctiveness, evidence, general_zipf
from language.injection import without_instructions
from language.lexicon import PRONOUNS, TONE_WORDS

TONE_DIMENSIONS = (
    "confident",
    "curious",
    "warm",
    "playful",
    "serious",
    "inspiring",
    "analytical",
    "vulnerable",
)


@dataclass(frozen=True)
class WeightedPost:
    text: str
    weight: float = 1.0


def _tone_vector(
    texts: list[str], weights: list[float], language: str, features: dict
) -> list[float]:
    raw: dict[str, float] = {}
    for dimension in ("confident", "warm", "playful", "serious", "inspiring", "vulnerable"):
        markers = TONE_WORDS[dimension].get(language, ()) + TONE_WORDS[dimension]["en"]
        hits = []
        for text in texts:
            lowered = f" {' '.join(T.words(text))} "
            hits.append(
                sum(lowered.count(f" {m} ") for m in markers) / max(1, len(T.words(text))) * 100
            )
        raw[dimension] = S.weighted_mean(hits, weights)
    punctuation = features["punctuation"]
    raw["curious"] = punctuation["questions_per_post"] * 2.5
    raw["playful"] += features["emoji"]["per_post"] * 1.5 + punctuation["exclamations_per_post"]
    digits = [len(re.findall(r"\d+%?", text)) for text in texts]
    raw["analytical"] = S.weighted_mean(digits, weights) * 1.2 + features["list_share"] * 3
    raw["confident"] += features["hook_shares"].get("bold claim", 0) * 3
    raw["serious"] += (1 - min(1.0, features["emoji"]["per_post"])) * 0.5
    # Squash each to 0..1 (a rate of ~3 markers per 100 words is already strong).
    return [round(1 - math.exp(-raw[d] / 3), 3) for d in TONE_DIMENSIONS]


MIN_DISTINCTIVENESS = 1.0  # ten times the word's usual frequency, at least
MIN_EVIDENCE = 10.83  # G², p < 0.001: not a coincidence of a short corpus
# Words among the language's ~1,000 commonest ("first", "best", "said") say nothing about one
# person, however often they use them.
EVERYBODYS_ZIPF = 5.5


def _characteristic_words(
    texts: list[str], weights: list[float], stops: frozenset[str], language: str = "en"
) -> list[list]:
    """Words the creator uses far more than the language usually does.

    Words the creator uses far more than the language usually does (not merely often:
    "first", "best" and "said" are everybody's), across several posts (not one-off names),
    ranked by how distinctive they are and how widely they recur."""
    document_frequency: Counter[str] = Counter()
    weighted: dict[str, float] = defaultdict(float)
    total = 0.0
    for text, weight in zip(texts, weights, strict=True):
        tokens = T.words(text)
        total += len(tokens) * weight
        content = [w for w in tokens if w not in stops and len(w) > 2]
        for word in set(content):
            document_frequency[word] += 1
        for word in content:
            weighted[word] += weight
    threshold = 2 if len(texts) >= 5 else 1
    scored = []
    for word, count in weighted.items():
        if document_frequency[word] < threshold:
            continue
        if general_zipf(word, language) >= EVERYBODYS_ZIPF:
            continue
        if distinctiveness(count, total, word, language) < MIN_DISTINCTIVENESS:
            continue
        strength = evidence(count, total, word, language)
        if strength >= MIN_EVIDENCE:
            scored.append((word, strength))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return [[word, round(score, 2)] for word, score in scored[:20]]


def _characteristic_phrases(texts: list[str], stops: frozenset[str]) -> list[list]:
    counts: Counter[str] = Counter()
    for text in texts:
        tokens = T.words(text)
        seen = set()
        for n in (2, 3):
            for i in range(len(tokens) - n + 1):
                gram = tokens[i : i + n]
                if gram[0] in stops or gram[-1] in stops:
                    continue
                seen.add(" ".join(gram))
        counts.update(seen)
    return [[phrase, count] for phrase, count in counts.most_common(15) if count >= 2]


def _content_dna(
    texts: list[str], language: str, stops: frozenset[str], keywords: list[list]
) -> dict:
    """Offline: topics from keyword co-occurrence, stories, frameworks and opinions by pattern."""
    top = [word for word, _ in keywords[:12]]
    posts_with = {word: {i for i, t in enumerate(texts) if word in set(T.words(t))} for word in top}
    topics, used = [], set()
    for word in top:
        if word in used:
            continue
        partners = sorted(
            (other for other in top if other != word and other not in used),
            key=lambda other: -len(posts_with[word] & posts_with[other]),
        )[:2]
        group = [word] + [p for p in partners if posts_with[word] & posts_with[p]]
        used.update(group)
        covered = set().union(*(posts_with[g] for g in group))
        topics.append({"label": " · ".join(group), "keywords": group, "posts": len(covered)})
        if len(topics) == 5:
            break
    stories = [
        T.lines(t)[0][:140]
        for t in texts
        if T.lines(t) and S.has_marker(T.lines(t)[0], "story", language)
    ]
    frameworks = [
        T.lines(t)[0][:140]
        for t in texts
        if sum(1 for line in T.lines(t) if S.LIST_LINE.match(line)) >= 3
    ]
    opinions = []
    for t in texts:
        for sentence in T.sentences(t):
            if S.has_marker(sentence, "opinion", language):
                topic = next((w for w in T.words(sentence) if w in posts_with), None)
                opinions.append({"topic": topic or "", "stance": sentence[:160]})
                break
    return {
        "method": "offline: keyword clusters and simple patterns",
        "topics": topics,
        "recurring_stories": stories[:5],
        "frameworks": frameworks[:5],
        "opinions": opinions[:8],
    }


@dataclass
class _Measures:
    """Per-post measurements gathered in one pass over the posts (lists in post order)."""

    sentence_lengths: list[float] = field(default_factory=list)
    sentence_weights: list[float] = field(default_factory=list)
    sentence_total: int = 0
    paragraph_sizes: list[int] = field(default_factory=list)
    paragraphs_per_post: list[int] = field(default_factory=list)
    lines_per_post: list[int] = field(default_factory=list)
    list_flags: list[float] = field(default_factory=list)
    list_items: list[int] = field(default_factory=list)
    chars: list[int] = field(default_factory=list)
    word_counts: list[int] = field(default_factory=list)
    all_words: list[str] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)
    ctas: list[str] = field(default_factory=list)
    shapes: list[str] = field(default_factory=list)
    hook_examples: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    cta_examples: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    emoji_counter: Counter[str] = field(default_factory=Counter)
    emoji_per_post: list[int] = field(default_factory=list)
    ellipses: list[int] = field(default_factory=list)
    dashes: list[int] = field(default_factory=list)
    exclamations: list[int] = field(default_factory=list)
    questions: list[int] = field(default_factory=list)
    pronoun_counts: Counter[str] = field(default_factory=Counter)
    casual_hits: int = 0


def _measure(text: str, weight: float, language: str, m: _Measures) -> None:
    """Adds one post's measurements to `m`."""
    post_sentences = T.sentences(text)
    m.sentence_total += len(post_sentences)
    for sentence in post_sentences:
        m.sentence_lengths.append(len(T.words(sentence)))
        m.sentence_weights.append(weight)
    post_paragraphs = T.paragraphs(text)
    m.paragraphs_per_post.append(len(post_paragraphs))
    m.paragraph_sizes.extend(len(T.sentences(p)) or 1 for p in post_paragraphs)
    post_lines = T.lines(text)
    m.lines_per_post.append(len(post_lines))
    items = sum(1 for line in post_lines if S.LIST_LINE.match(line))
    m.list_flags.append(1.0 if items >= 2 else 0.0)
    m.list_items.append(items)
    m.chars.append(len(text))
    post_words = T.words(text)
    m.word_counts.append(len(post_words))
    m.all_words.extend(post_words)
    first, last = (post_lines[0], post_lines[-1]) if post_lines else ("", "")
    hook = S.hook_type(first, language)
    m.hooks.append(hook)
    if len(m.hook_examples[hook]) < 3:
        m.hook_examples[hook].append(first[:160])
    cta = S.cta_type(last, language) if len(post_lines) > 1 else "statement"
    m.ctas.append(cta)
    if cta != "statement" and len(m.cta_examples[cta]) < 3:
        m.cta_examples[cta].append(last[:160])
    m.shapes.append(S.post_shape(text, language))
    found = T.emojis(text)
    m.emoji_counter.update(found)
    m.emoji_per_post.append(len(found))
    m.ellipses.append(text.count("...") + text.count("…"))
    m.dashes.append(len(re.findall(r"\s[—–-]\s|—", text)))
    m.exclamations.append(text.count("!"))
    m.questions.append(text.count("?"))
    for stance, by_language in PRONOUNS.items():
        markers = set(by_language.get(language, ()) + by_language["en"])
        m.pronoun_counts[stance] += sum(1 for w in post_words if w in markers)
    m.casual_hits += sum(1 for w in set(post_words) if w in S.CASUAL_WORDS)


_SENTENCE_BINS = [0, 5, 10, 15, 20, 25, 30, 40, 1000]
_SENTENCE_BIN_LABELS = ["1–5", "6–10", "11–15", "16–20", "21–25", "26–30", "31–40", "41+"]


def _sentence_histogram(lengths: list[float]) -> list[int]:
    histogram = [0] * (len(_SENTENCE_BINS) - 1)
    for length in lengths:
        for i in range(len(histogram)):
            if _SENTENCE_BINS[i] < length <= _SENTENCE_BINS[i + 1] or (i == 0 and length == 0):
                histogram[i] += 1
                break
    return histogram


def _structure(m: _Measures, weights: list[float]) -> dict:
    wmean = S.weighted_mean
    rhythm = [
        lp / max(1, pp) for lp, pp in zip(m.lines_per_post, m.paragraphs_per_post, strict=True)
    ]
    lists = [i for i in m.list_items if i >= 2]
    shapes = Counter(m.shapes)
    return {
        "sentence_length": {
            "mean": round(wmean(m.sentence_lengths, m.sentence_weights), 1),
            "sd": round(S.weighted_sd(m.sentence_lengths, m.sentence_weights), 1),
            "histogram": {
                "bins": _SENTENCE_BIN_LABELS,
                "counts": _sentence_histogram(m.sentence_lengths),
            },
        },
        "paragraph_length": {
            "mean": round(sum(m.paragraph_sizes) / len(m.paragraph_sizes), 1)
            if m.paragraph_sizes
            else 0,
            "sd": round(S.weighted_sd(m.paragraph_sizes, [1.0] * len(m.paragraph_sizes)), 1),
        },
        "paragraphs_per_post": round(wmean(m.paragraphs_per_post, weights), 1),
        "lines_per_post": round(wmean(m.lines_per_post, weights), 1),
        "line_break_rhythm": round(wmean(rhythm, weights), 2),
        "list_share": round(wmean(m.list_flags, weights), 3),
        "list_items_mean": round(sum(lists) / max(1, len(lists)), 1),
        "hooks": {
            "shares": S.weighted_shares(m.hooks, weights, S.HOOK_TYPES),
            "examples": dict(m.hook_examples),
        },
        "ctas": {
            "shares": S.weighted_shares(m.ctas, weights, S.CTA_TYPES),
            "examples": dict(m.cta_examples),
        },
        "typical_structure": shapes.most_common(1)[0][0] if shapes else "",
        "structures": dict(shapes.most_common(4)),
        "length": {
            "chars_mean": round(wmean(m.chars, weights)),
            "chars_p25": round(S.quantile(m.chars, 0.25)),
            "chars_median": round(S.quantile(m.chars, 0.5)),
            "chars_p75": round(S.quantile(m.chars, 0.75)),
            "words_mean": round(wmean(m.word_counts, weights), 1),
        },
    }


_HUMOUR = re.compile(r"\b(haha|kkk+|jaja|lol|rs)\b|😂|🤣|😅")


def _fingerprint(
    m: _Measures, texts: list[str], weights: list[float], language: str, keywords: list[list]
) -> dict:
    wmean = S.weighted_mean
    n = len(texts)
    emoji: dict[str, Any] = {
        "per_post": round(wmean(m.emoji_per_post, weights), 2),
        "share_of_posts": round(wmean([1.0 if e else 0.0 for e in m.emoji_per_post], weights), 3),
        "favourites": [[e, c] for e, c in m.emoji_counter.most_common(8)],
    }
    punctuation = {
        "ellipses_per_post": round(wmean(m.ellipses, weights), 2),
        "dashes_per_post": round(wmean(m.dashes, weights), 2),
        "exclamations_per_post": round(wmean(m.exclamations, weights), 2),
        "questions_per_post": round(wmean(m.questions, weights), 2),
    }
    casual = m.casual_hits / max(1, n) + emoji["per_post"] / 4
    pronoun_total = sum(m.pronoun_counts.values()) or 1
    humorous = sum(1 for t in texts if _HUMOUR.search(t.lower()))
    return {
        "language": language,
        "characteristic_words": keywords,
        "characteristic_phrases": _characteristic_phrases(texts, T.stop_words(language)),
        "casualness": round(min(1.0, casual), 2),
        "formality": round(
            max(0.0, 1 - min(1.0, casual + punctuation["exclamations_per_post"] / 4)), 2
        ),
        "humour": round(min(1.0, humorous / max(1, n) * 2), 2),
        "emoji": emoji,
        "punctuation": punctuation,
        "pronouns": {k: round(v / pronoun_total, 2) for k, v in m.pronoun_counts.items()},
        "reading_level": S.reading_level(m.all_words, m.sentence_total, language),
    }


def analyse(posts: Sequence[WeightedPost], language: str | None = None) -> dict:
    """The profile, in named steps.

    Measure every post, then structure, fingerprint, tone, content DNA and the summary drawn from
    them."""
    # Sentences addressed to a model ("ignore previous instructions…") are not the creator's
    # voice and must never come back as their examples.
    texts = [without_instructions(p.text) for p in posts]
    weights = [max(0.1, p.weight) for p in posts]
    language = language or T.detect_language(texts)
    stops = T.stop_words(language)
    measures = _Measures()
    for text, weight in zip(texts, weights, strict=True):
        _measure(text, weight, language, measures)
    structure = _structure(measures, weights)
    keywords = _characteristic_words(texts, weights, stops, language)
    fingerprint = _fingerprint(measures, texts, weights, language, keywords)
    tone = _tone_vector(
        texts,
        weights,
        language,
        {
            "punctuation": fingerprint["punctuation"],
            "emoji": fingerprint["emoji"],
            "list_share": structure["list_share"],
            "hook_shares": structure["hooks"]["shares"],
        },
    )
    profile = {
        "language": language,
        "post_count": len(texts),
        "structure": structure,
        "fingerprint": fingerprint,
        "content_dna": _content_dna(texts, language, stops, keywords),
        "tone": dict(zip(TONE_DIMENSIONS, tone, strict=True)),
    }
    profile["summary"] = summarise(profile)
    return profile


_LANGUAGE_NAMES = {"en": "English", "pt": "Portuguese", "es": "Spanish"}


def summarise(profile: dict) -> str:
    """A plain-language description of the voice, from the numbers."""
    s, f = profile["structure"], profile["fingerprint"]
    tone = sorted(profile["tone"].items(), key=lambda kv: -kv[1])
    leading = [name for name, value in tone[:2] if value > 0.15]
    length = s["length"]["chars_median"]
    size = "short" if length < 300 else "medium-length" if length < 1000 else "long"
    sentence = s["sentence_length"]["mean"]
    rhythm = (
        "short, punchy sentences"
        if sentence < 12
        else "flowing sentences"
        if sentence > 20
        else "medium sentences"
    )
    parts = [
        f"Writes {size} posts in {_LANGUAGE_NAMES.get(profile['language'], profile['language'])} "
        f"(about {s['length']['words_mean']:.0f} words) with {rhythm} (≈{sentence:.0f} words each)."
    ]
    hooks = s["hooks"]["shares"]
    if hooks:
        top_hook = max(hooks, key=hooks.get)
        parts.append(f"Most often opens with a {top_hook} ({hooks[top_hook]:.0%} of posts).")
    ctas = {k: v for k, v in s["ctas"]["shares"].items() if k != "statement"}
    if ctas:
        top_cta = max(ctas, key=lambda kind: ctas[kind])
        parts.append(f"Ends with a {top_cta} call to action in {ctas[top_cta]:.0%} of posts.")
    if s["list_share"] >= 0.25:
        parts.append(f"Uses lists in {s['list_share']:.0%} of posts.")
    if leading:
        parts.append(f"Tone: mostly {' and '.join(leading)}.")
    pronouns = f["pronouns"]
    if pronouns:
        stance = max(pronouns, key=pronouns.get)
        parts.append(
            {
                "i": "Speaks in the first person (I).",
                "we": "Speaks for a group (we).",
                "you": "Talks directly to the reader (you).",
            }[stance]
        )
    emoji = f["emoji"]
    if emoji["share_of_posts"] >= 0.3 and emoji["favourites"]:
        parts.append(
            f"Uses emoji in {emoji['share_of_posts']:.0%} of posts, favourites "
            f"{' '.join(e for e, _ in emoji['favourites'][:3])}."
        )
    elif emoji["share_of_posts"] < 0.1:
        parts.append("Rarely uses emoji.")
    words = [w for w, _ in f["characteristic_words"][:5]]
    if words:
        parts.append(f"Keeps coming back to: {', '.join(words)}.")
    return " ".join(parts)
