from __future__ import annotations

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from pillars import discovery, naming, selectors, services
from pillars.models import Pillar, PillarDiscovery, PillarStatus, PostPillar
from posts.models import Post
from tests.factories import PersonaFactory, PostFactory
from tests.pillars.themes import (
    EMBEDDING_DIMENSIONS,
    THEMES,
    noisy,
    theme_vectors,
    themed_posts,
)


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
    terms = naming.distinctive_terms(inside, outside, "en")
    assert "pricing" in terms
    assert not {"hiring", "running"} & set(terms)
    assert naming.name_from_terms(terms).startswith("Pricing")


WASTE = [
    "Shrimp on a treadmill: still the best example of government waste.",
    "Another year, another report on government waste. Taxpayers deserve better.",
    "The federal study of shrimp on a treadmill cost more than you think.",
    "Government waste is bipartisan. So is the fix: cut the earmarks.",
    "My annual list of government waste is out today. Shrimp on a treadmill made it again.",
]
CUBA = [
    "Lift the Cuba travel ban: 54 years of a failed policy is enough.",
    "Americans should be free to travel to Cuba.",
    "The Cuba embargo has not worked, and the travel ban hurts families.",
]


def test_offline_names_are_topics_the_pillar_s_posts_write_not_word_pairs():
    terms = naming.distinctive_terms(WASTE, CUBA, "en")
    name = naming.name_from_terms(terms)
    assert name in ("Government waste", "Shrimp on a treadmill")
    assert sum(name.lower() in post.lower() for post in WASTE) >= 3
    assert "·" not in name
    # no two pillars share a name: the next term names the second
    both = naming.names_from_terms([terms, terms])
    assert both[0] == name and both[1] != name and both[1].lower() in " ".join(terms).lower()


def test_a_name_is_never_a_possessive_fragment():
    posts = [
        "Florida's beaches reopen today. Florida's small businesses are ready.",
        "Tomorrow's hearing on Florida's flood insurance starts at ten.",
        "Florida's farmers need flood insurance they can afford; tomorrow's vote decides.",
    ]
    assert "tomorrow's" not in naming.phrases_in(posts[1], frozenset({"on", "at"}))
    assert naming.name_from_terms(["Florida's"]) == "Florida"
    assert naming.name_from_terms(["florida’s", "beaches"], taken=["Florida"]) == "Beaches"


def test_an_idea_joins_the_pillar_its_post_would_and_nothing_far_away():
    rng = np.random.default_rng(6)
    centres = theme_vectors()
    own = np.array([noisy(centres[n], rng) for n in ("pricing", "hiring") for _ in range(12)])
    clusters = discovery.cluster_posts(own, k=2)
    reference = _others(rng)
    scale = discovery.idea_scale(reference, clusters.means, own, clusters.labels)
    ideas = np.array(
        [
            noisy(centres["pricing"], rng),
            noisy(centres["hiring"], rng),
            noisy(centres["running"], rng),
            rng.normal(size=EMBEDDING_DIMENSIONS),
        ]
    )
    joined, fit, _ = discovery.place_ideas(
        ideas,
        centre=clusters.centre,
        means=clusters.means,
        scale=scale,
    )
    by_post, _ = discovery.assign(ideas[:2], clusters.centre, clusters.means, clusters.thresholds)
    assert list(joined[:2]) == list(by_post) and set(joined[:2]) == {0, 1}
    assert list(joined[2:]) == [-1, -1] and fit[2:].max() < discovery.IDEA_FIT_TO_JOIN


def _relevance(own, pool, reference, **extra):
    return discovery.relevance(
        lexical=np.zeros(len(pool)),
        vectors=pool,
        own_vectors=own,
        pillar_means=own.mean(axis=0, keepdims=True),
        reference_lexical=np.zeros(len(reference)),
        reference_vectors=reference,
        **extra,
    )


def _others(rng, count=300):
    """Other people's posts: each about a theme of its own."""
    return np.array([noisy(rng.normal(size=EMBEDDING_DIMENSIONS), rng) for _ in range(count)])


def test_relevance_ranks_a_persona_s_theme_above_others_and_gives_others_no_fit():
    rng = np.random.default_rng(3)
    centres = theme_vectors()
    own = np.array([noisy(centres["pricing"], rng) for _ in range(12)])
    pool = np.array(
        [noisy(centres[name], rng) for name in ("pricing", "hiring", "running") for _ in range(10)]
    )
    labels = np.repeat([1, 0, 0], 10)
    ranked = _relevance(own, pool, _others(rng))
    top = np.argsort(-ranked.score)[:10]
    assert labels[top].sum() == 10
    assert ranked.fit[labels == 1].min() > 0.3
    assert ranked.fit[labels == 0].max() == 0


def test_a_batch_of_off_topic_items_does_not_make_the_least_unrelated_look_relevant():
    # what ranking within the batch did: the best of 20 recipes scored like a core topic
    rng = np.random.default_rng(4)
    centres = theme_vectors()
    own = np.array([noisy(centres["pricing"], rng) for _ in range(12)])
    off_topic = np.array([noisy(centres[n], rng) for n in ("hiring", "running") for _ in range(10)])
    assert _relevance(own, off_topic, _others(rng)).fit.max() == 0


