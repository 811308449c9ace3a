"""Naming a persona's pillars offline: the terms and phrases that set a pillar's posts apart.

A name is a phrase written, word for word, in the pillar's posts (`topic_phrases`), else its most
distinctive word; never two unrelated words side by side. Pure Python: the discovery job, the
split of a pillar and `manage.py pillars_eval` name pillars with the very same code."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from itertools import pairwise

import numpy as np
import snowballstemmer

from language import text as T
from language.commonness import general_zipf
from pillars import discovery
from pillars.discovery import Clusters

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


def phrases_in(text: str, stop: frozenset[str]) -> dict[str, str]:
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
                if words_[-1].endswith("'s"):  # "tomorrow's", "Lynch's": the topic comes after
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
        for key, form in phrases_in(text, stop).items():
            ins[key] += 1
            forms.setdefault(key, Counter())[form] += 1
    candidates = {key for key, count in ins.items() if count >= 2}
    if not candidates:
        return []
    outs: Counter[str] = Counter()
    for text in outside:
        outs.update(key for key in phrases_in(text, stop) if key in candidates)
    n_in, n_out = max(len(inside), 1), max(len(outside), 1)
    scored = []
    for key in candidates:
        share_in = (ins[key] + 0.5) / (n_in + 1)
        share_out = (outs[key] + 0.5) / (n_out + 1)
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


_POSSESSIVE = re.compile(r"['’]s$")


def name_from_terms(terms: Sequence[str], taken: Sequence[str] = ()) -> str:
    """A pillar's offline name: its best term not already another pillar's name, as written.

    A topic phrase, when it has one. Never two terms side by side: two unrelated words are no
    topic."""
    used = {name.lower() for name in taken}
    for term in terms:
        term = _POSSESSIVE.sub("", term)  # "Florida's" names Florida
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


def nameable_share(phrases: Sequence[set[str]], labels: np.ndarray) -> float:
    """The share of these clusters a topic phrase can name.

    `phrases` holds each post's candidate phrases (`phrases_in`), `labels` its cluster. A cluster
    is nameable when a phrase is written in at least MIN_PHRASE_POSTS of its posts and by a larger
    share of them than of the other posts (what `topic_phrases` ranks first)."""
    everywhere: Counter[str] = Counter(key for keys in phrases for key in keys)
    clusters = np.unique(labels)
    named = 0
    for j in clusters:
        members = np.flatnonzero(labels == j)
        inside: Counter[str] = Counter(key for i in members.tolist() for key in phrases[i])
        n_in, n_out = len(members), max(len(phrases) - len(members), 1)
        named += any(
            count >= MIN_PHRASE_POSTS
            and (count + 0.5) / (n_in + 1) > (everywhere[key] - count + 0.5) / (n_out + 1)
            for key, count in inside.items()
        )
    return named / len(clusters)


def discover(
    texts: Sequence[str], vectors: np.ndarray, language: str
) -> tuple[Clusters, list[list[str]]]:
    """A persona's pillars from its posts (texts and their embeddings): clusters and their terms.

    Of the well-separated ways to group the posts, the one whose groups a phrase of their own
    posts names (`discovery.cluster_posts` with `nameable_share`): a pillar the creator writes
    about in the same words is a topic they can recognise by its name. The discovery job,
    `manage.py pillars_eval` and `trends_eval` all discover pillars here."""
    stop = T.stop_words(language)

    @cache
    def phrases_of(i: int) -> set[str]:  # only the posts the choice samples are read
        return set(phrases_in(texts[i], stop))

    clusters = discovery.cluster_posts(
        vectors,
        nameable=lambda sample, labels: nameable_share(
            [phrases_of(i) for i in sample.tolist()], labels
        ),
    )
    return clusters, cluster_terms(texts, clusters, language)


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
