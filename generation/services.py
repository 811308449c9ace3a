"""Generating three ranked drafts, and learning from what the creator does with them."""

from __future__ import annotations

import difflib
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import close_old_connections, transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from core.jobs import abandoned_jobs, job_claim
from generation.models import (
    ContentType,
    Generation,
    GenerationStatus,
    Lesson,
    LessonKind,
    RefineMessage,
    RejectReason,
    Variation,
    VariationStatus,
)
from llm import registry
from llm.base import ChatRequest, LLMResult
from llm.providers.offline import ANGLES
from llm.services import usage_record
from personas.models import Persona
from posts.models import Post
from posts.rules import PLATFORM_MAX_LENGTH
from posts.selectors import similar_posts
from voice import scoring
from voice.models import Overlay, VoiceProfile
from voice.services import scoring_model
from voice.text import stop_words, words

PROMPTS = Path(__file__).parent / "prompts"
PROMPT_VERSION = "variation_v1"
REFINE_PROMPT = "refine_v1"
TOPIC_MAX = 300
MESSAGE_MAX = 1000
MAX_REFINE_MESSAGES = 10
LOW_MATCH = 60
ACTIVE = (GenerationStatus.QUEUED, GenerationStatus.RUNNING)


def load_prompt(name: str) -> str:
    return (PROMPTS / f"{name}.txt").read_text(encoding="utf-8").strip()


# --- Limits ---------------------------------------------------------------------------------


def limit_check(user: User) -> None:
    """Per user GENERATIONS_PER_HOUR and _PER_DAY, over rolling windows; the message says when
    the next generation is possible."""
    now = timezone.now()
    for window, limit, label in (
        (timedelta(hours=1), settings.GENERATIONS_PER_HOUR, "an hour"),
        (timedelta(days=1), settings.GENERATIONS_PER_DAY, "a day"),
    ):
        recent = Generation.objects.filter(requested_by=user, created_at__gte=now - window)
        if recent.count() >= limit:
            oldest = recent.order_by("-created_at").values_list("created_at", flat=True)[limit - 1]
            next_at = timezone.localtime(oldest + window)
            raise ValidationError(
                f"You have reached {limit} generations {label}. The next one is possible at "
                f"{next_at:%H:%M}{'' if window.days == 0 else f' on {next_at:%d %b}'} "
                f"({settings.TIME_ZONE})."
            )


# --- Requesting -----------------------------------------------------------------------------


def current_version(persona: Persona) -> VoiceProfile | None:
    return persona.voice_versions.order_by("-version").first()


@transaction.atomic
def generation_request(
    *,
    persona: Persona,
    user: User,
    role: str,
    topic: str,
    content_type: str = ContentType.SHORT,
    creativity: int = 30,
    overlay: Overlay | None = None,
) -> Generation:
    require(role, Action.EDIT)
    topic = topic.strip()
    if not topic:
        raise ValidationError("Tell us what the post is about.")
    if current_version(persona) is None:
        raise ValidationError(
            "Analyse this persona's voice first: drafts are written and scored against it."
        )
    if overlay is not None and overlay.persona_id != persona.pk:
        raise ValidationError("That overlay belongs to another persona.")
    User.objects.select_for_update().filter(pk=user.pk).first()  # one limit check at a time
    limit_check(user)
    generation = Generation.objects.create(
        persona=persona,
        requested_by=user,
        topic=topic[:TOPIC_MAX],
        content_type=content_type,
        creativity=max(0, min(100, creativity)),
        overlay=overlay,
        prompt_version=PROMPT_VERSION,
    )
    from generation.tasks import run_generation

    transaction.on_commit(lambda: run_generation.delay(generation.pk))
    return generation


@transaction.atomic
def generation_retry(*, generation: Generation, user: User, role: str) -> Generation:
    """A failed generation again, with the same inputs (counts towards the limits)."""
    return generation_request(
        persona=generation.persona,
        user=user,
        role=role,
        topic=generation.topic,
        content_type=generation.content_type,
        creativity=generation.creativity,
        overlay=generation.overlay,
    )


# --- Context --------------------------------------------------------------------------------


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


