from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from language.openings import first_line
from language.text import opening_if_shorter
from llm.services import embed_for, embed_reference
from pillars import services
from pillars.models import Pillar, PillarDiscovery, Topic, TopicSource, TopicStatus
from posts.models import EMBEDDING_DIMENSIONS, Post
from tests.factories import PersonaFactory, PostFactory, VoiceProfileFactory
from tests.fakes.openai_server import running_fake_openai
from tests.helpers import client_for

# Real texts, embedded by the local model: a persona writing about pricing and about running.
PRICING = [
    "Raise your prices. Our pricing page doubled revenue after we dropped the cheap plan.",
    "Pricing is positioning: annual plans and a higher price brought us better customers.",
    "We tested three pricing tiers for our SaaS; the middle plan won and churn fell.",
    "Discounts train buyers to wait. Our subscription price stays the same all year.",
    "Charge more than feels comfortable: cheap plans attract the customers who churn.",
    "Price anchoring works: show the enterprise plan first and the pro plan sells itself.",
    "Freemium nearly killed our startup. A paid trial made our revenue predictable.",
    "Every price increase we announced early lost fewer customers than we feared.",
    "Usage-based pricing sounds fair but makes revenue forecasts miserable.",
    "Your pricing page is a sales page. Ours now answers objections before the demo.",
    "We grandfathered old customers at their price; loyalty paid back the discount.",
]
RUNNING = [
    "Marathon training taught me patience. Slow easy miles build the engine.",
    "Ran my first ultramarathon this weekend: 50 km of trail, legs gone, head clear.",
    "Easy runs, mostly. Running fast every day is how runners get injured.",
    "Morning running before email is the only meeting I never cancel.",
    "Interval training on the track: six times 800 metres, then a long cool down.",
    "New running shoes for the half marathon; the old pair had 900 km on them.",
    "Hill repeats in the rain this morning. Running clears my head for the week.",
    "My marathon pace plan: start slow, negative split, drink at every station.",
    "Recovery runs should feel too easy. Heart rate under 140, no watch checking.",
    "Trail running in the mountains: slower pace, more climbing, better views.",
]


@cache
def _vectors(texts: tuple[str, ...]) -> list[list[float]]:
    """The local model is deterministic: each test reuses the first test's vectors."""
    return [list(v) for v in embed_reference(list(texts))]


def _embedded_persona(persona):
    """The pricing and running posts on `persona`, embedded by the local model (once per run)."""
    texts = PRICING + RUNNING
    openings = [opening_if_shorter(t) or t for t in texts]  # as the embedding job does
    vectors = _vectors(tuple(texts + openings))
    now = datetime.now(UTC)
    for i, (text, vector) in enumerate(zip(texts, vectors, strict=False)):
        PostFactory(
            persona=persona,
            text=text,
            embedding=vector,
            opening_embedding=vectors[len(texts) + i],
            posted_at=now - timedelta(days=5 + 10 * i),
            performance_score=80.0 if text in PRICING else 20.0,
        )
    VoiceProfileFactory(persona=persona)
    return persona


def _discover(persona) -> None:
    run = services.discovery_request(persona=persona, role=Role.OWNER, user=None)
    services.discovery_run(discovery_id=run.pk)


@pytest.fixture
def persona(persona):
    """Embedded posts on pricing and running, and the pillars found in them."""
    _embedded_persona(persona)
    _discover(persona)
    return persona


def _classified(persona, *titles: str) -> list[Topic]:
    made = [
        services.topic_add(persona=persona, role=Role.OWNER, user=None, title=t) for t in titles
    ]
    services.topics_classify(persona_id=persona.pk)
    return [Topic.objects.get(pk=t.pk) for t in made]


def test_an_idea_gets_its_pillar_a_score_with_factors_and_three_angles(persona):
    (idea,) = _classified(persona, "How we priced our new enterprise plan")
    assert idea.scored_at is not None
    pricing = Pillar.objects.get(pk=idea.pillar_id)
    assert "pric" in " ".join([*pricing.keywords, pricing.name.lower()])
    assert set(idea.factors) == {"pillar_fit", "novelty", "engagement"}
    assert idea.factors["engagement"]["value"] >= 60  # close posts are the persona's best
    assert 0 <= idea.score <= 100
    assert len(idea.angles) == 3
    # each opens as one of the persona's own posts opens, with the idea put in
    openings = {first_line(p.text) for p in Post.objects.filter(persona=persona)}
    for angle in idea.angles:
        assert angle["from"] in openings and angle["by"] == "offline"
        label = angle["from"].split(":")[0]
        assert angle["hook"] == f"{label}: How we priced our new enterprise plan"


@pytest.mark.django_db
def test_ideas_added_before_the_pillars_get_one_once_they_are_found(
    django_capture_on_commit_callbacks,
):
    persona = _embedded_persona(PersonaFactory())
    early = services.topic_add(persona=persona, role=Role.OWNER, user=None, title="Annual pricing")
    services.topics_classify(persona_id=persona.pk)
    early.refresh_from_db()
    assert early.scored_at is not None and early.pillar_id is None  # no pillars yet
    with django_capture_on_commit_callbacks(execute=True):
        _discover(persona)
    early.refresh_from_db()
    assert early.scored_at is None  # queued for scoring again against the new pillars
    services.topics_classify(persona_id=persona.pk)
    early.refresh_from_db()
    assert early.pillar is not None and "pric" in " ".join(early.pillar.keywords)


def test_an_idea_on_a_pillar_scores_above_one_far_from_every_pillar(persona):
    on, off = _classified(
        persona,
        "Why our annual pricing plan beats monthly subscriptions",
        "My grandmother's recipe for lemon cake with poppy seeds",
    )
    assert on.factors["pillar_fit"]["value"] > off.factors["pillar_fit"]["value"]
    assert on.score > off.score


