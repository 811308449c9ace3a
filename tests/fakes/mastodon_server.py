"""A loopback Mastodon.

POST /api/v1/apps (an OAuth app per server), the OAuth authorise page and token endpoint, GET
/api/v1/accounts/verify_credentials, POST /api/v1/statuses (honouring Idempotency-Key like Mastodon:
a repeated key answers with the status it already made) and GET /api/v1/statuses/:id. It keeps its
own log of statuses, from which duplicates are counted. Faults (tests.fakes.base) apply to the
/api/v1/statuses calls."""

from __future__ import annotations

import html
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from twitter_text import extract_urls_with_indices
from uniseg.graphemecluster import grapheme_clusters

from tests.fakes.base import Answer, FakeServer, OAuthServer, Request

_MENTION = re.compile(r"(?<![=/\w])@(([a-z0-9_]+)(?:@[\w]+(?:[.-]+[\w]+)*)?)", re.IGNORECASE)


def _links(text: str) -> list[tuple[int, int]]:
    return [
        tuple(found["indices"])
        for found in extract_urls_with_indices(text, extract_urls_without_protocol=False)
    ]


def countable_length(text: str) -> int:
    """Mastodon's StatusLengthValidator.

    Mastodon's StatusLengthValidator: each link 23 characters, @user@domain as @user, then
    grapheme clusters."""
    pieces, last = [], 0
    for start, end in _links(text):
        pieces += [text[last:start], "x" * 23]
        last = end
    countable = _MENTION.sub(lambda m: "@" + m.group(2), "".join([*pieces, text[last:]]))
    return sum(1 for _ in grapheme_clusters(countable))


def formatted(text: str) -> str:
    """The status as Mastodon's TextFormatter renders it.

    Escaped, paragraphs on blank lines, <br /> for a line break, links as anchors whose scheme and
    tail hide in spans."""
    pieces, last = [], 0
    for start, end in _links(text):
        url = text[start:end]
        scheme, _, rest = url.partition("://")
        pieces += [
            html.escape(text[last:start]),
            f'<a href="{html.escape(url)}" rel="nofollow noopener" target="_blank">'
            f'<span class="invisible">{scheme}://</span><span class="ellipsis">'
            f'{html.escape(rest[:30])}</span><span class="invisible">{html.escape(rest[30:])}'
            "</span></a>",
        ]
        last = end
    body = "".join([*pieces, html.escape(text[last:])])
    paragraphs = [p.replace("\n", "<br />") for p in re.split(r"\n{2,}", body.strip("\n"))]
    return "".join(f"<p>{p}</p>" for p in paragraphs)


