"""How common a word is in a language in general.

Wordfreq's Zipf scale: log10 of uses per billion words; "the" ≈ 7.7, "said" ≈ 6.0, "pricing" ≈ 4.0,
a rare word < 2. A creator's characteristic words are the ones they use far more than people usually
do, not simply the ones they use most ("first", "best", "said" are everybody's)."""

from __future__ import annotations

import math
from functools import lru_cache

UNKNOWN_ZIPF = 1.0  # a word wordfreq has never seen: rare, but not infinitely so
LANGUAGES = {"en", "pt", "es"}


@lru_cache(maxsize=50_000)
def general_zipf(word: str, language: str) -> float:
    from wordfreq import zipf_frequency  # its tables load on first use, per language

    lang = language if language in LANGUAGES else "en"
    return zipf_frequency(word, lang) or UNKNOWN_ZIPF


def own_zipf(count: float, total_words: float) -> float:
    """The same scale for a creator's own use of a word."""
    return math.log10(max(count, 1e-9) / max(total_words, 1.0) * 1e9)


def distinctiveness(count: float, total_words: float, word: str, language: str) -> float:
    """How many times (in powers of ten) more the creator uses the word than usual."""
    return own_zipf(count, total_words) - general_zipf(word, language)


def evidence(count: float, total_words: float, word: str, language: str) -> float:
    """Dunning's log-likelihood (G²) that the creator uses the word more than the language does.

    A few uses of a common word in a short corpus weigh little, repeated uses of a rare one a lot.
    Above 10.8 the odds of chance are below 1 in 1,000."""
    expected = total_words * 10 ** (general_zipf(word, language) - 9)
    if count <= expected:
        return 0.0
    return 2 * count * math.log(count / expected)