def assemble_context(generation: Generation) -> tuple[dict[str, Any], dict[str, Any]]:
    """The material the drafts are written from, and a record of what it was."""
    persona = generation.persona
    version = current_version(persona)
    if version is None:
        raise ValidationError("This persona has no voice profile any more; analyse it again.")
    profile = version.profile
    lessons = lessons_for(persona)
    overlay = generation.overlay
    recorded = generation.context.get("post_ids")
    if recorded is not None:
        # Refinements and regenerations write from what the first drafts were written from
        # (no second embedding and vector search).
        by_id = Post.objects.only("id", "text").in_bulk(
            recorded + generation.context.get("recent_post_ids", [])
        )
        chosen = [by_id[i] for i in recorded if i in by_id]
        recent = [by_id[i] for i in generation.context.get("recent_post_ids", []) if i in by_id]
    else:
        # Similar posts, preferring top performers among the close ones.
        close = similar_posts(persona, generation.topic, k=12)
        close.sort(key=lambda p: p.distance - (p.performance_score or 50) / 1000)  # type: ignore[attr-defined]
        chosen = close[:6]
        recent = list(
            Post.objects.filter(persona=persona)
            .exclude(pk__in=[p.pk for p in chosen])
            .order_by("-posted_at")
            .only("id", "text")[:3]
        )
    posts = chosen + recent
    if len(posts) < 3:  # posts not embedded yet: the best performers instead
        posts += list(
            Post.objects.filter(persona=persona)
            .exclude(pk__in=[p.pk for p in posts])
            .order_by("-performance_score")
            .only("id", "text")[:6]
        )
    material = build_material(
        profile=profile,
        posts=[p.text for p in posts],
        topic=generation.topic,
        content_type=generation.content_type,
        creativity=generation.creativity,
        lessons=lessons,
        overlay=overlay,
        platform=persona.platform,
    )
    minimum, target, maximum = (
        material["min_chars"],
        material["target_chars"],
        material["max_chars"],
    )
    record = {
        "post_ids": [p.pk for p in chosen],
        "recent_post_ids": [p.pk for p in posts[len(chosen) :]],  # recent (or best) posts
        "voice_version": version.version,
        "voice_version_id": version.pk,
        "prompt_version": PROMPT_VERSION,
        "lessons": lessons,
        "length": [minimum, target, maximum],
        "overlay": overlay.name if overlay else None,
    }
    return material, record


def build_material(
    *,
    profile: dict[str, Any],
    posts: list[str],
    topic: str,
    content_type: str,
    creativity: int,
    lessons: dict[str, Any],
    overlay: Overlay | None,
    platform: str,
) -> dict[str, Any]:
    """What a draft is written from, as plain data (the offline writer reads it directly; a
    model gets it as delimited blocks)."""
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
        "hashtags": sum(1 for p in posts if "#" in p) * 2 >= len(posts) > 0,
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


def _block(name: str, content: str) -> str:
    # Delimited so that nothing a creator or a post wrote can pass for an instruction.
    content = content.replace(f"</{name}>", "")
    return f"<{name}>\n{content}\n</{name}>"


def chat_request(
    material: dict[str, Any], *, prompt: str, seed: int, extra: str = ""
) -> ChatRequest:
    """The same material as delimited blocks for a model, and as structure for offline."""
    lessons = []
    if material.get("avoid"):
        lessons.append("Never use: " + "; ".join(material["avoid"]))
    if material.get("keep"):
        lessons.append("Phrases they like: " + "; ".join(material["keep"]))
    blocks = [
        _block("voice", material["profile"].get("summary", "")),
        _block("their_posts", "\n---\n".join(material["posts"])),
        _block("lessons", "\n".join(lessons)),
        _block("overlay", str(material.get("overlay") or "")),
        _block("topic", material["topic"]),
    ]
    if material.get("draft"):
        blocks.append(_block("current_draft", material["draft"]))
        blocks.append(_block("request", material.get("instruction", "")))
    task = (
        f"Angle: {material.get('angle', 'any')}. Language: {material['language']}. "
        f"Length: {material['min_chars']}–{material['max_chars']} characters "
        f"(aim for about {material['target_chars']}). "
        f"Creativity: {material.get('creativity', 30)}/100 (0 stays close to their own posts, "
        f"100 departs freely). {extra}"
    ).strip()
    temperature = 0.2 + 1.0 * material.get("creativity", 30) / 100
    return ChatRequest(
        system=load_prompt(prompt),
        messages=[{"role": "user", "content": "\n\n".join([*blocks, task])}],
        temperature=round(temperature, 2),
        seed=seed,
        material=material,
    )


