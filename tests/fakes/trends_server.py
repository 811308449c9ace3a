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


class FakeRedditAndYouTube(FakeServer):
    """Reddit's application-only OAuth and hot listings, and YouTube's search.

    Reddit's application-only OAuth (POST /api/v1/access_token with the app's client id and
    secret in Basic auth, grant_type=client_credentials) and GET /r/<name>/hot with the bearer
    token (a Listing of t3 children); YouTube Data API v3 GET /youtube/v3/search (key=…),
    answering Google's error shape for a bad key or a spent quota."""

    def __init__(self) -> None:
        super().__init__()
        self.apps = {"app-1": "secret-1"}
        self.tokens: set[str] = set()
        self.subreddits: dict[str, list[dict[str, Any]]] = {}
        self.videos: list[dict[str, Any]] = []
        self.api_keys = {"key-1"}
        self.quota_spent = False
        self.route("POST", "/api/v1/access_token", self._token)
        self.route("GET", "/r/", self._hot, prefix=True)
        self.route("GET", "/youtube/v3/search", self._search)

    def _token(self, request: Request) -> Answer:
        import base64

        header = request.headers.get("Authorization", "")
        try:
            client, secret = base64.b64decode(header.removeprefix("Basic ")).decode().split(":")
        except ValueError:
            return 401, {"message": "Unauthorized", "error": 401}, {}
        if (
            self.apps.get(client) != secret
            or request.form.get("grant_type") != "client_credentials"
        ):
            return 401, {"message": "Unauthorized", "error": 401}, {}
        token = f"rt-{len(self.tokens) + 1}"
        self.tokens.add(token)
        return (
            200,
            {"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"},
            {},
        )

    def _hot(self, request: Request) -> Answer:
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.tokens:
            return 401, {"message": "Unauthorized", "error": 401}, {}
        name = request.path.split("/")[2].lower()
        posts = self.subreddits.get(name)
        if posts is None:
            return 404, {"message": "Not Found", "error": 404}, {}
        children = [{"kind": "t3", "data": post} for post in posts]
        return 200, {"kind": "Listing", "data": {"after": None, "children": children}}, {}

    def add_reddit_post(self, subreddit: str, title: str, url: str | None, score: int = 50) -> None:
        number = sum(len(v) for v in self.subreddits.values()) + 1
        permalink = f"/r/{subreddit}/comments/abc{number}/post_{number}/"
        self.subreddits.setdefault(subreddit.lower(), []).append(
            {
                "title": title,
                "permalink": permalink,
                "url": url or f"https://www.reddit.com{permalink}",
                "url_overridden_by_dest": url,
                "selftext": "" if url else "A text post.",
                "score": score,
                "created_utc": 1795939200.0,
                "stickied": False,
            }
        )

    def _search(self, request: Request) -> Answer:
        key = request.query.get("key", "")
        if self.quota_spent:
            return (
                403,
                _google_error(
                    403,
                    "quotaExceeded",
                    "The request cannot be completed because you have exceeded your quota.",
                ),
                {},
            )
        if key not in self.api_keys:
            return (
                400,
                _google_error(400, "keyInvalid", "API key not valid. Please pass a valid API key."),
                {},
            )
        words = request.query.get("q", "").lower().split()
        found = [v for v in self.videos if all(w in v["snippet"]["title"].lower() for w in words)]
        return (
            200,
            {
                "kind": "youtube#searchListResponse",
                "items": found[: int(request.query.get("maxResults", "5"))],
            },
            {},
        )

    def add_video(self, title: str, description: str = "") -> None:
        number = len(self.videos) + 1
        self.videos.append(
            {
                "kind": "youtube#searchResult",
                "id": {"kind": "youtube#video", "videoId": f"vid{number:08d}"},
                "snippet": {
                    "publishedAt": "2026-11-29T08:00:00Z",
                    "title": title,
                    "description": description,
                    "channelTitle": "Some channel",
                },
            }
        )


def _google_error(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [
                {
                    "message": message,
                    "domain": "youtube.quota" if code == 403 else "global",
                    "reason": reason,
                }
            ],
        }
    }
