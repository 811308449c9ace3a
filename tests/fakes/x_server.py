"""A loopback X API v2.

OAuth 2.0 with PKCE (x.com/i/oauth2/authorize stand-in and /2/oauth2/token, rotating refresh
tokens), GET /2/users/me, POST /2/tweets (X's 403 for duplicate content included), GET
/2/users/:id/tweets and GET /2/tweets/:id. An expired or unknown token is a 401. Faults
(tests.fakes.base) apply to /2/tweets."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime
from typing import Any

from twitter_text import extract_urls_with_indices, parse_tweet

from tests.fakes.base import Answer, FakeServer, OAuthServer, Request


def with_tco_links(text: str) -> str:
    """The text as X shows it back: every link (with or without http://) wrapped in t.co."""
    pieces, last = [], 0
    for found in extract_urls_with_indices(text):
        start, end = found["indices"]
        slug = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(10))
        pieces += [text[last:start], f"https://t.co/{slug}"]
        last = end
    return "".join([*pieces, text[last:]])


# X's answer when the app's access level (the Free tier) does not include an endpoint.
CLIENT_NOT_ENROLLED = {
    "client_id": "12345",
    "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys "
    "and tokens from a Twitter developer App that is attached to a Project. You can create a "
    "project via the developer portal.",
    "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
    "title": "Client Forbidden",
    "required_enrollment": "Appropriate Level of API Access",
    "reason": "client-not-enrolled",
    "type": "https://api.twitter.com/2/problems/client-forbidden",
}