_POST = re.compile(r"<post>(.*?)</post>", re.S)


def parse_post(text: str) -> str:
    match = _POST.search(text)
    return (match.group(1) if match else text).strip()


def length_problem(text: str, material: dict[str, Any]) -> str:
    if not text.strip():
        return "empty"
    if len(text) > material["max_chars"]:
        return f"{len(text)} characters, more than {material['max_chars']}"
    if len(text) < material["min_chars"]:
        return f"{len(text)} characters, fewer than {material['min_chars']}"
    return ""


def write_checked(
    material: dict[str, Any], *, prompt: str, seed: int
) -> tuple[LLMResult, list[registry.Attempt], str]:
    """One draft; empty or off-length output is asked for once more with explicit guidance.
    Returns (result, attempts, warning)."""
    result, attempts = registry.chat(chat_request(material, prompt=prompt, seed=seed))
    text = parse_post(result.text)
    problem = length_problem(text, material)
    if problem:
        guidance = (
            f"Your previous answer was {problem}. Write between {material['min_chars']} and "
            f"{material['max_chars']} characters."
        )
        result, more = registry.chat(
            chat_request(material, prompt=prompt, seed=seed + 7, extra=guidance)
        )
        attempts += more
        text = parse_post(result.text)
        problem = length_problem(text, material)
    result = LLMResult(**{**result.__dict__, "text": text})
    warning = f"Still off-length after a retry ({problem})." if problem else ""
    return result, attempts, warning


# --- Scoring --------------------------------------------------------------------------------


def score_texts(version: VoiceProfile, texts: list[str]) -> list[scoring.VoiceScore]:
    model = scoring_model(version)
    if not model:
        return [scoring.VoiceScore(0, 0, 0, 0) for _ in texts]
    embeddings: Any = [None] * len(texts)
    if model.get("centroid") is not None:
        from llm.embeddings import get_embedder

        embeddings = get_embedder().embed_passages(texts)
    return [scoring.score(t, model, e) for t, e in zip(texts, embeddings, strict=True)]


# --- The job --------------------------------------------------------------------------------


def _progress(generation_id: int, progress: int, stage: str, **extra: Any) -> None:
    Generation.objects.filter(pk=generation_id).update(
        progress=progress, stage=stage, updated_at=timezone.now(), **extra
    )


