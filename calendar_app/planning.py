"""The four-week plan.

One proposal per free posting slot (an idea, its pillar, a hook angle and a sentence of reasoning),
from the pillars' target shares, the scored ideas, the relevant trends, the posting schedule and the
times the persona's posts did best so far. The creator accepts all or some; accepted slots go on the
calendar and their drafts are written in the background."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.humanize.templatetags.humanize import ordinal
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from calendar_app.models import PlannedPost, PlanStatus
from calendar_app.selectors import slot_times
from generation.services import generation_request
from personas.models import Persona
from pillars.models import Pillar, Topic, TopicStatus
from pillars.selectors import active_pillars, plannable_ideas
from pillars.services import topic_set_status
from posts.selectors import performance_times
from publishing.selectors import scheduled_times
from trends.models import PersonaTrend
from trends.selectors import plannable_trends
from trends.services import trend_make_topic

PLAN_WEEKS = 4
MIN_POSTS_FOR_A_TIME = 3  # fewer posts at a weekday × hour and we say nothing about it
TRENDS_CONSIDERED = 10
MIN_TREND_RELEVANCE = 40
MAX_RUN = 2  # never three posts of one pillar in a row


@dataclass
class _Candidate:
    title: str
    pillar_id: int | None
    score: int
    why: str
    angle: str = ""
    opening: str = ""
    topic: Topic | None = None
    trend: PersonaTrend | None = None


def _time_quality(persona: Persona) -> dict[tuple[int, int], tuple[float, int]]:
    """How well each posting time did, for times with enough posts to say anything.

    (weekday, hour) in the persona's zone → (mean performance percentile, posts)."""
    zone = ZoneInfo(persona.timezone)
    cells: dict[tuple[int, int], list[float]] = defaultdict(list)
    for posted_at, performance in performance_times(persona):
        local = posted_at.astimezone(zone)
        cells[(local.weekday(), local.hour)].append(performance)
    return {
        key: (sum(values) / len(values), len(values))
        for key, values in cells.items()
        if len(values) >= MIN_POSTS_FOR_A_TIME
    }


def _targets(pillars: list[Pillar]) -> dict[int | None, float]:
    """Each pillar's wanted share (0–1).

    The creator's targets, the rest split evenly among the pillars without one."""
    fixed = {p.pk: p.target_share / 100 for p in pillars if p.target_share is not None}
    free = [p.pk for p in pillars if p.target_share is None]
    left = max(0.0, 1 - sum(fixed.values()))
    shares = {**fixed, **{pk: left / len(free) for pk in free}} if free else fixed
    total = sum(shares.values()) or 1
    return {pk: share / total for pk, share in shares.items()}


def _candidates(persona: Persona, taken_topics: set[int]) -> list[_Candidate]:
    found = []
    for topic in plannable_ideas(persona).exclude(pk__in=taken_topics):
        angle = topic.angles[0] if topic.angles else {}
        best = max(topic.factors.items(), key=lambda kv: kv[1]["value"], default=None)
        found.append(
            _Candidate(
                title=topic.title,
                pillar_id=topic.pillar_id,
                score=topic.score or 0,
                why=f"scores {topic.score}" + (f" ({best[1]['why']})" if best else ""),
                angle=angle.get("kind", ""),
                opening=angle.get("hook", ""),
                topic=topic,
            )
        )
    trends = plannable_trends(persona, min_relevance=MIN_TREND_RELEVANCE, limit=TRENDS_CONSIDERED)
    for trend in trends:
        found.append(
            _Candidate(
                title=trend.item.title[:300],
                pillar_id=trend.pillar_id,
                score=trend.relevance,
                why=f"a trend at relevance {trend.relevance} ({trend.why})",
                trend=trend,
            )
        )
    return sorted(found, key=lambda c: -c.score)


