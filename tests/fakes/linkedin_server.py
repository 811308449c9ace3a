"""A loopback LinkedIn: OAuth 2.0 (/oauth/v2/authorization, /oauth/v2/accessToken), the
OpenID userinfo (/v2/userinfo) and the versioned Posts API (POST /rest/posts answers 201 with
the post's URN in x-restli-id; it requires LinkedIn-Version and X-Restli-Protocol-Version).
Faults (tests.fakes.base) apply to /rest/posts."""

from __future__ import annotations

from typing import Any

from tests.fakes.base import Answer, FakeServer, OAuthServer, Request


class FakeLinkedIn(FakeServer):
    faultable = ("/rest/posts",)

    def __init__(self) -> None:
        super().__init__()
        self.oauth = OAuthServer(
            self,
            authorize_path="/oauth/v2/authorization",
            token_path="/oauth/v2/accessToken",
            expires_in=5_184_000,
            refresh=False,  # refresh tokens are for approved partners only
        )
        self.oauth.user_id = "abc123"
        self.posts: list[dict[str, Any]] = []
        self.route("GET", "/v2/userinfo", self._userinfo)
        self.route("POST", "/rest/posts", self._post)

    def _userinfo(self, request: Request) -> Answer:
        if self.oauth.user_for(request) is None:
            return 401, {"message": "Invalid access token", "status": 401}, {}
        return 200, {"sub": self.oauth.user_id, "name": "Creator Name"}, {}

    def _post(self, request: Request) -> Answer:
        if self.oauth.user_for(request) is None:
            return 401, {"message": "Invalid access token", "status": 401}, {}
        if not request.headers.get("LinkedIn-Version"):
            return 400, {"message": "A version must be present", "status": 400}, {}
        body = request.body
        if body.get("author") != f"urn:li:person:{self.oauth.user_id}":
            return 403, {"message": "Not enough permissions to post as this author"}, {}
        urn = f"urn:li:share:{next(self.ids)}"
        self.posts.append({"urn": urn, **body})
        return 201, "", {"x-restli-id": urn}