def generation_run(*, generation_id: int) -> Generation | None:
    """The Celery job. Claimed with a conditional update: safe to deliver twice."""
    if not job_claim(
        Generation,
        generation_id,
        queued=GenerationStatus.QUEUED,
        running=GenerationStatus.RUNNING,
        progress=10,
        stage="Gathering your posts and voice",
    ):
        return None
    started = time.perf_counter()
    generation = Generation.objects.select_related("persona__workspace", "overlay").get(
        pk=generation_id
    )
    Variation.objects.filter(generation=generation).delete()  # a redelivered run starts over
    try:
        material, record = assemble_context(generation)
    except ValidationError as error:
        _progress(
            generation_id,
            100,
            "",
            status=GenerationStatus.FAILED,
            error=" ".join(error.messages),
            error_kind="context",
        )
        return generation
    _progress(generation_id, 30, "Writing three variations", context=record)

    def one(index: int) -> tuple[str, Any]:
        angle = ANGLES[index]
        try:
            result, attempts, warning = write_checked(
                {**material, "angle": angle, "variation_index": index},
                prompt=PROMPT_VERSION,
                seed=generation.pk * 10 + index,
            )
            return angle, (result, attempts, warning)
        except registry.LLMError as error:
            return angle, error
        finally:
            close_old_connections()

    # Three requests at once: the wall time is about that of one call.
    with ThreadPoolExecutor(max_workers=len(ANGLES)) as pool:
        outcomes = list(pool.map(one, range(len(ANGLES))))

    written = []
    errors: list[registry.LLMError] = []
    attempts: list[registry.Attempt] = []
    for angle, outcome in outcomes:
        if isinstance(outcome, registry.LLMError):
            errors.append(outcome)
            attempts += outcome.attempts
        else:
            written.append((angle, *outcome))
            attempts += outcome[1]
    usage_record(
        attempts=attempts,
        workspace=generation.persona.workspace,
        persona=generation.persona,
        user=generation.requested_by,
        purpose="generation",
    )
    if not written:
        error = errors[0]
        _progress(
            generation_id,
            100,
            "",
            status=GenerationStatus.FAILED,
            error=_user_message(error),
            error_kind=error.kind,
        )
        return generation

    _progress(generation_id, 80, "Scoring against your voice")
    version = VoiceProfile.objects.get(pk=record["voice_version_id"])
    scores = score_texts(version, [result.text for _, result, _, _ in written])
    variations = [
        Variation(
            generation=generation,
            angle=angle,
            text=result.text,
            original_text=result.text,
            score=s.overall,
            score_structure=s.structure,
            score_tone=s.tone,
            score_vocabulary=s.vocabulary,
            provider=result.provider,
            model=result.model,
            duration_ms=result.latency_ms,
            warning=warning,
        )
        for (angle, result, _, warning), s in zip(written, scores, strict=True)
    ]
    variations.sort(key=lambda v: -v.score)
    for rank, variation in enumerate(variations, start=1):
        variation.rank = rank
    Variation.objects.bulk_create(variations)
    missing = (
        f"{len(errors)} of {len(ANGLES)} drafts could not be written: {_user_message(errors[0])}"
        if errors
        else ""
    )
    _progress(
        generation_id,
        100,
        "Done",
        status=GenerationStatus.DONE,
        error=missing,
        error_kind=errors[0].kind if errors else "",
        duration_ms=round((time.perf_counter() - started) * 1000),
    )
    return generation


def dispatch_abandoned_generations() -> int:
    """Beat: generations never picked up, or whose worker died, are sent to a worker again;
    the claim makes a duplicate delivery harmless."""
    from generation.tasks import run_generation

    abandoned = abandoned_jobs(
        Generation, queued=GenerationStatus.QUEUED, running=GenerationStatus.RUNNING
    )
    for generation_id in abandoned:
        run_generation.delay(generation_id)
    return len(abandoned)


def _user_message(error: registry.LLMError) -> str:
    if error.permanent:
        return str(error)
    what = {
        "timeout": "The model timed out",
        "rate_limit": "The model is rate-limiting us",
        "unavailable": "The model is unavailable",
        "malformed": "The model sent an unreadable answer",
    }.get(error.kind, "The model failed")
    return f"{what} ({error}). Nothing is lost: retry in a moment."


# --- Feedback -------------------------------------------------------------------------------


def _phrases_removed_and_added(before: str, after: str) -> tuple[list[str], list[str]]:
    """Word runs of 2–8 words the creator deleted, and ones they added."""
    a, b = before.split(), after.split()
    removed, added = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag in ("delete", "replace") and 2 <= i2 - i1 <= 8:
            removed.append(" ".join(a[i1:i2]).strip(".,;:!?"))
        if tag in ("insert", "replace") and 2 <= j2 - j1 <= 8:
            added.append(" ".join(b[j1:j2]).strip(".,;:!?"))
    return removed, added


def _learn(persona: Persona, kind: str, value: str, source: Variation) -> None:
    value = value.strip()[:200]
    if not value:
        return
    if kind == LessonKind.LENGTH:
        Lesson.objects.filter(persona=persona, kind=kind).exclude(value=value).update(active=False)
    Lesson.objects.update_or_create(
        persona=persona, kind=kind, value=value, defaults={"source": source, "active": True}
    )
    if kind in (LessonKind.AVOID, LessonKind.KEEP):  # a phrase is one or the other
        other = LessonKind.KEEP if kind == LessonKind.AVOID else LessonKind.AVOID
        Lesson.objects.filter(persona=persona, kind=other, value__iexact=value).delete()


_NOTE_PHRASE = re.compile(r"[\"“'‘«]([^\"”'’»]{2,80})[\"”'’»]")


