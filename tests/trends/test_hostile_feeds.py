"""Feeds that stopped whole scans.

One bad entry (a port of 99999, a broken IPv6 literal, the year 0, a `javascript:` link, no title)
is skipped and counted on the source's line; the feed's other items and every other source are read
as usual. A hypothesis test drives random entries through the real scan (fetch → fold → score)."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from html import escape

import pytest
from django.urls import reverse
from feedparser.datetimes import _parse_date
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.egress import web_url
from tests.factories import TrendSourceFactory, WorkspaceFactory
from tests.fakes.trends_server import FakeTrendSources, atom, rss
from trends import services
from trends.models import SourceKind, TrendItem, TrendSource
from trends.sources import canonical_url

GOOD = [
    {"title": "Prices rise for software", "link": "https://news.example.com/prices"},
    {"title": "Annual plans reduce churn", "link": "https://blog.example.com/annual"},
]
BAD = [
    {"title": "Port out of range", "link": "https://news.example.com:99999/x"},
    {"title": "Port not a number", "link": "https://news.example.com:abc/x"},
    {"title": "Broken IPv6 literal", "link": "http://[::1/x"},
    {"title": "A script", "link": "javascript:alert(document.cookie)"},
    {"title": "A data page", "link": "data:text/html,<script>alert(1)</script>"},
    {"title": "", "link": "https://news.example.com/untitled"},
]


def _atom_with_dates(entries: list[tuple[str, str, str]]) -> str:
    body = "".join(
        f'<entry><title>{escape(t)}</title><link href="{escape(link)}"/>'
        f"<id>{escape(link)}</id><updated>{escape(when)}</updated></entry>"
        for t, link, when in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>t</title><id>urn:f</id>{body}</feed>"
    )


@pytest.fixture
def fake():
    with FakeTrendSources() as server:
        yield server


@pytest.mark.django_db
def test_bad_entries_are_skipped_and_counted_and_the_rest_is_read(fake, owner_client, workspace):
    fake.feeds["mixed.xml"] = rss(BAD[:3] + GOOD + BAD[3:])
    fake.feeds["dates.xml"] = _atom_with_dates(
        [
            ("Year zero", "https://a.example/zero", "0000-01-01T00:00:00Z"),
            ("Year 9999", "https://a.example/future", "9999-12-31T00:00:00Z"),
            ("A real day", "https://a.example/real", "2026-11-29T09:00:00Z"),
        ]
    )
    fake.feeds["other.xml"] = atom([{"title": "Elsewhere", "link": "https://c.example/1"}])
    for name in ("mixed.xml", "dates.xml", "other.xml"):
        TrendSourceFactory(workspace=workspace, kind=SourceKind.FEED, name=name, url=fake.url(name))
    report = services.workspace_scan(workspace_id=workspace.pk)
    assert report.failed == 0
    stored = set(TrendItem.objects.values_list("canonical_url", flat=True))
    assert stored == {
        "https://news.example.com/prices",
        "https://blog.example.com/annual",
        "https://a.example/real",
        "https://c.example/1",
    }
    skipped = dict(TrendSource.objects.values_list("name", "last_skipped_count"))
    assert skipped == {"mixed.xml": 6, "dates.xml": 2, "other.xml": 0}
    page = owner_client.get(reverse("trend_sources")).content.decode()
    assert "6 entries skipped" in page and "2 entries skipped" in page


@pytest.mark.django_db
def test_links_from_outside_are_kept_only_when_they_are_web_pages(fake, workspace):
    fake.hn_stories = [
        {"objectID": "7", "title": "A story", "url": "javascript:alert(1)", "points": 5},
    ]
    fake.mastodon_links = [{"url": "data:text/html,hi", "title": "Bad link", "history": []}]
    fake.mastodon_tags = [{"name": "pricing", "url": "javascript:void(0)", "history": []}]
    TrendSourceFactory(
        workspace=workspace, kind=SourceKind.HACKER_NEWS, url=fake.base_url, query="story"
    )
    TrendSourceFactory(workspace=workspace, kind=SourceKind.MASTODON, url=fake.base_url)
    services.workspace_scan(workspace_id=workspace.pk)
    urls = set(TrendItem.objects.values_list("canonical_url", flat=True))
    assert "https://news.ycombinator.com/item?id=7" in urls  # the story, not the script
    assert all(url.startswith(("http://", "https://")) for url in urls)
    assert not any("javascript" in url or "data:" in url for url in urls)
    assert web_url("javascript:alert(1)") == web_url("data:text/html,x") == ""
    assert web_url("https://x.example:99999/") == ""
    assert web_url(" https://example.com/a ") == "https://example.com/a"


# --- Random entries through the whole scan ---------------------------------------------------

_hosts = st.sampled_from(
    ["news.example.com", "blog.example.org", "[::1", "a..b", "xn--e1a.example"]
)
_ports = st.one_of(st.just(""), st.sampled_from([":80", ":443", ":99999", ":abc", ":", ":0"]))
_schemes = st.sampled_from(["https://", "http://", "javascript:", "data:", "ftp://", "//", ""])
_paths = st.text(alphabet="abc/?=&#%é ", max_size=12)
_links = st.builds(lambda s, h, p, path: f"{s}{h}{p}/{path}", _schemes, _hosts, _ports, _paths)
_dates = st.one_of(
    st.just(""),
    st.sampled_from(["0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "yesterday", "2026-13-45"]),
    st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2026, 11, 30)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")
    ),
)
_titles = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=40
)
_entries = st.lists(st.tuples(_titles, _links, _dates), min_size=1, max_size=8)


def _good(title: str, link: str, when: str) -> str | None:
    """The canonical URL a scan must store for this entry, or None when it may skip it.

    No title, a link that is not a readable web address, or a date the feed gives that is not a real
    one (the year 0, 9999, a 13th month; a date nobody can read is no date)."""
    if not title.strip() or not web_url(link):
        return None
    try:
        url = canonical_url(link)
    except ValueError:
        return None
    stamp = _parse_date(when) if when else None
    if stamp is not None:
        try:
            moment = datetime.fromtimestamp(calendar.timegm(stamp), UTC)
        except (OverflowError, ValueError, OSError):
            return None
        if not (
            datetime(1990, 1, 1, tzinfo=UTC) <= moment <= datetime.now(UTC) + timedelta(days=1)
        ):
            return None
    return url


@pytest.fixture(scope="module")
def feed_server():
    with FakeTrendSources() as server:
        yield server


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=_entries)
def test_random_entries_never_escape_the_scan_and_good_ones_are_stored(feed_server, entries):
    workspace = WorkspaceFactory()
    feed_server.feeds[f"random{workspace.pk}.xml"] = _atom_with_dates(entries)
    feed_server.feeds["steady.xml"] = atom([{"title": "Steady", "link": "https://s.example/1"}])
    for name in (f"random{workspace.pk}.xml", "steady.xml"):
        TrendSourceFactory(
            workspace=workspace, kind=SourceKind.FEED, name=name, url=feed_server.url(name)
        )
    report = services.workspace_scan(workspace_id=workspace.pk)
    assert report.failed == 0
    stored = set(
        TrendItem.objects.filter(workspace=workspace).values_list("canonical_url", flat=True)
    )
    assert "https://s.example/1" in stored
    expected = {url for entry in entries if (url := _good(*entry))}
    assert expected <= stored, (expected - stored, entries)
    assert all(url.startswith(("http://", "https://")) for url in stored)