def test_repeating_last_week_s_post_scores_low_on_novelty(persona):
    PostFactory(
        persona=persona,
        text="Freemium is a trap: free users never convert into paying customers.",
        embedding=embed_for(
            persona,
            ["Freemium is a trap: free users never convert into paying customers."],
            purpose="t",
        )[0],
        posted_at=datetime.now(UTC) - timedelta(days=6),
    )
    repeat, fresh = _classified(
        persona,
        "Freemium is a trap: free users never convert to paying customers",
        "Running a marathon in under four hours at forty",
    )
    assert repeat.factors["novelty"]["value"] < fresh.factors["novelty"]["value"]
    assert "close to a recent post" in repeat.factors["novelty"]["why"]


def test_bulk_paste_adds_one_idea_a_line_once(persona):
    added = services.topics_paste(
        persona=persona,
        role=Role.OWNER,
        user=None,
        text="- pricing for agencies\n\n2) my worst hire\n* pricing for agencies\n",
    )
    assert [t.title for t in added] == ["pricing for agencies", "my worst hire"]
    again = services.topics_paste(
        persona=persona, role=Role.OWNER, user=None, text="Pricing for agencies"
    )
    assert again == []
    with pytest.raises(ValidationError, match="one idea a line"):
        services.topics_paste(persona=persona, role=Role.OWNER, user=None, text="  \n ")


def test_write_this_opens_generation_with_the_idea_filled_in(persona, owner):
    client = client_for(owner, persona.workspace)  # the persona is in the owner's workspace
    (idea,) = _classified(persona, "The price increase email that lost us nobody")
    page = client.get(reverse("ideas"))
    assert page.status_code == 200
    body = page.content.decode()
    assert idea.title in body and "Write this" in body
    angle = idea.angles[0]
    url = next(u for a, u in page.context["topics"][0].angle_links if a == angle)
    query = parse_qs(urlsplit(url).query)
    assert query["topic"] == [idea.title]
    assert query["pillar"] == [str(idea.pillar_id)]
    assert query["opening"] == [angle["hook"]]
    form_page = client.get(url)
    form = form_page.context["form"]
    assert form["topic"].value() == idea.title
    assert str(form["pillar"].value()) == str(idea.pillar_id)
    assert form["opening"].value() == angle["hook"]


def test_the_status_moves_and_discarded_ideas_leave_the_open_list(persona, owner):
    client = client_for(owner, persona.workspace)  # the persona is in the owner's workspace
    idea = services.topic_add(persona=persona, role=Role.OWNER, user=None, title="An old idea")
    client.post(reverse("idea_status", args=[idea.pk]), {"status": TopicStatus.DISCARDED})
    idea.refresh_from_db()
    assert idea.status == TopicStatus.DISCARDED
    listed = client.get(reverse("ideas")).context["topics"]
    assert "An old idea" not in [t.title for t in listed]
    listed = client.get(reverse("ideas"), {"status": "discarded"}).context["topics"]
    assert [t.title for t in listed] == ["An old idea"]


def test_a_topic_from_a_trend_counts_its_velocity(persona):
    idea = services.topic_add(
        persona=persona,
        role=Role.OWNER,
        user=None,
        title="Stripe changes its pricing for startups",
        source=TopicSource.TREND,
        trend_velocity=0.8,
    )
    services.topics_classify(persona_id=persona.pk)
    idea.refresh_from_db()
    assert idea.factors["trend"]["value"] == 80


def test_discovery_measures_how_far_the_persona_s_opening_lines_sit_from_their_posts(persona):
    run = PillarDiscovery.objects.filter(persona=persona).latest("id")
    shift = np.array(run.opening_shift)
    # the posts of two sentences were embedded by their first: a lean of the embedding's size
    assert shift.shape == (EMBEDDING_DIMENSIONS,) and np.linalg.norm(shift) > 0.01


def test_an_idea_far_from_everything_the_persona_writes_joins_no_pillar_and_scores_low(persona):
    pricing, sourdough = _classified(
        persona, "How we priced our new enterprise plan", "Best sourdough recipes for beginners"
    )
    assert sourdough.pillar_id is None
    assert sourdough.factors["pillar_fit"]["why"].startswith("far from your pillars")
    # new to them, and their "closest" posts did well: still no reason to write it
    assert sourdough.factors["novelty"]["value"] >= 70
    assert sourdough.score <= 30 < pricing.score


def test_with_a_model_the_hooks_adapt_the_creator_s_best_first_lines(persona, settings):
    hooks = [
        {"kind": "bold claim", "hook": "Raise your prices: our enterprise plan did it in a week."},
        {"kind": "question", "hook": "Pricing is positioning: what does your enterprise plan say?"},
        {"kind": "data", "hook": "We tested three enterprise prices; the middle one won."},
    ]
    with running_fake_openai() as fake:
        settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "sk-test", fake.base_url
        settings.LLM_PROVIDERS = ["openai"]
        fake.reply = "<json>" + json.dumps({"angles": hooks}) + "</json>"
        (idea,) = _classified(persona, "How we priced our new enterprise plan")
    (request,) = [r for r in fake.requests if r["path"] == "/v1/chat/completions"]
    sent = request["body"]["messages"][-1]["content"]
    openings = sent.split("<openings>")[1].split("</openings>")[0].strip().splitlines()
    # their first lines, best performing first: the pricing posts did better than the running
    assert openings[0] == "Raise your prices."
    assert len(openings) == 8 and all(any(p.startswith(o) for p in PRICING) for o in openings)
    assert "<idea>\nHow we priced our new enterprise plan" in sent
    assert [(a["hook"], a["by"]) for a in idea.angles] == [(h["hook"], "model") for h in hooks]