def test_what_the_creator_dismissed_teaches_relevance():
    rng = np.random.default_rng(5)
    centres = theme_vectors()
    own = np.array([noisy(centres["pricing"], rng) for _ in range(12)])
    pool = np.array([noisy(centres["pricing"], rng) for _ in range(6)])
    reference = _others(rng)
    before = _relevance(own, pool, reference)
    assert before.fit.min() > 0.3
    dismissed = pool[:2] + 0.01 * rng.normal(size=(2, EMBEDDING_DIMENSIONS))
    after = _relevance(own, pool, reference, dismissed_vectors=dismissed)
    # the dismissed stories (another site's copy of each) lose most of their fit …
    assert (after.fit[:2] < 0.3 * before.fit[:2]).all()
    assert np.allclose(after.fit[2:], before.fit[2:])  # … the rest of the theme stays


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


def _drifting(rng, opening_theme="hiring", drift_theme="pricing"):
    """A post that opens on one theme and whose whole text leans to another: (whole, opening)."""
    centres = theme_vectors()
    opening = noisy(centres[opening_theme], rng, noise=0.1)
    whole = 0.4 * opening + 0.6 * noisy(centres[drift_theme], rng, noise=0.1)
    return whole / np.linalg.norm(whole), opening


def test_a_post_is_placed_by_its_opening_too_so_its_idea_lands_with_it():
    rng = np.random.default_rng(12)
    centres = theme_vectors()
    themes = ("pricing", "hiring", "running")
    posts = np.array([noisy(centres[t], rng, noise=1.0) for t in themes for _ in range(12)])
    clusters = discovery.cluster_posts(posts, k=3)
    pricing, hiring = clusters.labels[0], clusters.labels[12]
    scale = discovery.idea_scale(_others(rng), clusters.means, posts, clusters.labels)
    whole, opening = (np.array(v) for v in zip(*[_drifting(rng) for _ in range(6)], strict=True))

    def by_post(vectors):
        return discovery.assign(vectors, clusters.centre, clusters.means, clusters.thresholds)[0]

    by_idea, _, _ = discovery.place_ideas(
        opening, centre=clusters.centre, means=clusters.means, scale=scale
    )
    assert (by_idea == hiring).all()  # the opening says what the post is about
    assert (by_post(whole) == pricing).all()  # … the whole text alone drifts elsewhere
    assert (by_post(discovery.as_placed(whole, opening)) == hiring).all()  # placed by both
    # a post of one sentence is its own opening: placed as before
    assert np.allclose(discovery.as_placed(posts, posts), posts)


def test_a_line_in_the_persona_s_language_needs_more_than_its_language_to_join():
    # Every text in a language shares a lean of the embedding: measured against other people's
    # posts in every language, any line in the persona's own came close to their pillars (a
    # pasta recipe fitted a São Paulo governor's 71 %). Their one-liners in that language say
    # how close a line comes for its language alone.
    rng = np.random.default_rng(0)
    centres = theme_vectors()
    ours, theirs = (v / np.linalg.norm(v) for v in rng.normal(size=(2, EMBEDDING_DIMENSIONS)))

    def written(topic, language):
        vector = noisy(topic, rng, noise=1.0) + 1.2 * language
        return vector / np.linalg.norm(vector)

    themes = ("pricing", "hiring", "running")
    posts = np.array([written(centres[t], ours) for t in themes for _ in range(12)])
    clusters = discovery.cluster_posts(posts, k=3)
    in_ours = np.array([written(rng.normal(size=EMBEDDING_DIMENSIONS), ours) for _ in range(100)])
    in_theirs = [written(rng.normal(size=EMBEDDING_DIMENSIONS), theirs) for _ in range(200)]
    whole = discovery.idea_scale(
        np.vstack([in_ours, in_theirs]), clusters.means, posts, clusters.labels
    )
    lines = discovery.idea_scale(
        in_ours, clusters.means, posts, clusters.labels, own_openings=posts
    )
    unrelated = np.array([written(rng.normal(size=EMBEDDING_DIMENSIONS), ours) for _ in range(10)])
    on_topic = np.array([written(centres["hiring"], ours) for _ in range(10)])

    def joined(ideas, **scales):
        return discovery.place_ideas(
            ideas, centre=clusters.centre, means=clusters.means, scale=whole, **scales
        )[0]

    assert (joined(unrelated) >= 0).all()  # its language alone carried it in …
    assert (joined(unrelated, lines=lines) == -1).all()  # … not against one-liners in it
    assert (joined(on_topic, lines=lines) == clusters.labels[12]).all()


