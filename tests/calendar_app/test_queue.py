"""The queue as "next up".

Coming posts in time order with the empty slots between them, reordered by swapping times, posted
now, and paused and resumed per account."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calendar_app.selectors import next_up
from composer.models import ComposerDraft
from publishing import services
from publishing.models import SandboxPost, Target
from tests.factories import PostingSlotFactory, PublishingAccountFactory
from tests.helpers import client_for
from tests.publishing.flows import run_sweep

pytestmark = pytest.mark.django_db
LISBON = ZoneInfo("Europe/Lisbon")


@pytest.fixture
def practice(workspace):
    return PublishingAccountFactory(workspace=workspace, platform="sandbox", name="Practice")


@pytest.fixture
def other(workspace):
    return PublishingAccountFactory(workspace=workspace, platform="sandbox", name="Second")


def _day(days: int):
    return (timezone.now().astimezone(LISBON) + timedelta(days=days)).date()


def _at(days: int, hour: int) -> datetime:
    return datetime.combine(_day(days), time(hour, 0), LISBON)


def _post(persona, accounts, when, text="A post."):
    return services.publication_schedule(
        persona=persona, role="owner", user=None, text=text, scheduled_at=when, accounts=accounts
    )


def _slots(persona, *hours):
    for offset in range(7):
        for hour in hours:
            PostingSlotFactory(persona=persona, weekday=_day(offset).weekday(), time=time(hour))


def test_next_up_is_in_time_order_with_the_empty_slots_between(persona, practice, other):
    _slots(persona, 9, 17)
    later = _post(persona, [practice], _at(2, 9), "Later")
    sooner = _post(persona, [other], _at(1, 17), "Sooner")
    off_slot = _post(persona, [practice], _at(1, 12), "At noon")
    gone = _post(persona, [practice], _at(1, 9), "Cancelled")
    services.publication_cancel(publication=gone, role="owner")
    rows = [row for row in next_up(persona) if row.at <= _at(2, 17)]
    shown = [(row.at, row.publication.text if row.publication else None) for row in rows]
    assert shown[-5:] == [
        (_at(1, 9), None),  # the cancelled post's slot is free again
        (_at(1, 12), "At noon"),
        (_at(1, 17), "Sooner"),
        (_at(2, 9), "Later"),
        (_at(2, 17), None),
    ]
    # One account's queue: the other account's post leaves a free slot.
    mine = {row.at: row.publication for row in next_up(persona, account_id=practice.pk)}
    assert mine[_at(1, 17)] is None and mine[_at(2, 9)] == later
    # Neighbours to swap with, in the queue's order.
    row = next(r for r in rows if r.publication == off_slot)
    assert (row.earlier, row.later) == (None, sooner.pk)


def test_the_queue_reads_the_same_few_queries_however_long(persona, practice):
    _slots(persona, 8, 12, 18)

    def queries(posts: int) -> int:
        for n in range(posts):
            _post(persona, [practice], _at(1 + n % 10, 6) + timedelta(minutes=n))
        next_up(persona)  # the schedule is read once, then from the cache
        with CaptureQueriesContext(connection) as captured:
            next_up(persona)
        return len(captured)

    assert queries(3) == queries(40)


def test_the_page_offers_fill_this_slot_into_the_composer(owner, workspace, persona, practice):
    _slots(persona, 9)
    client = client_for(owner, workspace)
    page = client.get(reverse("queue"), {"account": practice.pk}).content.decode()
    assert "Fill this slot" in page and "Europe/Lisbon" in page
    slot = next(row for row in next_up(persona) if row.publication is None)
    opened = client.get(reverse("compose_new"), {"at": slot.at.isoformat(), "account": practice.pk})
    draft = ComposerDraft.objects.get(pk=int(opened["Location"].split("/")[-2]))
    assert draft.data["when"] == slot.at.astimezone(LISBON).strftime("%Y-%m-%dT%H:%M")
    assert draft.data["accounts"] == [practice.pk]


def test_swapping_trades_times_and_a_post_on_its_way_keeps_its_own(
    owner, workspace, persona, practice
):
    first = _post(persona, [practice], _at(1, 9), "First")
    second = _post(persona, [practice], _at(2, 9), "Second")
    client = client_for(owner, workspace)
    client.post(reverse("queue_reorder", args=[first.pk]), {"with": second.pk})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.scheduled_at, second.scheduled_at) == (_at(2, 9), _at(1, 9))
    assert Target.objects.get(publication=first).due_at == _at(2, 9)
    Target.objects.filter(publication=first).update(state="sending")
    response = client.post(reverse("queue_reorder", args=[second.pk]), {"with": first.pk})
    assert "on its way" in client.get(response["Location"]).content.decode()
    second.refresh_from_db()
    assert second.scheduled_at == _at(1, 9)


def test_a_post_moves_into_an_empty_slot(owner, workspace, persona, practice):
    post = _post(persona, [practice], _at(1, 9))
    client_for(owner, workspace).post(
        reverse("queue_reorder", args=[post.pk]), {"at": _at(3, 17).isoformat()}
    )
    post.refresh_from_db()
    assert post.scheduled_at == _at(3, 17)


def test_post_now_sends_it_at_the_next_sweep(owner, workspace, persona, practice):
    post = _post(persona, [practice], _at(5, 9), "Right away")
    assert run_sweep() == []
    client_for(owner, workspace).post(reverse("publication_now", args=[post.pk]))
    assert run_sweep() == ["published"]
    assert SandboxPost.objects.get().text == "Right away"


def test_a_paused_queue_holds_its_posts_until_resumed(owner, workspace, persona, practice, other):
    client = client_for(owner, workspace)
    client.post(reverse("account_pause", args=[practice.pk]))
    held = _post(persona, [practice, other], timezone.now() - timedelta(seconds=1), "Held")
    assert run_sweep() == ["published"]  # only the account that is not paused
    assert Target.objects.get(publication=held, account=practice).state == "scheduled"
    page = client.get(reverse("queue"), {"account": practice.pk}).content.decode()
    assert "queue is paused" in page and "(queue paused)" in page
    resumed = client.post(reverse("account_pause", args=[practice.pk]), {"resume": "1"})
    assert "1 post that came due meanwhile" in client.get(resumed["Location"]).content.decode()
    assert run_sweep() == ["published"]
    assert SandboxPost.objects.filter(account=practice, text="Held").exists()


def test_a_viewer_cannot_reorder_post_now_or_pause(viewer, workspace, persona, practice):
    post = _post(persona, [practice], _at(1, 9))
    client = client_for(viewer, workspace)
    assert client.post(reverse("publication_now", args=[post.pk])).status_code == 403
    assert client.post(reverse("account_pause", args=[practice.pk])).status_code == 403
    assert client.post(reverse("queue_reorder", args=[post.pk]), {"at": "x"}).status_code == 403
    assert (
        "Pause this queue"
        not in client.get(reverse("queue"), {"account": practice.pk}).content.decode()
    )
