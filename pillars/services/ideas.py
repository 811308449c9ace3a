"""The ideas inbox.

Adding ideas (one, a pasted list, from a trend), classifying them in the background (pillar, a 0–100
score with its factors, three hook angles in the persona's voice) and moving them through new →
planned → drafted → published / discarded."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from core.jobs import enqueue
from language import stylometry
from language.injection import without_instructions
from language.openings import first_line, openings
from llm.services import embed_for, embedding_model_name
from llm.structured import ask_for_json
from notifications.events import event_emit
from notifications.models import EventType
from personas.models import Persona
from pillars import discovery
from pillars.models import Pillar, PillarStatus, Topic, TopicSource, TopicStatus
from pillars.selectors import pillar_indexes
from pillars.services.common import CLASSIFY_TOPICS, latest_centre, latest_opening_shift
from posts import selectors as posts
from voice.reference import reference_opening_vectors, reference_rows, reference_vectors

MAX_PASTED = 200
NOVELTY_DAYS = 60
NEIGHBOURS_FOR_ENGAGEMENT = 5
FIT_FOR_FULL_SCORE, FAR_IDEA_SHARE = 50, 0.25  # an idea with no pillar fit keeps a quarter
REPEAT_SIMILARITY = 0.9  # as close as this to a recent post: nothing new
WEIGHTS = {"pillar_fit": 0.35, "novelty": 0.25, "engagement": 0.25, "trend": 0.15}
# Which kind of opening is which angle (the plan varies angles from post to post).
HOOK_TO_ANGLE = {"number": "data", "quote": "story", "statement": "bold claim"}
ANGLES_PROMPT = Path(__file__).parent.parent / "prompts" / "topic_angles_v2.txt"
EXAMPLE_OPENINGS = 8  # best first lines a model adapts
OPENINGS_READ = 200  # best posts whose openings are read for patterns offline


def create_topics(
    persona: Persona, user: User | None, titles: list[str], **extra: Any
) -> list[Topic]:
    """New ideas in the inbox (the caller checked the role), queued to be scored."""
    topics = Topic.objects.bulk_create(
        [Topic(persona=persona, title=t, created_by=user, **extra) for t in titles]
    )
    enqueue(CLASSIFY_TOPICS, persona.pk)
    for topic in topics:
        event_emit(
            persona.workspace_id,
            EventType.IDEA_ADDED,
            {"idea": topic.pk, "persona": persona.pk, "title": topic.title, "source": topic.source},
        )
    return topics


@transaction.atomic
def topic_add(
    *,
    persona: Persona,
    role: str,
    user: User | None,
    title: str,
    notes: str = "",
    source: str = TopicSource.MANUAL,
    source_url: str = "",
    trend_velocity: float | None = None,
) -> Topic:
    require(role, Action.EDIT)
    title = " ".join(title.split())
    if not title:
        raise ValidationError("Write the idea in a few words.")
    return create_topics(
        persona,
        user,
        [title[:300]],
        notes=notes,
        source=source,
        source_url=source_url,
        trend_velocity=trend_velocity,
    )[0]


@transaction.atomic
def topics_paste(*, persona: Persona, role: str, user: User | None, text: str) -> list[Topic]:
    """One idea a line (blank lines and list bullets ignored).

    Ideas already open in the inbox are not added twice."""
    require(role, Action.EDIT)
    lines = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip() for line in text.splitlines()]
    titles = list(dict.fromkeys(" ".join(line.split())[:300] for line in lines if line.strip()))
    if not titles:
        raise ValidationError("Paste one idea a line.")
    if len(titles) > MAX_PASTED:
        raise ValidationError(f"At most {MAX_PASTED} ideas at once; this has {len(titles)}.")
    open_titles = {
        t.lower()
        for t in Topic.objects.filter(persona=persona)
        .exclude(status=TopicStatus.DISCARDED)
        .values_list("title", flat=True)
    }
    fresh = [t for t in titles if t.lower() not in open_titles]
    return create_topics(persona, user, fresh, source=TopicSource.PASTE) if fresh else []


@transaction.atomic
def topic_set_status(*, topic: Topic, role: str, status: str) -> Topic:
    require(role, Action.EDIT)
    if status not in TopicStatus.values:
        raise ValidationError("Unknown status.")
    topic.status = status
    topic.save(update_fields=["status", "updated_at"])
    return topic


@transaction.atomic
def topic_set_pillar(*, topic: Topic, role: str, pillar: Pillar | None) -> Topic:
    require(role, Action.EDIT)
    if pillar is not None and pillar.persona_id != topic.persona_id:
        raise ValidationError("That pillar belongs to another persona.")
    topic.pillar, topic.pillar_is_auto = pillar, False
    topic.save(update_fields=["pillar", "pillar_is_auto", "updated_at"])
    return topic


def topics_classify(*, persona_id: int) -> int:
    """The Celery job.

    Every unclassified topic of the persona gets its pillar, score, factors and angles. Topics are
    claimed with SKIP LOCKED, so a second worker skips them. Returns how many were classified."""
    with transaction.atomic():
        pending = list(
            Topic.objects.select_for_update(skip_locked=True)
            .filter(persona_id=persona_id, scored_at__isnull=True)
            .select_related("persona__workspace")[:100]
        )
        if not pending:
            return 0
        persona = pending[0].persona
        vectors = embed_for(persona, [_topic_text(t) for t in pending], purpose="topics")
        context = _ScoringContext(persona)
        for topic, vector in zip(pending, vectors, strict=True):
            _classify(topic, np.asarray(vector, dtype=float), context)
        Topic.objects.bulk_update(
            pending, ["pillar", "score", "factors", "angles", "scored_at", "updated_at"]
        )
    return len(pending)


def _topic_text(topic: Topic) -> str:
    return f"{topic.title}\n{topic.notes}".strip()


class _ScoringContext:
    """Everything scoring a batch of ideas reads, loaded once for the batch.

    An idea joins the pillar it is closest to by meaning, as a post does (`discovery.place_ideas`);
    how well it fits, novelty and expected engagement are read in the space centred on other
    people's posts (`reference_vectors`), where short texts compare fairly with posts; its fit is
    read against other people's opening lines in the persona's language too (`lines`)."""

    def __init__(self, persona: Persona) -> None:
        self.persona = persona
        reference = reference_vectors(embedding_model_name())
        self.centre = reference.mean(axis=0)
        self.pillars = [
            p
            for p in Pillar.objects.filter(persona=persona, status=PillarStatus.ACTIVE)
            if p.mean_vector is not None
        ]
        rows = posts.embedded_posts(persona, newest=1000)
        self.own_ids = [r[0] for r in rows]
        self.own_texts = [r[1] for r in rows]
        self.own = (
            discovery.unit_rows(np.array([r[2] for r in rows]) - self.centre)
            if rows
            else np.zeros((0, len(self.centre)))
        )
        since = timezone.now() - timedelta(days=NOVELTY_DAYS)
        self.recent = [i for i, r in enumerate(rows) if r[3] >= since]
        self.performance = posts.performance_of(persona, self.own_ids)
        # where an idea belongs: measured as posts are, in the persona's space
        self.persona_centre = latest_centre(persona.pk)
        self.opening_shift = latest_opening_shift(persona.pk)
        self.pillar_means = np.array([p.mean_vector for p in self.pillars])
        self.scale = self.lines = None
        if self.pillars and rows and self.persona_centre is not None:
            whole = np.array([r[2] for r in rows])
            labels = pillar_indexes(persona, self.own_ids, self.pillars)
            self.scale = discovery.idea_scale(reference, self.pillar_means, whole, labels)
            others = reference_opening_vectors(embedding_model_name())
            self.lines = discovery.idea_scale(
                others[list(reference_rows(persona.language))],
                self.pillar_means,
                whole,
                labels,
                own_openings=np.array([r[4] for r in rows]),
            )


def _classify(topic: Topic, vector: np.ndarray, ctx: _ScoringContext) -> None:
    factors: dict[str, dict[str, Any]] = {}
    point = discovery.unit_rows((vector - ctx.centre)[np.newaxis, :])[0]
    if ctx.scale is not None and ctx.persona_centre is not None:
        labels, fits, nearest = discovery.place_ideas(
            vector[np.newaxis, :],
            centre=ctx.persona_centre,
            means=ctx.pillar_means,
            scale=ctx.scale,
            shift=ctx.opening_shift,
            lines=ctx.lines,
        )
        pillar = ctx.pillars[int(nearest[0])]
        fit = round(100 * float(fits[0]))
        if topic.pillar_is_auto:
            topic.pillar = ctx.pillars[int(labels[0])] if labels[0] >= 0 else None
        factors["pillar_fit"] = {
            "value": fit,
            "why": f"as close to “{pillar.name}” as {'a typical' if fit >= 80 else 'a loose'} "
            "post of yours"
            if labels[0] >= 0
            else f"far from your pillars (closest: “{pillar.name}”)",
        }
    if len(ctx.own):
        similarity = ctx.own @ point
        if ctx.recent:
            recent = similarity[ctx.recent]
            closest = int(np.argmax(recent))
            overlap = float(recent[closest])
            novelty = round(100 * min(1.0, max(0.0, (REPEAT_SIMILARITY - overlap) / 0.5)))
            posted = ctx.own_texts[ctx.recent[closest]]
            factors["novelty"] = {
                "value": novelty,
                "why": "new for you: nothing like it in the last 60 days"
                if novelty >= 70
                else f"close to a recent post: “{posted[:80]}…”",
            }
        else:
            factors["novelty"] = {"value": 100, "why": "you posted nothing in the last 60 days"}
        nearest = np.argsort(-similarity)[:NEIGHBOURS_FOR_ENGAGEMENT]
        known = [ctx.performance.get(ctx.own_ids[i]) for i in nearest]
        scores = [s for s in known if s is not None]
        if scores:
            expected = round(float(np.mean(scores)))
            factors["engagement"] = {
                "value": expected,
                "why": f"your {len(scores)} closest posts did better than {expected} % of yours",
            }
    if topic.trend_velocity is not None:
        velocity = round(min(100.0, 100 * topic.trend_velocity))
        factors["trend"] = {"value": velocity, "why": f"trend velocity {topic.trend_velocity:.2f}"}
    weight = sum(WEIGHTS[k] for k in factors)
    score = sum(WEIGHTS[k] * f["value"] for k, f in factors.items()) / weight if weight else None
    if score is not None and "pillar_fit" in factors:
        # Novelty and "your closest posts did well" say little of an idea far from all you
        # write: sourdough is new for a senator. An idea scores in full from FIT_FOR_FULL_SCORE.
        closeness = min(1.0, factors["pillar_fit"]["value"] / FIT_FOR_FULL_SCORE)
        score *= FAR_IDEA_SHARE + (1 - FAR_IDEA_SHARE) * closeness
    topic.score = round(score) if score is not None else None
    topic.factors = factors
    topic.angles = _angles(topic, ctx)
    topic.scored_at = timezone.now()


def _angle_kind(line: str, language: str) -> str:
    hook = stylometry.hook_type(line, language)
    return HOOK_TO_ANGLE.get(hook, hook)


def _best_first(ctx: _ScoringContext) -> list[str]:
    """The persona's posts, best performing first (then newest)."""
    order = sorted(
        range(len(ctx.own_texts)),
        key=lambda i: -ctx.performance.get(ctx.own_ids[i], -1.0),
    )
    return [ctx.own_texts[i] for i in order]


