"""Whether an item runs against a position the persona has stated.

By a language model when one is configured, else offline (about the position by embedding, the other
side by negation cues)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from language.injection import without_instructions
from llm.services import embed_for
from llm.structured import ask_for_json
from personas.models import Persona
from pillars import discovery
from trends.models import Stance, StanceKind
from voice.selectors import latest_voice_version

CONFLICTS_PROMPT = Path(__file__).parent.parent / "prompts" / "conflicts_v1.txt"
CONFLICT_SIMILARITY = 0.3  # centred cosine: the item is about the position
NEVER_SAY_SIMILARITY = 0.45
NEGATIONS = {
    "en": r"\b(not|no|never|don't|doesn't|isn't|aren't|won't|can't|against|myth|wrong|"
    r"overrated|dead|stop|quit|ban|fails?|worse)\b",
    "pt": r"\b(não|nunca|nem|contra|mito|errado|errada|morreu|morto|pare|proibir|pior)\b",
    "es": r"\b(no|nunca|ni|contra|mito|error|equivocado|muerto|deja|prohibir|peor)\b",
}


def positions_of(persona: Persona) -> list[tuple[str, str]]:
    """Every position the persona has stated, as (kind, sentence).

    (kind, sentence) of every position the persona has stated: the editable list, then
    the voice profile's strong opinions."""
    stated = [(s.kind, s.text) for s in Stance.objects.filter(persona=persona)]
    version = latest_voice_version(persona, fields=("profile",))
    opinions = (version.profile.get("content_dna", {}).get("opinions", []) if version else [])[:8]
    for opinion in opinions:
        stance = str(opinion.get("stance", "")).strip() if isinstance(opinion, dict) else ""
        if stance:
            stated.append((StanceKind.BELIEVE, stance))
    return stated


def _negated(text: str, language: str) -> bool:
    return bool(re.search(NEGATIONS.get(language, NEGATIONS["en"]), text.lower()))


def conflicts_of(
    persona: Persona, texts: list[str], all_vectors: np.ndarray, indices: list[int]
) -> list[str]:
    """Per text, the stated position it runs against ('' for none).

    By a language model when one is configured, else (or when it fails) by the offline check."""
    positions = positions_of(persona)
    if not positions or not texts:
        return [""] * len(texts)
    judged = _conflicts_by_model(persona, texts, positions)
    if judged is not None:
        return judged
    return _conflicts_offline(persona, texts, all_vectors, indices, positions)


_LABELS: dict[str, str] = {
    StanceKind.NEVER_SAY: "You never say",
    StanceKind.DISAGREE: "You disagree with",
    StanceKind.BELIEVE: "You said",
}


def _conflicts_by_model(
    persona: Persona, texts: list[str], positions: list[tuple[str, str]]
) -> list[str] | None:
    stated = "\n".join(
        f"{n}. {_LABELS[kind]}: {without_instructions(text)}"
        for n, (kind, text) in enumerate(positions, start=1)
    )
    items = "\n".join(
        f"{n}. {without_instructions(' '.join(text.split()))[:400]}"
        for n, text in enumerate(texts, start=1)
    )
    data, _ = ask_for_json(
        system=CONFLICTS_PROMPT.read_text(encoding="utf-8").strip(),
        content=f"<positions>\n{stated.replace('</positions>', '')}\n</positions>\n"
        f"<items>\n{items.replace('</items>', '')}\n</items>",
        workspace=persona.workspace,
        persona=persona,
        user=None,
        purpose="trend_conflicts",
        max_tokens=800,
        temperature=0.0,
    )
    if data is None:
        return None
    found = [""] * len(texts)
    try:
        for conflict in data["conflicts"]:
            item, position = int(conflict["item"]), int(conflict["position"])
            if 1 <= item <= len(texts) and 1 <= position <= len(positions):
                kind, text = positions[position - 1]
                found[item - 1] = f"{_LABELS[kind]}: “{text}”"[:500]
    except (ValueError, TypeError, KeyError):
        return None
    return found


def _conflicts_offline(
    persona: Persona,
    texts: list[str],
    all_vectors: np.ndarray,
    indices: list[int],
    positions: list[tuple[str, str]],
) -> list[str]:
    """Whether an item runs against a position, judged offline.

    Offline: the item must be about the position (embedding similarity, centred on the
    batch) and take the other side: it says what the persona never says, it is for what the
    persona disagrees with, or its negation cues differ from the position's."""
    centre = all_vectors.mean(axis=0)
    position_vectors = embed_for(persona, [p[1] for p in positions], purpose="trends")
    about = (
        discovery.unit_rows(all_vectors[indices] - centre)
        @ discovery.unit_rows(position_vectors - centre).T
    )
    language = persona.language
    found = []
    for row, text in enumerate(texts):
        conflict = ""
        for column, (kind, position) in enumerate(positions):
            similarity = about[row, column]
            lowered = text.lower()
            if kind == StanceKind.NEVER_SAY:
                hit = position.lower() in lowered or similarity >= NEVER_SAY_SIMILARITY
            elif kind == StanceKind.DISAGREE:
                hit = similarity >= CONFLICT_SIMILARITY and not _negated(text, language)
            else:
                hit = similarity >= CONFLICT_SIMILARITY and (
                    _negated(text, language) != _negated(position, language)
                )
            if hit:
                conflict = f"{_LABELS[kind]}: “{position}”"
                break
        found.append(conflict[:500])
    return found
