"""A loopback Bluesky PDS (XRPC) that answers as the reference server does, odd answers included:

Bluesky-social/atproto, packages/pds.

- com.atproto.server.createSession / refreshSession: JWTs with an exp claim; refresh tokens
  rotate, and a used one keeps working for a two-hour grace period, answering with the same
  next refresh token (account-manager.ts, REFRESH_GRACE_MS), then 400 ExpiredToken; an access
  token past its exp is answered 400 ExpiredToken.
- One repository per account (DID): records are kept per repo, and a token writes only to its
  own repo (another repo: 401 AuthenticationRequired).
- com.atproto.repo.createRecord validates an app.bsky.feed.post as the reference server's
  lexicon validator does (packages/lex/lex-schema: text at most 3,000 UTF-8 bytes, then at
  most 300 grapheme clusters — counted here with `uniseg`, an implementation independent of
  ours — reply refs as strong refs, the record key a TID) and answers 400 InvalidRequest with
  the reference wording ("Invalid app.bsky.feed.post record: grapheme too big (maximum 300,
  got 301) at $.record.text"). A record key already used in that repo answers **500
  InternalServerError**: the reference server does not check first, its database's unique
  constraint fails.
- com.atproto.repo.getRecord (400 RecordNotFound), uploadBlob, app.bsky.feed.getPosts.

Faults (tests.fakes.base) apply to createRecord."""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from typing import Any

from uniseg.graphemecluster import grapheme_clusters

from tests.fakes.base import Answer, FakeServer, Request

DID = "did:plc:fakecreator123"
HANDLE = "creator.bsky.social"
COLLECTION = "app.bsky.feed.post"
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
AT_URI = re.compile(r"^at://did:[a-z]+:[A-Za-z0-9._:%-]+/[a-zA-Z0-9.]+/[A-Za-z0-9._~:-]+$")
INTERNAL = (500, {"error": "InternalServerError", "message": "Internal Server Error"}, {})


def jwt(exp: float) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part({'exp': int(exp), 'nonce': secrets.token_hex(4)})}.sig"


