from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from core.cache import forget
from core.jobs import (
    ACTIVE,
    JobStatus,
    Lease,
    LeaseLost,
    abandoned_jobs,
    enqueue,
    job_lease,
    send,
)
from llm.services import embedding_model_name
from personas.models import Persona
from personas.services import persona_lock
from posts import selectors as posts
from voice import scoring
from voice.analysis import TONE_DIMENSIONS, WeightedPost, analyse
from voice.hooks import profile_extras
from voice.models import (
    KEEP_CURRENT_VERSIONS,
    Overlay,
    Verdict,
    VoiceAnalysis,
    VoiceOverride,
    VoiceProfile,
)
from voice.overrides import apply_overrides
from voice.reference import reference_vectors
from voice.selectors import (
    MIN_POSTS,
    RECOMMENDED_POSTS,
    current_voice_key,
    latest_voice_version,
    voice_history,
)

RUN_ANALYSIS = "voice.tasks.run_analysis"
ANALYSIS_DEBOUNCE = timedelta(minutes=2)
IMPOSTOR_POSTS = 1000  # other personas' newest posts the voice-match contrast learns against


def _not_enough(count: int) -> ValidationError:
    return ValidationError(
        f"A voice needs at least {MIN_POSTS} posts to analyse; this persona has {count}. "
        f"Add or import more ({RECOMMENDED_POSTS} or more give a truer picture)."
    )


@transaction.atomic
def analysis_request(*, persona: Persona, role: str, user: User | None) -> VoiceAnalysis:
    """On demand. Refuses with a clear message under MIN_POSTS; never runs two at once."""
    require(role, Action.EDIT)
    persona_lock(persona)
    count = posts.post_count(persona)
    if count < MIN_POSTS:
        raise _not_enough(count)
    running = VoiceAnalysis.objects.filter(persona=persona, status__in=ACTIVE).first()
    if running:
        return running
    VoiceAnalysis.objects.filter(persona=persona, status=JobStatus.SCHEDULED).delete()
    analysis = VoiceAnalysis.objects.create(persona=persona, requested_by=user)
    enqueue(RUN_ANALYSIS, analysis.pk)
    return analysis


@transaction.atomic
def analysis_schedule(*, persona_id: int) -> None:
    """After an import: analyse once the imports stop for ANALYSIS_DEBOUNCE (beat picks it up).

    One scheduled analysis per persona (a database constraint): a later import moves it."""
    if posts.post_count(persona_id) < MIN_POSTS:
        return
    persona_lock(persona_id)
    run_after = timezone.now() + ANALYSIS_DEBOUNCE
    updated = VoiceAnalysis.objects.filter(
        persona_id=persona_id, status=JobStatus.SCHEDULED
    ).update(run_after=run_after, updated_at=timezone.now())
    if not updated:
        VoiceAnalysis.objects.create(
            persona_id=persona_id, status=JobStatus.SCHEDULED, run_after=run_after
        )


def _queue_scheduled(analysis_id: int) -> bool:
    """SCHEDULED → QUEUED, unless the persona has an analysis queued or running.

    Then it waits for the next sweep, and analyses the posts that came in meanwhile."""
    try:
        with transaction.atomic():
            return bool(
                VoiceAnalysis.objects.filter(pk=analysis_id, status=JobStatus.SCHEDULED).update(
                    status=JobStatus.QUEUED, updated_at=timezone.now()
                )
            )
    except IntegrityError:  # voice_one_active_analysis
        return False


def dispatch_due_analyses() -> int:
    """Beat: queue analyses whose quiet period is over, and re-queue dead runs.

    Beat: queue scheduled analyses whose quiet period is over, and re-queue runs whose
    worker died (no progress for longer than a task may live)."""
    due = [
        analysis_id
        for analysis_id in VoiceAnalysis.objects.filter(
            status=JobStatus.SCHEDULED, run_after__lte=timezone.now()
        ).values_list("id", flat=True)[:50]
        if _queue_scheduled(analysis_id)
    ] + abandoned_jobs(VoiceAnalysis)
    for analysis_id in due:
        send(RUN_ANALYSIS, analysis_id)
    return len(due)


