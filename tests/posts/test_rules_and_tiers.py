from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from posts.models import Post
from posts.rules import check_post, normalise, parse_datetime
from posts.services import posts_bulk_import, recompute_performance
from tests.factories import PersonaFactory

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LONG = "A post that is comfortably longer than the fifty character minimum we require."


def check(**raw):
    return check_post(raw, platform="linkedin", timezone="Europe/Lisbon", now=NOW)


def test_text_rules():
    assert check(text="short").errors == ["text is 5 characters; a post needs at least 50"]
    assert check(text="").errors == ["text is empty"]
    too_long = check(text="x" * 3001)
    assert too_long.errors == [
        "text is 3,001 characters; linkedin allows 3,000 (mark it as an article if it is one)"
    ]
    assert check(text="x" * 3001, content_type="article").ok
    assert check(text=LONG).values["content_type"] == "short"
    assert check(text=LONG * 8).values["content_type"] == "long"
    bluesky = check_post({"text": LONG * 5}, platform="bluesky", timezone="UTC", now=NOW)
    assert "bluesky allows 300" in bluesky.errors[0]


def test_dates_bad_or_future_become_today_with_a_warning():
    naive = check(text=LONG, posted_at="2025-01-15 09:30")
    assert naive.values["posted_at"] == datetime(
        2025, 1, 15, 9, 30, tzinfo=UTC
    )  # Lisbon = UTC in winter
    summer = check(text=LONG, posted_at="2025-05-15 09:30")
    assert summer.values["posted_at"] == datetime(2025, 5, 15, 8, 30, tzinfo=UTC)
    bad = check(text=LONG, posted_at="yesterday-ish")
    assert bad.values["posted_at"] == NOW and bad.ok
    assert bad.warnings == ["date “yesterday-ish” could not be read; used today"]
    future = check(text=LONG, posted_at="2031-01-01")
    assert future.values["posted_at"] == NOW
    assert future.warnings == ["date 2031-01-01 is in the future; used today"]
    assert parse_datetime("Wed Oct 10 20:19:24 +0000 2018", "UTC") == datetime(
        2018, 10, 10, 20, 19, 24, tzinfo=UTC
    )


def test_metrics_are_parsed_or_named_in_the_error():
    ok = check(text=LONG, likes="1,234", impressions="2 000", comments="", reposts=3)
    assert (ok.values["likes"], ok.values["impressions"]) == (1234, 2000)
    assert ok.values["comments"] is None and ok.values["reposts"] == 3
    bad = check(text=LONG, likes="forty", saves="-2")
    assert bad.errors == ["likes “forty” is not a whole number", "saves “-2” is not a whole number"]


def test_duplicate_detection_ignores_case_spacing_punctuation_and_links():
    assert normalise("Hello,   WORLD! https://t.co/abc") == normalise("hello world")
    assert normalise("Olá mundo") != normalise("Ola mundo")  # accents matter in Portuguese


@pytest.mark.django_db
def test_tiers_are_percentiles_of_the_best_signal():
    persona = PersonaFactory()
    rows = []
    for n in range(1, 11):
        rows.append(check(text=f"{LONG} #{n}", likes=n * 10, comments=0, reposts=0).values)
    rows.append(check(text=f"{LONG} without metrics").values)
    posts_bulk_import(persona=persona, values=rows)
    by_likes = {p.likes: p for p in Post.objects.filter(persona=persona)}
    assert by_likes[100].tier == "top" and by_likes[100].performance_score == 100
    assert by_likes[10].tier == "under" and by_likes[10].performance_score == 0
    assert by_likes[50].tier == "average"
    assert by_likes[80].tier == "above" and by_likes[20].tier == "below"
    incomplete = by_likes[None]
    assert incomplete.tier is None and incomplete.is_incomplete


@pytest.mark.django_db
def test_engagement_rate_wins_when_impressions_are_known():
    persona = PersonaFactory()
    # Many likes on huge reach vs fewer likes on small reach: the rate decides.
    big = check(text=f"{LONG} big", likes=100, impressions=100_000).values
    small = check(text=f"{LONG} small", likes=50, impressions=500).values
    posts_bulk_import(persona=persona, values=[big, small])
    posts = {p.likes: p for p in Post.objects.filter(persona=persona)}
    assert posts[50].engagement_rate == pytest.approx(0.1)
    assert posts[50].tier == "top" and posts[100].tier == "under"


@pytest.mark.django_db
def test_recompute_is_three_statements_whatever_the_size(django_assert_num_queries):
    persona = PersonaFactory()
    values = [check(text=f"{LONG} {n}", likes=n).values for n in range(300)]
    posts_bulk_import(persona=persona, values=values)
    # rates, percentiles, and the persona's posts version (what pages cached is out of date)
    with django_assert_num_queries(3):
        recompute_performance(persona_id=persona.pk)


@pytest.mark.django_db
def test_a_single_post_sits_in_the_middle():
    persona = PersonaFactory()
    posts_bulk_import(persona=persona, values=[check(text=LONG, likes=3).values])
    assert Post.objects.get(persona=persona).tier == "average"


def test_old_date_is_kept():
    assert check(text=LONG, posted_at=(NOW - timedelta(days=3)).isoformat()).warnings == []
