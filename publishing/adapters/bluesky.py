"""Bluesky (AT Protocol), against the account's PDS.

Connecting: handle + app password → com.atproto.server.createSession (accessJwt lives minutes,
refreshJwt weeks); refreshing: com.atproto.server.refreshSession with the refreshJwt.
Publishing: com.atproto.repo.createRecord with a record key *we* choose (a TID), committed
before the request, so an unknown outcome is settled with com.atproto.repo.getRecord by that
key: found → published, RecordNotFound → not out, send again with the same key."""

from __future__ import annotations

import base64
import json
import random
import re
import threading
import time
from datetime import UTC, datetime

import httpx
from django.utils import timezone

from publishing.adapters.base import (
    Published,
    PublishError,
    Remember,
    Tokens,
    error_text,
    raise_for_answer,
    request,
)
from publishing.models import Account, PublicationImage, Target

COLLECTION = "app.bsky.feed.post"
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
LINK = re.compile(r"https?://[^\s<>\"')\]]+")
_clock = threading.Lock()
_last_micros = 0
_clock_id = random.randrange(1024)


def tid() -> str:
    """A timestamp identifier: 53 bits of microseconds and 10 of clock id, in base32-sortable
    (13 characters), never the same twice from this process."""
    global _last_micros
    with _clock:
        micros = max(int(time.time() * 1_000_000), _last_micros + 1)
        _last_micros = micros
    value = (micros << 10) | _clock_id
    return "".join(TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def _expiry(jwt: str) -> datetime | None:
    try:
        payload = jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
    except (IndexError, ValueError, KeyError, TypeError):
        return None


def _tokens(session: dict) -> Tokens:
    return Tokens(
        access_token=session["accessJwt"],
        refresh_token=session["refreshJwt"],
        expires_at=_expiry(session["accessJwt"]),
    )


def link_facets(text: str) -> list[dict]:
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


def _raise(response: httpx.Response) -> None:
    """Bluesky says an expired token with 400 ExpiredToken as well as 401."""
    if response.status_code == 400 and _error_code(response) == "ExpiredToken":
        raise PublishError(f"Bluesky: {error_text(response)}", kind="expired")
    raise_for_answer(response, "Bluesky")


def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error") or "")
    except (ValueError, AttributeError):
        return ""


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
    session = response.json()
    return session["did"], session["handle"], _tokens(session)


class BlueskyPublisher:
    def _post_url(self, account: Account, rkey: str) -> str:
        handle = account.name.lstrip("@") or account.external_user_id
        return f"https://bsky.app/profile/{handle}/post/{rkey}"

    def _upload(self, account: Account, image: PublicationImage) -> dict:
        """com.atproto.repo.uploadBlob: the blob reference the record embeds."""
        response = request(
            "POST",
            _xrpc(account, "com.atproto.repo.uploadBlob"),
            platform="Bluesky",
            content=image.read(),
            headers={
                "Authorization": f"Bearer {account.access_token}",
                "Content-Type": image.content_type,
            },
        )
        _raise(response)
        return response.json()["blob"]

    def publish(self, account: Account, target: Target, text: str, remember: Remember) -> Published:
        rkey = target.platform_ref or tid()
        if not target.platform_ref:
            remember(rkey)  # committed before the request
        record: dict = {
            "$type": COLLECTION,
            "text": text,
            "createdAt": timezone.now().isoformat().replace("+00:00", "Z"),
        }
        if facets := link_facets(text):
            record["facets"] = facets
        if images := list(target.publication.images.all()):
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [
                    {
                        "alt": image.alt_text,
                        "image": self._upload(account, image),
                        "aspectRatio": {"width": image.width, "height": image.height},
                    }
                    for image in images
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
            headers={"Authorization": f"Bearer {account.access_token}"},
        )
        if response.status_code == 400 and "exist" in error_text(response).lower():
            found = self.reconcile(account, target, text)  # our key is taken: by this post
            if found:
                return found
        _raise(response)
        return Published(external_id=response.json()["uri"], url=self._post_url(account, rkey))

    def reconcile(self, account: Account, target: Target, text: str) -> Published | None:
        if not target.platform_ref:
            return None  # no key was ever sent
        response = request(
            "GET",
            _xrpc(account, "com.atproto.repo.getRecord"),
            platform="Bluesky",
            params={
                "repo": account.external_user_id,
                "collection": COLLECTION,
                "rkey": target.platform_ref,
            },
            headers={"Authorization": f"Bearer {account.access_token}"},
        )
        if response.status_code == 400 and _error_code(response) == "RecordNotFound":
            return None
        _raise(response)
        return Published(
            external_id=response.json()["uri"], url=self._post_url(account, target.platform_ref)
        )

    def refresh(self, account: Account) -> Tokens:
        response = request(
            "POST",
            _xrpc(account, "com.atproto.server.refreshSession"),
            platform="Bluesky",
            headers={"Authorization": f"Bearer {account.refresh_token}"},
        )
        if response.status_code in (400, 401) and _error_code(response) in (
            "ExpiredToken",
            "InvalidToken",
            "AccountTakedown",
        ):
            raise PublishError(f"Bluesky ended the session ({error_text(response)}).", kind="auth")
        if not response.is_success:
            raise PublishError(
                f"Bluesky could not renew the session now ({response.status_code}).", kind="retry"
            )
        return _tokens(response.json())

    def fetch_metrics(self, account: Account, target: Target) -> dict[str, int]:
        response = request(
            "GET",
            _xrpc(account, "app.bsky.feed.getPosts"),
            platform="Bluesky",
            params={"uris": target.external_id},
            headers={"Authorization": f"Bearer {account.access_token}"},
        )
        _raise(response)
        posts = response.json().get("posts") or [{}]
        return {
            "likes": int(posts[0].get("likeCount") or 0),
            "reposts": int(posts[0].get("repostCount") or 0),
            "replies": int(posts[0].get("replyCount") or 0),
        }