def _weighted(texts_and_scores: list[Any]) -> list[WeightedPost]:
    # Better-performing posts weigh more: top posts count about twice an average one.
    return [
        WeightedPost(
            p.text, 0.5 + (p.performance_score if p.performance_score is not None else 50) / 100
        )
        for p in texts_and_scores
    ]


def _scoring_inputs(all_posts: list[Any]) -> tuple[list[str], np.ndarray | None]:
    """The texts the voice-match model learns from, with their embeddings when enough have one.

    The texts the voice-match model learns from, with their embeddings when enough posts
    have one (then only the embedded posts, so texts and vectors line up)."""
    embedded = [p for p in all_posts if p.embedding is not None]
    if len(embedded) >= MIN_POSTS:
        return [p.text for p in embedded], np.array([p.embedding for p in embedded])
    return [p.text for p in all_posts], None


def _scoring_model(persona: Persona, all_posts: list[Any], language: str) -> dict[str, Any]:
    """The voice-match model from the persona's posts, against other people's."""
    texts, embeddings = _scoring_inputs(all_posts)
    return scoring.build_model(
        texts,
        language,
        embeddings,
        impostors=_impostors(persona),
        background=None if embeddings is None else reference_vectors(embedding_model_name()),
    )


def analysis_run(*, analysis_id: int) -> VoiceProfile | None:
    """The Celery job, under a lease (core.jobs).

    Safe to deliver twice; a run whose worker died is taken over, and the version is saved exactly
    once."""
    with job_lease(VoiceAnalysis, analysis_id, progress=5, stage="Reading posts") as lease:
        if lease is None:
            return None
        analysis = VoiceAnalysis.objects.select_related("persona__workspace").get(pk=analysis_id)
        try:
            return _analyse_persona(analysis, lease)
        except LeaseLost:
            return None
        except ValidationError as error:
            lease.progress(100, "", status=JobStatus.FAILED, error=" ".join(error.messages))
            return None
        except Exception as error:
            lease.progress(
                100,
                "",
                status=JobStatus.FAILED,
                error=f"The analysis failed ({type(error).__name__}). Try again; "
                "if it keeps failing, tell us.",
            )
            raise


def _analyse_persona(analysis: VoiceAnalysis, lease: Lease) -> VoiceProfile:
    """Run a voice analysis and save the next version.

    Read the posts, analyse them, ask the model for content DNA, build the voice-match
    model, save the next version (and mark the analysis done in the same transaction)."""
    persona = analysis.persona
    all_posts = posts.posts_for_analysis(persona)
    if len(all_posts) < MIN_POSTS:
        raise _not_enough(len(all_posts))
    lease.progress(30, f"Analysing {len(all_posts)} posts")
    raw = analyse(_weighted(all_posts))
    raw["content_dna"] = _content_dna_by_model(persona, analysis, [p.text for p in all_posts], raw)
    lease.progress(70, "Building the voice-match model")
    raw["scoring"] = _scoring_model(persona, all_posts, raw["language"])
    lease.progress(90, "Saving the new version")
    with transaction.atomic():
        version = version_create(
            persona=persona,
            raw=raw,
            # Nobody asked: it started on its own after posts were added; say so.
            origin=f"analysis of {len(all_posts)} posts"
            + ("" if analysis.requested_by_id else ", started on its own after new posts"),
            user=analysis.requested_by,
        )
        lease.progress(100, "Done", status=JobStatus.DONE, result=version)
    return version


def _content_dna_by_model(
    persona: Persona, analysis: VoiceAnalysis, texts: list[str], raw: dict[str, Any]
) -> dict[str, Any]:
    """With a model configured, content DNA comes from it.

    Otherwise (or when it fails) the offline result stays, labelled, with the reason it was used."""
    from llm.services import usage_record
    from voice.content_dna import extract

    dna, attempts, problem = extract(texts)
    if attempts:
        usage_record(
            attempts=attempts,
            workspace=persona.workspace,
            persona=persona,
            user=analysis.requested_by,
            purpose="content_dna",
        )
    if dna is not None:
        return dna
    offline = dict(raw["content_dna"])
    if problem:
        offline["method"] += f" (the model was not used: {problem})"
    return offline


