"""Loopback trend sources on one server:

- feeds at /feeds/<name>: RSS 2.0 or Atom, with an ETag and Last-Modified; a matching
  If-None-Match answers 304 (the feed "changes under ETag" when a test replaces its items);
  a name with no feed is a 404, `malformed` feeds serve broken XML, `slow` ones answer after
  `slow_seconds`;
- Hacker News' Algolia API: GET /api/v1/search_by_date?query=…&tags=story&hitsPerPage=…
  answering {"hits": [{objectID, title, url, points, created_at_i, story_text, …}], …};
- a Mastodon instance's trends: GET /api/v1/trends/links (PreviewCard entities with history)
  and /api/v1/trends/tags (Tag entities with history: day, uses, accounts as strings).
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from typing import Any

from tests.fakes.base import Answer, FakeServer, Request


def rss(items: list[dict[str, str]], title: str = "A feed") -> str:
    entries = "".join(
        f"<item><title>{escape(i['title'])}</title><link>{escape(i['link'])}</link>"
        f"<description>{escape(i.get('summary', ''))}</description>"
        f"<pubDate>{i.get('date', 'Sun, 29 Nov 2026 09:00:00 GMT')}</pubDate></item>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://example.com/</link>{entries}"
        "</channel></rss>"
    )


def atom(items: list[dict[str, str]], title: str = "An Atom feed") -> str:
    entries = "".join(
        f'<entry><title>{escape(i["title"])}</title><link href="{escape(i["link"])}"/>'
        f"<id>{escape(i['link'])}</id><updated>2026-11-29T09:00:00Z</updated>"
        f"<summary>{escape(i.get('summary', ''))}</summary></entry>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:feed</id><updated>2026-11-29T09:00:00Z</updated>"
        f"{entries}</feed>"
    )


class FakeTrendSources(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.feeds: dict[str, str] = {}
        self.malformed: set[str] = set()
        self.slow: set[str] = set()
        self.slow_seconds = 3.0
        self.modified = format_datetime(datetime(2026, 11, 29, 9, tzinfo=UTC), usegmt=True)
        self.hn_stories: list[dict[str, Any]] = []
        self.mastodon_links: list[dict[str, Any]] = []
        self.mastodon_tags: list[dict[str, Any]] = []
        self.route("GET", "/feeds/", self._feed, prefix=True)
        self.route("GET", "/api/v1/search_by_date", self._hn)
        self.route("GET", "/api/v1/trends/links", lambda r: (200, self.mastodon_links, {}))
        self.route("GET", "/api/v1/trends/tags", lambda r: (200, self.mastodon_tags, {}))

    def url(self, name: str) -> str:
        return f"{self.base_url}/feeds/{name}"

    def fetches(self, name: str) -> int:
        return sum(1 for _, path in self.log if path == f"/feeds/{name}")

    def _feed(self, request: Request) -> Answer:
        name = request.path.removeprefix("/feeds/")
        if name in self.slow:
            time.sleep(self.slow_seconds)
        if name in self.malformed:
            return 200, "<rss><channel><title>Broken<item><title>no end", {}
        body = self.feeds.get(name)
        if body is None:
            return 404, "Not found", {}
        etag = '"' + hashlib.sha1(body.encode()).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return 304, "", {"ETag": etag}
        return 200, body, {"ETag": etag, "Last-Modified": self.modified}

    def _hn(self, request: Request) -> Answer:
        words = request.query.get("query", "").lower().split()
        limit = int(request.query.get("hitsPerPage", "20"))
        if request.query.get("tags") != "story":
            return 400, {"message": "this fake only answers tags=story"}, {}
        hits = [s for s in self.hn_stories if all(w in s["title"].lower() for w in words)][:limit]
        return 200, {"hits": hits, "nbHits": len(hits), "page": 0, "hitsPerPage": limit}, {}

    def add_hn_story(self, title: str, url: str | None, points: int = 10) -> None:
        number = len(self.hn_stories) + 1
        self.hn_stories.append(
            {
                "objectID": str(40000000 + number),
                "title": title,
                "url": url,
                "points": points,
                "num_comments": 3,
                "author": "someone",
                "created_at": "2026-11-29T08:00:00.000Z",
                "created_at_i": int(datetime(2026, 11, 29, 8, tzinfo=UTC).timestamp()),
                "story_text": None,
                "_tags": ["story", f"story_{40000000 + number}"],
            }
        )


def tag_history(uses_today: int) -> list[dict[str, str]]:
    day = int(datetime(2026, 11, 29, tzinfo=UTC).timestamp())
    return [
        {"day": str(day - n * 86400), "uses": str(max(uses_today - 5 * n, 0)), "accounts": "4"}
        for n in range(7)
    ]