class FakeMastodon(FakeServer):
    faultable = ("/api/v1/statuses", "/api/v1/notifications")

    def __init__(self, token: str = "token-1") -> None:
        super().__init__()
        self.statuses: list[dict[str, Any]] = []  # every status made, in order
        self.sent: list[str] = []  # the text of each, as sent
        self.by_key: dict[str, dict[str, Any]] = {}
        self.oauth = OAuthServer(
            self,
            authorize_path="/oauth/authorize",
            token_path="/oauth/token",
            expires_in=None,
            refresh=False,
        )
        self.oauth.access_tokens[token] = self.oauth.user_id  # a token made by hand
        self.apps: list[dict[str, str]] = []
        self.route("POST", "/api/v1/apps", self._app)
        self.max_characters = 500
        self.route("GET", "/api/v1/accounts/verify_credentials", self._me)
        self.route(
            "GET",
            "/api/v2/instance",
            lambda request: (
                200,
                {"configuration": {"statuses": {"max_characters": self.max_characters}}},
                {},
            ),
        )
        self.route("POST", "/api/v1/statuses", self._post)
        self.media: dict[str, dict[str, Any]] = {}
        self.route("POST", "/api/v2/media", self._media)
        self.route("GET", "/api/v1/statuses/", self._get, prefix=True)
        self.notifications: list[dict[str, Any]] = []  # oldest first
        self.others: list[dict[str, Any]] = []  # other people's statuses (that mention us)
        self.route("GET", "/api/v1/notifications", self._notifications)

    @property
    def requests(self) -> int:
        return sum(1 for method, path in self.log if path == "/api/v1/statuses")

    def _app(self, request: Request) -> Answer:
        client_id, secret = secrets.token_hex(6), secrets.token_hex(12)
        self.oauth.clients[client_id] = secret
        app = {
            "id": str(len(self.apps) + 1),
            "name": request.form.get("client_name", ""),
            "redirect_uri": request.form.get("redirect_uris", ""),
            "client_id": client_id,
            "client_secret": secret,
        }
        self.apps.append(app)
        return 200, app, {}

    def _me(self, request: Request) -> Answer:
        if self.oauth.user_for(request) is None:
            return 401, {"error": "The access token is invalid"}, {}
        return 200, {"id": self.oauth.user_id, "username": "creator", "acct": "creator"}, {}

    def _status(
        self, text: str, key: str | None, user: str | None = None, reply_to: str | None = None
    ) -> dict[str, Any]:
        # Mastodon keeps an Idempotency-Key per account, about an hour.
        key = f"{user or self.oauth.user_id}:{key}" if key else None
        with self.lock:
            if key and key in self.by_key:
                return self.by_key[key]
            status_id = str(next(self.ids))
            status = {
                "id": status_id,
                "url": f"{self.base_url}/@creator/{status_id}",
                "content": formatted(text),
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                "visibility": "public",
                "favourites_count": 3,
                "reblogs_count": 1,
                "replies_count": 2,
                "in_reply_to_id": reply_to,
            }
            self.statuses.append(status)
            self.sent.append(text)
            if key:
                self.by_key[key] = status
            return status

    def _post(self, request: Request) -> Answer:
        user = self.oauth.user_for(request)
        if user is None:
            return 401, {"error": "The access token is invalid"}, {}
        text = str(request.body.get("status") or "")
        if not text.strip():
            return 422, {"error": "Validation failed: Text can't be blank"}, {}
        if countable_length(text) > self.max_characters:
            limit = self.max_characters
            return (
                422,
                {"error": f"Validation failed: Text character limit of {limit} exceeded"},
                {},
            )
        media_ids = request.body.get("media_ids") or []
        if any(media_id not in self.media for media_id in media_ids):
            return 422, {"error": "Validation failed: Media IDs are invalid"}, {}
        if len(media_ids) > 4:
            return 422, {"error": "Validation failed: Too many attachments"}, {}
        reply_to = request.body.get("in_reply_to_id")
        known = self.statuses + self.others
        if reply_to is not None and not any(s["id"] == str(reply_to) for s in known):
            message = "The post you are trying to reply to does not appear to exist."
            return 404, {"error": message}, {}
        status = self._status(
            text, request.headers.get("Idempotency-Key"), user, str(reply_to) if reply_to else None
        )
        status.setdefault("media_attachments", [self.media[m] for m in media_ids])
        return 200, status, {}

    def _media(self, request: Request) -> Answer:
        if self.oauth.user_for(request) is None:
            return 401, {"error": "The access token is invalid"}, {}
        upload = request.files.get("file")
        if upload is None:
            return 422, {"error": "Validation failed: File can't be blank"}, {}
        media_id = str(next(self.ids))
        self.media[media_id] = {
            "id": media_id,
            "type": "image",
            "description": request.form.get("description", ""),
            "bytes": len(upload[1]),
        }
        return 200, self.media[media_id], {}

    def mention(
        self, acct: str, text: str, *, in_reply_to: str = "", kind: str = "mention"
    ) -> dict[str, Any]:
        """Someone (`acct`, user@server) mentions or replies to the creator: a notification.

        `kind` other than mention (favourite, follow …) makes that kind of notification."""
        with self.lock:
            status_id = str(next(self.ids))
            replied = next((s for s in self.statuses if s["id"] == in_reply_to), None)
            status = {
                "id": status_id,
                "url": f"https://{acct.split('@')[-1]}/@{acct.split('@')[0]}/{status_id}",
                "content": formatted(f"@creator {text}"),
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                "in_reply_to_id": in_reply_to or None,
                "in_reply_to_account_id": self.oauth.user_id if replied else None,
            }
            notification = {
                "id": str(next(self.ids)),
                "type": kind,
                "created_at": status["created_at"],
                "account": {
                    "id": str(next(self.ids)),
                    "acct": acct,
                    "display_name": acct.split("@")[0].title(),
                    "url": f"https://{acct.split('@')[-1]}/@{acct.split('@')[0]}",
                },
                "status": status if kind == "mention" else None,
            }
            self.notifications.append(notification)
            if kind == "mention":
                self.others.append(status)
            return notification

    def _notifications(self, request: Request) -> Answer:
        """GET /api/v1/notifications as Mastodon pages it (to_a_paginated_by_id).

        max_id/since_id: the newest `limit` in the range, newest first; min_id: the `limit`
        right after it, still answered newest first; limit 40 by default, at most 80."""
        if self.oauth.user_for(request) is None:
            return 401, {"error": "The access token is invalid"}, {}
        try:
            limit = min(int(request.query.get("limit", 40)), 80)
        except ValueError:
            limit = 40
        wanted = request.query.get("types[]")
        with self.lock:
            found = [n for n in self.notifications if not wanted or n["type"] == wanted]
        number = lambda n: int(n["id"])  # noqa: E731
        if request.query.get("max_id"):
            found = [n for n in found if number(n) < int(request.query["max_id"])]
        if request.query.get("since_id"):
            found = [n for n in found if number(n) > int(request.query["since_id"])]
        if request.query.get("min_id"):
            after = [n for n in found if number(n) > int(request.query["min_id"])]
            page = sorted(after, key=number)[:limit][::-1]
        else:
            page = sorted(found, key=number, reverse=True)[:limit]
        return 200, page, {}

    def _get(self, request: Request) -> Answer:
        status_id = request.path.rsplit("/", 1)[-1]
        found = next((s for s in self.statuses if s["id"] == status_id), None)
        return (200, found, {}) if found else (404, {"error": "Record not found"}, {})


@contextmanager
def running_fake_mastodon(token: str = "token-1") -> Iterator[FakeMastodon]:
    with FakeMastodon(token) as fake:
        yield fake
