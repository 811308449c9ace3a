"""A loopback Bluesky PDS (XRPC): com.atproto.server.createSession / refreshSession (JWTs with
an exp claim; a used refresh token is refused with ExpiredToken, as rotation does),
com.atproto.repo.createRecord (a taken rkey answers InvalidRequest "Record already exists"),
com.atproto.repo.getRecord (RecordNotFound) and app.bsky.feed.getPosts. An access token past
its exp is answered 400 ExpiredToken. Faults (tests.fakes.base) apply to createRecord."""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

from tests.fakes.base import Answer, FakeServer, Request

DID = "did:plc:fakecreator123"
HANDLE = "creator.bsky.social"


def jwt(exp: float) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part({'exp': int(exp), 'nonce': secrets.token_hex(4)})}.sig"


class FakeBluesky(FakeServer):
    faultable = ("/xrpc/com.atproto.repo.createRecord",)

    def __init__(self, app_password: str = "abcd-efgh-ijkl-mnop", access_seconds: int = 7200):
        super().__init__()
        self.app_password = app_password
        self.access_seconds = access_seconds
        self.access: dict[str, float] = {}  # token -> exp
        self.refresh_tokens: set[str] = set()
        self.records: dict[str, dict[str, Any]] = {}  # rkey -> record
        self.created: list[str] = []  # every successful createRecord, by rkey
        for name, handler in {
            "com.atproto.server.createSession": self._create_session,
            "com.atproto.server.refreshSession": self._refresh_session,
            "com.atproto.repo.createRecord": self._create_record,
        }.items():
            self.route("POST", f"/xrpc/{name}", handler)
        self.route("GET", "/xrpc/com.atproto.repo.getRecord", self._get_record)
        self.blobs: dict[str, bytes] = {}
        self.route("POST", "/xrpc/com.atproto.repo.uploadBlob", self._upload_blob)
        self.route("GET", "/xrpc/app.bsky.feed.getPosts", self._get_posts)

    def _session(self) -> dict[str, Any]:
        access, refresh = jwt(time.time() + self.access_seconds), jwt(time.time() + 86400 * 60)
        self.access[access] = time.time() + self.access_seconds
        self.refresh_tokens.add(refresh)
        return {"did": DID, "handle": HANDLE, "accessJwt": access, "refreshJwt": refresh}

    def expire_access_tokens(self) -> None:
        self.access = {token: 0 for token in self.access}

    def _authorised(self, request: Request) -> Answer | None:
        exp = self.access.get(request.bearer)
        if exp is None:
            return 401, {"error": "AuthenticationRequired", "message": "Invalid token"}, {}
        if exp < time.time():
            return 400, {"error": "ExpiredToken", "message": "Token has expired"}, {}
        return None

    def _create_session(self, request: Request) -> Answer:
        body = request.body
        if body.get("identifier") not in (HANDLE, DID) or body.get("password") != self.app_password:
            return (
                401,
                {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
                {},
            )
        return 200, self._session(), {}

    def _refresh_session(self, request: Request) -> Answer:
        if request.bearer not in self.refresh_tokens:
            return 400, {"error": "ExpiredToken", "message": "Token has been revoked"}, {}
        self.refresh_tokens.discard(request.bearer)  # rotated: usable once
        return 200, self._session(), {}

    def _create_record(self, request: Request) -> Answer:
        if refused := self._authorised(request):
            return refused
        body = request.body
        rkey = body.get("rkey") or secrets.token_hex(6)
        with self.lock:
            if rkey in self.records:
                return 400, {"error": "InvalidRequest", "message": "Record already exists"}, {}
            text = body["record"]["text"]
            if len(text) > 300:
                return (
                    400,
                    {
                        "error": "InvalidRequest",
                        "message": "Record/text must not be longer than 300 graphemes",
                    },
                    {},
                )
            for image in (body["record"].get("embed") or {}).get("images", []):
                if image["image"]["ref"]["$link"] not in self.blobs:
                    return 400, {"error": "InvalidRequest", "message": "Could not find blob"}, {}
            self.records[rkey] = body["record"]
            self.created.append(rkey)
        uri = f"at://{DID}/app.bsky.feed.post/{rkey}"
        return 200, {"uri": uri, "cid": f"bafy{rkey}"}, {}

    def _upload_blob(self, request: Request) -> Answer:
        if refused := self._authorised(request):
            return refused
        if len(request.raw) > 1_000_000:
            return 400, {"error": "BlobTooLarge", "message": "This file is too large"}, {}
        cid = f"bafkrei{secrets.token_hex(8)}"
        self.blobs[cid] = request.raw
        kind = request.headers.get("Content-Type", "")
        blob = {"$type": "blob", "ref": {"$link": cid}, "mimeType": kind, "size": len(request.raw)}
        return 200, {"blob": blob}, {}

    def _get_record(self, request: Request) -> Answer:
        if refused := self._authorised(request):
            return refused
        rkey = request.query.get("rkey", "")
        if rkey not in self.records:
            return (
                400,
                {"error": "RecordNotFound", "message": f"Could not locate record: {rkey}"},
                {},
            )
        uri = f"at://{DID}/app.bsky.feed.post/{rkey}"
        return 200, {"uri": uri, "cid": f"bafy{rkey}", "value": self.records[rkey]}, {}

    def _get_posts(self, request: Request) -> Answer:
        uri = request.query.get("uris", "")
        return 200, {"posts": [{"uri": uri, "likeCount": 7, "repostCount": 2, "replyCount": 1}]}, {}