def _impostors(persona: Persona) -> list[str]:
    return posts.workspace_neighbour_texts(persona, limit=IMPOSTOR_POSTS)


def scoring_model(version: VoiceProfile) -> dict[str, Any] | None:
    """The version's voice-match model.

    A version analysed before the scorer's last change gets one rebuilt from the persona's posts
    (cached), so old versions still score."""
    model = version.raw.get("scoring")
    if model and model.get("model_version") == scoring.MODEL_VERSION:
        return model
    key = f"voice-scoring:{version.pk}:{scoring.MODEL_VERSION}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    all_posts = posts.posts_for_analysis(version.persona_id)
    if len(all_posts) < MIN_POSTS:
        return None
    model = _scoring_model(version.persona, all_posts, version.raw.get("language", "en"))
    cache.set(key, model, 24 * 3600)
    return model


def _shown(persona: Persona, raw: dict[str, Any]) -> dict[str, Any]:
    """What the creator sees.

    The analysis with their answers applied, and what apps above add (the lessons feedback taught).
    """
    return {**apply_overrides(raw, _overrides_of(persona)), **profile_extras(persona)}


def _overrides_of(persona: Persona) -> dict[str, tuple[str, Any]]:
    return {o.key: (o.verdict, o.value) for o in VoiceOverride.objects.filter(persona=persona)}


@transaction.atomic
def version_create(
    *,
    persona: Persona,
    raw: dict[str, Any],
    origin: str,
    user: User | None,
    based_on: VoiceProfile | None = None,
) -> VoiceProfile:
    """The next version (from an analysis, or a rollback to an earlier one's findings).

    The persona's answers (overrides) are applied to `raw`, so they hold in every version. Only the
    newest KEEP_CURRENT_VERSIONS stay current."""
    persona_lock(persona)
    last = latest_voice_version(persona)
    shown = _shown(persona, raw)
    version = VoiceProfile.objects.create(
        persona=persona,
        version=(last.version + 1) if last else 1,
        raw=raw,
        profile=shown,
        tone=[shown["tone"][d] for d in TONE_DIMENSIONS],
        summary=shown["summary"],
        post_count=raw["post_count"],
        origin=origin,
        based_on=based_on,
        created_by=user,
    )
    keep = voice_history(persona)[:KEEP_CURRENT_VERSIONS]
    VoiceProfile.objects.filter(persona=persona, is_archived=False).exclude(
        pk__in=list(keep.values_list("pk", flat=True))
    ).update(is_archived=True)
    return version


@transaction.atomic
def override_set(
    *, version: VoiceProfile, role: str, user: User, key: str, verdict: str, value: Any = None
) -> VoiceProfile:
    """Record the creator's answer for one pattern.

    It belongs to the persona (every later version applies it) and shows at once in the current
    version, which is updated in place: answers do not make versions; analyses (and rollbacks)
    do."""
    require(role, Action.EDIT)
    if verdict not in Verdict.values:
        raise ValidationError(f"Unknown answer “{verdict}”.")
    if verdict == Verdict.CORRECTED and (value is None or str(value).strip() == ""):
        raise ValidationError("Write the corrected version, or choose “not me”.")
    VoiceOverride.objects.update_or_create(
        persona=version.persona,
        key=key,
        defaults={"verdict": verdict, "value": value, "created_by": user},
    )
    persona_lock(version.persona)
    current = latest_voice_version(version.persona)
    assert current is not None  # `version` itself is one
    shown = _shown(current.persona, current.raw)
    current.profile, current.summary = shown, shown["summary"]
    current.tone = [shown["tone"][d] for d in TONE_DIMENSIONS]
    current.save(update_fields=["profile", "summary", "tone", "updated_at"])
    return current


