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
from dataclasses import dataclass

from voice import text as T
from voice.lexicon import MARKERS, PRONOUNS, TONE_WORDS

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

HOOK_TYPES = (
    "question",
    "number",
    "story",
    "quote",
    "how-to",
    "contrarian",
    "bold claim",
    "statement",
)
CTA_TYPES = ("question", "comment", "follow or share", "link", "statement")

_CASUAL = (
    "lol",
    "haha",
    "kkk",
    "jaja",
    "tá",
    "pra",
    "né",
    "gonna",
    "wanna",
    "tipo",
    "pq",
    "vc",
    "q",
    "x",
)
_LIST_LINE = re.compile(r"^\s*(?:[-•*▪→✅✔️👉]|\d+[.)]|[a-z][.)])\s+")
_NUMBER_START = re.compile(
    r"^\W*(?:\d|(?:two|three|four|five|six|seven|eight|nine|ten|dois|duas|três|quatro|cinco|"
    r"seis|sete|oito|nove|dez|dos|tres|cuatro|siete|ocho|nueve|diez)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class WeightedPost:
    text: str
    weight: float = 1.0


def _has(text: str, kind: str, language: str) -> bool:
    lowered = f" {text.lower()}"
    markers = MARKERS[kind].get(language, ()) + MARKERS[kind]["en"]
    return any(f" {m}" in lowered for m in markers)


def hook_type(first_line: str, language: str) -> str:
    stripped = first_line.strip()
    if not stripped:
        return "statement"
    if stripped[0] in "\"“«'":
        return "quote"
    if _has(stripped, "contrarian", language):
        return "contrarian"
    if stripped.rstrip().endswith("?"):
        return "question"
    if _has(stripped, "how-to", language):
        return "how-to"
    if _NUMBER_START.match(stripped) or re.search(r"\b\d+\s+\w+", stripped[:40]):
        return "number"
    if _has(stripped, "story", language):
        return "story"
    if len(T.words(stripped)) <= 12 and stripped.endswith((".", "!")):
        return "bold claim"
    return "statement"


def cta_type(last_line: str, language: str) -> str:
    stripped = last_line.strip()
    if re.search(r"https?://|www\.", stripped):
        return "link"
    if _has(stripped, "comment", language):
        return "comment"
    if _has(stripped, "follow or share", language):
        return "follow or share"
    if stripped.endswith("?"):
        return "question"
    return "statement"


def _body_kind(body_lines: list[str], language: str) -> str:
    if sum(1 for line in body_lines if _LIST_LINE.match(line)) >= 2:
        return "list"
    if any(_has(line, "story", language) for line in body_lines):
        return "story"
    return "insight" if body_lines else ""


def post_shape(text: str, language: str) -> str:
    """hook → body kind → CTA, e.g. 'hook → list → question'."""
    post_lines = T.lines(text)
    if len(post_lines) <= 1:
        return "single line"
    parts = ["hook"]
    body = _body_kind(post_lines[1:-1], language)
    if body:
        parts.append(body)
    closing = cta_type(post_lines[-1], language)
    parts.append("CTA" if closing != "statement" else "closing line")
    return " → ".join(parts)


def _wmean(values: Sequence[float], weights: Sequence[float]) -> float:
    total = sum(weights)
    return sum(v * w for v, w in zip(values, weights, strict=True)) / total if total else 0.0


def _wsd(values: Sequence[float], weights: Sequence[float]) -> float:
    mean = _wmean(values, weights)
    return math.sqrt(_wmean([(v - mean) ** 2 for v in values], weights)) if values else 0.0


def _shares(labels: list[str], weights: list[float], order: Sequence[str]) -> dict[str, float]:
    totals: defaultdict[str, float] = defaultdict(float)
    for label, weight in zip(labels, weights, strict=True):
        totals[label] += weight
    whole = sum(weights) or 1.0
    return {label: round(totals[label] / whole, 3) for label in order if totals[label]}


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def reading_level(word_list: list[str], sentence_count: int, language: str) -> dict[str, object]:
    if not word_list or not sentence_count:
        return {"score": None, "label": "unknown"}
    asl = len(word_list) / sentence_count
    asw = sum(T.syllables(w) for w in word_list) / len(word_list)
    if language == "pt":  # Flesch adapted to Portuguese (Martins et al., 1996)
        score = 248.835 - 1.015 * asl - 84.6 * asw
    elif language == "es":  # Fernández Huerta
        score = 206.84 - 0.60 * asw * 100 - 1.02 * asl
    else:
        score = 206.835 - 1.015 * asl - 84.6 * asw
    score = max(0.0, min(100.0, score))
    label = "easy" if score >= 70 else "standard" if score >= 50 else "demanding"
    return {"score": round(score, 1), "label": label}


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
        raw[dimension] = _wmean(hits, weights)
    punctuation = features["punctuation"]
    raw["curious"] = punctuation["questions_per_post"] * 2.5
    raw["playful"] += features["emoji"]["per_post"] * 1.5 + punctuation["exclamations_per_post"]
    digits = [len(re.findall(r"\d+%?", text)) for text in texts]
    raw["analytical"] = _wmean(digits, weights) * 1.2 + features["list_share"] * 3
    raw["confident"] += features["hook_shares"].get("bold claim", 0) * 3
    raw["serious"] += (1 - min(1.0, features["emoji"]["per_post"])) * 0.5
    # Squash each to 0..1 (a rate of ~3 markers per 100 words is already strong).
    return [round(1 - math.exp(-raw[d] / 3), 3) for d in TONE_DIMENSIONS]


def _characteristic_words(
    texts: list[str], weights: list[float], stops: frozenset[str]
) -> list[list]:
    document_frequency: Counter[str] = Counter()
    weighted: Counter[str] = Counter()
    for text, weight in zip(texts, weights, strict=True):
        content = [w for w in T.words(text) if w not in stops and len(w) > 2]
        for word in set(content):
            document_frequency[word] += 1
        for word in content:
            weighted[word] += weight
    # Words used across several posts, not one-off names.
    threshold = 2 if len(texts) >= 5 else 1
    ranked = [
        (word, score)
        for word, score in weighted.most_common()
        if document_frequency[word] >= threshold
    ]
    return [[word, round(score, 2)] for word, score in ranked[:20]]


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
        T.lines(t)[0][:140] for t in texts if T.lines(t) and _has(T.lines(t)[0], "story", language)
    ]
    frameworks = [
        T.lines(t)[0][:140]
        for t in texts
        if sum(1 for line in T.lines(t) if _LIST_LINE.match(line)) >= 3
    ]
    opinions = []
    for t in texts:
        for sentence in T.sentences(t):
            if _has(sentence, "opinion", language):
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


