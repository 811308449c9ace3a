"""Reading one trend source over HTTP: RSS/Atom feeds (feedparser), Hacker News (the Algolia
search API) and a Mastodon instance's trends (`/api/v1/trends/tags` and `/links`). Each
answers the same `Fetched` shape; conditional GET (ETag / Last-Modified) makes an unchanged
source cost one short request. Errors come out as `SourceError` with a sentence a creator can
act on."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
import httpx
from django.conf import settings

MAX_BYTES = 5 * 1024 * 1024
USER_AGENT = "ContentTwin trends (+https://github.com/contenttwin)"
HN_HITS = 50
MASTODON_LIMIT = 20
_TRACKING = re.compile(r"^(utm_|fbclid$|gclid$|mc_|ref$|ref_src$)")
_TAG = re.compile(r"<[^>]+>")


def timeout() -> httpx.Timeout:
    """Per request, so one slow source costs at most this (settings.TRENDS_TIMEOUT_SECONDS)."""
    seconds = float(settings.TRENDS_TIMEOUT_SECONDS)
    return httpx.Timeout(seconds, connect=min(seconds, 5.0))


class SourceError(Exception):
    """The source could not be read; the message says why."""


@dataclass
class RawItem:
    url: str
    title: str
    summary: str = ""
    published_at: datetime | None = None
    signal: float = 0.0  # points, uses … (0 when the source has none)
    rank: int = 0  # position in the source's answer, 1 = first


@dataclass
class Fetched:
    items: list[RawItem] = field(default_factory=list)
    not_modified: bool = False
    etag: str = ""
    last_modified: str = ""


def canonical_url(url: str) -> str:
    """One spelling per page: lower-case scheme and host, no fragment, no tracking
    parameters, no default port, no trailing slash (except the root)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    host = host.removeprefix("www.")
    query = urlencode(
        sorted(
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k.lower())
        )
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(((parts.scheme or "https").lower(), host, path, query, ""))


def plain(html_text: str, limit: int = 1000) -> str:
    return " ".join(unescape(_TAG.sub(" ", html_text or "")).split())[:limit]


def _get(
    client: httpx.Client,
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    bearer: str = "",
    **params: str,
) -> httpx.Response:
    headers = {"User-Agent": USER_AGENT}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        response = client.get(url, params=params or None, headers=headers)
    except httpx.TimeoutException:
        raise SourceError(f"No answer within {settings.TRENDS_TIMEOUT_SECONDS} s.") from None
    except httpx.HTTPError as error:
        raise SourceError(f"Could not connect ({type(error).__name__}).") from None
    if response.status_code == 304:
        return response
    if response.status_code == 404:
        raise SourceError("Not found (404): check the address.")
    if response.status_code in (401, 403):
        reason = _google_reason(response)
        if reason == "quotaExceeded":
            raise SourceError("The API key's daily quota is used up (403): we try again later.")
        raise SourceError(
            f"Refused ({response.status_code}): check the credentials"
            + (f" ({reason})." if reason else ".")
        )
    if response.status_code == 400 and _google_reason(response):
        raise SourceError(f"The source refused the request ({_google_reason(response)}).")
    if response.status_code == 429:
        raise SourceError("Rate limited (429): we will try again later.")
    if response.status_code >= 400:
        raise SourceError(f"The source answered {response.status_code}.")
    if len(response.content) > MAX_BYTES:
        raise SourceError("The answer is larger than 5 MB.")
    return response


def _google_reason(response: httpx.Response) -> str:
    """Google APIs say why in error.errors[0].reason (keyInvalid, quotaExceeded …)."""
    try:
        return str(response.json()["error"]["errors"][0]["reason"])
    except (ValueError, KeyError, IndexError, TypeError):
        return ""


def _validators(response: httpx.Response) -> dict[str, str]:
    return {
        "etag": response.headers.get("ETag", ""),
        "last_modified": response.headers.get("Last-Modified", ""),
    }


def fetch_feed(client: httpx.Client, url: str, *, etag: str, last_modified: str) -> Fetched:
    response = _get(client, url, etag=etag, last_modified=last_modified)
    if response.status_code == 304:
        return Fetched(not_modified=True, etag=etag, last_modified=last_modified)
    parsed = feedparser.parse(response.content)
    if not parsed.entries and (parsed.bozo or not parsed.get("feed")):
        problem = getattr(parsed.get("bozo_exception"), "args", [""])
        raise SourceError(
            "This is not a readable RSS or Atom feed"
            + (f" ({str(problem[0])[:120]})." if problem and problem[0] else ".")
        )
    items = []
    for rank, entry in enumerate(parsed.entries, start=1):
        link = entry.get("link") or entry.get("id") or ""
        title = plain(entry.get("title", ""), 500)
        if not link or not title:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        items.append(
            RawItem(
                url=urljoin(url, link),
                title=title,
                summary=plain(entry.get("summary", "")),
                published_at=datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None,
                rank=rank,
            )
        )
    return Fetched(items=items, **_validators(response))


def fetch_hacker_news(client: httpx.Client, base_url: str, query: str) -> Fetched:
    """Stories matching the query, newest first (Algolia's search_by_date)."""
    response = _get(
        client,
        f"{base_url.rstrip('/')}/api/v1/search_by_date",
        query=query,
        tags="story",
        hitsPerPage=str(HN_HITS),
    )
    try:
        hits = response.json()["hits"]
    except (ValueError, KeyError, TypeError):
        raise SourceError("Hacker News answered in a shape we could not read.") from None
    items = []
    for rank, hit in enumerate(hits, start=1):
        title = plain(hit.get("title") or "", 500)
        if not title:
            continue
        story = f"https://news.ycombinator.com/item?id={hit.get('objectID')}"
        created = hit.get("created_at_i")
        items.append(
            RawItem(
                url=hit.get("url") or story,
                title=title,
                summary=plain(hit.get("story_text") or ""),
                published_at=datetime.fromtimestamp(int(created), UTC) if created else None,
                signal=float(hit.get("points") or 0),
                rank=rank,
            )
        )
    return Fetched(items=items)