@transaction.atomic
def version_rollback(*, version: VoiceProfile, role: str, user: User) -> VoiceProfile:
    require(role, Action.EDIT)
    """A new current version with an earlier version's findings; the creator's answers stay
    applied (they are the persona's, not the version's)."""
    return version_create(
        persona=version.persona,
        raw=version.raw,
        origin=f"rollback to version {version.version}",
        user=user,
        based_on=version,
    )


def drift_report(version: VoiceProfile) -> list[str]:
    """Why the posts added since this version look unlike it, as last checked.

    Reasons the posts added since this version look unlike it, as last checked in the
    background (`drift_check`); the page only reads them."""
    return list(version.drift or [])


def drift_check(*, persona_id: int) -> list[str]:
    """The Celery job after posts change.

    Compare the posts added since the current version with it, and store the reasons on the version
    ([] when they match, or when fewer than MIN_POSTS were added)."""
    version = latest_voice_version(persona_id)
    if version is None:
        return []
    reasons = _drift_reasons(version)
    VoiceProfile.objects.filter(pk=version.pk).update(drift=reasons, updated_at=timezone.now())
    forget([current_voice_key(persona_id)])  # an update sends no signal (voice.apps)
    return reasons


def drift_check_later(persona_id: int, how: str) -> None:
    """Posts hook: check for drift once the change commits.

    An import schedules an analysis for when the imports stop instead: the version it makes
    answers the drift, and a check per imported chunk (200 of them for 10,000 rows) only took
    the CPU from posts that were due (`bench/publishing.py --import 10000`)."""
    if how == "import":
        analysis_schedule(persona_id=persona_id)
    else:
        enqueue("voice.tasks.check_drift", persona_id)


def _drift_reasons(version: VoiceProfile) -> list[str]:
    newer = posts.texts_added_since(version.persona_id, version.created_at, limit=200)
    if len(newer) < MIN_POSTS:
        return []
    fresh = analyse([WeightedPost(t) for t in newer], language=version.profile["language"])
    reasons = []
    old_s, new_s = version.profile["structure"], fresh["structure"]
    old_len, new_len = old_s["length"]["chars_median"], new_s["length"]["chars_median"]
    if old_len and abs(new_len - old_len) / old_len > 0.5:
        reasons.append(
            f"new posts are {'longer' if new_len > old_len else 'shorter'} "
            f"(median {new_len} vs {old_len} characters)"
        )
    old_sent, new_sent = old_s["sentence_length"]["mean"], new_s["sentence_length"]["mean"]
    if old_sent and abs(new_sent - old_sent) / old_sent > 0.4:
        reasons.append(f"sentences average {new_sent:.0f} words instead of {old_sent:.0f}")
    old_tone = np.array([version.profile["tone"][d] for d in TONE_DIMENSIONS])
    new_tone = np.array([fresh["tone"][d] for d in TONE_DIMENSIONS])
    denominator = (np.linalg.norm(old_tone) * np.linalg.norm(new_tone)) or 1.0
    if float(old_tone @ new_tone / denominator) < 0.85:
        reasons.append("the tone has shifted")
    if fresh["language"] != version.profile["language"]:
        reasons.append(f"new posts are in another language ({fresh['language']})")
    return reasons


@transaction.atomic
def overlay_save(
    *, persona: Persona, role: str, data: dict[str, Any], overlay: Overlay | None = None
) -> Overlay:
    require(role, Action.EDIT)
    fields = ("name", "tone_shift", "length_preference", "structure_override", "notes")
    if overlay is None:
        return Overlay.objects.create(persona=persona, **{f: data[f] for f in fields})
    for field in fields:
        setattr(overlay, field, data[field])
    overlay.save(update_fields=[*fields, "updated_at"])
    return overlay


@transaction.atomic
def overlay_delete(*, overlay: Overlay, role: str) -> None:
    require(role, Action.EDIT)
    overlay.delete()
