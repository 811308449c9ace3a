from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from calendar_app import planning
from calendar_app.models import PlannedPost, PostingSlot
from generation.models import Generation
from pillars.models import Pillar, Topic, TopicStatus
from tests.factories import PostFactory, VoiceProfileFactory


@pytest.fixture
def persona(persona):
    """A voice version and posting times: Mon, Wed and Fri at 09:00, Wed at 18:00 too."""
    VoiceProfileFactory(persona=persona)
    for weekday in (0, 2, 4):
        PostingSlot.objects.create(persona=persona, weekday=weekday, time=time(9, 0))
    PostingSlot.objects.create(persona=persona, weekday=2, time=time(18, 0))
    return persona


def _ideas(persona, pillar, count, score=60, status=TopicStatus.NEW):
    return [
        Topic.objects.create(
            persona=persona,
            title=f"{pillar.name} idea {n}",
            pillar=pillar,
            score=score - n,
            status=status,
            scored_at=datetime.now(UTC),
            factors={"novelty": {"value": 90, "why": "new for you"}},
            angles=[
                {"kind": kind, "hook": f"{kind}: the day {pillar.name.lower()} changed {n}."}
                for kind in ("story", "how-to", "question")
            ],
        )
        for n in range(count)
    ]


def test_the_plan_fills_each_free_slot_with_the_mix_and_never_three_in_a_row(persona):
    money = Pillar.objects.create(persona=persona, name="Money", target_share=50)
    hiring = Pillar.objects.create(persona=persona, name="Hiring", target_share=25)
    running = Pillar.objects.create(persona=persona, name="Running", target_share=25)
    _ideas(persona, money, 12)
    _ideas(persona, hiring, 12)
    _ideas(persona, running, 12)
    discarded = _ideas(persona, money, 1, score=99, status=TopicStatus.DISCARDED)[0]
    plan, free = planning.plan_propose(persona=persona, role=Role.OWNER)
    assert 15 <= len(plan) == free <= 17  # four slots a week, four weeks from now
    times = [p.scheduled_at for p in plan]
    assert times == sorted(times) and len(set(times)) == len(times)
    pillars = [p.pillar_id for p in plan]
    assert all(len({*pillars[i : i + 3]}) > 1 for i in range(len(pillars) - 2))
    assert abs(pillars.count(money.pk) / len(plan) - 0.5) <= 0.1
    assert discarded.pk not in {p.topic_id for p in plan}
    assert all(p.reasoning and p.opening for p in plan)
    assert "share" in plan[0].reasoning
    names = {money.pk: "Money", hiring.pk: "Hiring", running.pk: "Running"}
    assert plan[0].reasoning.startswith(f"“{names[plan[0].pillar_id]}” keeps your mix")
    # every idea's favourite angle is "story"; consecutive posts still open differently
    angles = [p.angle for p in plan]
    assert all(a != b for a, b in pairwise(angles)) and angles[0] == "story"
    assert all(p.opening.startswith(f"{p.angle}:") for p in plan)


def test_the_best_ideas_go_to_the_times_that_did_best(persona):
    pillars = [Pillar.objects.create(persona=persona, name=n) for n in ("Money", "Hiring")]
    for pillar in pillars:
        _ideas(persona, pillar, 12)
    # Wednesday 18:00 Lisbon posts did best; Monday 09:00 ones worst
    now = datetime.now(UTC)
    for week in range(1, 5):
        wednesday = now - timedelta(days=now.weekday() - 2 + 7 * week)
        monday = now - timedelta(days=now.weekday() + 7 * week)
        PostFactory(
            persona=persona, posted_at=wednesday.replace(hour=18, minute=5), performance_score=91
        )
        PostFactory(
            persona=persona, posted_at=monday.replace(hour=9, minute=5), performance_score=10
        )
    plan, _free = planning.plan_propose(persona=persona, role=Role.OWNER)
    zone = persona_zone(persona)
    at_best_time = [
        p for p in plan if p.scheduled_at.astimezone(zone).strftime("%a %H") == "Wed 18"
    ]
    assert at_best_time
    for pillar in {p.pillar_id for p in at_best_time}:
        own = [p for p in plan if p.pillar_id == pillar]
        best = max(own, key=lambda p: Topic.objects.get(pk=p.topic_id).score)
        assert best.scheduled_at.astimezone(zone).strftime("%a %H") == "Wed 18"
        assert "91st percentile" in best.reasoning  # not "91th"


def test_a_single_pillar_leaves_slots_empty_rather_than_three_in_a_row(persona):
    money = Pillar.objects.create(persona=persona, name="Money")
    _ideas(persona, money, 20)
    plan, free = planning.plan_propose(persona=persona, role=Role.OWNER)
    assert len(plan) == 2 and free > 2


def test_a_pillar_over_its_share_says_so(persona):
    money = Pillar.objects.create(persona=persona, name="Money")
    hiring = Pillar.objects.create(persona=persona, name="Hiring")
    _ideas(persona, money, 20)
    _ideas(persona, hiring, 3)
    plan, _free = planning.plan_propose(persona=persona, role=Role.OWNER)
    money_posts = [p for p in plan if p.pillar_id == money.pk]
    share = round(100 * len(money_posts) / len(plan))
    assert share > 60
    assert money_posts[0].reasoning.startswith(
        f"“Money” gets {share} % of this plan, above its 50 % share"
    )
    hiring_post = next(p for p in plan if p.pillar_id == hiring.pk)
    assert "keeps your mix" in hiring_post.reasoning  # under its share: no warning


