"""What drafts are written from.

The persona's posts closest to the topic (preferring top performers), recent posts, the current
voice version, the lessons feedback taught, an overlay, and the length range — as plain data, and as
a record kept on the generation."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.core.exceptions import ValidationError

from generation.models import ContentType, Generation, Lesson, LessonKind
from language.commonness import general_zipf
from language.injection import without_instructions
from language.text import stop_words, words
from llm.services import embed_for, embedding_model_name
from personas.models import Persona
from pillars import discovery
from pillars.selectors import pillar_of_posts, pillar_post_ids
from pillars.services import reference_vectors
from posts import selectors as posts
from posts.rules import PLATFORM_MAX_LENGTH
from voice.models import Overlay
from voice.selectors import latest_voice_version

PROMPT_VERSION = "variation_v1"
UNEMBEDDED_READ = 50  # best posts read for the topic's words while none is embedded
COMMON_ZIPF = 5.5  # a word this common in the language (zipf scale) says nothing of a topic


def lessons_for(persona: Persona) -> dict[str, Any]:
    lessons = (
        Lesson.objects.filter(persona=persona, active=True)
        .select_related("source")
        .order_by("-created_at")
    )
    found: dict[str, Any] = {"length": None, "length_reference": None, "avoid": [], "keep": []}
    for lesson in lessons:
        if lesson.kind == LessonKind.LENGTH:
            if found["length"] is None:  # the newest wins
                found["length"] = lesson.value
                # The draft that was rejected as too long (or short): the next ones move
                # away from *it*, not only from the usual target.
                found["length_reference"] = len(lesson.source.text) if lesson.source else None
        else:
            found[lesson.kind].append(lesson.value)
    return found


def lessons_in_profile(persona: Persona) -> dict[str, Any]:
    """Voice hook: the lessons travel with each new voice version they describe."""
    return {"lessons": lessons_for(persona)}


def key_terms(topic: str, language: str) -> list[str]:
    stops = stop_words(language)
    return [w for w in words(topic) if w.lower() not in stops and len(w) > 2] or words(topic)


def length_range(
    platform: str,
    profile: dict[str, Any],
    content_type: str,
    lessons: dict[str, Any],
    overlay: Overlay | None,
) -> tuple[int, int, int]:
    """(minimum, target, maximum) characters for a draft."""
    platform_max = PLATFORM_MAX_LENGTH.get(platform, 3000)
    median = profile.get("structure", {}).get("length", {}).get("chars_median") or 280
    target = median if content_type == ContentType.SHORT else max(2 * median, 700)
    factor = 1.0
    for preference in (lessons.get("length"), overlay.length_preference if overlay else None):
        if preference == "shorter":
            factor *= 0.7
        elif preference == "longer":
            factor *= 1.35
    target = int(target * factor)
    reference = lessons.get("length_reference")
    if reference and lessons.get("length") == "shorter":
        target = min(target, int(reference * 0.75))
    elif reference and lessons.get("length") == "longer":
        target = max(target, int(reference * 1.35))
    target = max(60, min(target, platform_max))
    maximum = min(platform_max, int(target * 1.6) + 40)
    minimum = min(max(40, int(target * 0.4)), maximum - 20)
    return minimum, target, maximum


def _source_posts(generation: Generation) -> tuple[list[Any], list[Any]]:
    """(posts about the topic, other posts for the style only).

    About the topic: of the nearest posts, those the topic is unusually close to
    (`pillars.discovery.on_topic`) or that use its own words (while none is embedded, the best
    posts using them), within the pillar when one is chosen.
    The style: the pillar's most typical posts, the recent ones, or the best performers."""
    persona = generation.persona
    recorded = generation.context.get("post_ids")
    if recorded is not None:
        # Refinements and regenerations write from what the first drafts were written from
        # (no second embedding and vector search).
        others = generation.context.get("recent_post_ids", [])
        by_id = posts.post_texts(persona, recorded + others)
        return [by_id[i] for i in recorded if i in by_id], [by_id[i] for i in others if i in by_id]
    # Similar posts that are about the topic (the nearest of a persona's posts to a topic they
    # never wrote about are not), preferring top performers among the close ones.
    topic = embed_for(persona, [generation.topic], purpose="search", query=True)[0]
    close = posts.similar_posts(persona, topic, k=12)
    if close:
        about = about_topic(
            generation.topic,
            topic,
            [p.text for p in close],
            np.array([p.vector for p in close]),  # type: ignore[attr-defined]
            persona.language,
        )
        close = [p for p, kept in zip(close, about, strict=True) if kept]
    else:  # nothing embedded yet: the posts that use the topic's words
        terms = own_terms(generation.topic, persona.language)
        close = [
            p
            for p in posts.best_posts(persona, exclude=[], limit=UNEMBEDDED_READ)
            if _mentions(p.text, terms)
        ]
    close.sort(key=lambda p: getattr(p, "distance", 0) - (p.performance_score or 50) / 1000)
    style: list[Any] = []
    if generation.pillar_id:
        # A chosen pillar: only its posts about the topic; its most typical ones show the style.
        of_pillar = pillar_of_posts(persona, [p.pk for p in close])
        close = [p for p in close if of_pillar.get(p.pk) == generation.pillar_id]
        typical = pillar_post_ids(generation.pillar_id, limit=3)
        extra = posts.post_texts(persona, [i for i in typical if i not in {p.pk for p in close}])
        style = [extra[i] for i in typical if i in extra]
    chosen = close[:6]
    taken = [p.pk for p in chosen + style]
    style += posts.recent_posts(persona, exclude=taken, limit=3)
    if len(chosen) + len(style) < 3:  # few recent posts: the best performers show the style
        style += posts.best_posts(persona, exclude=[p.pk for p in chosen + style], limit=6)
    return chosen, style


