from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from posts.models import Post
from posts.services import embed_pending_posts, recompute_performance
from tests.factories import PersonaFactory, PostFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

TEXT = "The one habit that changed how I run meetings: every meeting ends with a written decision."


def test_add_a_post_with_htmx_and_its_warnings(owner_client, persona):
    typed = {"text": TEXT, "posted_at": "not a date", "likes": "12", "impressions": "400"}
    refused = owner_client.post(reverse("post_create"), typed, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422  # a date we cannot read is not silently "today"
    assert "“not a date” is not a date we can read" in refused.content.decode()
    assert 'value="not a date"' in refused.content.decode() and not Post.objects.exists()
    response = owner_client.post(
        reverse("post_create"), {**typed, "posted_at": ""}, HTTP_HX_REQUEST="true"
    )
    post = Post.objects.get(persona=persona)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("post_detail", args=[post.pk])
    assert post.likes == 12 and post.engagement_rate == pytest.approx(0.03)
    assert post.posted_at.date() == datetime.now(UTC).date()
    detail = owner_client.get(response["HX-Redirect"]).content.decode()
    assert "Saved with a change: no date; used today." in detail


def test_errors_keep_what_was_typed(owner_client, persona):
    response = owner_client.post(
        reverse("post_create"), {"text": "Too short to learn from", "likes": "-1", "saves": "3"}
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "Ensure this value is greater than or equal to 0." in body
    assert "Too short to learn from" in body and 'value="3"' in body
    response = owner_client.post(reverse("post_create"), {"text": "Too short to learn from"})
    assert "text is 23 characters; a post needs at least 50" in response.content.decode()
    assert not Post.objects.exists()


def test_duplicate_asks_before_saving_anyway(owner_client, persona):
    PostFactory(persona=persona, text=TEXT)
    first = owner_client.post(reverse("post_create"), {"text": TEXT.upper() + "  "})
    body = first.content.decode()
    assert first.status_code == 422
    assert "already has a post with the same text" in body
    assert 'name="save_anyway" value="on"' in body and "Save anyway" in body
    assert Post.objects.count() == 1
    second = owner_client.post(reverse("post_create"), {"text": TEXT.upper(), "save_anyway": "on"})
    assert second.status_code == 302 and Post.objects.count() == 2


def test_list_filters_search_and_pagination(owner_client, persona):
    for n in range(30):
        PostFactory(
            persona=persona,
            text=f"Post {n} about {'pricing strategy' if n % 3 == 0 else 'team rituals'}, and why.",
            likes=n,
            posted_at=datetime(2024, 1 + n % 12, 5, tzinfo=UTC),
        )
    recompute_performance(persona_id=persona.pk)
    page = owner_client.get(reverse("post_list")).content.decode()
    assert "30 posts" in page and "Page 1 of 2" in page
    found = owner_client.get(reverse("post_list"), {"q": "pricing"}).content.decode()
    assert "10 posts" in found
    top = owner_client.get(reverse("post_list"), {"tier": "top"}).content.decode()
    assert "3 posts" in top and "tier-top" in top
    # The filter form is drawn once per choice of filters: each page shows its own choice.
    assert 'name="q" value="pricing"' in found and 'value="pricing"' not in top
    assert '<option value="top" selected>' in top and '<option value="top" selected>' not in page
    ranged = owner_client.get(
        reverse("post_list"), {"date_from": "2024-03-01", "date_to": "2024-03-31"}
    )
    assert "3 posts" in ranged.content.decode()
    fragment = owner_client.get(reverse("post_list"), {"q": "rituals"}, HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith('<section id="post-results">')
    assert "HX-Request" in fragment["Vary"]
    # Back after htmx's history cache is gone: the pushed URL must come back as a whole page.
    restored = owner_client.get(
        reverse("post_list"),
        {"q": "rituals"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert restored.content.decode().lstrip().startswith("<!doctype html>")


def test_list_query_count_stays_flat(owner_client, persona, django_assert_max_num_queries):
    PostFactory.create_batch(3, persona=persona)
    with django_assert_max_num_queries(20) as small:
        owner_client.get(reverse("post_list"))
    PostFactory.create_batch(60, persona=persona)
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get(reverse("post_list"))


def test_detail_shows_metrics_tier_and_similar_posts(owner_client, persona):
    target = PostFactory(
        persona=persona, text="How we hire engineers: a written exercise beats a whiteboard."
    )
    PostFactory(
        persona=persona,
        text="Hiring engineers? Give them a written exercise, not a whiteboard puzzle.",
    )
    PostFactory(
        persona=persona, text="My favourite hiking trail in the Alps and what I pack for it."
    )
    recompute_performance(persona_id=persona.pk)
    pending = owner_client.get(reverse("post_detail", args=[target.pk])).content.decode()
    assert "being analysed" in pending
    embed_pending_posts(persona_id=persona.pk)
    page = owner_client.get(reverse("post_detail", args=[target.pk])).content.decode()
    assert "Similar posts" in page
    assert page.index("Give them a written exercise") < page.index("hiking trail")
    assert "% similar" in page


def test_edit_reembeds_and_delete_recomputes(owner_client, persona):
    post = PostFactory(persona=persona, text=TEXT)
    other = PostFactory(persona=persona, likes=1)
    embed_pending_posts(persona_id=persona.pk)
    response = owner_client.post(
        reverse("post_edit", args=[post.pk]), {"text": TEXT + " Edited.", "likes": "999"}
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.embedding is None and post.likes == 999 and post.tier == "top"
    owner_client.post(reverse("post_delete", args=[post.pk]))
    other.refresh_from_db()
    assert not Post.objects.filter(pk=post.pk).exists() and other.tier == "average"


def test_viewer_reads_but_cannot_change(workspace, viewer, persona):
    post = PostFactory(persona=persona)
    client = client_for(viewer, workspace)
    assert client.get(reverse("post_detail", args=[post.pk])).status_code == 200
    assert client.get(reverse("post_create")).status_code == 403
    assert client.post(reverse("post_delete", args=[post.pk])).status_code == 403
    assert Post.objects.filter(pk=post.pk).exists()


def test_without_a_persona_posts_lead_to_creating_one(owner_client):
    response = owner_client.get(reverse("post_list"), follow=True)
    assert "Create a persona first" in response.content.decode()


def test_search_is_answered_from_the_gin_index(persona):
    from django.db import connection

    from posts.selectors import posts_for_list

    PostFactory(persona=persona, text="How I run meetings: every one ends with a written decision.")
    with connection.cursor() as cursor:
        # Enough other posts that a real planner prefers the text index over the persona's rows.
        cursor.execute(
            """
            INSERT INTO posts_post (persona_id, text, text_hash, content_type,
                content_type_is_auto, posted_at, source, external_ref, embedding_model,
                created_at, updated_at)
            SELECT %s, 'filler post number ' || n || ' about gardening and tomatoes', md5(n::text),
                   'short', true, now(), 'import', '', '', now(), now()
            FROM generate_series(1, 3000) AS n
            """,
            [persona.pk],
        )
        # An earlier test's 10,000 rolled-back rows can still sit in the index's pending list
        # (autovacuum empties it when it gets round to it), which makes any index scan look
        # dear to the planner; empty it now, as autovacuum would.
        cursor.execute("SELECT gin_clean_pending_list('post_text_search'::regclass)")
        cursor.execute("ANALYZE posts_post")
        sql, params = posts_for_list(persona, query="meetings").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on post_text_search" in plan, plan


def test_editing_keeps_the_time_in_the_personas_zone(owner_client, workspace):
    lisbon = PersonaFactory(workspace=workspace, timezone="Europe/Lisbon")
    post = PostFactory(persona=lisbon, posted_at=datetime(2024, 7, 1, 8, 30, tzinfo=UTC))
    form = owner_client.get(reverse("post_edit", args=[post.pk])).content.decode()
    assert 'value="2024-07-01 09:30"' in form  # Lisbon is UTC+1 in summer
    owner_client.post(
        reverse("post_edit", args=[post.pk]), {"text": post.text, "posted_at": "2024-07-01 09:30"}
    )
    post.refresh_from_db()
    assert post.posted_at == datetime(2024, 7, 1, 8, 30, tzinfo=UTC)
    page = owner_client.get(reverse("post_detail", args=[post.pk])).content.decode()
    assert "1 Jul 2024, 09:30" in page and "Europe/Lisbon" in page
