"""What a signed-in page costs.

Its session comes from Redis, the layout (workspaces, personas) is read once, and counts over a
persona's posts are read once per change to those posts (`Persona.posts_version`) — and every change
shows on the next page."""

from __future__ import annotations

import re
from datetime import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership
from accounts.services import (
    membership_change_role,
    membership_remove,
    workspace_create,
    workspace_rename,
)
from calendar_app.selectors import slots_of
from calendar_app.services import slot_add, slot_delete
from core.sessions import CACHED_SECONDS
from personas.models import Persona
from personas.services import persona_set_archived, persona_update
from posts import services as post_services
from posts.models import Post
from posts.rules import check_post
from tests.factories import PersonaFactory, PostFactory, VoiceProfileFactory
from tests.helpers import client_for

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


def test_who_the_viewer_is_comes_from_the_cache_and_every_change_shows_on_the_next_page(
    owner, workspace, teammate, persona
):
    """Memberships and personas are cached across requests, and every change shows at once.

    A role taken away, a member removed, a workspace or persona renamed or archived."""
    client = client_for(teammate, workspace)
    posts = reverse("post_list")
    assert "Add a post" in client.get(posts).content.decode()  # an editor
    again = " ".join(_sql(client, posts))
    assert "accounts_membership" not in again and "personas_persona" not in again

    membership = Membership.objects.get(user=teammate, workspace=workspace)
    membership_change_role(membership=membership, actor_role="owner", role="viewer")
    assert "Add a post" not in client.get(posts).content.decode()

    workspace_rename(workspace=workspace, role="owner", name="Renamed studio")
    persona_update(persona=persona, role="owner", data={"name": "Renamed voice"})
    page = client.get(posts).content.decode()
    assert "Renamed studio" in page and "Renamed voice" in page
    persona_set_archived(persona=persona, role="owner", archived=True)
    assert "Renamed voice" not in client.get(reverse("dashboard")).content.decode()

    post = PostFactory(persona=PersonaFactory(workspace=workspace, name="Still here"))
    detail = reverse("post_detail", args=[post.pk])
    assert client.get(detail).status_code == 200
    membership_remove(membership=membership, actor=owner, actor_role="owner")
    assert client.get(detail).status_code == 404
    assert "Renamed studio" not in client.get(reverse("dashboard")).content.decode()


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


def test_the_sidebar_is_drawn_once_per_content_holds_no_token_and_shows_each_change(
    owner_client, owner, workspace, persona, teammate
):
    from home.templatetags.layout import _sidebar
    from notifications.services import notify

    def sidebar(client) -> str:
        page = client.get(reverse("post_list")).content.decode()
        return page.split('id="sidebar" open>')[1].split('<form id="layout-action"')[0]

    first = sidebar(owner_client)
    hits = _sidebar.cache_info().hits
    assert sidebar(owner_client) == first and _sidebar.cache_info().hits == hits + 1
    assert "csrfmiddlewaretoken" not in first and 'form="persona-switch"' in first
    # … and another viewer's differs (their name, their role), never the owner's copy
    theirs = sidebar(client_for(teammate, workspace))
    assert owner.email not in theirs and teammate.email in theirs
    notify(workspace=workspace, users=[owner], kind="test", title="Approved")
    persona_update(persona=persona, role="owner", data={"name": "Renamed voice"})
    again = sidebar(owner_client)
    assert 'class="bell-count">1<' in again and "Renamed voice" in again


def test_the_main_nav_is_built_once_and_marks_the_section_shown(owner_client, persona, settings):
    def current(url: str) -> tuple[list[str], str]:
        page = owner_client.get(url).content.decode()
        nav = page.split('<nav aria-label="Main">')[1].split("</nav>")[0]
        return re.findall(r'href="([^"]+)"[^>]*aria-current="page"', nav), nav

    assert current(reverse("dashboard"))[0] == [reverse("dashboard")]
    assert current(reverse("import_upload"))[0] == [reverse("post_list")]  # a page of Posts
    marked, nav = current(reverse("voice_history"))
    assert marked == [reverse("voice_page")] and "Billing" not in nav and "Admin" not in nav
    settings.STRIPE_SECRET_KEY = "sk_test_on"
    assert f'href="{reverse("billing")}"' in current(reverse("dashboard"))[1]


def test_the_schedule_is_read_from_the_cache_and_every_change_shows(owner_client, persona):
    owner_client.get(reverse("dashboard"))  # the streak reads the schedule
    assert not [sql for sql in _sql(owner_client, reverse("dashboard")) if "postingslot" in sql]

    slot = slot_add(persona=persona, role="owner", weekday=2, at=time(9, 30))
    assert [s.pk for s in slots_of(persona)] == [slot.pk]
    with CaptureQueriesContext(connection) as captured:
        slots_of(persona)
    assert not captured.captured_queries
    slot_delete(slot=slot, role="owner")
    assert slots_of(persona) == []


