"""A loopback Threads API.

OAuth (threads.net/oauth/authorize stand-in, POST /oauth/access_token, GET /access_token
th_exchange_token, GET /refresh_access_token), GET /v1.0/me, POST /v1.0/:user/threads (a container),
POST /v1.0/:user/threads_publish, GET /v1.0/:container?fields=status. An expired token is a 400 with
error code 190, as the Graph API says it. Faults (tests.fakes.base) apply to the /v1.0/ calls."""

from __future__ import annotations

import time
from typing import Any

from tests.fakes.base import Answer, FakeServer, OAuthServer, Request

EXPIRED = {
    "error": {"message": "Error validating access token", "type": "OAuthException", "code": 190}
}


class FakeThreads(FakeServer):
    faultable = ("/v1.0/",)

    def __init__(self) -> None:
        super().__init__()
        self.oauth = OAuthServer(
            self,
            authorize_path="/oauth/authorize",
            token_path="/oauth/access_token",
            expires_in=3600,
            refresh=False,
        )
        self.oauth.user_id = "777"
        self.containers: dict[str, dict[str, Any]] = {}
        self.published: list[str] = []  # container ids, each time one is published
        self.route("GET", "/access_token", self._long_lived)
        self.route("GET", "/refresh_access_token", self._refresh)
        self.route("GET", "/v1.0/me", self._me)
        self.route("POST", "/v1.0/", self._post, prefix=True)
        self.route("GET", "/v1.0/", self._container, prefix=True)
        self.replies: dict[str, list[dict[str, Any]]] = {}  # media id -> its conversation

    def _long_lived(self, request: Request) -> Answer:
        if self.oauth.user_for(request) is None:
            return 400, EXPIRED, {}
        answer = self.oauth.issue()
        return (
            200,
            {
                "access_token": answer["access_token"],
                "token_type": "bearer",
                "expires_in": 5_184_000,
            },
            {},
        )

    def _refresh(self, request: Request) -> Answer:
        user = self.oauth.access_tokens.pop(request.query.get("access_token", ""), None)
        if user is None:
            return 400, EXPIRED, {}
        answer = self.oauth.issue(user)
        return (
            200,
            {
                "access_token": answer["access_token"],
                "token_type": "bearer",
                "expires_in": 5_184_000,
            },
            {},
        )

    def _me(self, request: Request) -> Answer:
        if self.oauth.user_for(request) is None:
            return 400, EXPIRED, {}
        return 200, {"id": self.oauth.user_id, "username": "creator"}, {}

    def _post(self, request: Request) -> Answer:
        if self.oauth.user_for(request) is None:
            return 400, EXPIRED, {}
        data = {**request.query, **request.form}
        if request.path.endswith("/threads"):
            kind = data.get("media_type", "TEXT")
            if kind == "IMAGE" and not data.get("image_url"):
                return 400, {"error": {"message": "image_url is required", "code": 100}}, {}
            children = [c for c in data.get("children", "").split(",") if c]
            if kind == "CAROUSEL" and (
                len(children) < 2 or any(c not in self.containers for c in children)
            ):
                return 400, {"error": {"message": "Invalid children", "code": 100}}, {}
            reply_to = data.get("reply_to_id")
            theirs = {r["id"] for thread in self.replies.values() for r in thread}
            if reply_to and reply_to not in {f"m{c}" for c in self.published} | theirs:
                return 400, {"error": {"message": "Invalid reply_to_id", "code": 100}}, {}
            container = str(next(self.ids))
            self.containers[container] = {
                "reply_to": reply_to or "",
                "text": data.get("text", ""),
                "status": "FINISHED",
                "media_type": kind,
                "image_url": data.get("image_url", ""),
                "children": children,
            }
            return 200, {"id": container}, {}
        if request.path.endswith("/threads_publish"):
            container = self.containers.get(data.get("creation_id", ""))
            if container is None:
                return 400, {"error": {"message": "Invalid creation_id", "code": 100}}, {}
            if container["status"] == "PUBLISHED":
                return 400, {"error": {"message": "Container already published", "code": 100}}, {}
            container["status"] = "PUBLISHED"
            self.published.append(data["creation_id"])
            return 200, {"id": f"m{data['creation_id']}"}, {}
        return 404, {"error": {"message": "Unknown path"}}, {}

    def reply(self, media_id: str, username: str, text: str) -> dict[str, Any]:
        """Someone replies to one of the creator's published posts (its id, "m…")."""
        with self.lock:
            reply = {
                "id": f"r{next(self.ids)}",
                "text": text,
                "username": username,
                "permalink": f"https://www.threads.net/@{username}/post/{next(self.ids)}",
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime()),
                "is_reply": True,
                "root_post": {"id": media_id},
                "replied_to": {"id": media_id},
            }
            self.replies.setdefault(media_id, []).append(reply)
            return reply

    def _conversation(self, request: Request) -> Answer:
        """GET /v1.0/:media/conversation: every reply under the post, newest first."""
        media_id = request.path.split("/")[-2]
        if media_id not in {f"m{c}" for c in self.published}:
            return 400, {"error": {"message": "Unsupported get request", "code": 100}}, {}
        thread = list(reversed(self.replies.get(media_id, [])))
        return 200, {"data": thread, "paging": {"cursors": {}}}, {}

    def _container(self, request: Request) -> Answer:
        if self.oauth.user_for(request) is None:
            return 400, EXPIRED, {}
        if request.path.endswith("/conversation"):
            return self._conversation(request)
        container = self.containers.get(request.path.rsplit("/", 1)[-1])
        if container is None:
            return 400, {"error": {"message": "Unsupported get request", "code": 100}}, {}
        return 200, {"id": request.path.rsplit("/", 1)[-1], "status": container["status"]}, {}
