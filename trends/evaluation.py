"""Trend relevance through the real scan, for `manage.py trends_eval FILE --feed`.

Per author of a voice-eval file: a scratch workspace and persona built from the author's first
posts as a creator would (import, embedding, pillar discovery), a feed served on loopback with the
author's next posts, other authors' posts and everyday off-domain headlines, all published at
one moment, then the scan a source's beat runs (fetch → fold → shortlist → score). Each author's
work is rolled back, so nothing is left in the database and no job reaches a worker."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import transaction

from accounts.models import Role
from accounts.services import user_sign_up, workspace_create
from language.text import detect_language, first_sentence
from personas.services import persona_create
from pillars import services as pillars
from posts import parsers
from posts.importing import check_rows
from posts.services import embed_pending_posts, posts_bulk_import
from trends import selectors
from trends.models import SourceKind
from trends.services import source_save, workspace_scan
from voice.reference import off_domain_headlines

PROFILE_POSTS, OWN_ITEMS, OTHER_ITEMS, OFF_DOMAIN_ITEMS, K, TOP = 70, 10, 10, 20, 10, 3
HEADLINE_CHARS = 100


@dataclass
class Item:
    title: str
    summary: str
    kind: str  # "own", "other" or "offdomain"


@dataclass
class AuthorResult:
    precision: float
    offdomain_top: float
    ranked: list[tuple[int, Item]]  # (relevance, item), best first


def as_item(text: str, kind: str) -> Item:
    """A post as a feed item: its first sentence (≤ 100 characters) heads it, the rest sums up."""
    title = first_sentence(text, HEADLINE_CHARS)
    summary = " ".join(text.split())[len(title) :].strip(" …")
    return Item(title=title, summary=summary or title, kind=kind)


def off_domain_items(language: str) -> list[Item]:
    return [Item(title, summary, "offdomain") for title, summary in off_domain_headlines(language)]


def item_url(n: int) -> str:
    return f"https://news.example.org/{n}"


def rss(items: list[Item], published: datetime) -> bytes:
    date = format_datetime(published)
    body = "".join(
        f"<item><title>{escape(item.title)}</title>"
        f"<link>{item_url(n)}</link><guid>{item_url(n)}</guid>"
        f"<description>{escape(item.summary)}</description><pubDate>{date}</pubDate></item>"
        for n, item in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Evaluation feed</title><link>https://news.example.org/</link>{body}"
        "</channel></rss>"
    ).encode()


@contextmanager
def served_feed() -> Iterator[tuple[str, dict[str, bytes]]]:
    """A feed server on loopback: (its URL, the mutable {"body": …} it answers with)."""
    content: dict[str, bytes] = {"body": b""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(content["body"])))
            self.end_headers()
            self.wfile.write(content["body"])

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    allowed = settings.ALLOW_PRIVATE_HOSTS
    settings.ALLOW_PRIVATE_HOSTS = [*allowed, "127.0.0.1"]  # the operator allows its own server
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml", content
    finally:
        settings.ALLOW_PRIVATE_HOSTS = allowed
        server.shutdown()
        server.server_close()


def pool_for(
    author: str, timelines: dict[str, list[tuple[str, str]]], seed: str
) -> tuple[list[tuple[str, str]], list[Item]]:
    """The author's profile posts and the feed's items (in a shuffled order)."""
    rng = random.Random(f"{seed}:{author}")
    timeline = timelines[author]
    profile = timeline[:PROFILE_POSTS]
    own = [as_item(text, "own") for _, text in rng.sample(timeline[PROFILE_POSTS:], OWN_ITEMS)]
    others = rng.sample([a for a in sorted(timelines) if a != author], OTHER_ITEMS)
    other = [as_item(rng.choice(timelines[a])[1], "other") for a in others]
    language = detect_language([text for _, text in profile])
    off_domain = rng.sample(off_domain_items(language), OFF_DOMAIN_ITEMS)
    items = own + other + off_domain
    rng.shuffle(items)
    return profile, items


def evaluate_author(
    author: str, profile: list[tuple[str, str]], items: list[Item], feed: tuple[str, dict]
) -> AuthorResult:
    """Build the persona, serve the items, scan, read the ranking; then roll it all back."""
    url, content = feed
    with transaction.atomic():
        user = user_sign_up(email=f"eval-{abs(hash(author))}@example.org", personal_workspace=False)
        workspace = workspace_create(user=user, name=f"trends_eval {author}")
        language = detect_language([text for _, text in profile])
        persona = persona_create(
            workspace=workspace,
            role=Role.OWNER,
            data={"name": author, "platform": "x", "language": language},
        )
        raw = [
            parsers.RawRow(number, {"text": text, "posted_at": posted_at})
            for number, (posted_at, text) in enumerate(profile, start=1)
        ]
        posts_bulk_import(persona=persona, values=check_rows(persona, raw).valid_values)
        embed_pending_posts(persona_id=persona.pk)
        run = pillars.discovery_request(persona=persona, role=Role.OWNER, user=None)
        pillars.discovery_run(discovery_id=run.pk)
        content["body"] = rss(items, datetime.now(UTC) - timedelta(hours=1))
        source = source_save(
            workspace=workspace,
            role=Role.OWNER,
            data={
                "kind": SourceKind.FEED,
                "name": "Evaluation",
                "url": url,
                "enabled": True,
                "interval_minutes": 60,
            },
        )
        workspace_scan(workspace_id=workspace.pk, source_ids=[source.pk])
        by_url = {item_url(n): item for n, item in enumerate(items)}
        ranked = [
            (trend.relevance, by_url.get(trend.item.canonical_url))
            for trend in selectors.trends_for(persona, limit=len(items))
        ]
        transaction.set_rollback(True)
    found = [(score, item) for score, item in ranked if item is not None]
    found.sort(key=lambda pair: -pair[0])
    top = [item.kind for _, item in found[:K]]
    return AuthorResult(
        precision=top.count("own") / K,
        offdomain_top=[item.kind for _, item in found[:TOP]].count("offdomain") / TOP,
        ranked=found,
    )
