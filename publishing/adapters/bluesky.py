"""Bluesky (AT Protocol), against the account's PDS.

Connecting: handle + app password → com.atproto.server.createSession (accessJwt lives minutes,
refreshJwt weeks); refreshing: com.atproto.server.refreshSession with the refreshJwt.
Publishing: com.atproto.repo.createRecord with a record key *we* choose (a TID), committed
before the request, so an unknown outcome (a timeout, a dropped answer, any 5xx — the reference
PDS answers a reused key with 500) is settled with com.atproto.repo.getRecord by that key:
found *and* it is what we sent (same text, same createdAt, in this account's repo) →
published; RecordNotFound → not out, send again with the same key; found but another post →
the key collided with another target's: logged, and the post is sent under a new key."""

from __future__ import annotations

import base64
import json
import logging
import os
import random
import re
import threading
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from publishing.adapters.base import (
    MENTION_PAGES,
    Mention,
    MentionPage,
    Outgoing,
    Published,
    PublishError,
    Remember,
    Tokens,
    bearer,
    error_code,
    json_answer,
    json_list,
    parsed_time,
    raise_for_answer,
    request,
)
from publishing.models import Account, PublicationImage, Target

COLLECTION = "app.bsky.feed.post"
MENTION_PAGE = 50  # listNotifications' default page (at most 100)
MENTION_REASONS = ("mention", "reply", "quote")  # not likes, reposts or follows
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
LINK = re.compile(r"https?://[^\s<>\"')\]]+")
logger = logging.getLogger(__name__)
_clock = threading.Lock()
_last_micros = 0
_clock_id = random.SystemRandom().randrange(1024)


def _new_clock_id() -> None:
    """A forked worker child draws its own clock id.

    Children that inherited one id and minted in the same microsecond made the same key (seen in
    bench/publishing.py)."""
    global _clock_id, _last_micros
    _clock_id, _last_micros = random.SystemRandom().randrange(1024), 0


os.register_at_fork(after_in_child=_new_clock_id)


def tid() -> str:
    """A timestamp identifier.

    53 bits of microseconds and 10 of clock id, in base32-sortable (13 characters), never the same
    twice from this process. Two processes can still meet (one chance in 1,024 per shared
    microsecond): the reconcile compares what it finds."""
    global _last_micros
    with _clock:
        micros = max(int(time.time() * 1_000_000), _last_micros + 1)
        _last_micros = micros
    value = (micros << 10) | _clock_id
    return "".join(TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def created_at(outgoing: Outgoing) -> str:
    """The record's createdAt.

    The part's first send, so every attempt sends the same record and a reconcile can tell ours from
    another post under the same key."""
    moment = (outgoing.first_sent_at or timezone.now()).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _expiry(jwt: str) -> datetime | None:
    try:
        payload = jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
    except (IndexError, ValueError, KeyError, TypeError):
        return None


def _tokens(session: dict[str, Any]) -> Tokens:
    return Tokens(
        access_token=session["accessJwt"],
        refresh_token=session["refreshJwt"],
        expires_at=_expiry(session["accessJwt"]),
    )


def link_facets(text: str) -> list[dict[str, Any]]:
    """Links as rich-text facets (byte offsets in UTF-8), so they are clickable."""
    facets = []
    for match in LINK.finditer(text):
        start = len(text[: match.start()].encode())
        end = start + len(match.group().encode())
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": match.group()}],
            }
        )
    return facets


def _xrpc(account_or_service: Account | str, method: str) -> str:
    base = (
        account_or_service if isinstance(account_or_service, str) else account_or_service.base_url
    )
    return f"{base.rstrip('/')}/xrpc/{method}"


def _raise(response: httpx.Response, *, creates: bool = False) -> None:
    """Bluesky's error answers, classified.

    Bluesky says an expired token with 400 ExpiredToken as well as 401, and a record it
    refuses with 400 InvalidRequest and the lexicon's reason."""
    code = error_code(response)
    if response.status_code == 400 and code == "ExpiredToken":
        raise PublishError("Bluesky: the session expired.", kind="expired")
    if response.status_code == 400 and code == "InvalidRequest" and creates:
        raise PublishError(_refusal(response), kind="permanent")
    raise_for_answer(response, "Bluesky", creates=creates)


_LEXICON_REASON = re.compile(
    r"(grapheme|string) too big \(maximum (\d+), got (\d+)\) at \$\.record\.text"
)


