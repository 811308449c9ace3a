"""Applying the creator's corrections ("does this sound like you?") to an analysed profile."""

from __future__ import annotations

import copy
from typing import Any

from voice.analysis import TONE_DIMENSIONS, summarise


def reviewable_patterns(profile: dict[str, Any]) -> list[dict[str, str]]:
    """The patterns shown for confirmation, each with the override key that answers it."""
    structure, fingerprint = profile["structure"], profile["fingerprint"]
    items = []
    for hook, share in structure["hooks"]["shares"].items():
        examples = structure["hooks"]["examples"].get(hook, [])
        items.append(
            {
                "key": f"hook:{hook}",
                "label": f"Opens with a {hook} ({share:.0%})",
                "example": examples[0] if examples else "",
            }
        )
    for cta, share in structure["ctas"]["shares"].items():
        if cta == "statement":
            continue
        examples = structure["ctas"]["examples"].get(cta, [])
        items.append(
            {
                "key": f"cta:{cta}",
                "label": f"Closes with a {cta} ({share:.0%})",
                "example": examples[0] if examples else "",
            }
        )
    for word, _ in fingerprint["characteristic_words"][:10]:
        items.append({"key": f"word:{word}", "label": f"Often says “{word}”", "example": ""})
    for phrase, count in fingerprint["characteristic_phrases"][:5]:
        items.append(
            {
                "key": f"phrase:{phrase}",
                "label": f"Phrase “{phrase}” ({count} posts)",
                "example": "",
            }
        )
    for emoji, count in fingerprint["emoji"]["favourites"][:5]:
        items.append({"key": f"emoji:{emoji}", "label": f"Uses {emoji} ({count}×)", "example": ""})
    return items


def apply_overrides(raw: dict[str, Any], overrides: dict[str, tuple[str, Any]]) -> dict[str, Any]:
    """`overrides` maps key → (verdict, value).

    Rejected patterns leave the profile, confirmed ones are marked, corrected values replace
    what the analysis found."""
    profile = copy.deepcopy(raw)
    structure, fingerprint = profile["structure"], profile["fingerprint"]
    confirmed = []
    for key, (verdict, value) in sorted(overrides.items()):
        kind, _, name = key.partition(":")
        if verdict == "confirmed":
            confirmed.append(key)
            continue
        if verdict == "rejected":
            if kind in {"hook", "cta"}:
                section = structure["hooks" if kind == "hook" else "ctas"]
                section["shares"].pop(name, None)
                section["examples"].pop(name, None)
            elif kind == "word":
                fingerprint["characteristic_words"] = [
                    w for w in fingerprint["characteristic_words"] if w[0] != name
                ]
            elif kind == "phrase":
                fingerprint["characteristic_phrases"] = [
                    p for p in fingerprint["characteristic_phrases"] if p[0] != name
                ]
            elif kind == "emoji":
                fingerprint["emoji"]["favourites"] = [
                    e for e in fingerprint["emoji"]["favourites"] if e[0] != name
                ]
        elif verdict == "corrected":
            if key == "structure":
                structure["typical_structure"] = str(value)
            elif kind == "tone" and name in TONE_DIMENSIONS:
                profile["tone"][name] = max(0.0, min(1.0, float(value)))
    profile["confirmed"] = confirmed
    profile["overridden"] = sorted(overrides)
    summary_override = overrides.get("summary")
    if summary_override and summary_override[0] == "corrected":
        profile["summary"] = str(summary_override[1])
    else:
        profile["summary"] = summarise(profile)
    return profile
