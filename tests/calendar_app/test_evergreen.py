"""Evergreen posts: re-shared on schedule, within their limits.

Evergreen posts: re-shared after N days into a free slot, at most K times, never within M
days of the last share; X (which refuses the same text twice) only with a changed version;
the calendar shows the coming re-share."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from calendar_app.evergreen import evergreen_sweep, reshare_if_due
from calendar_app.selectors import next_free_slot
from notifications.models import Notification
from publishing import services
from publishing.models import Publication, SandboxPost, Target
from tests.factories import PostingSlotFactory, PublishingAccountFactory
from tests.helpers import client_for
from tests.publishing.flows import run_sweep

pytestmark = pytest.mark.django_db
LISBON = ZoneInfo("Europe/Lisbon")


@pytest.fixture
def persona(persona):
    """Posting times every day at 09:00."""
    for day in range(7):
        PostingSlotFactory(persona=persona, weekday=day, time=time(9, 0))
    return persona


@pytest.fixture
def practice(workspace):
    return PublishingAccountFactory(workspace=workspace, platform="sandbox", name="Practice")


def _published(persona, accounts, days_ago: int, owner=None) -> Publication:
    post = services.publication_schedule(
        persona=persona,
        role="owner",
        user=owner,
        text="Raising prices is a promise to your best customers.",
        scheduled_at=timezone.now() - timedelta(days=days_ago),
        accounts=accounts,
    )
    Target.objects.filter(publication=post).update(state="published")
    return post


def test_an_evergreen_post_is_reshared_once_into_a_free_slot(owner, workspace, persona, practice):
    original = _published(persona, [practice], days_ago=40, owner=owner)
    client = client_for(owner, workspace)
    page = client.get(reverse("publication_detail", args=[original.pk])).content.decode()
    assert "Re-share this post later" in page
    client.post(
        reverse("publication_evergreen", args=[original.pk]),
        {"evergreen": "on", "days": "30", "times": "1", "gap_days": "14"},
    )
    original.refresh_from_db()
    assert original.evergreen and original.evergreen_days == 30
    # The next slot is taken: the re-share goes into the one after.
    services.publication_schedule(
        persona=persona,
        role="owner",
        user=None,
        text="Something else.",
        scheduled_at=next_free_slot(persona),
        accounts=[practice],
    )
    free = next_free_slot(persona)
    assert evergreen_sweep() == 1
    assert evergreen_sweep() == 0  # once: K=1, and never twice for a share
    share = Publication.objects.get(reshare_of=original)
    assert share.share_number == 1 and share.text == original.text
    assert share.scheduled_at == free
    Target.objects.filter(publication=share).update(due_at=timezone.now())
    assert run_sweep() == ["published"]
    assert SandboxPost.objects.filter(text=original.text).count() == 1
    page = client.get(reverse("publication_detail", args=[original.pk])).content.decode()
    assert "Re-share 1" in page and "1 of 1 times" in page


def test_not_before_n_days_and_never_within_m_days_of_the_last_share(persona, practice):
    original = _published(persona, [practice], days_ago=10)
    services.publication_evergreen_set(
        publication=original, role="owner", user=None, on=True, days=30, times=3, gap_days=14
    )
    assert reshare_if_due(original.pk) is None  # 10 days < 30
    Publication.objects.filter(pk=original.pk).update(
        scheduled_at=timezone.now() - timedelta(days=31), evergreen_days=5, evergreen_gap_days=45
    )
    share = reshare_if_due(original.pk)
    # Due (31 ≥ 5 days) but the gap keeps it 45 days from the last share.
    last = timezone.now() - timedelta(days=31)
    assert share.scheduled_at >= last + timedelta(days=45)
    assert share.scheduled_at.astimezone(LISBON).time() == time(9)


def test_x_is_left_out_without_a_changed_version_and_the_creator_is_told(
    owner, workspace, persona, practice
):
    x = PublishingAccountFactory(workspace=workspace, platform="x", name="@me")
    original = _published(persona, [practice, x], days_ago=40, owner=owner)
    problems = services.publication_evergreen_set(
        publication=original, role="owner", user=owner, on=True, days=30, times=2, gap_days=0
    )
    assert problems and "X refuses the same text twice" in problems[0]
    share = reshare_if_due(original.pk)
    assert [t.account for t in share.targets.all()] == [practice]
    told = Notification.objects.get(user=owner, kind="evergreen")
    assert "@me" in told.title
    # With a changed version, X gets it next time.
    services.publication_evergreen_set(
        publication=original,
        role="owner",
        user=owner,
        on=True,
        days=30,
        times=2,
        gap_days=0,
        versions={x.pk: "Prices are a promise, and we kept ours."},
    )
    Publication.objects.filter(pk=share.pk).update(scheduled_at=timezone.now() - timedelta(days=31))
    second = reshare_if_due(original.pk)
    texts = {t.account_id: t.text for t in second.targets.all()}
    assert texts[x.pk] == "Prices are a promise, and we kept ours." and practice.pk in texts
    assert second.share_number == 2


def test_only_a_published_post_can_be_evergreen(owner, workspace, persona, practice):
    coming = services.publication_schedule(
        persona=persona,
        role="owner",
        user=None,
        text="Not out yet.",
        scheduled_at=timezone.now() + timedelta(days=1),
        accounts=[practice],
    )
    response = client_for(owner, workspace).post(
        reverse("publication_evergreen", args=[coming.pk]), {"evergreen": "on"}, follow=True
    )
    assert "Only a published post can be re-shared" in response.content.decode()
    coming.refresh_from_db()
    assert not coming.evergreen


def test_the_calendar_shows_the_coming_reshare(owner, workspace, persona, practice):
    original = _published(persona, [practice], days_ago=20)
    services.publication_evergreen_set(
        publication=original, role="owner", user=None, on=True, days=30, times=3, gap_days=0
    )
    due = original.scheduled_at + timedelta(days=30)
    local = due.astimezone(LISBON)
    page = client_for(owner, workspace).get(
        reverse("calendar"), {"view": "week", "date": local.date().isoformat()}
    )
    body = page.content.decode()
    assert f"recurs-{original.pk}" in body and "re-share 1 of 3" in body


def test_a_reshare_to_two_accounts_counts_once_and_a_cancelled_one_not_at_all(
    workspace, persona, practice
):
    from calendar_app.selectors import recurrences

    second = PublishingAccountFactory(workspace=workspace, platform="sandbox", name="Second")
    original = _published(persona, [practice, second], days_ago=40)
    services.publication_evergreen_set(
        publication=original, role="owner", user=None, on=True, days=30, times=3, gap_days=0
    )
    share = reshare_if_due(original.pk)
    assert share.targets.count() == 2
    Publication.objects.filter(pk=share.pk).update(scheduled_at=original.scheduled_at)
    now = timezone.now()
    [coming] = recurrences(workspace, now - timedelta(days=1), now + timedelta(days=60))
    assert coming.share_number == 2  # one re-share made, however many accounts it went to
    services.publication_cancel(publication=share, role="owner")
    [coming] = recurrences(workspace, now - timedelta(days=1), now + timedelta(days=60))
    assert coming.share_number == 1
    assert reshare_if_due(original.pk).share_number == 2  # the cancelled one's number is taken