def _now() -> str:
    """A time as the AppView writes it: ISO 8601, milliseconds, Z."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


def _invalid(message: str) -> Answer:
    return 400, {"error": "InvalidRequest", "message": message}, {}


def post_problem(record: dict[str, Any]) -> str:
    """What the reference lexicon validator says of an app.bsky.feed.post ("" when valid)."""
    text = record.get("text")
    if not isinstance(text, str):
        return 'Missing required key "text" at $.record'
    size = len(text.encode("utf-8"))
    if size > 3000:
        return f"string too big (maximum 3000, got {size}) at $.record.text"
    graphemes = sum(1 for _ in grapheme_clusters(text))
    if graphemes > 300:
        return f"grapheme too big (maximum 300, got {graphemes}) at $.record.text"
    if not isinstance(record.get("createdAt"), str):
        return 'Missing required key "createdAt" at $.record'
    reply = record.get("reply")
    if reply is not None:
        for side in ("root", "parent"):
            ref = reply.get(side) if isinstance(reply, dict) else None
            if not isinstance(ref, dict):
                return f'Missing required key "{side}" at $.record.reply'
            uri = str(ref.get("uri") or "")
            if not AT_URI.match(uri):
                return f'Invalid at-uri (got "{uri}") at $.record.reply.{side}.uri'
            if not ref.get("cid"):
                return f'Missing required key "cid" at $.record.reply.{side}'
    return ""


class FakeBluesky(FakeServer):
    faultable = (
        "/xrpc/com.atproto.repo.createRecord",
        "/xrpc/app.bsky.notification.listNotifications",
    )

    def __init__(self, app_password: str = "abcd-efgh-ijkl-mnop", access_seconds: int = 7200):
        super().__init__()
        self.access_seconds = access_seconds
        self.accounts: dict[str, tuple[str, str]] = {HANDLE: (DID, app_password)}
        self.access: dict[str, tuple[str, float]] = {}  # token -> (did, exp)
        self.refresh_tokens: dict[str, str] = {}  # token -> did
        # a used refresh token -> (the next one it keeps answering with, until when)
        self.used_refresh: dict[str, tuple[str, float]] = {}
        self.repos: dict[str, dict[str, dict[str, Any]]] = {DID: {}}  # did -> rkey -> record
        self.created: list[tuple[str, str]] = []  # every successful createRecord: (did, rkey)
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
        # Notifications per recipient DID, newest last (the AppView's, proxied by the PDS).
        self.notifications: dict[str, list[dict[str, Any]]] = {DID: []}
        self.route("GET", "/xrpc/app.bsky.notification.listNotifications", self._list_notifications)

    @property
    def records(self) -> dict[str, dict[str, Any]]:
        """The first account's repository (most tests have one account)."""
        return self.repos[DID]

    def add_account(self, handle: str, did: str, password: str = "abcd-efgh-ijkl-mnop") -> None:
        with self.lock:
            self.accounts[handle] = (did, password)
            self.repos.setdefault(did, {})

    def session(self, did: str = DID, refresh: str | None = None) -> dict[str, Any]:
        access = jwt(time.time() + self.access_seconds)
        refresh = refresh or jwt(time.time() + 86400 * 60)
        handle = next((h for h, (d, _) in self.accounts.items() if d == did), HANDLE)
        with self.lock:
            self.access[access] = (did, time.time() + self.access_seconds)
            self.refresh_tokens[refresh] = did
        return {
            "did": did,
            "handle": handle,
            "email": f"{handle.split('.')[0]}@example.com",
            "emailConfirmed": False,
            "active": True,
            "accessJwt": access,
            "refreshJwt": refresh,
        }

    _session = session  # the name older tests and the bench use

    def expire_access_tokens(self) -> None:
        self.access = {token: (did, 0) for token, (did, _) in self.access.items()}

    def _caller(self, request: Request) -> tuple[str | None, Answer | None]:
        found = self.access.get(request.bearer)
        if found is None:
            return None, (401, {"error": "AuthenticationRequired", "message": "Invalid token"}, {})
        if found[1] < time.time():
            return None, (400, {"error": "ExpiredToken", "message": "Token has expired"}, {})
        return found[0], None

    def _create_session(self, request: Request) -> Answer:
        body = request.body
        for handle, (did, password) in self.accounts.items():
            if body.get("identifier") in (handle, did) and body.get("password") == password:
                return 200, self.session(did), {}
        return (
            401,
            {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
            {},
        )

    def revoke_refresh_token(self, token: str) -> None:
        with self.lock:
            self.refresh_tokens.pop(token, None)
            self.used_refresh.pop(token, None)

    def _refresh_session(self, request: Request) -> Answer:
        token = request.bearer
        with self.lock:
            did = self.refresh_tokens.get(token)
            used = self.used_refresh.get(token)
            if did is None or (used is not None and used[1] < time.time()):
                return 400, {"error": "ExpiredToken", "message": "Token has been revoked"}, {}
            if used is not None:  # reused within its grace period: the same next token
                return 200, self.session(did, refresh=used[0]), {}
            answer = self.session(did)
            self.used_refresh[token] = (answer["refreshJwt"], time.time() + 2 * 3600)
        return 200, answer, {}

    def _create_record(self, request: Request) -> Answer:
        did, refused = self._caller(request)
        if refused:
            return refused
        body = request.body
        repo = str(body.get("repo") or "")
        known = {d for d, _ in self.accounts.values()} | set(self.accounts)
        if repo not in known:
            return 403, {"error": "AccountNotFound", "message": "Account not found"}, {}
        if repo not in (did, *[h for h, (d, _) in self.accounts.items() if d == did]):
            return (
                401,
                {"error": "AuthenticationRequired", "message": "Authentication Required"},
                {},
            )
        record = body.get("record") or {}
        if body.get("collection") != COLLECTION or record.get("$type") != COLLECTION:
            return _invalid(f"Invalid collection: {body.get('collection')}")
        rkey = body.get("rkey") or self._next_tid()
        if not TID.match(rkey):
            return _invalid(
                f'Invalid record key for {COLLECTION}: Invalid TID string (got "{rkey}") at $'
            )
        if problem := post_problem(record):
            return _invalid(f"Invalid {COLLECTION} record: {problem}")
        for image in (record.get("embed") or {}).get("images", []):
            if image["image"]["ref"]["$link"] not in self.blobs:
                return _invalid("Could not find blob")
        with self.lock:
            repo = self.repos.setdefault(did or DID, {})
            if rkey in repo:
                return INTERNAL  # the reference PDS: a unique constraint fails, 500
            repo[rkey] = record
            self.created.append((did or DID, rkey))
        uri = f"at://{did}/{COLLECTION}/{rkey}"
        return 200, {"uri": uri, "cid": f"bafy{rkey}", "validationStatus": "valid"}, {}

    def _next_tid(self) -> str:
        value = (int(time.time() * 1_000_000) << 10) | secrets.randbelow(1024)
        return "".join(
            "234567abcdefghijklmnopqrstuvwxyz"[(value >> (5 * i)) & 31] for i in range(12, -1, -1)
        )

    def _upload_blob(self, request: Request) -> Answer:
        _, refused = self._caller(request)
        if refused:
            return refused
        if len(request.raw) > 1_000_000:
            return 400, {"error": "BlobTooLarge", "message": "This file is too large"}, {}
        cid = f"bafkrei{secrets.token_hex(8)}"
        self.blobs[cid] = request.raw
        kind = request.headers.get("Content-Type", "")
        blob = {"$type": "blob", "ref": {"$link": cid}, "mimeType": kind, "size": len(request.raw)}
        return 200, {"blob": blob}, {}

    def _get_record(self, request: Request) -> Answer:
        _, refused = self._caller(request)
        if refused:
            return refused
        repo_name = request.query.get("repo", "")
        did = self.accounts[repo_name][0] if repo_name in self.accounts else repo_name
        rkey = request.query.get("rkey", "")
        record = self.repos.get(did, {}).get(rkey)
        uri = f"at://{did}/{request.query.get('collection', COLLECTION)}/{rkey}"
        if record is None:
            return (
                400,
                {"error": "RecordNotFound", "message": f"Could not locate record: {uri}"},
                {},
            )
        return 200, {"uri": uri, "cid": f"bafy{rkey}", "value": record}, {}

    def _get_posts(self, request: Request) -> Answer:
        uri = request.query.get("uris", "")
        return 200, {"posts": [{"uri": uri, "likeCount": 7, "repostCount": 2, "replyCount": 1}]}, {}

    def notify(
        self,
        reason: str,
        author: str,
        text: str = "",
        *,
        reply_to: str = "",
        did: str = DID,
        record: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Someone (`author`, a handle) mentions, replies to, quotes, likes … the account.

        Shaped as app.bsky.notification.listNotifications answers each item; `record` replaces
        the post record (a malformed one, say)."""
        with self.lock:
            rkey = self._next_tid()
            author_did = f"did:plc:{author.split('.')[0]}"
            uri = f"at://{author_did}/{COLLECTION}/{rkey}"
            post: dict[str, Any] = {"$type": COLLECTION, "text": text, "createdAt": _now()}
            if reply_to:
                ref = {"uri": reply_to, "cid": f"bafy{reply_to.rsplit('/', 1)[-1]}"}
                post["reply"] = {"root": ref, "parent": ref}
            item = {
                "uri": uri,
                "cid": f"bafy{rkey}",
                "author": {"did": author_did, "handle": author, "displayName": author.title()},
                "reason": reason,
                "record": post if record is None else record,
                "isRead": False,
                "indexedAt": _now(),
                "labels": [],
            }
            if reason in ("like", "repost"):
                item["reasonSubject"] = reply_to
            self.notifications.setdefault(did, []).append(item)
            return item

    def _list_notifications(self, request: Request) -> Answer:
        did, refused = self._caller(request)
        if refused:
            return refused
        try:
            limit = int(request.query.get("limit", 50))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            return _invalid("limit must be between 1 and 100")
        with self.lock:
            newest_first = sorted(
                self.notifications.get(str(did), []),
                key=lambda n: (n["indexedAt"], n["uri"]),
                reverse=True,
            )
        cursor = request.query.get("cursor", "")
        if cursor:  # the AppView's cursor: items indexed before the last one of the page
            at, _, uri = cursor.partition("::")
            newest_first = [n for n in newest_first if (n["indexedAt"], n["uri"]) < (at, uri)]
        page = newest_first[:limit]
        answer: dict[str, Any] = {"notifications": page, "priority": False}
        if len(newest_first) > limit:
            answer["cursor"] = f"{page[-1]['indexedAt']}::{page[-1]['uri']}"
        return 200, answer, {}

    def texts(self) -> list[str]:
        """Every post made, across repositories, in the order made."""
        with self.lock:
            return [self.repos[did][rkey]["text"] for did, rkey in self.created]
