"""Scanning trend sources over HTTP against a loopback server, faults included.

Scanning trend sources over HTTP against a loopback server that speaks RSS/Atom, Hacker
News' Algolia API and Mastodon's trends API, faults included."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from llm.services import embed_for
from pillars import services as pillar_services
from pillars.models import Topic, TopicSource
from tests.factories import PostFactory, TrendSourceFactory, WorkspaceFactory
from tests.fakes.trends_server import FakeTrendSources, atom, rss, tag_history
from trends import services
from trends.models import PersonaTrend, SourceKind, Stance, TrendItem, TrendSource
from trends.sources import canonical_url

PRICING_NEWS = [
    {
        "title": "Stripe raises SaaS subscription prices for small businesses",
        "link": "https://news.example.com/stripe-prices?utm_source=rss",
        "summary": "Subscription pricing changes hit startups on monthly plans.",
    },
    {
        "title": "Why annual pricing plans reduce churn for B2B software",
        "link": "https://blog.example.com/annual-pricing/",
        "summary": "Annual plans, discounts and price increases compared.",
    },
]
OTHER_NEWS = [
    {
        "title": "New species of frog found in the Amazon rainforest",
        "link": "https://science.example.com/frog",
        "summary": "Biologists describe a tiny frog.",
    },
    {
        "title": "Local bakery wins national croissant competition",
        "link": "https://food.example.com/croissant",
        "summary": "Butter, flour and patience.",
    },
]


@pytest.fixture
def fake():
    with FakeTrendSources() as server:
        yield server


@pytest.fixture
def workspace(db):
    return WorkspaceFactory()


def _source(workspace, fake, name, kind=SourceKind.FEED, **extra) -> TrendSource:
    url = fake.url(name) if kind == SourceKind.FEED else fake.base_url
    return TrendSourceFactory(workspace=workspace, kind=kind, name=name, url=url, **extra)


def test_a_feed_is_read_and_its_items_kept_once_per_canonical_url(workspace, fake):
    fake.feeds["a.xml"] = rss(PRICING_NEWS)
    fake.feeds["b.xml"] = atom(
        [{**PRICING_NEWS[0], "link": "https://www.news.example.com/stripe-prices#top"}]
    )
    _source(workspace, fake, "a.xml")
    _source(workspace, fake, "b.xml")
    report = services.workspace_scan(workspace_id=workspace.pk)
    assert (report.sources, report.failed, report.items_new) == (2, 0, 2)
    stripe = TrendItem.objects.get(canonical_url="https://news.example.com/stripe-prices")
    assert len(stripe.source_ids) == 2  # carried by both feeds
    assert stripe.embedding is None  # no persona ranks it: the scan leaves it to the backlog
    assert (
        canonical_url("HTTPS://WWW.Example.com/a/?utm_medium=x&b=1#f")
        == "https://example.com/a?b=1"
    )


def test_conditional_get_and_a_feed_that_changes_under_its_etag(workspace, fake):
    fake.feeds["a.xml"] = rss(PRICING_NEWS[:1])
    source = _source(workspace, fake, "a.xml")
    services.workspace_scan(workspace_id=workspace.pk)
    source.refresh_from_db()
    assert source.etag and source.last_modified
    report = services.workspace_scan(workspace_id=workspace.pk)
    assert report.not_modified == 1 and report.items_new == 0  # 304: nothing parsed
    fake.feeds["a.xml"] = rss(PRICING_NEWS)  # a new ETag
    report = services.workspace_scan(workspace_id=workspace.pk)
    assert report.not_modified == 0 and report.items_new == 1
    assert TrendItem.objects.filter(workspace=workspace).count() == 2


def test_broken_sources_record_their_error_and_back_off_without_stopping_others(
    workspace, fake, settings
):
    settings.TRENDS_TIMEOUT_SECONDS = 1
    fake.feeds["good.xml"] = rss(OTHER_NEWS)
    fake.feeds["slow.xml"] = rss(PRICING_NEWS)
    fake.slow.add("slow.xml")
    fake.malformed.add("bad.xml")
    good = _source(workspace, fake, "good.xml")
    missing = _source(workspace, fake, "missing.xml")
    slow = _source(workspace, fake, "slow.xml")
    bad = _source(workspace, fake, "bad.xml")
    before = datetime.now(UTC)
    report = services.workspace_scan(workspace_id=workspace.pk)
    assert report.failed == 3 and report.items_new == 2
    for source in (good, missing, slow, bad):
        source.refresh_from_db()
    assert good.last_error == "" and good.failures == 0
    assert "404" in missing.last_error
    assert "No answer within 1 s" in slow.last_error
    assert "not a readable RSS or Atom feed" in bad.last_error
    assert missing.next_scan_at >= before + timedelta(minutes=2 * missing.interval_minutes - 1)
    services.workspace_scan(workspace_id=workspace.pk, source_ids=[missing.pk])
    missing.refresh_from_db()
    assert missing.failures == 2
    assert missing.next_scan_at >= datetime.now(UTC) + timedelta(minutes=4 * 60 - 1)


def test_hacker_news_and_mastodon_trends(workspace, fake):
    fake.add_hn_story(
        "Show HN: a price calculator for SaaS founders", "https://calc.example.com", 42
    )
    fake.add_hn_story("Ask HN: how do you price a developer tool?", None, 17)
    fake.add_hn_story("A history of frogs", "https://frogs.example.com", 3)
    fake.mastodon_links = [
        {
            "url": "https://news.example.com/stripe-prices",
            "title": PRICING_NEWS[0]["title"],
            "description": "",
            "type": "link",
            "history": tag_history(30),
        },
    ]
    fake.mastodon_tags = [
        {"name": "pricing", "url": f"{fake.base_url}/tags/pricing", "history": tag_history(55)}
    ]
    fake.feeds["a.xml"] = rss(PRICING_NEWS[:1])
    _source(workspace, fake, "HN pricing", kind=SourceKind.HACKER_NEWS, query="price")
    _source(workspace, fake, "Mastodon", kind=SourceKind.MASTODON)
    _source(workspace, fake, "a.xml")
    report = services.workspace_scan(workspace_id=workspace.pk)
    assert report.failed == 0
    titles = set(TrendItem.objects.values_list("title", flat=True))
    assert "Ask HN: how do you price a developer tool?" in titles
    assert "A history of frogs" not in titles
    assert "#pricing" in titles
    ask = TrendItem.objects.get(title__startswith="Ask HN")
    assert ask.canonical_url.startswith("https://news.ycombinator.com/item?id=")
    stripe = TrendItem.objects.get(canonical_url="https://news.example.com/stripe-prices")
    assert len(stripe.source_ids) == 2 and stripe.signal in (0, 30)
    # a second scan with more points: the story is rising
    fake.hn_stories[0]["points"] = 240
    services.workspace_scan(workspace_id=workspace.pk)
    calculator = TrendItem.objects.get(title__startswith="Show HN")
    frozen = TrendItem.objects.get(title__startswith="Ask HN")
    assert calculator.velocity > frozen.velocity


def test_near_duplicate_stories_from_two_sources_are_one_item(workspace, fake, persona):
    fake.feeds["a.xml"] = rss([PRICING_NEWS[0]])
    fake.feeds["b.xml"] = rss(
        [{**PRICING_NEWS[0], "link": "https://mirror.example.org/copy-of-stripe"}]
    )
    _source(workspace, fake, "a.xml")
    _source(workspace, fake, "b.xml")
    services.workspace_scan(workspace_id=workspace.pk)
    item = TrendItem.objects.get(workspace=workspace)  # the copy was folded into the story
    assert item.mentions == 2 and len(item.source_ids) == 2
    both = {"https://news.example.com/stripe-prices", "https://mirror.example.org/copy-of-stripe"}
    assert {item.canonical_url, *item.aliases} == both

    # the mirror changes (a new ETag) and still carries the copy: it counts for the story,
    # it does not come back as a new item, and one scan is one observation of it
    fake.feeds["b.xml"] = rss(
        [{**PRICING_NEWS[0], "link": "https://mirror.example.org/copy-of-stripe"}, OTHER_NEWS[0]]
    )
    report = services.workspace_scan(workspace_id=workspace.pk)
    assert report.items_new == 1  # the frog
    item.refresh_from_db()
    assert item.mentions == 2 and len(item.history) == 2
    assert TrendItem.objects.filter(title__startswith="Stripe raises").count() == 1


def test_items_no_persona_ranks_are_embedded_after_the_scan_and_copies_folded(
    workspace, fake, django_capture_on_commit_callbacks
):
    fake.feeds["a.xml"] = rss(PRICING_NEWS + OTHER_NEWS)
    fake.feeds["b.xml"] = rss([{**OTHER_NEWS[0], "link": "https://mirror.example.org/frog-copy"}])
    _source(workspace, fake, "a.xml")
    _source(workspace, fake, "b.xml")
    with django_capture_on_commit_callbacks() as queued:
        report = services.workspace_scan(workspace_id=workspace.pk)
    assert report.items_new == 5 and len(queued) == 1  # the backlog job, once
    assert not TrendItem.objects.filter(embedding__isnull=False).exists()  # nobody ranked them

    assert services.embed_backlog(workspace_id=workspace.pk) == 5
    items = TrendItem.objects.filter(workspace=workspace)
    assert items.count() == 4 and not items.filter(embedding__isnull=True).exists()
    frog = items.get(title__startswith="New species")  # one story, either URL kept
    assert frog.mentions == 2
    assert {frog.canonical_url, *frog.aliases} == {
        "https://science.example.com/frog",
        "https://mirror.example.org/frog-copy",
    }
    assert services.embed_backlog(workspace_id=workspace.pk) == 0  # nothing left


PERSONA_POSTS = [
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
    "Hiring: our best engineers came from referrals, never from job boards.",
    "Our interview is two paid hours and a real task. Hiring got better overnight.",
    "Stop hiring for culture fit; hire for the problems you will have next year.",
    "We rejected a brilliant candidate for arrogance. Best hiring call I made.",
    "Onboarding a new hire: a buddy, a small shipped task on day two, no slide decks.",
    "Hiring too fast nearly sank us. Two good engineers beat five rushed ones.",
    "Job descriptions should list the problems, not twelve years of experience.",
    "Give every candidate feedback after the interview. It costs ten minutes.",
    "Remote hiring works if you write things down. Our handbook is our office.",
    "The first hire sets the culture more than the founders do.",
]


@pytest.fixture
def persona(persona):
    """Posts about pricing, embedded, and the pillars found in them."""
    vectors = embed_for(persona, PERSONA_POSTS, purpose="test")
    for i, (text, vector) in enumerate(zip(PERSONA_POSTS, vectors, strict=True)):
        PostFactory(
            persona=persona,
            text=text,
            embedding=vector,
            posted_at=datetime.now(UTC) - timedelta(days=i + 1),
        )
    run = pillar_services.discovery_request(persona=persona, role=Role.OWNER, user=None)
    pillar_services.discovery_run(discovery_id=run.pk)
    return persona


def test_items_are_ranked_for_a_persona_with_why_and_conflicts(workspace, fake, persona):
    Stance.objects.create(persona=persona, kind="disagree", text="Freemium plans for SaaS startups")
    fake.feeds["a.xml"] = rss(
        PRICING_NEWS
        + OTHER_NEWS
        + [
            {
                "title": "Why every SaaS startup should launch with a freemium plan",
                "link": "https://vc.example.com/freemium",
                "summary": "Free plans drive growth.",
            },
        ]
    )
    _source(workspace, fake, "a.xml")
    services.workspace_scan(workspace_id=workspace.pk)
    ranked = list(
        PersonaTrend.objects.filter(persona=persona).select_related("item").order_by("-relevance")
    )
    assert len(ranked) == 5
    top_titles = [t.item.title for t in ranked[:3]]
    assert "New species of frog found in the Amazon rainforest" not in top_titles
    assert "Local bakery wins national croissant competition" not in top_titles
    assert ranked[0].why.startswith("Fits “") and "nearest to your post" in ranked[0].why
    freemium = next(t for t in ranked if "freemium" in t.item.title)
    assert freemium.conflict.startswith("You disagree with: “Freemium plans")
    frog = next(t for t in ranked if "frog" in t.item.title)
    assert frog.conflict == ""
    # off-topic items fit not at all, and the why says so instead of naming a pillar
    for title in ("frog", "croissant"):
        item = next(t for t in ranked if title in t.item.title)
        assert item.relevance == 0 and item.pillar is None
        assert item.why.startswith("Far from what you post about")
    assert min(t.relevance for t in ranked if "pric" in t.item.title.lower()) > 20


def test_the_trends_page_makes_a_topic_writes_and_dismisses(workspace, fake, persona):
    from accounts.models import Membership
    from tests.factories import UserFactory
    from tests.helpers import client_for

    user = UserFactory()
    Membership.objects.create(workspace=workspace, user=user, role=Role.EDITOR)
    client = client_for(user, workspace)
    fake.feeds["a.xml"] = rss(PRICING_NEWS + OTHER_NEWS)
    _source(workspace, fake, "a.xml")
    assert client.get(reverse("dashboard")).context["top_trends"] == []  # read, and cached
    services.workspace_scan(workspace_id=workspace.pk)
    page = client.get(reverse("trends"))
    assert page.status_code == 200
    trend = page.context["trends"][0]
    assert trend.item.title in page.content.decode()
    # the scan's scoring cleared the dashboard's cached few; the dismissal below does too
    assert trend.item.title in client.get(reverse("dashboard")).content.decode()
    client.post(reverse("trend_make_topic", args=[trend.pk]))
    client.post(reverse("trend_make_topic", args=[trend.pk]))  # twice: still one topic
    topic = Topic.objects.get(persona=persona)
    assert (topic.title, topic.source) == (trend.item.title, TopicSource.TREND)
    assert topic.trend_velocity == trend.item.velocity
    answer = client.post(reverse("trend_write", args=[trend.pk]))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("generate"))
    assert f"idea={topic.pk}" in answer["Location"]
    client.post(reverse("trend_dismiss", args=[trend.pk]))
    assert trend.pk not in [t.pk for t in client.get(reverse("trends")).context["trends"]]
    assert trend.item.title not in client.get(reverse("dashboard")).content.decode()


def test_the_beat_claims_due_sources_once(workspace, fake, monkeypatch):
    sent = []
    monkeypatch.setattr(services.scan, "send", lambda name, *args: sent.append((name, args)))
    due = _source(workspace, fake, "a.xml")
    later = _source(workspace, fake, "b.xml")
    TrendSource.objects.filter(pk=later.pk).update(
        next_scan_at=datetime.now(UTC) + timedelta(hours=1)
    )
    assert services.scan_due_sources() == 1
    assert services.scan_due_sources() == 0  # claimed: the next beat does not send it again
    assert sent == [("trends.tasks.scan_workspace", (workspace.pk, [due.pk]))]


def test_the_sources_page_keeps_what_was_typed_on_error(workspace):
    from accounts.models import Membership
    from tests.factories import UserFactory
    from tests.helpers import client_for

    user = UserFactory()
    Membership.objects.create(workspace=workspace, user=user, role=Role.EDITOR)
    client = client_for(user, workspace)
    answer = client.post(
        reverse("trend_sources"),
        {
            "kind": "hn",
            "name": "HN",
            "url": "https://hn.algolia.com",
            "query": "",
            "interval_minutes": 60,
            "enabled": "on",
        },
    )
    assert answer.status_code == 422
    assert "Hacker News needs search words" in answer.content.decode()
    assert 'value="https://hn.algolia.com"' in answer.content.decode()
    assert not TrendSource.objects.exists()


@pytest.fixture
def model_configured(settings):
    from tests.fakes.openai_server import running_fake_openai

    with running_fake_openai() as server:
        settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "sk-test", server.base_url
        settings.LLM_PROVIDERS = ["openai", "offline"]
        yield server


def test_a_model_judges_conflicts_when_one_is_configured(
    workspace, fake, persona, model_configured
):
    from llm.models import UsageRecord

    Stance.objects.create(persona=persona, kind="believe", text="Annual plans beat monthly ones")
    model_configured.reply = (
        '<json>{"conflicts": [{"item": 2, "position": 1, "reason": "argues for monthly"}]}</json>'
    )
    fake.feeds["a.xml"] = rss(PRICING_NEWS + OTHER_NEWS)
    _source(workspace, fake, "a.xml")
    services.workspace_scan(workspace_id=workspace.pk)
    flagged = PersonaTrend.objects.exclude(conflict="")
    assert [t.conflict for t in flagged] == ["You said: “Annual plans beat monthly ones”"]
    asked = [r for r in model_configured.requests if "<positions>" in json.dumps(r)]
    assert len(asked) == 1
    assert "1. You said: Annual plans beat monthly ones" in json.dumps(asked[0])
    assert UsageRecord.objects.filter(purpose="trend_conflicts", persona=persona).count() == 1
    # an answer we cannot read: the offline check decides instead, nothing is lost
    model_configured.reply = "no idea"
    services.workspace_scan(workspace_id=workspace.pk)
    assert PersonaTrend.objects.filter(persona=persona).count() == 4


@pytest.fixture
def reddit_youtube(settings):
    from tests.fakes.trends_server import FakeRedditAndYouTube

    with FakeRedditAndYouTube() as server:
        settings.REDDIT_AUTH_URL = settings.REDDIT_API_URL = server.base_url
        settings.YOUTUBE_API_URL = server.base_url
        yield server


def _opt_in(workspace, kind, query, client_id="", secret=""):
    return services.source_save(
        workspace=workspace,
        role=Role.OWNER,
        data={
            "kind": kind,
            "name": f"{kind} {query}",
            "url": "",
            "query": query,
            "enabled": True,
            "interval_minutes": 60,
            "client_id": client_id,
            "secret": secret,
        },
    )


def test_reddit_and_youtube_are_read_with_the_user_s_own_credentials(workspace, reddit_youtube):
    reddit_youtube.add_reddit_post(
        "SaaS", "We doubled our prices and churn fell", "https://blog.example.com/prices"
    )
    reddit_youtube.add_reddit_post("SaaS", "Ask: how do you price seats?", None, score=12)
    reddit_youtube.add_video("Pricing strategy for SaaS founders", "A talk on pricing.")
    reddit_youtube.add_video("Cat videos compilation")
    reddit = _opt_in(workspace, SourceKind.REDDIT, "r/SaaS", client_id="app-1", secret="secret-1")
    youtube = _opt_in(workspace, SourceKind.YOUTUBE, "pricing", secret="key-1")
    assert reddit.secret_encrypted and "secret-1" not in reddit.secret_encrypted
    report = services.workspace_scan(workspace_id=workspace.pk)
    assert report.failed == 0, [s.last_error for s in TrendSource.objects.all()]
    titles = set(TrendItem.objects.values_list("title", flat=True))
    assert {
        "We doubled our prices and churn fell",
        "Ask: how do you price seats?",
        "Pricing strategy for SaaS founders",
    } <= titles
    assert "Cat videos compilation" not in titles
    text_post = TrendItem.objects.get(title__startswith="Ask:")
    assert text_post.canonical_url.startswith("https://reddit.com/r/SaaS/comments/")
    video = TrendItem.objects.get(title__startswith="Pricing strategy")
    assert video.canonical_url.startswith("https://youtube.com/watch?v=vid")
    assert youtube.pk


def test_bad_credentials_and_a_spent_quota_are_said_plainly(workspace, reddit_youtube):
    reddit = _opt_in(workspace, SourceKind.REDDIT, "SaaS", client_id="app-1", secret="wrong")
    youtube = _opt_in(workspace, SourceKind.YOUTUBE, "pricing", secret="not-a-key")
    services.workspace_scan(workspace_id=workspace.pk)
    reddit.refresh_from_db()
    youtube.refresh_from_db()
    assert "Reddit refused the client id and secret" in reddit.last_error
    assert "keyInvalid" in youtube.last_error
    reddit_youtube.quota_spent = True
    youtube.secret = "key-1"
    youtube.save()
    services.workspace_scan(workspace_id=workspace.pk, source_ids=[youtube.pk])
    youtube.refresh_from_db()
    assert "quota is used up" in youtube.last_error
    with pytest.raises(ValidationError, match="your own app"):
        _opt_in(workspace, SourceKind.REDDIT, "SaaS")
    with pytest.raises(ValidationError, match="Data API key"):
        _opt_in(workspace, SourceKind.YOUTUBE, "pricing")


@pytest.mark.django_db(transaction=True)
def test_one_scan_or_backlog_batch_at_a_time_per_workspace():
    import threading
    import time

    from django.db import connection

    workspace = WorkspaceFactory()
    other = WorkspaceFactory()
    finished: set[str] = set()

    def backlog(name: str, workspace_id: int) -> None:
        services.embed_backlog(workspace_id=workspace_id)
        finished.add(name)
        connection.close()

    same = threading.Thread(target=backlog, args=("same", workspace.pk))
    elsewhere = threading.Thread(target=backlog, args=("elsewhere", other.pk))
    with services.items_lock(workspace.pk):
        same.start()
        elsewhere.start()
        elsewhere.join(10)
        time.sleep(0.5)
        done_while_held = set(finished)
    same.join(10)
    assert done_while_held == {"elsewhere"}  # another workspace never waits; this one does …
    assert finished == {"same", "elsewhere"}  # … until the lock is released
