"""A creator's own ways of opening a post, with a new idea put in.

Two kinds of opening take any idea and still read right. A label the creator puts before what
they say ("ICYMI:", "Murray:", "Hiring lesson:", "Hoje,") takes the idea after it; a short
question around a subject ("Looking for some bipartisanship?") takes an idea that is a noun
phrase in the subject's place. Labels the creator uses again and again come first, then the
openings of their best posts."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from language.text import sentences, stop_words

_LINK = re.compile(r"https?://\S+|www\.\S+")
_TOKEN = re.compile(r"[#]?[^\W_][\w'’-]*", re.UNICODE)
# "Label: what they say", "Label — …", "Label - …", and a one- or two-word "Hoje, …"
_LABEL = re.compile(r"^(?P<label>[^:;,.!?—–@#\n]{2,40}?)\s*(?P<mark>:|—|–|\s-|,)\s+\S")
LABEL_WORDS, COMMA_LABEL_WORDS = 4, 2
QUESTION_WORDS = 8  # a question opening this short or shorter
QUESTION_SLOT_WORDS = 6  # … takes an idea this short or shorter, as a noun phrase
# a colon, a dash or a sentence's end inside the idea ("U.S. trade" and "2.0" are fine)
_INNER_PUNCTUATION = re.compile(r"[:;—–]|[,!?](?=\s)|(?<!\b\w)\.(?=\s)")
# An idea starting with one of these is a clause ("How we priced…"): it fits after a label,
# not in a question's noun slot.
_CLAUSE_STARTS = frozenset(
    [
        "how",
        "why",
        "what",
        "when",
        "where",
        "who",
        "which",
        "whether",
        "if",
        "i",
        "we",
        "you",
        "they",
        "he",
        "she",
        "it",
        "my",
        "our",
        "your",
        "is",
        "are",
        "do",
        "does",
        "did",
        "can",
        "should",
        "would",
        "will",
        "como",
        "por",
        "porque",
        "quando",
        "onde",
        "quem",
        "qual",
        "se",
        "eu",
        "nós",
        "você",
        "meu",
        "nosso",
        "cómo",
        "qué",
        "cuándo",
        "dónde",
        "quién",
        "cuál",
        "yo",
        "nosotros",
        "tú",
        "mi",
        "nuestro",
    ]
)


_DETERMINERS = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "o",
        "a",
        "os",
        "as",
        "um",
        "uma",
        "uns",
        "umas",
        "ao",
        "aos",
        "à",
        "às",
        "do",
        "da",
        "dos",
        "das",
        "no",
        "na",
        "nos",
        "nas",
        "pelo",
        "pela",
        "este",
        "esta",
        "esse",
        "essa",
        "aquele",
        "aquela",
        "el",
        "la",
        "los",
        "las",
        "un",
        "una",
        "unos",
        "unas",
        "al",
        "del",
        "ese",
        "esa",
        "aquel",
    ]
)


@dataclass(frozen=True)
class Opening:
    before: str  # what comes before the idea ("ICYMI:", "Looking for some")
    after: str  # and after it ("?" or nothing)
    line: str  # the first line it came from
    kind: str  # "label" or "question"

    def with_subject(self, idea: str) -> str:
        idea = " ".join(idea.split()).rstrip(".!?…:;,")
        if self.kind == "label" and not self.before.endswith(","):
            idea = idea[:1].upper() + idea[1:]
        elif _reads_common(idea):
            idea = idea[:1].lower() + idea[1:]
        return f"{self.before} {idea}{self.after}"

    def fits(self, idea: str) -> bool:
        """Whether the idea reads right in this opening.

        After a label, anything does; a question's slot takes a short noun phrase: not a clause,
        not two parts ("Charleston anniversary: coming together"), not a whole sentence."""
        if self.kind == "label":
            return True
        words = idea.split()
        first = words[0].lower().strip("¿¡\"“'") if words else ""
        inner = idea.strip().rstrip(".!?…")
        return (
            first not in _CLAUSE_STARTS
            and len(words) <= QUESTION_SLOT_WORDS
            and not _INNER_PUNCTUATION.search(inner)
        )


def _reads_common(idea: str) -> bool:
    """Lower-case its first letter mid-sentence unless it reads as a name or an acronym."""
    first = idea.split()[0] if idea.split() else ""
    if len(first) == 1:
        return first != "I"  # "O preço …", "A …": an article
    return first[1:].islower()


def first_line(text: str) -> str:
    """The post's opening: its first line's first sentence, without links."""
    line = next((part for part in text.strip().split("\n") if part.strip()), "")
    line = " ".join(_LINK.sub("", line).split())
    parts = sentences(line, keep_links=True)
    return parts[0] if parts else line


def label_of(line: str) -> str | None:
    """The label the line opens with, its mark included ("ICYMI:", "Hoje,"), if any."""
    found = _LABEL.match(line)
    if not found:
        return None
    label, mark = found["label"].strip(), found["mark"].strip()
    words = len(_TOKEN.findall(label))
    if not words or words > (COMMA_LABEL_WORDS if mark == "," else LABEL_WORDS):
        return None
    return f"{label}{mark}" if mark in {":", ","} else f"{label} {mark}"


def question_of(line: str, language: str) -> Opening | None:
    """A short question around a subject at its end ("Looking for some …?"), if the line is one.

    The subject: the run of content words before the question mark; at least two words of the
    line stay before it. Not a question naming someone or a tag ("So you're saying #TheVoice
    isn't in my future?" put any idea in as nonsense)."""
    if not line.endswith("?") or "@" in line or "#" in line:
        return None  # a mention or a tag ties the question to what that post was about
    tokens = list(_TOKEN.finditer(line))
    if not 3 <= len(tokens) <= QUESTION_WORDS:
        return None
    stop = stop_words(language)
    start = len(tokens) - 1
    if tokens[start].group().lower() in stop or line[tokens[start].end() :].strip() != "?":
        return None
    while start > 0:
        previous = tokens[start - 1]
        if previous.group().lower() in stop or line[previous.end() : tokens[start].start()].strip():
            break
        start -= 1
    if start < 2:
        return None
    before = line[: tokens[start].start()].strip()
    if before[-1:] in {",", ":", ";"} or before.split()[-1].lower() in _DETERMINERS:
        return None  # "ataque às …", "esta …": the idea's own gender and article would clash
    return Opening(before=before, after="?", line=line, kind="question")


def openings(texts: Sequence[str], language: str, *, limit: int = 3) -> list[Opening]:
    """The creator's openings that take a new idea, best first (give the posts best first).

    Labels used in two posts or more (most used first), then the colon labels and short
    questions of their best posts; no two alike."""
    lines = [first_line(text) for text in texts]
    labels = [label_of(line) for line in lines]
    used = Counter(label.lower() for label in labels if label)
    found: list[Opening] = []
    seen: set[str] = set()

    def add(opening: Opening) -> None:
        key = opening.before.lower()
        if key not in seen and len(found) < limit:
            seen.add(key)
            found.append(opening)

    habitual = [(label, line) for label, line in zip(labels, lines, strict=True) if label]
    for used_label, line in sorted(habitual, key=lambda pair: -used[pair[0].lower()]):
        if used[used_label.lower()] >= 2:
            add(Opening(before=used_label, after="", line=line, kind="label"))
    for label, line in zip(labels, lines, strict=True):
        # once, "Ottumwa," is the start of a sentence, not a label they use
        if label and not label.endswith(","):
            add(Opening(before=label, after="", line=line, kind="label"))
        elif question := question_of(line, language):
            add(question)
    return found