@pytest.mark.django_db
def test_the_job_places_posts_by_their_stored_opening_lines():
    persona = PersonaFactory()
    rng = np.random.default_rng(5)
    posts = {  # themes as loose as real posts are, so a post between two still joins one
        theme: [
            PostFactory(persona=persona, embedding=noisy(centre, rng, noise=1.0)) for _ in range(12)
        ]
        for theme, centre in theme_vectors().items()
        if theme in ("pricing", "hiring", "running")
    }
    whole, opening = _drifting(rng)
    drifting = PostFactory(
        persona=persona,
        text="We hired two engineers. Their salaries moved our pricing plans and the budget.",
        embedding=whole,
        opening_embedding=opening,
    )
    _discover(persona)
    assert _pillar_of(drifting) == _theme_pillar(posts["hiring"])
    # without its opening line it would have gone with the pricing posts
    late = PostFactory(persona=persona, text="Later: the same drift, no opening.", embedding=whole)
    services.posts_assign(persona_id=persona.pk)
    assert _pillar_of(late) == _theme_pillar(posts["pricing"])


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


def _posts_with(phrases: list[str | None], rng) -> list[str]:
    """A post per entry: filler words of its own, with the phrase written in it when given."""
    letters = "bcdfghjklmnpqrstvwxz"
    posts = []
    for phrase in phrases:
        filler = ["".join(rng.choice(list(letters), size=6)) for _ in range(6)]
        posts.append(" ".join(filler[:3] + ([phrase] if phrase else []) + filler[3:]) + ".")
    return posts


def test_of_two_groupings_about_as_well_separated_the_one_its_phrases_name_is_chosen():
    # Four blobs: B and C apart, A1 and A2 near each other. Splitting A1 from A2 separates the
    # posts a little better (silhouette 0.95 against 0.89), but when A1 and A2 share one topic,
    # written in two posts of each, only the grouping that keeps them together can name it.
    rng = np.random.default_rng(0)
    e = np.eye(16)
    centres = [e[0], e[1], e[2] + 0.5 * e[3], e[2] - 0.5 * e[3]]
    sizes = [8, 8, 4, 4]
    blobs = [c + rng.normal(scale=0.05, size=(n, 16)) for c, n in zip(centres, sizes, strict=True)]
    vectors = np.vstack(blobs)
    b = ["pricing page"] * 3 + [None] * 5
    c = ["interview loop"] * 3 + [None] * 5

    split = b + c + ["government waste"] * 3 + [None] + ["travel ban"] * 3 + [None]
    clusters, _ = naming.discover(_posts_with(split, rng), vectors, "en")
    assert len(clusters.means) == 4  # every grouping is named: the better separated one

    shared = b + c + ["government waste"] * 2 + [None] * 2 + ["government waste"] * 2 + [None] * 2
    texts = _posts_with(shared, rng)
    clusters, terms = naming.discover(texts, vectors, "en")
    assert len(clusters.means) == 3
    assert len(set(clusters.labels[16:].tolist())) == 1  # A1 and A2 are one pillar …
    names = naming.names_from_terms(terms)
    assert names[clusters.labels[16]] == "Government waste"  # … named by what they write
    assert {names[clusters.labels[0]], names[clusters.labels[8]]} == {
        "Pricing page",
        "Interview loop",
    }


def test_the_share_of_clusters_a_phrase_names():
    phrases = [{"pricing page"}] * 3 + [set()] + [{"travel ban"}] * 2 + [set()] * 2
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    assert naming.nameable_share(phrases, labels) == 0.5  # "travel ban" is in two posts only
    phrases[6] = {"travel ban"}
    assert naming.nameable_share(phrases, labels) == 1.0
    # a phrase the other posts write as much names neither
    everywhere = [{"senate floor"}] * 8
    assert naming.nameable_share(everywhere, labels) == 0.0


def test_an_idea_is_placed_as_its_post_would_be_once_the_persona_s_one_liner_lean_is_off():
    # This persona's opening lines all lean towards pricing, whatever they are about: a one-line
    # idea about hiring reads as pricing until that lean is taken off.
    rng = np.random.default_rng(4)
    centres = theme_vectors()
    pricing, hiring = centres["pricing"], centres["hiring"]
    posts = np.array([noisy(c, rng) for c in (pricing, hiring) for _ in range(12)])
    lean = 0.8 * (pricing - hiring)
    openings = posts + lean + 0.05 * rng.normal(size=posts.shape)
    clusters = discovery.cluster_posts(posts, k=2)
    scale = discovery.idea_scale(_others(rng), clusters.means, posts, clusters.labels)
    ideas = np.array([noisy(hiring, rng) + lean for _ in range(5)])
    hiring_pillar = clusters.labels[12]
    shift = discovery.opening_shift(posts, openings)

    _, fit_as_written, nearest = discovery.place_ideas(
        ideas, centre=clusters.centre, means=clusters.means, scale=scale
    )
    assert not (nearest == hiring_pillar).any()  # the lean wins …
    _, fit, nearest = discovery.place_ideas(
        ideas, centre=clusters.centre, means=clusters.means, scale=scale, shift=shift
    )
    assert (nearest == hiring_pillar).all()  # … until it is taken off
    assert np.array_equal(fit, fit_as_written)  # how well an idea fits is not changed by it