def _sequence(
    count: int, targets: dict[int | None, float], available: dict[int | None, int]
) -> list[int | None]:
    """Pillars for `count` slots in order.

    Each slot goes to the pillar furthest below its target share that still has ideas, never a third
    in a row."""
    order: list[int | None] = []
    planned: dict[int | None, int] = defaultdict(int)
    left = dict(available)
    for position in range(count):
        choices = [p for p, n in left.items() if n > 0]
        if len(order) >= MAX_RUN and len(set(order[-MAX_RUN:])) == 1:
            choices = [p for p in choices if p != order[-1]] or []
        if not choices:
            break
        pick = max(
            choices,
            key=lambda p: (targets.get(p, 0.0) * (position + 1) - planned[p], left[p]),
        )
        order.append(pick)
        planned[pick] += 1
        left[pick] -= 1
    return order


@transaction.atomic
def plan_propose(*, persona: Persona, role: str) -> tuple[list[PlannedPost], int]:
    """Propose the next four weeks of posts, replacing the previous proposal.

    A fresh proposal for the next four weeks (it replaces the previous proposal; accepted
    slots stay): the planned posts, and how many free slots there were (a slot stays empty
    when the ideas run out, or when only a third post of one pillar in a row could fill it)."""
    require(role, Action.EDIT)
    now = timezone.now()
    end = now + timedelta(weeks=PLAN_WEEKS)
    moments = [m for m in slot_times(persona, now, weeks=PLAN_WEEKS) if m <= end]
    if not moments:
        raise ValidationError(
            "Set your posting schedule first (Calendar → Posting schedule): the plan fills it."
        )
    PlannedPost.objects.filter(persona=persona, status=PlanStatus.PROPOSED).delete()
    accepted = PlannedPost.objects.filter(
        persona=persona, status=PlanStatus.ACCEPTED, scheduled_at__gte=now
    )
    busy = scheduled_times(persona, moments[0], moments[-1]) | set(
        accepted.values_list("scheduled_at", flat=True)
    )
    free = [m for m in moments if m not in busy]
    if not free:
        raise ValidationError("Every posting slot of the next four weeks is already taken.")
    taken_topics = set(accepted.exclude(topic=None).values_list("topic_id", flat=True))
    candidates = _candidates(persona, taken_topics)
    if not candidates:
        raise ValidationError(
            "Add a few ideas first (or a trend source): the plan is made from scored ideas "
            "and relevant trends."
        )
    pillars = list(active_pillars(persona))
    names: dict[int | None, str] = {p.pk: p.name for p in pillars}
    targets = _targets(pillars)
    by_pillar: dict[int | None, list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        key = candidate.pillar_id if candidate.pillar_id in names else None
        by_pillar[key].append(candidate)
    order = _sequence(len(free), targets, {k: len(v) for k, v in by_pillar.items()})
    quality = _time_quality(persona)
    zone = ZoneInfo(persona.timezone)
    planned_count = Counter(order)
    slots_by_pillar: dict[int | None, list[datetime]] = defaultdict(list)
    for moment, pillar_id in zip(free, order, strict=False):
        slots_by_pillar[pillar_id].append(moment)
    made = []
    for pillar_id, slots in slots_by_pillar.items():
        # within a pillar, the best ideas go to the times that did best for this persona
        ranked_slots = sorted(slots, key=lambda m: -quality.get(_cell(m, zone), (50.0, 0))[0])
        for moment, candidate in zip(ranked_slots, by_pillar[pillar_id], strict=False):
            made.append(
                PlannedPost(
                    persona=persona,
                    scheduled_at=moment,
                    topic=candidate.topic,
                    trend=candidate.trend,
                    title=candidate.title,
                    pillar_id=pillar_id,
                    angle=candidate.angle,
                    opening=candidate.opening,
                    reasoning=_reasoning(
                        candidate,
                        names.get(pillar_id),
                        targets.get(pillar_id),
                        planned_count[pillar_id] / len(order),
                        quality.get(_cell(moment, zone)),
                        moment,
                        zone,
                    )[:600],
                )
            )
    made.sort(key=lambda p: p.scheduled_at)
    _vary_angles(made)
    made = PlannedPost.objects.bulk_create(made)
    return made, len(free)


def _vary_angles(plan: list[PlannedPost]) -> None:
    """Consecutive posts open differently.

    An idea whose favourite angle is the one the post before used takes its next angle (each idea
    has three, the persona's favourites first)."""
    previous = ""
    for planned in plan:
        angles = planned.topic.angles if planned.topic else []
        choice = next((a for a in angles if a.get("kind") != previous), None)
        if choice:
            planned.angle, planned.opening = choice.get("kind", ""), choice.get("hook", "")
        previous = planned.angle


def _cell(moment: datetime, zone: ZoneInfo) -> tuple[int, int]:
    local = moment.astimezone(zone)
    return local.weekday(), local.hour


def _reasoning(
    candidate: _Candidate,
    pillar: str | None,
    target: float | None,
    planned_share: float,
    quality: tuple[float, int] | None,
    moment: datetime,
    zone: ZoneInfo,
) -> str:
    if not (pillar and target):
        mix = "outside your pillars"
    elif planned_share > target + 0.1:  # the other pillars ran out of ideas
        mix = (
            f"“{pillar}” gets {round(100 * planned_share)} % of this plan, above its "
            f"{round(100 * target)} % share: your other pillars have too few ideas"
        )
    else:
        mix = f"“{pillar}” keeps your mix near its {round(100 * target)} % share"
    parts = [mix, f"the idea {candidate.why}"]
    local = moment.astimezone(zone)
    if quality:
        parts.append(
            f"your {quality[1]} posts on {local:%A}s around {local:%H}:00 rank at the "
            f"{ordinal(round(quality[0]))} percentile"
        )
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


@transaction.atomic
def plan_accept(
    *, persona: Persona, role: str, user: User | None, ids: list[int]
) -> list[PlannedPost]:
    """Accepted slots go on the calendar.

    Their idea is planned and three drafts are written for each in the background. A slot whose
    drafts cannot start (a limit) says why."""
    require(role, Action.EDIT)
    chosen = list(
        PlannedPost.objects.select_for_update(of=("self",))
        .filter(persona=persona, status=PlanStatus.PROPOSED, pk__in=ids)
        .select_related("topic", "trend__item", "trend__persona", "pillar")
    )
    for planned in chosen:
        topic = planned.topic
        if topic is None and planned.trend is not None:
            topic = trend_make_topic(persona_trend=planned.trend, role=role, user=user)
        if topic is not None:
            topic_set_status(topic=topic, role=role, status=TopicStatus.PLANNED)
        planned.topic, planned.status = topic, PlanStatus.ACCEPTED
        try:
            with transaction.atomic():
                planned.generation = generation_request(
                    persona=persona,
                    user=user,
                    role=role,
                    topic=planned.title,
                    pillar=planned.pillar,
                    idea=topic,
                    opening=planned.opening,
                )
        except ValidationError as error:
            planned.problem = " ".join(error.messages)[:300]
        planned.save()
    return chosen


@transaction.atomic
def plan_decline(*, planned: PlannedPost, role: str) -> None:
    """Take a slot out of the plan.

    A proposal is declined; an accepted one leaves the calendar and its idea goes back to the inbox
    (drafts already written stay on the Write page). A slot whose post is scheduled is changed on
    the post itself."""
    require(role, Action.EDIT)
    if planned.status == PlanStatus.SCHEDULED:
        raise ValidationError("This slot's post is scheduled: cancel or move the post instead.")
    topic = planned.topic if planned.status == PlanStatus.ACCEPTED else None
    if topic is not None and topic.status == TopicStatus.PLANNED:
        topic_set_status(topic=topic, role=role, status=TopicStatus.NEW)
    PlannedPost.objects.filter(pk=planned.pk).update(status=PlanStatus.DECLINED)


def plan_scheduled(
    *, publication_id: int, generation_id: int | None = None, planned_post_id: int | None = None
) -> int:
    """A draft of a planned slot (or a post written by hand for the slot) was scheduled.

    The slot is that post now (it leaves the calendar's plan items and the plan says where it went).
    Returns the slots updated."""
    if generation_id is None and planned_post_id is None:
        return 0
    slots = PlannedPost.objects.filter(status=PlanStatus.ACCEPTED)
    if planned_post_id is not None:
        slots = slots.filter(pk=planned_post_id)
    elif generation_id is not None:
        slots = slots.filter(generation_id=generation_id)
    return slots.update(status=PlanStatus.SCHEDULED, publication_id=publication_id)
