"""Feeds to drafts: a source set to draft for a persona turns new items into ideas with drafts.

At most N a day, each generation counted against the month's drafts, nothing ever published."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from generation import services as generation
from generation.models import Generation
from pillars.models import Topic, TopicSource
from publishing.models import Publication
from tests.factories import PersonaFactory, TrendSourceFactory, WorkspaceFactory
from tests.fakes.trends_server import FakeTrendSources, rss
from tests.helpers import client_for
from trends import services
from trends.models import SourceKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def persona_with_voice():
    return True


def _news(start: int, count: int) -> list[dict[str, str]]:
    return [
        {
            "title": f"Pricing study {n}: annual plans and churn",
            "link": f"https://news.example.com/pricing-{n}",
            "summary": f"What happened to churn when {n} startups moved to annual plans.",
        }
        for n in range(start, start + count)
    ]


def test_new_items_become_ideas_with_drafts_at_most_n_a_day_and_nothing_is_published(
    workspace, persona
):
    with FakeTrendSources() as feeds:
        feeds.feeds["news.xml"] = rss(_news(0, 5))
        source = TrendSourceFactory(
            workspace=workspace,
            kind=SourceKind.FEED,
            url=feeds.url("news.xml"),
            draft_for=persona,
            drafts_per_day=3,
        )
        report = services.workspace_scan(workspace_id=workspace.pk)
        assert (report.items_new, report.drafts_started) == (5, 3)
        ideas = list(Topic.objects.filter(persona=persona))
        assert len(ideas) == 3 and {i.source for i in ideas} == {TopicSource.FEED}
        assert all(i.source_url.startswith("https://news.example.com/pricing-") for i in ideas)
        assert all(i.notes.startswith("What happened to churn") for i in ideas)
        generations = list(Generation.objects.filter(persona=persona))
        assert {g.idea_id for g in generations} == {i.pk for i in ideas}
        for each in generations:  # what the worker does with each
            generation.generation_run(generation_id=each.pk)
            each.refresh_from_db()
            assert each.status == "done" and each.variations.count() == 3

        # the next scan brings two more new items: today's three are already drafted
        feeds.feeds["news.xml"] = rss(_news(0, 7))
        source.refresh_from_db()
        source.next_scan_at = None
        source.save()
        again = services.workspace_scan(workspace_id=workspace.pk)
        assert (again.items_new, again.drafts_started) == (2, 0)
    assert Topic.objects.filter(persona=persona).count() == 3
    assert not Publication.objects.exists()  # nothing goes out without the creator


def test_without_a_voice_the_source_says_why_it_stopped_drafting(workspace):
    persona = PersonaFactory(workspace=workspace)  # no voice analysed yet
    with FakeTrendSources() as feeds:
        feeds.feeds["news.xml"] = rss(_news(0, 2))
        source = TrendSourceFactory(
            workspace=workspace, kind=SourceKind.FEED, url=feeds.url("news.xml"), draft_for=persona
        )
        report = services.workspace_scan(workspace_id=workspace.pk)
    assert report.drafts_started == 0 and not Topic.objects.exists()
    source.refresh_from_db()
    assert source.last_error.startswith("Drafting stopped: Analyse this persona's voice first")


def test_a_source_drafts_only_for_a_persona_of_its_own_workspace(owner, workspace, persona):
    stranger = PersonaFactory(workspace=WorkspaceFactory())
    data = {
        "kind": SourceKind.FEED,
        "name": "News",
        "url": "https://news.example.com/feed.xml",
        "enabled": True,
        "interval_minutes": 60,
        "drafts_per_day": 3,
    }
    with pytest.raises(ValidationError, match="this workspace's personas"):
        services.source_save(
            workspace=workspace, role=Role.OWNER, data={**data, "draft_for": stranger}
        )
    client = client_for(owner, workspace)
    page = client.get(reverse("trend_sources"))
    choices = [str(p) for p in page.context["form"].fields["draft_for"].queryset]
    assert str(persona) in choices and str(stranger) not in choices
    refused = client.post(
        reverse("trend_sources"),
        {**data, "kind": "feed", "draft_for": stranger.pk, "drafts_per_day": 3},
    )
    assert refused.status_code == 422 and "draft_for" in refused.context["form"].errors
    added = client.post(reverse("trend_sources"), {**data, "kind": "feed", "draft_for": persona.pk})
    assert added.status_code == 302
    listed = client.get(reverse("trend_sources")).content.decode()
    assert f"drafts new items for {persona.name}, at most 3 a day" in listed
