"""Reading one trend source over HTTP.

RSS/Atom feeds (feedparser), Hacker News (the Algolia search API) and a Mastodon instance's trends
(`/api/v1/trends/tags` and `/links`). Each answers the same `Fetched` shape; conditional GET (ETag /
Last-Modified) makes an unchanged source cost one short request. Errors come out as `SourceError`
with a sentence a creator can act on."""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
import httpx
from django.conf import settings

from core import egress

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


def client() -> httpx.Client:
    """The client a scan reads its sources with.

    The egress path, redirects followed (each hop checked), every answer cut at MAX_BYTES."""
    return egress.client(timeout=timeout(), follow_redirects=True, max_response_bytes=MAX_BYTES)


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
    skipped: int = 0  # entries we could not use (no title, a bad link, a bad date …)


def canonical_url(url: str) -> str:
    """One spelling per page.

    Lower-case scheme and host, no fragment, no tracking parameters, no default port, no trailing
    slash (except the root). ValueError for an address that cannot be read (a port of 99999, a
    broken IPv6 literal)."""
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


def web_link(link: object, base: str = "") -> str | None:
    """An item's link when it is a readable http(s) address, else None.

    An item's link when it is a readable http(s) address (made absolute against the
    source's), else None: a `javascript:` or `data:` link, a port of 99999 or a broken IPv6
    literal is never stored, so it is never rendered nor folded."""
    if not isinstance(link, str) or not link.strip():
        return None
    try:
        absolute = urljoin(base, link.strip()) if base else link.strip()
        parts = urlsplit(absolute)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
        canonical_url(absolute)  # reads the port and host: raises when they are broken
    except ValueError:
        return None
    return absolute[:1000]