def _refusal(response: httpx.Response) -> str:
    """A refused record, in our words (the server's lexicon reason is matched, not echoed)."""
    try:
        message = str(response.json().get("message") or "")
    except (ValueError, AttributeError):
        message = ""
    if found := _LEXICON_REASON.search(message):
        unit = "characters" if found[1] == "grapheme" else "bytes"
        return f"Bluesky refused the post: {found[3]} {unit}, {found[2]} at most."
    return "Bluesky refused the post as sent (400 InvalidRequest)."


@sensitive_variables("app_password")
def create_session(service: str, handle: str, app_password: str) -> tuple[str, str, Tokens]:
    """(did, handle, tokens) for a handle and app password."""
    response = request(
        "POST",
        _xrpc(service, "com.atproto.server.createSession"),
        platform="Bluesky",
        json={"identifier": handle.lstrip("@"), "password": app_password},
    )
    if response.status_code == 401:
        raise PublishError("Bluesky did not accept that handle and app password.", kind="permanent")
    raise_for_answer(response, "Bluesky")
    session = json_answer(
        response, "The Bluesky server", "did", "handle", "accessJwt", "refreshJwt"
    )
    return str(session["did"]), str(session["handle"]), _tokens(session)


class BlueskyPublisher:
    threads = comments = True  # replies name the thread's root and the parent

    def _post_url(self, account: Account, rkey: str) -> str:
        handle = account.name.lstrip("@") or account.external_user_id
        return f"https://bsky.app/profile/{handle}/post/{rkey}"

    def _upload(self, account: Account, image: PublicationImage) -> dict[str, Any]:
        """com.atproto.repo.uploadBlob: the blob reference the record embeds."""
        response = request(
            "POST",
            _xrpc(account, "com.atproto.repo.uploadBlob"),
            platform="Bluesky",
            content=image.read(),
            headers={
                **bearer(account),
                "Content-Type": image.content_type,
            },
        )
        _raise(response)
        blob: dict[str, Any] = json_answer(response, "Bluesky", "blob")["blob"]
        return blob

    def publish(self, account: Account, outgoing: Outgoing, remember: Remember) -> Published:
        if outgoing.collided or not outgoing.ref:
            outgoing.ref, outgoing.collided = tid(), False
            remember(outgoing.ref)  # committed before the request
        rkey = outgoing.ref
        record: dict[str, Any] = {
            "$type": COLLECTION,
            "text": outgoing.text,
            "createdAt": created_at(outgoing),
        }
        if facets := link_facets(outgoing.text):
            record["facets"] = facets
        if outgoing.reply_to is not None:  # a thread's next part, or the first comment
            root = outgoing.root or outgoing.reply_to
            record["reply"] = {
                "root": {"uri": root.external_id, "cid": root.cid},
                "parent": {"uri": outgoing.reply_to.external_id, "cid": outgoing.reply_to.cid},
            }
        if outgoing.images:
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [
                    {
                        "alt": image.alt_text,
                        "image": self._upload(account, image),
                        "aspectRatio": {"width": image.width, "height": image.height},
                    }
                    for image in outgoing.images
                ],
            }
        response = request(
            "POST",
            _xrpc(account, "com.atproto.repo.createRecord"),
            platform="Bluesky",
            json={
                "repo": account.external_user_id,
                "collection": COLLECTION,
                "rkey": rkey,
                "record": record,
            },
            headers=bearer(account),
        )
        _raise(response, creates=True)
        answer = json_answer(response, "Bluesky", "uri", kind="unknown")
        return Published(
            external_id=str(answer["uri"]),
            url=self._post_url(account, rkey),
            cid=str(answer.get("cid") or ""),
        )

    def reconcile(self, account: Account, outgoing: Outgoing) -> Published | None:
        """Our record under our key, or None.

        Not there (send again with the same key), or another post there (a collision: a new key is
        drawn and the post sent under it)."""
        if not outgoing.ref:
            return None  # no key was ever sent
        response = request(
            "GET",
            _xrpc(account, "com.atproto.repo.getRecord"),
            platform="Bluesky",
            params={
                "repo": account.external_user_id,
                "collection": COLLECTION,
                "rkey": outgoing.ref,
            },
            headers=bearer(account),
        )
        if response.status_code == 400 and error_code(response) == "RecordNotFound":
            return None
        _raise(response)
        found = json_answer(response, "Bluesky", "uri", "value")
        value = found["value"] if isinstance(found["value"], dict) else {}
        ours = (
            str(found["uri"]).startswith(f"at://{account.external_user_id}/")
            and value.get("text") == outgoing.text
            and value.get("createdAt") == created_at(outgoing)
        )
        if not ours:
            logger.warning(
                "record key %s (%s) holds another post (a key collision); sending under a new key",
                outgoing.ref,
                outgoing.label or "post",
            )
            outgoing.collided = True
            return None
        return Published(
            external_id=str(found["uri"]),
            url=self._post_url(account, outgoing.ref),
            cid=str(found.get("cid") or ""),
        )

    def refresh(self, account: Account) -> Tokens:
        response = request(
            "POST",
            _xrpc(account, "com.atproto.server.refreshSession"),
            platform="Bluesky",
            headers=bearer(account.refresh_token),
        )
        if response.status_code in (400, 401) and error_code(response) in (
            "ExpiredToken",
            "InvalidToken",
            "AccountTakedown",
        ):
            raise PublishError(
                f"Bluesky ended the session ({error_code(response)}): reconnect the account.",
                kind="auth",
            )
        if not response.is_success:
            raise PublishError(
                f"Bluesky could not renew the session now ({response.status_code}).", kind="retry"
            )
        return _tokens(json_answer(response, "Bluesky", "accessJwt", "refreshJwt"))

    def fetch_metrics(self, account: Account, target: Target) -> dict[str, int]:
        response = request(
            "GET",
            _xrpc(account, "app.bsky.feed.getPosts"),
            platform="Bluesky",
            params={"uris": target.external_id},
            headers=bearer(account),
        )
        _raise(response)
        posts = json_answer(response, "Bluesky", "posts")["posts"] or [{}]
        return {
            "likes": int(posts[0].get("likeCount") or 0),
            "reposts": int(posts[0].get("repostCount") or 0),
            "replies": int(posts[0].get("replyCount") or 0),
        }

    def mentions(self, account: Account, since: str) -> MentionPage:
        """Mentions, replies and quotes indexed after `since` (an indexedAt time).

        app.bsky.notification.listNotifications pages from the newest back (its cursor goes
        to older ones), so a sync reads back until it meets what it read before. A
        notification it cannot read is skipped, never the sync."""
        found: list[Mention] = []
        newest, cursor = since, ""
        for _ in range(MENTION_PAGES):
            params: dict[str, Any] = {"limit": MENTION_PAGE}
            if cursor:
                params["cursor"] = cursor
            response = request(
                "GET",
                _xrpc(account, "app.bsky.notification.listNotifications"),
                platform="Bluesky",
                params=params,
                headers=bearer(account),
            )
            _raise(response)
            page = json_list(response, "Bluesky", "notifications")
            met_last_sync = False
            for notification in page:
                try:
                    indexed = str(notification["indexedAt"])
                    if since and parsed_time(indexed) <= parsed_time(since):
                        met_last_sync = True
                        break
                    if not newest or parsed_time(indexed) > parsed_time(newest):
                        newest = indexed
                    if notification.get("reason") in MENTION_REASONS:
                        found.append(_mention(notification))
                except (KeyError, TypeError, ValueError, AttributeError):
                    logger.warning("Skipped a Bluesky notification we could not read")
            cursor = str(response.json().get("cursor") or "")
            if met_last_sync or not cursor or not page:
                break
        found.reverse()  # read newest first, kept oldest first
        return MentionPage(sorted(found, key=lambda m: m.created_at), newest)


def _mention(notification: dict[str, Any]) -> Mention:
    author, record = notification["author"], notification["record"]
    handle = str(author["handle"])
    reply = record.get("reply") or {}
    return Mention(
        platform_id=str(notification["uri"]),
        kind=str(notification["reason"]),
        author_handle=f"@{handle}",
        author_name=str(author.get("displayName") or handle),
        text=str(record.get("text") or ""),
        url=f"https://bsky.app/profile/{handle}/post/{str(notification['uri']).rsplit('/', 1)[-1]}",
        created_at=parsed_time(record.get("createdAt") or notification["indexedAt"]),
        parent_id=str((reply.get("parent") or {}).get("uri") or ""),
        extra={
            "cid": str(notification.get("cid") or ""),
            "root_uri": str((reply.get("root") or {}).get("uri") or notification["uri"]),
            "root_cid": str((reply.get("root") or {}).get("cid") or notification.get("cid") or ""),
        },
    )
