"""A loopback LinkedIn.

OAuth 2.0 (/oauth/v2/authorization, /oauth/v2/accessToken), the OpenID userinfo (/v2/userinfo) and
the versioned Posts API (POST /rest/posts answers 201 with the post's URN in x-restli-id; it
requires LinkedIn-Version and X-Restli-Protocol-Version). Faults (tests.fakes.base) apply to
/rest/posts."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import unquote

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
        self.images: dict[str, bytes | None] = {}  # urn -> bytes once uploaded
        self.route("POST", "/rest/images", self._initialize_upload)
        self.route("PUT", "/upload/", self._upload, prefix=True)
        self.comments: list[dict[str, Any]] = []
        self.route("POST", "/rest/socialActions/", self._comment, prefix=True)
        self.route("GET", "/rest/socialActions/", self._comments, prefix=True)
        # Reading others' comments needs r_member_social, granted to approved apps only.
        self.comments_refused = False

    def _userinfo(self, request: Request) -> Answer:
        if self.oauth.user_for(request) is None:
            return 401, {"message": "Invalid access token", "status": 401}, {}
        return 200, {"sub": self.oauth.user_id, "name": "Creator Name"}, {}

    def _initialize_upload(self, request: Request) -> Answer:
        if (
            self.oauth.user_for(request) is None
            or request.query.get("action") != "initializeUpload"
        ):
            return 401, {"message": "Invalid access token", "status": 401}, {}
        urn = f"urn:li:image:C{next(self.ids)}"
        self.images[urn] = None
        value = {
            "uploadUrl": f"{self.base_url}/upload/{urn}",
            "image": urn,
            "uploadUrlExpiresAt": 0,
        }
        return 200, {"value": value}, {}

    def _upload(self, request: Request) -> Answer:
        urn = request.path.removeprefix("/upload/")
        if urn not in self.images:
            return 404, {"message": "Unknown upload"}, {}
        self.images[urn] = request.raw
        return 201, "", {}

    def _post(self, request: Request) -> Answer:
        if self.oauth.user_for(request) is None:
            return 401, {"message": "Invalid access token", "status": 401}, {}
        if not request.headers.get("LinkedIn-Version"):
            return 400, {"message": "A version must be present", "status": 400}, {}
        body = request.body
        if body.get("author") != f"urn:li:person:{self.oauth.user_id}":
            return 403, {"message": "Not enough permissions to post as this author"}, {}
        content = body.get("content") or {}
        media = (
            [content["media"]]
            if "media" in content
            else ((content.get("multiImage") or {}).get("images") or [])
        )
        if any(not self.images.get(m["id"]) for m in media):
            return 400, {"message": "Image not uploaded", "status": 400}, {}
        urn = f"urn:li:share:{next(self.ids)}"
        self.posts.append({"urn": urn, **body})
        return 201, "", {"x-restli-id": urn}

    def _comment(self, request: Request) -> Answer:
        """POST /rest/socialActions/{post urn}/comments (Comments API)."""
        if self.oauth.user_for(request) is None:
            return 401, {"message": "Invalid access token", "status": 401}, {}
        post = unquote(request.path.removeprefix("/rest/socialActions/").removesuffix("/comments"))
        if not any(p["urn"] == post for p in self.posts):
            return 404, {"message": "Not found", "status": 404}, {}
        body = request.body
        text = ((body.get("message") or {}).get("text") or "").strip()
        if not text or body.get("object") != post:
            return 422, {"message": "Invalid comment", "status": 422}, {}
        parent = body.get("parentComment")
        if parent and not any(c["urn"] == parent for c in self.comments):
            return 404, {"message": "Parent comment not found", "status": 404}, {}
        comment_id = str(next(self.ids))
        urn = f"urn:li:comment:({post},{comment_id})"
        self.comments.append(
            {
                "urn": urn,
                "object": post,
                "text": text,
                "actor": body.get("actor", ""),
                "parent": parent or "",
                "time": int(time.time() * 1000),
            }
        )
        return 201, {"id": comment_id, "commentUrn": urn, "object": post}, {"x-restli-id": urn}

    def comment_from(self, post: str, actor: str, text: str) -> str:
        """Someone (a person URN) comments on one of the creator's posts; the comment's URN."""
        with self.lock:
            urn = f"urn:li:comment:({post},{next(self.ids)})"
            self.comments.append(
                {
                    "urn": urn,
                    "object": post,
                    "text": text,
                    "actor": actor,
                    "parent": "",
                    "time": int(time.time() * 1000),
                }
            )
            return urn

    def _comments(self, request: Request) -> Answer:
        """GET /rest/socialActions/{post urn}/comments, newest first."""
        if self.oauth.user_for(request) is None:
            return 401, {"message": "Invalid access token", "status": 401}, {}
        if self.comments_refused:
            return (
                403,
                {
                    "status": 403,
                    "serviceErrorCode": 100,
                    "code": "ACCESS_DENIED",
                    "message": "Not enough permissions to access: "
                    "partnerApiSocialActions.GET_ALL.20240501",
                },
                {},
            )
        post = unquote(request.path.removeprefix("/rest/socialActions/").removesuffix("/comments"))
        elements = [
            {
                "$URN": c["urn"],
                "commentUrn": c["urn"],
                "actor": c["actor"],
                "object": c["object"],
                "message": {"text": c["text"]},
                "created": {"actor": c["actor"], "time": c["time"]},
                **({"parentComment": c["parent"]} if c["parent"] else {}),
            }
            for c in reversed(self.comments)
            if c["object"] == post
        ]
        return 200, {"elements": elements, "paging": {"count": 100, "start": 0}}, {}
