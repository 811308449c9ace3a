"""What a signed-in page costs.

Its session comes from Redis, the layout (workspaces, personas) is read once, and counts over a
persona's posts are read once per change to those posts (`Persona.posts_version`) — and every change
shows on the next page."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import workspace_create
from core.sessions import CACHED_SECONDS
from personas.models import Persona
from posts import services as post_services
from posts.models import Post
from posts.rules import check_post
from tests.factories import PersonaFactory, PostFactory

pytestmark = pytest.mark.django_db


def _sql(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [query["sql"] for query in captured]


def test_a_page_reads_its_session_from_the_cache_and_a_sign_out_ends_it(owner_client):
    owner_client.get(reverse("dashboard"))  # the first read fills the cache
    assert not [sql for sql in _sql(owner_client, reverse("dashboard")) if "django_session" in sql]
    key = owner_client.session.cache_key
    lifetime = cache._cache.get_client(key).ttl(cache.make_and_validate_key(key))
    assert 0 < lifetime <= CACHED_SECONDS  # a copy the database no longer has dies soon

    cookie = owner_client.cookies["sessionid"].value
    owner_client.post(reverse("logout"))
    owner_client.cookies["sessionid"] = cookie  # the old cookie, replayed
    assert owner_client.get(reverse("dashboard")).status_code == 302


def test_the_layout_costs_the_same_however_many_workspaces_and_personas(
    owner_client, owner, workspace, persona
):
    owner_client.get(reverse("dashboard"))  # session and counts cached
    few = len(_sql(owner_client, reverse("dashboard")))
    for n in range(3):
        workspace_create(user=owner, name=f"Client {n}")
    for n in range(4):
        PersonaFactory(workspace=workspace, name=f"Voice {n}")
    page = owner_client.get(reverse("dashboard")).content.decode()
    assert few <= 8
    assert len(_sql(owner_client, reverse("dashboard"))) == few
    # … and the switchers still list them all, each workspace with the viewer's role
    assert all(f"Client {n}" in page for n in range(3)) and "owner" in page
    assert all(f"Voice {n}" in page for n in range(4))


def test_post_counts_are_read_once_per_change_and_every_change_shows(owner_client, persona):
    PostFactory.create_batch(3, persona=persona, likes=None)
    url = reverse("post_list")
    assert "3 posts" in owner_client.get(url).content.decode()
    again = _sql(owner_client, url)
    assert not [sql for sql in again if "posts_post" in sql]  # the count and the rows cached

    checked = check_post(
        {"text": "A brand new post about shipping small, every week, for a year."},
        platform=persona.platform,
        timezone=persona.timezone,
    )
    post_services.post_create(persona=persona, role="owner", checked=checked)
    page = owner_client.get(url).content.decode()
    assert "4 posts" in page and "A brand new post about shipping small" in page

    post_services.post_delete(post=Post.objects.filter(persona=persona).first(), role="owner")
    assert "3 posts" in owner_client.get(url).content.decode()
    dashboard = owner_client.get(reverse("dashboard")).content.decode()
    assert "0 / 3" in dashboard  # analysed for similarity: none of 3 yet


def test_embedding_moves_the_dashboards_count_on(owner_client, persona):
    PostFactory.create_batch(2, persona=persona)
    assert "0 / 2" in owner_client.get(reverse("dashboard")).content.decode()
    before = Persona.objects.get(pk=persona.pk).posts_version
    assert post_services.embed_pending_posts(persona_id=persona.pk, batch_size=1) == 2
    assert Persona.objects.get(pk=persona.pk).posts_version == before + 2  # once a batch
    assert "2 / 2" in owner_client.get(reverse("dashboard")).content.decode()


def test_one_redis_client_serves_every_cache_call():
    assert cache._cache.get_client() is cache._cache.get_client()
    cache.set("page-costs", 1)
    assert cache.get("page-costs") == 1