class FakeX(FakeServer):
    faultable = ("/2/tweets",)

    def __init__(self) -> None:
        super().__init__()
        self.oauth = OAuthServer(
            self, authorize_path="/i/oauth2/authorize", token_path="/2/oauth2/token"
        )
        self.tweets: list[dict[str, Any]] = []
        self.route("GET", "/2/users/me", self._me)
        self.route("POST", "/2/tweets", self._tweet)
        self.media: dict[str, dict[str, Any]] = {}
        self.route("POST", "/2/media/upload", self._upload)
        self.route("POST", "/2/media/metadata", self._metadata)
        self.route("GET", "/2/users/", self._timeline, prefix=True)
        self.route("GET", "/2/tweets/", self._get, prefix=True)
        self.mentions: list[dict[str, Any]] = []  # other people's posts naming us, oldest first
        self.users: dict[str, dict[str, str]] = {}
        self.mentions_refused = False  # the app's access level lacks the endpoint (Free tier)

    def _unauthorised(self, request: Request) -> Answer | None:
        if self.oauth.user_for(request) is None:
            return 401, {"title": "Unauthorized", "detail": "Unauthorized", "status": 401}, {}
        return None

    def _me(self, request: Request) -> Answer:
        return self._unauthorised(request) or (
            200,
            {"data": {"id": self.oauth.user_id, "username": "creator", "name": "C"}},
            {},
        )

    def _tweet(self, request: Request) -> Answer:
        if refused := self._unauthorised(request):
            return refused
        text = request.body.get("text", "")
        if not parse_tweet(text).valid:  # X counts with twitter-text, as its clients do
            return (
                403,
                {
                    "detail": "Your Tweet text is too long. For more information on how Twitter "
                    "determines text length see https://github.com/twitter/twitter-text.",
                    "type": "about:blank",
                    "title": "Forbidden",
                    "status": 403,
                },
                {},
            )
        with self.lock:
            if any(t.get("sent", t["text"]) == text for t in self.tweets):
                return (
                    403,
                    {
                        "detail": "You are not allowed to create a Tweet with duplicate content.",
                        "type": "about:blank",
                        "title": "Forbidden",
                        "status": 403,
                    },
                    {},
                )
            media_ids = (request.body.get("media") or {}).get("media_ids") or []
            if any(m not in self.media for m in media_ids):
                return (
                    400,
                    {"title": "Invalid Request", "detail": "Your media IDs are invalid."},
                    {},
                )
            parent = (request.body.get("reply") or {}).get("in_reply_to_tweet_id")
            known = self.tweets + self.mentions
            if parent is not None and not any(t["id"] == str(parent) for t in known):
                return (  # X's own words for a deleted (or blocked) parent
                    403,
                    {
                        "detail": "You attempted to reply to a Tweet that is deleted or not "
                        "visible to you.",
                        "type": "about:blank",
                        "title": "Forbidden",
                        "status": 403,
                    },
                    {},
                )
            tweet = {
                "id": str(next(self.ids)),
                "text": with_tco_links(text),
                "sent": text,
                "referenced_tweets": [{"type": "replied_to", "id": str(parent)}] if parent else [],
                "media_ids": media_ids,
                "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            }
            self.tweets.append(tweet)
        return 201, {"data": {"id": tweet["id"], "text": tweet["text"]}}, {}

    def _upload(self, request: Request) -> Answer:
        if refused := self._unauthorised(request):
            return refused
        if "media" not in request.files:
            return 400, {"title": "Invalid Request", "detail": "media is required"}, {}
        media_id = str(next(self.ids))
        self.media[media_id] = {"bytes": len(request.files["media"][1]), "alt": ""}
        category = request.form.get("media_category")
        return (
            200,
            {"data": {"id": media_id, "media_key": f"3_{media_id}", "category": category}},
            {},
        )

    def _metadata(self, request: Request) -> Answer:
        if refused := self._unauthorised(request):
            return refused
        media = self.media.get(request.body.get("id", ""))
        if media is None:
            return 400, {"title": "Invalid Request", "detail": "Unknown media id"}, {}
        media["alt"] = request.body["metadata"]["alt_text"]["text"]
        return 200, {"data": {"associated_metadata": True, "id": request.body["id"]}}, {}

    def mention(self, username: str, text: str, *, in_reply_to: str = "") -> dict[str, Any]:
        """Someone (`username`) posts naming the creator, or replying to one of their posts."""
        with self.lock:
            author = self.users.setdefault(
                username,
                {"id": str(next(self.ids)), "username": username, "name": username.title()},
            )
            tweet: dict[str, Any] = {
                "id": str(next(self.ids)),
                "text": f"@creator {text}",
                "author_id": author["id"],
                "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "conversation_id": in_reply_to or "",
            }
            if in_reply_to:
                tweet["referenced_tweets"] = [{"type": "replied_to", "id": in_reply_to}]
                tweet["in_reply_to_user_id"] = self.oauth.user_id
            self.mentions.append(tweet)
            return tweet

    def _mentions(self, request: Request) -> Answer:
        """GET /2/users/:id/mentions: newest first, since_id/until_id, next_token pages back."""
        if self.mentions_refused:
            return 403, CLIENT_NOT_ENROLLED, {}
        size = int(request.query.get("max_results", 10))
        if not 5 <= size <= 100:
            return 400, {"title": "Invalid Request", "detail": "max_results: 5 to 100"}, {}
        with self.lock:
            found = sorted(self.mentions, key=lambda t: int(t["id"]), reverse=True)
        if request.query.get("since_id"):
            found = [t for t in found if int(t["id"]) > int(request.query["since_id"])]
        if request.query.get("pagination_token"):
            found = [t for t in found if int(t["id"]) < int(request.query["pagination_token"])]
        page = found[:size]
        if not page:
            return 200, {"meta": {"result_count": 0}}, {}
        meta: dict[str, Any] = {
            "result_count": len(page),
            "newest_id": page[0]["id"],
            "oldest_id": page[-1]["id"],
        }
        if len(found) > size:
            meta["next_token"] = page[-1]["id"]
        authors = {t["author_id"] for t in page}
        users = [u for u in self.users.values() if u["id"] in authors]
        return 200, {"data": page, "includes": {"users": users}, "meta": meta}, {}

    def _timeline(self, request: Request) -> Answer:
        if refused := self._unauthorised(request):
            return refused
        if request.path.endswith("/mentions"):
            return self._mentions(request)
        since = request.query.get("start_time", "")
        # Timestamps in one format compare as strings; start_time has no milliseconds.
        recent = [t for t in self.tweets if t["created_at"][:19] >= since[:19]]
        newest_first = [{k: v for k, v in t.items() if k != "sent"} for t in reversed(recent)][
            : int(request.query.get("max_results", 10))
        ]
        return 200, {"data": newest_first, "meta": {"result_count": len(newest_first)}}, {}

    def _get(self, request: Request) -> Answer:
        tweet_id = request.path.rsplit("/", 1)[-1]
        tweet = next((t for t in self.tweets if t["id"] == tweet_id), None)
        if tweet is None:
            return 404, {"title": "Not Found Error"}, {}
        metrics = {"like_count": 5, "retweet_count": 1, "reply_count": 0, "impression_count": 90}
        shown = {k: v for k, v in tweet.items() if k != "sent"}
        return 200, {"data": {**shown, "public_metrics": metrics}}, {}