def analyse(posts: Sequence[WeightedPost], language: str | None = None) -> dict:
    texts = [p.text for p in posts]
    weights = [max(0.1, p.weight) for p in posts]
    language = language or T.detect_language(texts)
    stops = T.stop_words(language)

    sentence_lengths: list[float] = []
    sentence_weights: list[float] = []
    paragraph_sizes, paragraphs_per_post, lines_per_post = [], [], []
    list_flags, list_items, chars, word_counts = [], [], [], []
    hooks, ctas, shapes = [], [], []
    hook_examples: defaultdict[str, list[str]] = defaultdict(list)
    cta_examples: defaultdict[str, list[str]] = defaultdict(list)
    emoji_counter: Counter[str] = Counter()
    emoji_per_post, ellipses, dashes, exclamations, questions = [], [], [], [], []
    all_words: list[str] = []
    sentence_total = 0
    pronoun_counts: Counter[str] = Counter()
    casual_hits = 0

    for text, weight in zip(texts, weights, strict=True):
        post_sentences = T.sentences(text)
        sentence_total += len(post_sentences)
        for sentence in post_sentences:
            sentence_lengths.append(len(T.words(sentence)))
            sentence_weights.append(weight)
        post_paragraphs = T.paragraphs(text)
        paragraphs_per_post.append(len(post_paragraphs))
        paragraph_sizes.extend(len(T.sentences(p)) or 1 for p in post_paragraphs)
        post_lines = T.lines(text)
        lines_per_post.append(len(post_lines))
        items = sum(1 for line in post_lines if _LIST_LINE.match(line))
        list_flags.append(1.0 if items >= 2 else 0.0)
        list_items.append(items)
        chars.append(len(text))
        post_words = T.words(text)
        word_counts.append(len(post_words))
        all_words.extend(post_words)
        first, last = (post_lines[0], post_lines[-1]) if post_lines else ("", "")
        hook = hook_type(first, language)
        hooks.append(hook)
        if len(hook_examples[hook]) < 3:
            hook_examples[hook].append(first[:160])
        cta = cta_type(last, language) if len(post_lines) > 1 else "statement"
        ctas.append(cta)
        if cta != "statement" and len(cta_examples[cta]) < 3:
            cta_examples[cta].append(last[:160])
        shapes.append(post_shape(text, language))
        found = T.emojis(text)
        emoji_counter.update(found)
        emoji_per_post.append(len(found))
        ellipses.append(text.count("...") + text.count("…"))
        dashes.append(len(re.findall(r"\s[—–-]\s|—", text)))
        exclamations.append(text.count("!"))
        questions.append(text.count("?"))
        lowered = set(post_words)
        for stance, by_language in PRONOUNS.items():
            pronoun_counts[stance] += sum(
                1 for w in post_words if w in set(by_language.get(language, ()) + by_language["en"])
            )
        casual_hits += sum(1 for w in lowered if w in _CASUAL)

    n = len(texts)
    length_histogram_bins = [0, 5, 10, 15, 20, 25, 30, 40, 1000]
    histogram = [0] * (len(length_histogram_bins) - 1)
    for length in sentence_lengths:
        for i in range(len(histogram)):
            if length_histogram_bins[i] < length <= length_histogram_bins[i + 1] or (
                i == 0 and length == 0
            ):
                histogram[i] += 1
                break
    hook_shares = _shares(hooks, weights, HOOK_TYPES)
    emoji_stats = {
        "per_post": round(_wmean(emoji_per_post, weights), 2),
        "share_of_posts": round(_wmean([1.0 if e else 0.0 for e in emoji_per_post], weights), 3),
        "favourites": [[e, c] for e, c in emoji_counter.most_common(8)],
    }
    punctuation = {
        "ellipses_per_post": round(_wmean(ellipses, weights), 2),
        "dashes_per_post": round(_wmean(dashes, weights), 2),
        "exclamations_per_post": round(_wmean(exclamations, weights), 2),
        "questions_per_post": round(_wmean(questions, weights), 2),
    }
    pronoun_total = sum(pronoun_counts.values()) or 1
    keywords = _characteristic_words(texts, weights, stops)
    structure = {
        "sentence_length": {
            "mean": round(_wmean(sentence_lengths, sentence_weights), 1),
            "sd": round(_wsd(sentence_lengths, sentence_weights), 1),
            "histogram": {
                "bins": ["1–5", "6–10", "11–15", "16–20", "21–25", "26–30", "31–40", "41+"],
                "counts": histogram,
            },
        },
        "paragraph_length": {
            "mean": round(sum(paragraph_sizes) / len(paragraph_sizes), 1) if paragraph_sizes else 0,
            "sd": round(_wsd(paragraph_sizes, [1.0] * len(paragraph_sizes)), 1),
        },
        "paragraphs_per_post": round(_wmean(paragraphs_per_post, weights), 1),
        "lines_per_post": round(_wmean(lines_per_post, weights), 1),
        "line_break_rhythm": round(
            _wmean(
                [
                    lp / max(1, pp)
                    for lp, pp in zip(lines_per_post, paragraphs_per_post, strict=True)
                ],
                weights,
            ),
            2,
        ),
        "list_share": round(_wmean(list_flags, weights), 3),
        "list_items_mean": round(
            sum(i for i in list_items if i >= 2) / max(1, sum(1 for i in list_items if i >= 2)), 1
        ),
        "hooks": {"shares": hook_shares, "examples": dict(hook_examples)},
        "ctas": {"shares": _shares(ctas, weights, CTA_TYPES), "examples": dict(cta_examples)},
        "typical_structure": Counter(shapes).most_common(1)[0][0] if shapes else "",
        "structures": dict(Counter(shapes).most_common(4)),
        "length": {
            "chars_mean": round(_wmean(chars, weights)),
            "chars_p25": round(_quantile(chars, 0.25)),
            "chars_median": round(_quantile(chars, 0.5)),
            "chars_p75": round(_quantile(chars, 0.75)),
            "words_mean": round(_wmean(word_counts, weights), 1),
        },
    }
    fingerprint = {
        "language": language,
        "characteristic_words": keywords,
        "characteristic_phrases": _characteristic_phrases(texts, stops),
        "casualness": round(min(1.0, casual_hits / max(1, n) + emoji_stats["per_post"] / 4), 2),
        "formality": round(
            max(
                0.0,
                1
                - min(
                    1.0,
                    casual_hits / max(1, n)
                    + emoji_stats["per_post"] / 4
                    + punctuation["exclamations_per_post"] / 4,
                ),
            ),
            2,
        ),
        "humour": round(
            min(
                1.0,
                sum(
                    1
                    for t in texts
                    if re.search(r"\b(haha|kkk+|jaja|lol|rs)\b|😂|🤣|😅", t.lower())
                )
                / max(1, n)
                * 2,
            ),
            2,
        ),
        "emoji": emoji_stats,
        "punctuation": punctuation,
        "pronouns": {k: round(v / pronoun_total, 2) for k, v in pronoun_counts.items()},
        "reading_level": reading_level(all_words, sentence_total, language),
    }
    tone = _tone_vector(
        texts,
        weights,
        language,
        {
            "punctuation": punctuation,
            "emoji": emoji_stats,
            "list_share": structure["list_share"],
            "hook_shares": hook_shares,
        },
    )
    profile = {
        "language": language,
        "post_count": n,
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
        top_cta = max(ctas, key=ctas.get)
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