def _angles(topic: Topic, ctx: _ScoringContext) -> list[dict[str, str]]:
    """Up to three hooks that open as the creator's best posts open, about this idea.

    With a model: their best first lines rewritten for the idea in their voice. Offline: the
    opening patterns of their best posts with the idea's words in place of the subject
    (`language.openings`), each saying which post it came from; none when their posts have no
    such pattern (never a stock template)."""
    language = ctx.persona.language
    best = _best_first(ctx)
    lines = [first_line(text) for text in best[:EXAMPLE_OPENINGS]]
    by_model = _angles_by_model(topic, [line for line in lines if line], ctx)
    if by_model:
        return by_model
    return [
        {
            "kind": _angle_kind(opening.line, language),
            "hook": opening.with_subject(topic.title),
            "by": "offline",
            "from": opening.line,
        }
        for opening in openings(best[:OPENINGS_READ], language, limit=3)
    ]


def _angles_by_model(
    topic: Topic, lines: list[str], ctx: _ScoringContext
) -> list[dict[str, str]] | None:
    examples = "\n".join(
        without_instructions(line)[:300].replace("</openings>", "") for line in lines
    )
    idea = without_instructions(_topic_text(topic)).replace("</idea>", "")
    data, _ = ask_for_json(
        system=ANGLES_PROMPT.read_text(encoding="utf-8").strip(),
        content=f"<openings>\n{examples}\n</openings>\n<idea>\n{idea}\n</idea>",
        workspace=ctx.persona.workspace,
        persona=ctx.persona,
        user=topic.created_by,
        purpose="topic_angles",
        max_tokens=500,
        temperature=0.7,
    )
    if data is None:
        return None
    try:
        angles = [
            {"kind": str(a["kind"])[:20], "hook": str(a["hook"]).strip()[:300], "by": "model"}
            for a in data["angles"]
            if str(a.get("hook", "")).strip()
        ][:3]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return angles if len(angles) == 3 else None


def topic_drafted(*, topic_id: int) -> None:
    """Drafts were written for the idea (a generation calls this): new or planned → drafted.

    Called by the system on a job's behalf, so no role check."""
    Topic.objects.filter(pk=topic_id, status__in=[TopicStatus.NEW, TopicStatus.PLANNED]).update(
        status=TopicStatus.DRAFTED, updated_at=timezone.now()
    )


def topic_set_published(*, topic_id: int) -> None:
    """A post written for the idea went out (publishing calls this).

    It is published, unless the creator discarded it meanwhile."""
    Topic.objects.filter(pk=topic_id).exclude(status=TopicStatus.DISCARDED).update(
        status=TopicStatus.PUBLISHED, updated_at=timezone.now()
    )
