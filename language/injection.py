"""Text that talks to a model instead of to readers ("ignore previous instructions…").

Imported posts are untrusted: a sentence like that is never used as an example, shown as the
creator's habit, or copied into a draft. English, Portuguese and Spanish."""

from __future__ import annotations

import re

from language import text as T

_PATTERNS = [
    # English
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|prompts?)\b",
    r"\b(previous|prior|above|earlier|system)\s+(instructions?|prompts?)\b",
    r"\bsystem\s*prompt\b",
    r"\byou\s+are\s+(now|no\s+longer)\s+(an?\s+)?(ai|assistant|chat\s*bot|language\s+model|"
    r"gpt|unfiltered|uncensored|in\s+developer\s+mode)\b",
    r"\b(reveal|print|repeat|output)\b.{0,30}\b(system\s+prompt|your\s+instructions|api\s*key)\b",
    r"\bjailbreak(ing)?\b|\bdeveloper\s+mode\b",
    # Portuguese
    r"\b(ignore|ignora|esque[çc]a|desconsidere)\b.{0,40}\b(instru[çc](ões|oes|ão|ao))\b",
    # Spanish
    r"\b(ignora|ignore|olvida|olvidá|descarta)\b.{0,40}\b(instrucciones|indicaciones)\b",
    # Chat-template markers, role labels and our own prompt delimiters
    r"<\|?(im_start|im_end|system|assistant|user)\|?>",
    r"^\s*(system|assistant)\s*:",
    r"^\s*#{2,}\s*(instruction|system|response)\b",
    r"</?(post|their_posts|voice|lessons|topic|overlay|request|current_draft|posts|json)>",
]
_INSTRUCTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE | re.MULTILINE)


def looks_like_instruction(text: str) -> bool:
    """True when the text addresses a model (an attempt to instruct it), not a reader."""
    return bool(_INSTRUCTION.search(text))


def without_instructions(text: str) -> str:
    """The text with every sentence that looks like an instruction to a model taken out.

    Line breaks of what remains are kept."""
    if not looks_like_instruction(text):
        return text
    kept_lines = []
    for line in text.split("\n"):
        if not looks_like_instruction(line):
            kept_lines.append(line)
            continue
        sentences = [s for s in T.sentences(line) if not looks_like_instruction(s)]
        if sentences:
            kept_lines.append(" ".join(sentences))
    return "\n".join(kept_lines).strip()