def _learn_from_note(persona: Persona, note: str, source: Variation) -> None:
    """Quoted phrases in a note ("never start with 'Here's what'") are phrases to avoid."""
    for phrase in _NOTE_PHRASE.findall(note):
        _learn(persona, LessonKind.AVOID, phrase, source)


def _learn_from_edit(persona: Persona, before: str, after: str, source: Variation) -> str:
    removed, added = _phrases_removed_and_added(before, after)
    for phrase in removed:
        _learn(persona, LessonKind.AVOID, phrase, source)
    for phrase in added:
        _learn(persona, LessonKind.KEEP, phrase, source)
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            "draft",
            "edited",
        )
    )


def _near_identical(a: str, b: str, threshold: float = 0.85) -> bool:
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    # The cheap upper bounds rule out almost every pair before the full comparison.
    return (
        matcher.real_quick_ratio() >= threshold
        and matcher.quick_ratio() >= threshold
        and matcher.ratio() >= threshold
    )


def _flag_contradictions(variation: Variation) -> None:
    """Accepting and rejecting near-identical drafts of one persona is flagged on both."""
    opposite = (
        VariationStatus.REJECTED
        if variation.status == VariationStatus.ACCEPTED
        else VariationStatus.ACCEPTED
    )
    candidates = (
        Variation.objects.filter(
            generation__persona_id=variation.generation.persona_id, status=opposite
        )
        .order_by("-decided_at")
        .values_list("pk", "text")[:200]
    )
    clashing = [pk for pk, text in candidates if _near_identical(text, variation.text)]
    if clashing:
        Variation.objects.filter(pk__in=[*clashing, variation.pk]).update(
            flagged_contradiction=True
        )


@transaction.atomic
def variation_accept(
    *, variation: Variation, role: str, user: User, final_text: str | None = None
) -> Variation:
    require(role, Action.EDIT)
    persona = variation.generation.persona
    if final_text is not None and final_text.strip() and final_text.strip() != variation.text:
        variation.edit_diff = _learn_from_edit(
            persona, variation.text, final_text.strip(), variation
        )
        variation.text = final_text.strip()
    variation.status = VariationStatus.ACCEPTED
    variation.reject_reasons = []
    variation.decided_at = timezone.now()
    variation.save(
        update_fields=["text", "edit_diff", "status", "reject_reasons", "decided_at", "updated_at"]
    )
    _flag_contradictions(variation)
    return variation


@transaction.atomic
def variation_reject(
    *, variation: Variation, role: str, user: User, reasons: list[str], note: str = ""
) -> Variation:
    require(role, Action.EDIT)
    reasons = [r for r in reasons if r in RejectReason.values]
    if not reasons:
        raise ValidationError("Pick at least one reason: it is how the next drafts improve.")
    if RejectReason.OTHER in reasons and not note.strip():
        raise ValidationError("Say in a few words what was wrong (you picked “other”).")
    persona = variation.generation.persona
    if RejectReason.LENGTH in reasons:
        target = variation.generation.context.get("length", [0, len(variation.text), 0])[1]
        wants = "shorter" if len(variation.text) >= target * 0.8 else "longer"
        if re.search(r"\b(longer|more|mais longo|más largo)\b", note.lower()):
            wants = "longer"
        elif re.search(r"\b(shorter|too long|mais curto|más corto)\b", note.lower()):
            wants = "shorter"
        _learn(persona, LessonKind.LENGTH, wants, variation)
    _learn_from_note(persona, note, variation)
    variation.status = VariationStatus.REJECTED
    variation.reject_reasons = reasons
    variation.feedback_note = note.strip()[:2000]
    variation.decided_at = timezone.now()
    variation.save(
        update_fields=["status", "reject_reasons", "feedback_note", "decided_at", "updated_at"]
    )
    _flag_contradictions(variation)
    return variation


@transaction.atomic
def variation_edit(*, variation: Variation, role: str, user: User, text: str) -> Variation:
    require(role, Action.EDIT)
    text = text.strip()
    if not text:
        raise ValidationError("The draft cannot be empty.")
    maximum = variation.generation.context.get("length", [0, 0, 100_000])[2] * 2
    if len(text) > maximum:
        raise ValidationError(f"That is {len(text)} characters; keep it under {maximum}.")
    if text == variation.text:
        return variation
    persona = variation.generation.persona
    variation.edit_diff = _learn_from_edit(persona, variation.text, text, variation)
    variation.text = text
    version = current_version(persona)
    if version is not None:
        _apply_score(variation, score_texts(version, [text])[0])
    variation.save(
        update_fields=[
            "text",
            "edit_diff",
            "score",
            "score_structure",
            "score_tone",
            "score_vocabulary",
            "updated_at",
        ]
    )
    return variation


