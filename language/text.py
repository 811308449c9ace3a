"""Language-aware text helpers.

Tokens, sentences, paragraphs, lines, stop words (English, Portuguese, Spanish), language detection,
syllables and emoji. No external data."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from language.stopwords import STOP_WORDS

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"[@#]\w+")


def strip_links(text: str) -> str:
    return _URL.sub(" ", text)


def words(text: str) -> list[str]:
    """Lower-cased words (no numbers, links, @mentions or #tags)."""
    return [
        w.lower().replace("’", "'") for w in _WORD.findall(_MENTION.sub(" ", strip_links(text)))
    ]


def sentences(text: str, *, keep_links: bool = False) -> list[str]:
    """The text's sentences.

    Links are left out (they are not words) unless `keep_links` (cutting a text into parts must lose
    nothing)."""
    kept = text if keep_links else strip_links(text)
    return [
        s.strip()
        for s in _SENTENCE_END.split(kept)
        if len(words(s)) > 0 or (keep_links and s.strip())
    ]


def first_sentence(text: str, max_chars: int = 0) -> str:
    """The text's first sentence, whitespace folded; cut at a word within `max_chars` if given."""
    flat = " ".join(text.split())
    first = (sentences(flat, keep_links=True) or [flat])[0]
    if max_chars and len(first) > max_chars:
        first = first[: max_chars - 1].rsplit(" ", 1)[0]
    return first


def opening_if_shorter(text: str) -> str | None:
    """The text's first sentence when it has more (None: the text is its own opening)."""
    first = first_sentence(text)
    return None if first == " ".join(text.split()) else first


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def detect_language(texts: list[str]) -> str:
    """The language whose stop words cover the most words ('en', 'pt' or 'es'; 'en' if unsure)."""
    counts: Counter[str] = Counter()
    for text in texts:
        for word in words(text):
            for language, stops in STOP_WORDS.items():
                if word in stops:
                    counts[language] += 1
    if not counts:
        return "en"
    # Portuguese and Spanish share many stop words; count only the words that tell them apart.
    exclusive: Counter[str] = Counter()
    for text in texts:
        for word in words(text):
            owners = [lang for lang, stops in STOP_WORDS.items() if word in stops]
            if len(owners) == 1:
                exclusive[owners[0]] += 1
    best = (exclusive or counts).most_common(1)[0][0]
    return best


def stop_words(language: str) -> frozenset[str]:
    return STOP_WORDS.get(language, STOP_WORDS["en"])


_VOWEL_GROUPS = re.compile(r"[aeiouyáéíóúâêôãõàüï]+", re.IGNORECASE)


def syllables(word: str) -> int:
    count = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and count > 1 and not word.endswith(("le", "ee")):
        count -= 1  # English silent e; harmless elsewhere at this precision
    return max(1, count)


def emojis(text: str) -> list[str]:
    """Emoji characters (pictographs and symbols), one per occurrence; flags counted as one."""
    found = []
    for char in text:
        code = ord(char)
        if (
            0x1F300 <= code <= 0x1FAFF
            or 0x2600 <= code <= 0x27BF
            or 0x1F1E6 <= code <= 0x1F1FF
            or (unicodedata.category(char) == "So" and code > 0x2000)
        ):
            found.append(char)
    return found


# Words a sentence does not end on (articles, prepositions, conjunctions, possessives,
# auxiliaries): a text whose last word is one of them stops mid-sentence.
_DANGLING_WORDS = {
    "en": """the a an and or but of to in on at for with from by as into about than our my
        your their his its is are was were be been will would can could should has have had
        very more most because if when while so""",
    "pt": """o a os as um uma uns umas de do da dos das em no na nos nas por pelo pela pelos
        pelas para pra com e ou mas que se ao aos à às meu minha meus minhas seu sua seus suas
        nosso nossa nossos nossas é são foi era muito mais porque quando como""",
    "es": """el la los las un una unos unas de del en por para con y o pero que se al mi mis su
        sus nuestro nuestra nuestros nuestras tu tus es son fue era muy más porque cuando
        como""",
}
_DANGLING = {lang: frozenset(words.split()) for lang, words in _DANGLING_WORDS.items()}


def ends_open(text: str) -> bool:
    """Whether the text stops without closing it: no final punctuation, emoji, link or tag.

    A link, a hashtag or a mention finishes a post ("Thanks to @team", "… at <link>"); a last
    word, a comma or a dash does not ("… this morning as he", "… Sunday morning,")."""
    body = text.strip()
    last = body.split()[-1] if body.split() else ""
    if not last or _URL.search(last) or last[0] in "#@":
        return False
    return last[-1].isalnum() or last[-1] in ",;-–&(_"


def ends_mid_sentence(text: str, language: str) -> bool:
    """Whether the text stops in the middle of a sentence ("…and the").

    It ends open (`ends_open`) on a word no sentence ends on."""
    tail = words(text.strip())
    return ends_open(text) and bool(tail) and tail[-1] in _DANGLING.get(language, _DANGLING["en"])
