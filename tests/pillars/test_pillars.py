from __future__ import annotations

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from pillars import discovery, selectors, services
from pillars.models import Pillar, PillarDiscovery, PillarStatus, PostPillar
from posts.models import Post
from tests.factories import PersonaFactory, PostFactory
from tests.pillars.themes import THEMES, noisy, theme_vectors, themed_posts


def _discover(persona, user=None) -> PillarDiscovery:
    run = services.discovery_request(persona=persona, role=Role.OWNER, user=user)
    services.discovery_run(discovery_id=run.pk)
    run.refresh_from_db()
    return run


def _pillar_of(post) -> Pillar | None:
    return PostPillar.objects.get(post=post).pillar


def _theme_pillar(theme_posts) -> Pillar:
    """The pillar most of the theme's posts are in."""
    found = [_pillar_of(p) for p in theme_posts]
    return max((p for p in found if p), key=found.count)


def test_kmeans_and_the_pillar_count_recover_clear_themes():
    rng = np.random.default_rng(0)
    centres = theme_vectors()
    points = np.array([noisy(c, rng) for c in centres.values() for _ in range(15)])
    truth = np.repeat(np.arange(3), 15)
    clusters = discovery.cluster_posts(points)
    assert len(clusters.means) == 3
    # every theme lands in one cluster, and no cluster mixes themes
    for theme in range(3):
        assert len(set(clusters.labels[truth == theme].tolist())) == 1
    assert len(set(clusters.labels.tolist())) == 3


def test_distinctive_terms_name_a_theme_by_its_own_words():
    inside = THEMES["pricing"] * 2
    outside = THEMES["hiring"] * 2 + THEMES["running"] * 2
    terms = discovery.distinctive_terms(inside, outside, "en")
    assert "pricing" in terms
    assert not {"hiring", "running"} & set(terms)
    assert discovery.name_from_terms(terms).startswith("Pricing")


def test_relevance_ranks_a_persona_s_theme_above_others():
    rng = np.random.default_rng(3)
    centres = theme_vectors()
    own = np.array([noisy(centres["pricing"], rng) for _ in range(12)])
    pool = np.array(
        [noisy(centres[name], rng) for name in ("pricing", "hiring", "running") for _ in range(10)]
    )
    labels = np.repeat([1, 0, 0], 10)
    ranked = discovery.relevance(
        lexical=np.zeros(len(pool)),
        vectors=pool,
        own_vectors=own,
        pillar_means=own.mean(axis=0, keepdims=True),
    )
    top = np.argsort(-ranked.score)[:10]
    assert labels[top].sum() == 10


@pytest.mark.django_db
def test_discovery_finds_named_pillars_and_assigns_every_post(owner):
    persona = PersonaFactory()
    posts = themed_posts(persona)
    run = _discover(persona, owner)
    assert run.status == "done", run.error
    pillars = list(Pillar.objects.filter(persona=persona))
    assert len(pillars) == 3
    names = " ".join(p.name.lower() for p in pillars)
    assert "pricing" in names and "hiring" in names
    assert PostPillar.objects.filter(persona=persona).count() == 30
    for theme_posts in posts.values():
        owners = {_pillar_of(p) for p in theme_posts} - {None}
        assert len(owners) == 1  # one theme, one pillar (a loose post may be unassigned)
    stats = selectors.pillars_with_stats(persona)
    assert sum(p.post_total for p in stats["pillars"]) + stats["unassigned"] == 30
    running = next(p for p in stats["pillars"] if "running" in " ".join(p.keywords))
    assert running.performance == pytest.approx(70)
    assert len(running.examples) == 3


@pytest.mark.django_db
def test_fewer_than_twenty_embedded_posts_get_a_clear_error():
    persona = PersonaFactory()
    PostFactory.create_batch(5, persona=persona)
    with pytest.raises(ValidationError, match="at least 20 posts with embeddings"):
        services.discovery_request(persona=persona, role=Role.OWNER, user=None)


@pytest.mark.django_db
def test_rediscovery_keeps_names_targets_and_deletions(owner):
    persona = PersonaFactory()
    posts = themed_posts(persona)
    _discover(persona)
    pricing = _theme_pillar(posts["pricing"])
    hiring = _theme_pillar(posts["hiring"])
    running = _theme_pillar(posts["running"])
    services.pillar_update(
        pillar=pricing,
        role=Role.OWNER,
        data={"name": "Money talk", "description": "What to charge", "target_share": 40},
    )
    services.pillar_delete(pillar=running, role=Role.OWNER)
    _discover(persona)
    pricing.refresh_from_db()
    assert (pricing.name, pricing.target_share, pricing.status) == ("Money talk", 40, "active")
    assert _pillar_of(posts["pricing"][1]).pk == pricing.pk  # same row, not renumbered
    assert _pillar_of(posts["hiring"][1]).pk == hiring.pk
    running.refresh_from_db()
    assert running.status == PillarStatus.DELETED  # not brought back
    assert not Pillar.objects.filter(persona=persona, status="active", name=running.name).exists()
    assert all(_pillar_of(p) != running for p in posts["running"])