def own_terms(topic: str, language: str) -> list[str]:
    """The topic's own words ("sourdough", "pricing"), not everyone's ("best", "new")."""
    return [
        t for t in key_terms(topic, language) if general_zipf(t.lower(), language) < COMMON_ZIPF
    ]


def about_topic(
    topic: str, topic_vector: np.ndarray, texts: list[str], vectors: np.ndarray, language: str
) -> list[bool]:
    """Which of these posts a draft on the topic may take lines from.

    Those the topic is unusually close to (`pillars.discovery.on_topic`) and those that use
    the topic's own words. The nearest of a persona's posts to a topic they never wrote about
    are not about it: a sketch built from them mixes unrelated posts."""
    near = discovery.on_topic(topic_vector, vectors, reference_vectors(embedding_model_name()))
    terms = own_terms(topic, language)
    return [bool(n) or _mentions(text, terms) for n, text in zip(near, texts, strict=True)]


def _mentions(text: str, terms: list[str]) -> bool:
    """Whether the text uses one of the terms (or a form of it: "price", "prices", "pricing")."""
    stems = [t.lower()[: max(4, len(t) - 3)] for t in terms]
    return any(w.startswith(stem) for w in words(text) for stem in stems)


def assemble_context(generation: Generation) -> tuple[dict[str, Any], dict[str, Any]]:
    """The material the drafts are written from, and a record of what it was."""
    persona = generation.persona
    version = latest_voice_version(persona)
    if version is None:
        raise ValidationError("This persona has no voice profile any more; analyse it again.")
    lessons = lessons_for(persona)
    overlay = generation.overlay
    chosen, others = _source_posts(generation)
    # Imported posts are untrusted: what reads as an instruction to a model is left out.
    texts = [without_instructions(p.text) for p in chosen + others]
    material = build_material(
        profile=version.profile,
        posts=[t for t in texts[: len(chosen)] if t],
        style_posts=[t for t in texts[len(chosen) :] if t],
        topic=generation.topic,
        content_type=generation.content_type,
        creativity=generation.creativity,
        lessons=lessons,
        overlay=overlay,
        platform=persona.platform,
    )
    material["opening"] = generation.opening
    record = {
        "post_ids": [p.pk for p in chosen],
        "recent_post_ids": [p.pk for p in others],  # recent (or best) posts
        "voice_version": version.version,
        "voice_version_id": version.pk,
        "prompt_version": PROMPT_VERSION,
        "lessons": lessons,
        "length": [material["min_chars"], material["target_chars"], material["max_chars"]],
        "overlay": overlay.name if overlay else None,
        "pillar": generation.pillar.name if generation.pillar else None,
        "opening": generation.opening,
    }
    return material, record


def build_material(
    *,
    profile: dict[str, Any],
    posts: list[str],
    topic: str,
    style_posts: tuple[str, ...] | list[str] = (),
    content_type: str,
    creativity: int,
    lessons: dict[str, Any],
    overlay: Overlay | None,
    platform: str,
) -> dict[str, Any]:
    """What a draft is written from, as plain data.

    `posts` are the persona's posts about the topic (what a draft may take lines from),
    `style_posts` others, for how they write only. The offline writer reads it directly; a model
    gets it as delimited blocks."""
    language = profile.get("language", "en")
    minimum, target, maximum = length_range(platform, profile, content_type, lessons, overlay)
    return {
        "language": language,
        "topic": topic,
        "key_terms": key_terms(topic, language),
        "content_type": content_type,
        "creativity": creativity,
        "target_chars": target,
        "min_chars": minimum,
        "max_chars": maximum,
        "posts": posts,
        "style_posts": list(style_posts),
        "profile": {
            "structure": profile.get("structure", {}),
            "fingerprint": {
                k: profile.get("fingerprint", {}).get(k)
                for k in ("emoji", "punctuation", "characteristic_phrases")
            },
            "summary": profile.get("summary", ""),
        },
        "avoid": list(lessons.get("avoid", [])),
        "keep": list(lessons.get("keep", [])),
        "hashtags": sum(1 for p in [*posts, *style_posts] if "#" in p) * 2
        >= len(posts) + len(style_posts)
        > 0,
        "overlay": _overlay_dict(overlay),
        "no_emoji": bool(overlay and overlay.tone_shift >= 0.5),
        "structure": overlay.structure_override if overlay else "",
    }


def _overlay_dict(overlay: Overlay | None) -> dict[str, Any] | None:
    if overlay is None:
        return None
    return {
        "name": overlay.name,
        "tone_shift": overlay.tone_shift,
        "length_preference": overlay.length_preference,
        "structure_override": overlay.structure_override,
        "notes": overlay.notes,
    }
