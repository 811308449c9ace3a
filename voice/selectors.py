"""Reads of a persona's voice for this app and the apps above it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from core.cache import remembered
from core.models import JobStatus
from personas.models import Persona
from voice.analysis import WeightedPost, analyse
from voice.models import Overlay, VoiceAnalysis, VoiceProfile

MIN_POSTS = 5  # a voice needs at least this many posts to analyse
RECOMMENDED_POSTS = 10  # … and this many give a truer picture
# How long the current version stays cached at most. Every save or delete of a version clears it
# (voice.apps), as does the drift check's update; this bounds a change made while Redis was down.
CURRENT_VOICE_SECONDS = 300
# A page that read the old settled row just before a new analysis committed shows it this long.
SETTLED_ANALYSIS_SECONDS = 60


def latest_voice_version(
    persona: Persona | int, *, fields: Sequence[str] | None = None
) -> VoiceProfile | None:
    """The persona's current voice: its newest version (None before the first analysis)."""
    versions = VoiceProfile.objects.filter(persona=persona).order_by("-version")
    if fields:
        versions = versions.only(*fields)
    return versions.first()


def current_voice_key(persona_id: int) -> str:
    return f"voice:current:{persona_id}"


def current_voice(persona: Persona | int) -> VoiceProfile | None:
    """The persona's current voice as pages show it, from the cache.

    `latest_voice_version` without the analysis's raw findings (`raw` loads if asked for). The
    dashboard and the voice page read it on every view; jobs read the database."""
    persona_id = persona if isinstance(persona, int) else persona.pk

    def read() -> tuple[VoiceProfile | None]:
        newest = VoiceProfile.objects.filter(persona_id=persona_id).defer("raw")
        return (newest.order_by("-version").first(),)  # a tuple: "no version yet" is cached too

    return remembered(current_voice_key(persona_id), read, CURRENT_VOICE_SECONDS)[0]


def voice_version(persona: Persona | int, version_id: int) -> VoiceProfile | None:
    """One version of this persona's voice (None when the id is another persona's)."""
    return VoiceProfile.objects.filter(persona=persona, pk=version_id).first()


def voice_history(persona: Persona) -> QuerySet[VoiceProfile]:
    return VoiceProfile.objects.filter(persona=persona).order_by("-version")


def latest_analysis_key(persona_id: int) -> str:
    return f"voice:analysis:{persona_id}"


def latest_analysis(persona: Persona) -> VoiceAnalysis | None:
    """The persona's newest analysis, from the cache once it is settled (done or failed).

    A settled row changes no more and a newer one is saved (which clears the entry), so only an
    analysis under way — moved on by its job's `update()`s, which send no signal — is read from
    the database on every view."""

    def read() -> tuple[VoiceAnalysis | None]:  # a tuple: "none yet" is cached too
        return (VoiceAnalysis.objects.filter(persona=persona).order_by("-created_at").first(),)

    def settled(found: tuple[VoiceAnalysis | None]) -> bool:
        return found[0] is None or found[0].status in (JobStatus.DONE, JobStatus.FAILED)

    key = latest_analysis_key(persona.pk)
    return remembered(key, read, SETTLED_ANALYSIS_SECONDS, keep=settled)[0]


def overlays_of(persona: Persona) -> QuerySet[Overlay]:
    return Overlay.objects.filter(persona=persona).order_by("name")


def confirmed_phrases(persona: Persona) -> list[str]:
    """What the creator said "sounds like me" to, as text.

    Confirmed phrases and words, and the example lines of confirmed openings and closings in the
    latest version."""
    from voice.models import Verdict, VoiceOverride
    from voice.overrides import reviewable_patterns

    keys = set(
        VoiceOverride.objects.filter(persona=persona, verdict=Verdict.CONFIRMED).values_list(
            "key", flat=True
        )
    )
    if not keys:
        return []
    found = [key.partition(":")[2] for key in keys if key.startswith(("phrase:", "word:"))]
    latest = latest_voice_version(persona)
    if latest is not None and latest.profile:
        try:
            patterns = reviewable_patterns(latest.profile)
        except (KeyError, TypeError):
            patterns = []
        found += [item["example"] for item in patterns if item["key"] in keys and item["example"]]
    return [phrase for phrase in found if phrase.strip()]


def version_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, object]:
    """What differs between two versions' profiles, in the creator's terms."""

    def words(profile: dict[str, Any]) -> list[str]:
        return [w for w, *_ in profile.get("fingerprint", {}).get("characteristic_words", [])]

    def figures(profile: dict[str, Any]) -> dict[str, object]:
        structure, fingerprint = profile.get("structure", {}), profile.get("fingerprint", {})
        return {
            "Words per sentence": structure.get("sentence_length", {}).get("mean"),
            "Median length (chars)": structure.get("length", {}).get("chars_median"),
            "Posts with lists": structure.get("list_share"),
            "Posts with emoji": fingerprint.get("emoji", {}).get("share_of_posts"),
            "Typical shape": structure.get("typical_structure"),
        }

    old_words, new_words = words(before), words(after)
    old_figures, new_figures = figures(before), figures(after)
    return {
        "summary": before.get("summary") != after.get("summary"),
        "words_added": [w for w in new_words if w not in old_words],
        "words_removed": [w for w in old_words if w not in new_words],
        "figures": [
            (name, old_figures[name], new_figures[name])
            for name in old_figures
            if old_figures[name] != new_figures[name]
        ],
    }


def tone_of(text: str, language: str) -> dict[str, float]:
    """The tone one text's words carry (confident, warm …, each 0–1), as a profile reads it."""
    if not text.strip():
        return {}
    return dict(analyse([WeightedPost(text)], language)["tone"])