def _apply_score(variation: Variation, s: scoring.VoiceScore) -> None:
    variation.score = s.overall
    variation.score_structure = s.structure
    variation.score_tone = s.tone
    variation.score_vocabulary = s.vocabulary


def _rewrite(
    variation: Variation, user: User, *, purpose: str, prompt: str, seed: int, **extra: Any
) -> tuple[LLMResult, str]:
    """One new draft for a variation from the generation's recorded context plus `extra`
    (a refinement request, say), with a ledger row per attempt and the provider's failure as
    a message the creator can act on. Returns (result, warning) with the variation re-scored."""
    generation = variation.generation
    material, _ = assemble_context(generation)
    material = {**material, "angle": variation.angle, **extra}
    try:
        result, attempts, warning = write_checked(material, prompt=prompt, seed=seed)
    except registry.LLMError as error:
        attempts, failure = error.attempts, error
    else:
        failure = None
    usage_record(
        attempts=attempts,
        workspace=generation.persona.workspace,
        persona=generation.persona,
        user=user,
        purpose=purpose,
    )
    if failure is not None:
        raise ValidationError(_user_message(failure))
    version = current_version(generation.persona)
    if version is not None:
        _apply_score(variation, score_texts(version, [result.text])[0])
    variation.text = result.text
    variation.provider, variation.model, variation.warning = result.provider, result.model, warning
    return result, warning


_REWRITTEN_FIELDS = [
    "text",
    "score",
    "score_structure",
    "score_tone",
    "score_vocabulary",
    "provider",
    "model",
    "warning",
    "updated_at",
]


def variation_refine(*, variation: Variation, role: str, user: User, message: str) -> Variation:
    """One round of the refinement chat: the reply is a revised draft, scored again."""
    require(role, Action.EDIT)
    message = message.strip()
    if not message:
        raise ValidationError("Write what you would like changed.")
    if len(message) > MESSAGE_MAX:
        raise ValidationError(f"Keep a message under {MESSAGE_MAX} characters.")
    used = RefineMessage.objects.filter(
        variation__generation=variation.generation, role="user"
    ).count()
    if used >= MAX_REFINE_MESSAGES:
        raise ValidationError(
            f"This generation has used its {MAX_REFINE_MESSAGES} refinement messages; "
            "start a new generation to keep going."
        )
    result, _ = _rewrite(
        variation,
        user,
        purpose="refine",
        prompt=REFINE_PROMPT,
        seed=variation.pk * 100 + used,
        draft=variation.text,
        instruction=message,
        min_chars=20,  # "shorter" is the creator's call; only the platform maximum holds
    )
    with transaction.atomic():
        RefineMessage.objects.create(variation=variation, role="user", text=message)
        RefineMessage.objects.create(
            variation=variation,
            role="assistant",
            text=result.text,
            score=variation.score,
            provider=result.provider,
        )
        variation.save(update_fields=_REWRITTEN_FIELDS)
    return variation


def variation_regenerate(*, variation: Variation, role: str, user: User) -> Variation:
    """A new draft for the same angle, with the lessons learned so far; earlier feedback on
    this variation no longer applies to it."""
    require(role, Action.EDIT)
    _rewrite(
        variation,
        user,
        purpose="regenerate",
        prompt=PROMPT_VERSION,
        seed=variation.pk * 1000 + int(time.time()) % 997,
        variation_index=ANGLES.index(variation.angle) if variation.angle in ANGLES else 0,
    )
    variation.original_text = variation.text
    variation.status = VariationStatus.PROPOSED
    variation.reject_reasons, variation.feedback_note, variation.edit_diff = [], "", ""
    variation.save(
        update_fields=[
            *_REWRITTEN_FIELDS,
            "original_text",
            "status",
            "reject_reasons",
            "feedback_note",
            "edit_diff",
        ]
    )
    return variation