def _moment(value: object) -> datetime | None:
    """A publication time that makes sense (feeds say 0000-01-01 or the year 9999).

    None when it cannot be read, is before 1990 or more than a day ahead."""
    try:
        if isinstance(value, datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        elif isinstance(value, (int, float)):
            moment = datetime.fromtimestamp(float(value), UTC)
        elif value:
            moment = datetime.fromtimestamp(calendar.timegm(value), UTC)  # type: ignore[arg-type]
        else:
            return None
    except (OverflowError, OSError, TypeError, ValueError):
        return None
    if moment.year < 1990 or moment > datetime.now(UTC) + timedelta(days=1):
        return None
    return moment


def plain(html_text: str, limit: int = 1000) -> str:
    return " ".join(unescape(_TAG.sub(" ", html_text or "")).split())[:limit]


@dataclass
class Answer:
    """A source's answer, its body read within MAX_BYTES."""

    status_code: int
    headers: httpx.Headers
    content: bytes

    def json(self) -> object:
        return json.loads(self.content)


def _request(client: httpx.Client, method: str, url: str, **kwargs: object) -> Answer:
    """One request through the egress path, the body streamed and cut at MAX_BYTES.

    The client is egress.client. Every failure is a SourceError in our words: a refused address says
    why; any connection failure reads the same (no port scanning through last_error)."""
    try:
        with client.stream(method, url, **kwargs) as response:  # type: ignore[arg-type]
            if response.status_code >= 400 or response.status_code == 304:
                content = egress.read_capped(response, 64 * 1024)
            else:
                content = egress.read_capped(response, MAX_BYTES)
            return Answer(response.status_code, response.headers, content)
    except egress.EgressRefused as error:
        raise SourceError(str(error)) from None
    except egress.ResponseTooLarge:
        raise SourceError(f"The answer is larger than {MAX_BYTES // (1024 * 1024)} MB.") from None
    except httpx.TimeoutException:
        raise SourceError(f"No answer within {settings.TRENDS_TIMEOUT_SECONDS} s.") from None
    except httpx.TooManyRedirects:
        raise SourceError("Too many redirects.") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        raise SourceError("That address is not a valid http(s) address.") from None
    except httpx.HTTPError:
        raise SourceError("Could not connect.") from None


def _get(
    client: httpx.Client,
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    bearer: str = "",
    **params: str,
) -> Answer:
    headers = {"User-Agent": USER_AGENT}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    response = _request(client, "GET", url, params=params or None, headers=headers)
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
    return response


def _google_reason(response: Answer) -> str:
    """Google APIs say why in error.errors[0].reason (keyInvalid, quotaExceeded …).

    Kept only when it reads as one of their identifiers (a remote body is never echoed)."""
    try:
        reason = str(response.json()["error"]["errors"][0]["reason"])  # type: ignore[index]
    except (ValueError, KeyError, IndexError, TypeError):
        return ""
    return reason if reason.isidentifier() and len(reason) <= 40 else ""


def _validators(response: Answer) -> dict[str, str]:
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
    items, skipped = [], 0
    for rank, entry in enumerate(parsed.entries, start=1):
        try:
            link = web_link(entry.get("link") or entry.get("id"), url)
            title = plain(str(entry.get("title") or ""), 500)
            if not link or not title:
                skipped += 1
                continue
            stamp = entry.get("published_parsed") or entry.get("updated_parsed")
            published_at = _moment(stamp)
            if stamp and published_at is None:  # the year 0, or 9999: not a real date
                skipped += 1
                continue
            items.append(
                RawItem(
                    url=link,
                    title=title,
                    summary=plain(str(entry.get("summary") or "")),
                    published_at=published_at,
                    rank=rank,
                )
            )
        except Exception:  # one odd entry never loses the feed's others
            skipped += 1
    validators = _validators(response)
    return Fetched(
        items=items,
        skipped=skipped,
        etag=validators["etag"],
        last_modified=validators["last_modified"],
    )


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
        hits = response.json()["hits"]  # type: ignore[index]
        assert isinstance(hits, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        raise SourceError("Hacker News answered in a shape we could not read.") from None
    items, skipped = [], 0
    for rank, hit in enumerate(hits, start=1):
        try:
            title = plain(str(hit.get("title") or ""), 500)
            story = f"https://news.ycombinator.com/item?id={int(hit.get('objectID'))}"
            link = web_link(hit.get("url")) or story
            if not title:
                skipped += 1
                continue
            items.append(
                RawItem(
                    url=link,
                    title=title,
                    summary=plain(str(hit.get("story_text") or "")),
                    published_at=_moment(hit.get("created_at_i")),
                    signal=float(hit.get("points") or 0),
                    rank=rank,
                )
            )
        except Exception:
            skipped += 1
    return Fetched(items=items, skipped=skipped)


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
    skipped = 0
    for rank, link in enumerate(links, start=1):
        url = web_link(link.get("url")) if isinstance(link, dict) else None
        if url is None or not isinstance(link.get("title"), str) or not link["title"]:
            skipped += 1
            continue
        items.append(
            RawItem(
                url=url,
                title=plain(link["title"], 500),
                summary=plain(str(link.get("description") or "")),
                published_at=_iso(link.get("published_at")),
                signal=_uses_today(link.get("history") or []),
                rank=rank,
            )
        )
    for rank, tag in enumerate(tags, start=1):
        name = tag.get("name") if isinstance(tag, dict) else None
        if not isinstance(name, str) or not name.strip():
            skipped += 1
            continue
        items.append(
            RawItem(
                url=web_link(tag.get("url")) or f"{base}/tags/{name}",
                title=f"#{name}"[:500],
                summary=f"Trending tag on {urlsplit(base).hostname}",
                signal=_uses_today(tag.get("history") or []),
                rank=rank,
            )
        )
    return Fetched(items=items, skipped=skipped)


def _iso(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return _moment(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def fetch_reddit(client: httpx.Client, subreddit: str, *, client_id: str, secret: str) -> Fetched:
    """A subreddit's hot posts with the user's own Reddit app.

    Application-only OAuth: client credentials for a bearer token, then oauth.reddit.com."""
    if not client_id or not secret:
        raise SourceError("Reddit needs your app's client id and secret.")
    answer = _request(
        client,
        "POST",
        f"{settings.REDDIT_AUTH_URL.rstrip('/')}/api/v1/access_token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        headers={"User-Agent": USER_AGENT},
    )
    if answer.status_code == 401:
        raise SourceError("Reddit refused the client id and secret (401): check them.")
    try:
        body = answer.json() if answer.status_code == 200 else {}
    except ValueError:
        body = {}
    token = body.get("access_token") if isinstance(body, dict) else None
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
        children = response.json()["data"]["children"]  # type: ignore[index]
        assert isinstance(children, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        raise SourceError("Reddit answered in a shape we could not read.") from None
    items, skipped = [], 0
    for rank, child in enumerate(children, start=1):
        try:
            post = child.get("data", {}) if isinstance(child, dict) else {}
            if post.get("stickied"):
                continue
            permalink = web_link(f"https://www.reddit.com{post.get('permalink', '')}")
            link = web_link(post.get("url_overridden_by_dest")) or permalink
            if not post.get("title") or not link:
                skipped += 1
                continue
            items.append(
                RawItem(
                    url=link,
                    title=plain(str(post["title"]), 500),
                    summary=plain(str(post.get("selftext") or "")),
                    published_at=_moment(post.get("created_utc")),
                    signal=float(post.get("score") or 0),
                    rank=rank,
                )
            )
        except Exception:
            skipped += 1
    return Fetched(items=items, skipped=skipped)


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
        videos = response.json()["items"]  # type: ignore[index]
        assert isinstance(videos, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        raise SourceError("YouTube answered in a shape we could not read.") from None
    items, skipped = [], 0
    for rank, video in enumerate(videos, start=1):
        try:
            snippet = video.get("snippet") or {}
            video_id = str((video.get("id") or {}).get("videoId") or "")
            if not video_id.replace("-", "").replace("_", "").isalnum() or not snippet.get("title"):
                skipped += 1
                continue
            items.append(
                RawItem(
                    url=f"https://www.youtube.com/watch?v={video_id}",
                    title=plain(str(snippet["title"]), 500),
                    summary=plain(str(snippet.get("description") or "")),
                    published_at=_iso(snippet.get("publishedAt")),
                    rank=rank,
                )
            )
        except Exception:
            skipped += 1
    return Fetched(items=items, skipped=skipped)