def persona_zone(persona):
    from zoneinfo import ZoneInfo

    return ZoneInfo(persona.timezone)


def test_no_schedule_or_no_ideas_say_what_to_do(persona):
    with pytest.raises(ValidationError, match="Add a few ideas first"):
        planning.plan_propose(persona=persona, role=Role.OWNER)
    PostingSlot.objects.filter(persona=persona).delete()
    with pytest.raises(ValidationError, match="Set your posting schedule first"):
        planning.plan_propose(persona=persona, role=Role.OWNER)


def test_accepting_some_puts_them_on_the_calendar_with_drafts_in_the_background(
    persona, owner, owner_client
):
    money = Pillar.objects.create(persona=persona, name="Money")
    ideas = _ideas(persona, money, 8)
    plan, _free = planning.plan_propose(persona=persona, role=Role.OWNER)
    chosen = plan[:2]
    answer = owner_client.post(reverse("calendar_plan_accept"), {"planned": [p.pk for p in chosen]})
    assert answer.status_code == 302
    accepted = list(PlannedPost.objects.filter(status="accepted").order_by("scheduled_at"))
    assert [a.pk for a in accepted] == [p.pk for p in chosen]
    for item in accepted:
        generation = Generation.objects.get(pk=item.generation_id)
        assert (generation.topic, generation.pillar_id) == (item.title, money.pk)
        assert generation.opening == item.opening and generation.idea_id == item.topic_id
        assert Topic.objects.get(pk=item.topic_id).status == TopicStatus.PLANNED
    assert PlannedPost.objects.filter(status="proposed").count() == len(plan) - 2
    local = accepted[0].scheduled_at.astimezone(persona_zone(persona))
    calendar = owner_client.get(reverse("calendar"), {"date": local.date().isoformat()})
    assert f'id="planned-{accepted[0].pk}"' in calendar.content.decode()
    page = owner_client.get(reverse("calendar_plan"))
    assert "Writing drafts" in page.content.decode()
    # a new proposal keeps what was accepted and does not plan its ideas twice
    again, _ = planning.plan_propose(persona=persona, role=Role.OWNER)
    assert not {a.topic_id for a in accepted} & {p.topic_id for p in again}
    assert not {a.scheduled_at for a in accepted} & {p.scheduled_at for p in again}
    assert len(ideas) == 8


def test_exactly_the_ticked_proposals_are_accepted_and_accepted_ones_can_be_removed(
    persona, owner, owner_client
):
    for name in ("Money", "Hiring", "Product"):
        _ideas(persona, Pillar.objects.create(persona=persona, name=name), 6)
    plan, _free = planning.plan_propose(persona=persona, role=Role.OWNER)
    assert len(plan) >= 8
    page = owner_client.get(reverse("calendar_plan")).content.decode()
    assert 'name="planned"' in page and " checked" not in page.split('id="plan-form"')[1]
    ticked = [p.pk for p in plan[:6]]
    owner_client.post(reverse("calendar_plan_accept"), {"planned": ticked})
    accepted = PlannedPost.objects.filter(status="accepted")
    assert sorted(accepted.values_list("pk", flat=True)) == sorted(ticked)
    # Removing one takes it off the calendar and sends its idea back to the inbox.
    gone = accepted.order_by("scheduled_at").first()
    owner_client.post(reverse("calendar_plan_decline", args=[gone.pk]))
    gone.refresh_from_db()
    assert gone.status == "declined"
    assert Topic.objects.get(pk=gone.topic_id).status == TopicStatus.NEW
    assert PlannedPost.objects.filter(status="accepted").count() == 5


def test_scheduling_a_planned_draft_makes_the_slot_that_post(
    persona, owner, owner_client, workspace
):
    from publishing.models import Account

    money = Pillar.objects.create(persona=persona, name="Money")
    _ideas(persona, money, 4)
    plan, _free = planning.plan_propose(persona=persona, role=Role.OWNER)
    owner_client.post(reverse("calendar_plan_accept"), {"planned": [plan[0].pk]})
    planned = PlannedPost.objects.get(status="accepted")
    from generation.services import generation_run

    generation_run(generation_id=planned.generation_id)
    draft = Generation.objects.get(pk=planned.generation_id).variations.first()
    account = Account.objects.create(workspace=workspace, platform="sandbox", name="Practice")
    when = (datetime.now(UTC) + timedelta(days=2)).astimezone(persona_zone(persona))
    owner_client.post(
        reverse("publishing_schedule", args=[draft.pk]),
        {"text": draft.text, "when": when.strftime("%Y-%m-%dT%H:%M"), "accounts": [account.pk]},
    )
    planned.refresh_from_db()
    assert planned.status == "scheduled" and planned.publication_id
    page = owner_client.get(reverse("calendar_plan")).content.decode()
    assert "Drafts ready: choose one" not in page and "See the post" in page
    local = planned.scheduled_at.astimezone(persona_zone(persona))
    calendar = owner_client.get(reverse("calendar"), {"date": local.date().isoformat()})
    assert f'id="planned-{planned.pk}"' not in calendar.content.decode()