def test_the_current_voice_is_read_from_the_cache_and_every_change_shows(
    owner_client, owner, persona
):
    from voice.models import VoiceProfile
    from voice.selectors import current_voice_key
    from voice.services import drift_check, override_set, version_create

    PostFactory(persona=persona)  # the dashboard shows the voice once there are posts
    assert "Analyse my voice" in owner_client.get(reverse("voice_page")).content.decode()
    assert current_voice_key(persona.pk) in cache  # "no version yet" is remembered too
    version = version_create(
        persona=persona, raw=VoiceProfileFactory.build().raw, origin="analysis", user=None
    )
    for url in (reverse("voice_page"), reverse("dashboard")):
        owner_client.get(url)
        read = _sql(owner_client, url)
        assert not [sql for sql in read if "voiceprofile" in sql or "personatrend" in sql], url
        assert f"version {version.version}" in owner_client.get(url).content.decode().lower()

    corrected = "Plain words, short lines, one idea a post."
    override_set(
        version=version,
        role="owner",
        user=owner,
        key="summary",
        verdict="corrected",
        value=corrected,
    )
    for url in (reverse("voice_page"), reverse("dashboard")):
        assert corrected in owner_client.get(url).content.decode()

    # The drift check writes with update() (no signal): it clears the copy itself.
    VoiceProfile.objects.filter(pk=version.pk).update(drift=["an old reason"])
    cache.delete(current_voice_key(persona.pk))
    assert "an old reason" in owner_client.get(reverse("voice_page")).content.decode()
    drift_check(persona_id=persona.pk)  # no posts since this version: nothing to say
    assert "an old reason" not in owner_client.get(reverse("voice_page")).content.decode()

    version.delete()
    assert "Analyse my voice" in owner_client.get(reverse("voice_page")).content.decode()


def test_a_settled_analysis_is_read_from_the_cache_and_one_under_way_never_is(
    owner_client, persona
):
    from core.models import JobStatus
    from voice.models import VoiceAnalysis

    PostFactory.create_batch(3, persona=persona)
    url = reverse("voice_page")

    def analysis_queries() -> int:
        return len([sql for sql in _sql(owner_client, url) if "voiceanalysis" in sql])

    owner_client.get(url)
    assert analysis_queries() == 0  # "none yet" is remembered
    analysis = VoiceAnalysis.objects.create(persona=persona, status=JobStatus.QUEUED)
    assert "Analysing your voice" in owner_client.get(url).content.decode()
    # the job moves its row on with update()s, which send no signal: read on every view
    VoiceAnalysis.objects.filter(pk=analysis.pk).update(status=JobStatus.RUNNING, progress=40)
    assert analysis_queries() == 1 and analysis_queries() == 1
    VoiceAnalysis.objects.filter(pk=analysis.pk).update(status=JobStatus.FAILED, error="boom")
    assert "The last analysis failed: boom" in owner_client.get(url).content.decode()
    assert analysis_queries() == 0  # settled: from the cache
    VoiceAnalysis.objects.create(persona=persona, status=JobStatus.QUEUED)
    page = owner_client.get(url).content.decode()
    assert "Analysing your voice" in page and "boom" not in page


def test_who_the_viewer_is_costs_one_round_trip_to_the_cache(
    owner_client, owner, workspace, persona
):
    import redis

    from accounts.backends import user_key
    from accounts.middleware import memberships_key
    from notifications.services import unread_key
    from personas.selectors import active_personas_key

    owner_client.post(reverse("workspace_switch", args=[workspace.pk]))  # chosen: in the session
    owner_client.get(reverse("dashboard"))  # warm
    sent: list[tuple] = []
    execute = redis.Redis.execute_command

    def recording(self, *args, **options):
        sent.append(args)
        return execute(self, *args, **options)

    redis.Redis.execute_command = recording
    try:
        assert owner_client.get(reverse("dashboard")).status_code == 200
    finally:
        redis.Redis.execute_command = execute
    viewer = {
        user_key(owner.pk),
        memberships_key(owner.pk),
        unread_key(owner.pk),
        active_personas_key(workspace.pk),
    }
    asked = [
        (command, {key for key in viewer if any(str(a).endswith(key) for a in args)})
        for command, *args in sent
    ]
    assert [named for command, named in asked if named] == [viewer]  # all four, together…
    assert [command for command, named in asked if named] == ["MGET"]  # …in one round trip
    # … with the page's own (counts, streak, voice, trends): the session names the persona
    # (the first by name, kept as chosen), so they need no round trip of their own
    assert [command for command, *_ in sent] == ["GET", "MGET"], sent
    assert any(f"posts:stats:{persona.pk}" in str(arg) for arg in sent[1])

    # The same on the other pages that declare what they read, and for a persona switched to.
    owner_client.post(reverse("persona_switch", args=[PersonaFactory(workspace=workspace).pk]))
    for url in (reverse("dashboard"), reverse("voice_page"), reverse("post_list")):
        owner_client.get(url)  # warm
        sent.clear()
        redis.Redis.execute_command = recording
        try:
            assert owner_client.get(url).status_code == 200
        finally:
            redis.Redis.execute_command = execute
        assert [command for command, *_ in sent] == ["GET", "MGET"], (url, sent)


def test_what_was_read_ahead_answers_once_and_a_change_drops_it():
    from core.cache import end_read_ahead, forget, read_ahead, recall

    cache.set("ahead:a", "before")
    cache.set("ahead:b", "kept")
    read_ahead(["ahead:a", "ahead:b", "ahead:missing"])
    try:
        cache.set("ahead:a", "after")  # changed elsewhere, after the request began
        assert recall("ahead:a") == "before"  # the request's first read: what it read ahead
        assert recall("ahead:a") == "after"  # a later read asks the cache again
        assert recall("ahead:missing") is None
        forget(["ahead:b"])  # changed by this request
        assert recall("ahead:b") is None
    finally:
        end_read_ahead()
