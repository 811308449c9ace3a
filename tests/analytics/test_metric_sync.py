"""Published posts' numbers read back from the platform.

Published posts' numbers read back from the platform (the real Mastodon client against the
loopback fake): a post for it the first time, a snapshot only when the numbers change, fresh
posts read often, failures backing off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import services
from posts.models import MetricSnapshot, Post
from publishing.models import Target
from tests.factories import PersonaFactory
from tests.fakes.mastodon_server import running_fake_mastodon
from tests.publishing.flows import run_sweep
from tests.publishing.test_engine import _account, _schedule


@pytest.fixture
def mastodon():
    with running_fake_mastodon() as fake:
        yield fake


def _due(target: Target) -> None:
    Target.objects.filter(pk=target.pk).update(metrics_next_at=timezone.now())


def test_numbers_are_read_back_with_a_snapshot_only_when_they_change(db, mastodon):
    persona = PersonaFactory()
    target = _schedule(
        persona, _account(persona, mastodon), text="Prices went up today."
    ).targets.get()
    assert run_sweep() == ["published"]
    assert services.metrics_sync() == {"read": 1, "changed": 1, "failed": 0}
    post = Post.objects.get(persona=persona)
    assert (post.text, post.likes, post.reposts, post.comments) == (
        "Prices went up today.",
        3,
        1,
        2,
    )
    assert post.source == "api" and post.external_ref.startswith("mastodon:")
    target.refresh_from_db()
    assert timedelta(minutes=55) < target.metrics_next_at - timezone.now() <= timedelta(hours=1)
    assert services.metrics_sync()["read"] == 0  # not due again yet
    _due(target)
    assert services.metrics_sync() == {"read": 1, "changed": 0, "failed": 0}
    assert MetricSnapshot.objects.filter(post=post).count() == 1  # unchanged: no snapshot
    mastodon.statuses[0]["favourites_count"] = 40
    _due(target)
    assert services.metrics_sync()["changed"] == 1
    post.refresh_from_db()
    assert post.likes == 40
    assert list(
        MetricSnapshot.objects.filter(post=post)
        .order_by("taken_at")
        .values_list("likes", flat=True)
    ) == [3, 40]
    assert post.performance_score is not None


def test_old_posts_are_read_rarely_and_failures_back_off(db, mastodon):
    persona = PersonaFactory()
    target = _schedule(persona, _account(persona, mastodon)).targets.get()
    run_sweep()
    Target.objects.filter(pk=target.pk).update(published_at=timezone.now() - timedelta(days=90))
    services.metrics_sync()
    target.refresh_from_db()
    assert target.metrics_next_at - timezone.now() > timedelta(days=6)
    mastodon.statuses.clear()  # the post was deleted on the platform: 404
    _due(target)
    assert services.metrics_sync() == {"read": 0, "changed": 0, "failed": 1}
    _due(target)
    services.metrics_sync()
    target.refresh_from_db()
    assert target.metrics_failures == 2
    assert (
        timedelta(hours=1, minutes=55)
        < target.metrics_next_at - timezone.now()
        <= timedelta(hours=2)
    )