def _uses_today(history: list[dict]) -> float:
    try:
        return float(history[0]["uses"]) if history else 0.0
    except (KeyError, TypeError, ValueError):
        return 0.0


def fetch_mastodon(client: httpx.Client, instance: str) -> Fetched:
    """The instance's trending links and tags (public, no token needed)."""
    base = instance.rstrip("/")
    items: list[RawItem] = []
    try:
        links = _get(client, f"{base}/api/v1/trends/links", limit=str(MASTODON_LIMIT)).json()
        tags = _get(client, f"{base}/api/v1/trends/tags", limit=str(MASTODON_LIMIT)).json()
    except ValueError:
        raise SourceError("The instance answered in a shape we could not read.") from None
    if not isinstance(links, list) or not isinstance(tags, list):
        raise SourceError("The instance answered in a shape we could not read.")
    for rank, link in enumerate(links, start=1):
        if isinstance(link, dict) and link.get("url") and link.get("title"):
            items.append(
                RawItem(
                    url=link["url"],
                    title=plain(link["title"], 500),
                    summary=plain(link.get("description") or ""),
                    published_at=_iso(link.get("published_at")),
                    signal=_uses_today(link.get("history") or []),
                    rank=rank,
                )
            )
    for rank, tag in enumerate(tags, start=1):
        if isinstance(tag, dict) and tag.get("name"):
            items.append(
                RawItem(
                    url=tag.get("url") or f"{base}/tags/{tag['name']}",
                    title=f"#{tag['name']}",
                    summary=f"Trending tag on {urlsplit(base).hostname}",
                    signal=_uses_today(tag.get("history") or []),
                    rank=rank,
                )
            )
    return Fetched(items=items)


def _iso(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def fetch_reddit(client: httpx.Client, subreddit: str, *, client_id: str, secret: str) -> Fetched:
    """A subreddit's hot posts with the user's own Reddit app (application-only OAuth:
    client credentials for a bearer token, then oauth.reddit.com)."""
    if not client_id or not secret:
        raise SourceError("Reddit needs your app's client id and secret.")
    try:
        answer = client.post(
            f"{settings.REDDIT_AUTH_URL.rstrip('/')}/api/v1/access_token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            headers={"User-Agent": USER_AGENT},
        )
    except httpx.TimeoutException:
        raise SourceError(f"No answer within {settings.TRENDS_TIMEOUT_SECONDS} s.") from None
    except httpx.HTTPError as error:
        raise SourceError(f"Could not connect ({type(error).__name__}).") from None
    if answer.status_code == 401:
        raise SourceError("Reddit refused the client id and secret (401): check them.")
    token = answer.json().get("access_token") if answer.status_code == 200 else None
    if not token:
        raise SourceError(f"Reddit gave no token ({answer.status_code}).")
    name = subreddit.strip().removeprefix("/").removeprefix("r/").strip("/")
    response = _get(
        client,
        f"{settings.REDDIT_API_URL.rstrip('/')}/r/{name}/hot",
        bearer=token,
        limit="50",
        raw_json="1",
    )
    try:
        children = response.json()["data"]["children"]
    except (ValueError, KeyError, TypeError):
        raise SourceError("Reddit answered in a shape we could not read.") from None
    items = []
    for rank, child in enumerate(children, start=1):
        post = child.get("data", {}) if isinstance(child, dict) else {}
        if not post.get("title") or post.get("stickied"):
            continue
        permalink = f"https://www.reddit.com{post.get('permalink', '')}"
        link = post.get("url_overridden_by_dest") or permalink
        created = post.get("created_utc")
        items.append(
            RawItem(
                url=link,
                title=plain(post["title"], 500),
                summary=plain(post.get("selftext") or ""),
                published_at=datetime.fromtimestamp(float(created), UTC) if created else None,
                signal=float(post.get("score") or 0),
                rank=rank,
            )
        )
    return Fetched(items=items)


def fetch_youtube(client: httpx.Client, query: str, *, api_key: str) -> Fetched:
    """Recent videos matching the words (YouTube Data API v3 search, with the user's key)."""
    if not api_key:
        raise SourceError("YouTube needs your YouTube Data API key.")
    response = _get(
        client,
        f"{settings.YOUTUBE_API_URL.rstrip('/')}/youtube/v3/search",
        part="snippet",
        q=query,
        type="video",
        order="date",
        maxResults="50",
        key=api_key,
    )
    try:
        videos = response.json()["items"]
    except (ValueError, KeyError, TypeError):
        raise SourceError("YouTube answered in a shape we could not read.") from None
    items = []
    for rank, video in enumerate(videos, start=1):
        snippet = video.get("snippet") or {}
        video_id = (video.get("id") or {}).get("videoId")
        if not video_id or not snippet.get("title"):
            continue
        items.append(
            RawItem(
                url=f"https://www.youtube.com/watch?v={video_id}",
                title=plain(snippet["title"], 500),
                summary=plain(snippet.get("description") or ""),
                published_at=_iso(snippet.get("publishedAt")),
                rank=rank,
            )
        )
    return Fetched(items=items)