@pytest.mark.django_db
def test_merge_moves_posts_and_rediscovery_keeps_the_merge():
    persona = PersonaFactory()
    posts = themed_posts(persona)
    _discover(persona)
    pricing, hiring = _theme_pillar(posts["pricing"]), _theme_pillar(posts["hiring"])
    services.pillar_merge(pillar=hiring, into=pricing, role=Role.OWNER)
    assert {_pillar_of(p) for p in posts["hiring"]} <= {pricing, None}
    _discover(persona)
    assert {_pillar_of(p) for p in posts["hiring"]} <= {pricing, None}
    assert Pillar.objects.filter(persona=persona, status="active").count() == 2


@pytest.mark.django_db
def test_split_makes_a_new_pillar_from_half_the_posts():
    persona = PersonaFactory()
    posts = themed_posts(persona)
    _discover(persona)
    pricing, hiring = _theme_pillar(posts["pricing"]), _theme_pillar(posts["hiring"])
    services.pillar_merge(pillar=hiring, into=pricing, role=Role.OWNER)
    new = services.pillar_split(pillar=pricing, role=Role.OWNER)
    moved = {p.pk for p in posts["pricing"] + posts["hiring"] if _pillar_of(p) == new}
    stayed = {p.pk for p in posts["pricing"] + posts["hiring"] if _pillar_of(p) == pricing}
    themes = {p.pk: name for name in ("pricing", "hiring") for p in posts[name]}
    assert moved and stayed
    assert len({themes[i] for i in moved}) == 1 and len({themes[i] for i in stayed}) == 1


@pytest.mark.django_db
def test_a_small_pillar_refuses_to_split():
    persona = PersonaFactory()
    themed_posts(persona, per_theme=7)
    _discover(persona)
    pillar = Pillar.objects.filter(persona=persona).first()
    with pytest.raises(ValidationError, match="at least 12 posts to split"):
        services.pillar_split(pillar=pillar, role=Role.OWNER)


@pytest.mark.django_db
def test_new_posts_join_their_pillar_when_embedded():
    persona = PersonaFactory()
    posts = themed_posts(persona)
    _discover(persona)
    rng = np.random.default_rng(9)
    late = PostFactory(
        persona=persona,
        text="Pricing again: the enterprise plan needs a price on the page.",
        embedding=noisy(theme_vectors()["pricing"], rng),
    )
    assert services.posts_assign(persona_id=persona.pk) == 1
    assert _pillar_of(late) == _theme_pillar(posts["pricing"])
    assert services.posts_assign(persona_id=persona.pk) == 0


@pytest.mark.django_db
def test_the_first_discovery_starts_unasked_once_there_are_enough_posts(
    django_capture_on_commit_callbacks,
):
    persona = PersonaFactory()
    made = [post for group in themed_posts(persona).values() for post in group]
    Post.objects.filter(pk__in=[p.pk for p in made[5:]]).update(embedding=None)
    assert services.posts_assign(persona_id=persona.pk) == 0
    assert not PillarDiscovery.objects.filter(persona=persona).exists()  # 5 are not enough

    for post in made[5:]:  # the rest are embedded
        post.save(update_fields=["embedding"])
    with django_capture_on_commit_callbacks() as sent:
        services.posts_assign(persona_id=persona.pk)
        services.posts_assign(persona_id=persona.pk)  # a second embedding run starts no other
    run = PillarDiscovery.objects.get(persona=persona)
    assert run.requested_by is None and len(sent) == 1
    services.discovery_run(discovery_id=run.pk)
    run.refresh_from_db()
    assert run.status == "done", run.error
    assert Pillar.objects.filter(persona=persona).count() == 3
    # after that, rediscovery is the creator's call: a deleted pillar set does not come back
    Pillar.objects.filter(persona=persona).delete()
    PillarDiscovery.objects.filter(persona=persona).update(status="failed")
    with django_capture_on_commit_callbacks() as sent:
        services.posts_assign(persona_id=persona.pk)
    assert PillarDiscovery.objects.filter(persona=persona).count() == 1 and not sent


@pytest.mark.django_db
def test_the_pillars_page_shows_and_edits_pillars(owner_client, workspace):
    persona = PersonaFactory(workspace=workspace)
    posts = themed_posts(persona)
    _discover(persona)
    page = owner_client.get(reverse("pillars"))
    assert page.status_code == 200
    pricing = _theme_pillar(posts["pricing"])
    assert pricing.name in page.content.decode()
    answer = owner_client.post(
        reverse("pillar_edit", args=[pricing.pk]),
        {"name": "", "description": "x", "target_share": 140},
    )
    assert answer.status_code == 422
    assert "between 0 and 100" in answer.content.decode()
    assert 'value="x"' in answer.content.decode() or ">x<" in answer.content.decode()
    owner_client.post(
        reverse("pillar_edit", args=[pricing.pk]),
        {"name": "Money", "description": "", "target_share": 30},
    )
    pricing.refresh_from_db()
    assert (pricing.name, pricing.target_share, pricing.edited) == ("Money", 30, True)


@pytest.mark.django_db
def test_a_viewer_cannot_change_pillars(workspace, viewer):
    from tests.helpers import client_for

    persona = PersonaFactory(workspace=workspace)
    themed_posts(persona)
    _discover(persona)
    pillar = Pillar.objects.filter(persona=persona).first()
    client = client_for(viewer, workspace)
    assert client.post(reverse("pillar_delete", args=[pillar.pk])).status_code == 403
    assert client.post(reverse("pillars_discover")).status_code in (302, 403)
    assert PillarDiscovery.objects.filter(persona=persona).count() == 1
