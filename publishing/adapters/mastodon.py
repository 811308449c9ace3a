"""Mastodon: POST /api/v1/statuses with the target's Idempotency-Key.

Mastodon keeps a key for about an hour and answers a repeated key with the status it already
made, so within that window a re-send *is* the reconciliation; after it, nobody can tell (→
unconfirmed).

Connecting: ContentTwin registers itself as an OAuth app on each server (POST /api/v1/apps),
then the creator authorises it there (scopes `write:statuses read`). Mastodon's tokens do not
expire; there is nothing to refresh."""

from __future__ import annotations

import html
import logging
import re
import uuid
from datetime import timedelta
from typing import Any

from django.utils import timezone

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
    json_answer,
    json_list,
    json_value,
    no_refresh,
    parsed_time,
    raise_for_answer,
    request,
)
from publishing.models import Account, PublicationImage, Target

MENTION_PAGE = 40  # the most Mastodon gives a page of notifications (its default limit)
IDEMPOTENCY_WINDOW = timedelta(minutes=55)  # Mastodon keeps keys about an hour
SCOPES = "write:statuses read"
logger = logging.getLogger(__name__)
_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_REMOTE_MENTION = re.compile(r"(?<![=/\w])@([a-z0-9_]+)@[\w.-]+", re.IGNORECASE)


def comparable(text: str) -> str:
    """Our text and Mastodon's HTML rendering of it, made comparable.

    Tags dropped (a link's hidden spans keep its full address), remote mentions by their user name
    (as rendered), white space collapsed."""
    plain = html.unescape(_TAG.sub("", _BREAK.sub("\n", text)))
    return " ".join(_REMOTE_MENTION.sub(r"@\1", plain).split())


def plain(content: str) -> str:
    """A status's HTML as the text its author wrote (line breaks kept)."""
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", content))).strip()


def _mention(account: Account, notification: dict[str, Any]) -> Mention:
    """A mention notification (KeyError/TypeError/ValueError when it is not one we can read)."""
    status, author = notification["status"], notification["account"]
    ours = str(status.get("in_reply_to_account_id") or "") == account.external_user_id
    return Mention(
        platform_id=str(status["id"]),
        kind="reply" if ours and account.external_user_id else "mention",
        author_handle=f"@{author['acct']}",
        author_name=str(author.get("display_name") or author["acct"]),
        text=plain(str(status["content"])),
        url=str(status.get("url") or ""),
        created_at=parsed_time(status.get("created_at") or notification["created_at"]),
        parent_id=str(status.get("in_reply_to_id") or ""),
    )


def _url(account: Account, path: str) -> str:
    return f"{account.base_url.rstrip('/')}{path}"


def register_app(base_url: str, redirect_uri: str, website: str) -> tuple[str, str]:
    """(client_id, client_secret) of a new OAuth app on the server at base_url."""
    response = request(
        "POST",
        f"{base_url.rstrip('/')}/api/v1/apps",
        platform=base_url,
        data={
            "client_name": "ContentTwin",
            "redirect_uris": redirect_uri,
            "scopes": SCOPES,
            "website": website,
        },
    )
    raise_for_answer(response, base_url)
    app = json_answer(response, base_url, "client_id", "client_secret")
    return str(app["client_id"]), str(app["client_secret"])


class MastodonPublisher:
    threads = comments = True  # in_reply_to_id

    def identity(self, base_url: str, tokens: Tokens) -> tuple[str, str]:
        """(account id, @handle@server) of the token's owner."""
        response = request(
            "GET",
            f"{base_url.rstrip('/')}/api/v1/accounts/verify_credentials",
            platform=base_url,
            headers=bearer(tokens.access_token),
        )
        raise_for_answer(response, base_url)
        me = json_answer(response, base_url, "id", "acct")
        host = base_url.split("://", 1)[-1].rstrip("/")
        return str(me["id"]), f"@{me['acct']}@{host}"

    def max_characters(self, base_url: str) -> int | None:
        """The instance's own post length limit (GET /api/v2/instance), or None."""
        try:
            response = request("GET", f"{base_url.rstrip('/')}/api/v2/instance", platform=base_url)
            limit = response.json()["configuration"]["statuses"]["max_characters"]
            return int(limit) if response.is_success else None
        except (PublishError, ValueError, KeyError, TypeError):
            return None  # the default limit applies

    def _upload(self, account: Account, image: PublicationImage) -> str:
        """POST /api/v2/media: the attachment's id (unattached ones expire on the server)."""
        response = request(
            "POST",
            _url(account, "/api/v2/media"),
            platform="Mastodon",
            files={"file": (image.file.name.rsplit("/", 1)[-1], image.read(), image.content_type)},
            data={"description": image.alt_text},
            headers=bearer(account),
        )
        raise_for_answer(response, "Mastodon")
        return str(json_value(response, "Mastodon", "id"))

    def publish(self, account: Account, outgoing: Outgoing, remember: Remember) -> Published:
        if outgoing.collided:
            outgoing.ref, outgoing.collided = str(uuid.uuid4()), False
            remember(outgoing.ref)  # a new key, committed before it is sent
        media_ids = [self._upload(account, image) for image in outgoing.images]
        body: dict[str, Any] = {"status": outgoing.text, "visibility": "public"}
        if media_ids:
            body["media_ids"] = media_ids
        if outgoing.reply_to is not None:  # a thread's next part, or the first comment
            body["in_reply_to_id"] = outgoing.reply_to.external_id
        response = request(
            "POST",
            _url(account, "/api/v1/statuses"),
            platform=account.base_url,
            json=body,
            headers={
                **bearer(account),
                "Idempotency-Key": outgoing.ref or outgoing.key,
            },
        )
        if response.status_code == 404 and outgoing.reply_to is not None:
            raise PublishError(
                "Mastodon refused the reply: the post it answers was deleted, or cannot be "
                "seen from this account (404).",
                kind="permanent",
            )
        raise_for_answer(response, "Mastodon", creates=True)
        status = json_answer(response, "Mastodon", "id", kind="unknown")
        return Published(external_id=str(status["id"]), url=str(status.get("url") or ""))

    def reconcile(self, account: Account, outgoing: Outgoing) -> Published | None:
        first = outgoing.first_sent_at
        if first and timezone.now() - first > IDEMPOTENCY_WINDOW:
            raise PublishError(
                "Mastodon no longer remembers the first attempt (over an hour ago): check the "
                "account and say whether the post is there.",
                kind="unconfirmable",
            )
        # Same key, within the window: the status it made before, or a new one if none was.
        found = self.publish(account, outgoing, lambda ref: None)
        if not self._is_ours(account, found, outgoing.text):
            logger.warning(
                "Idempotency-Key of %s answered another status (a collision); "
                "sending under a new key",
                outgoing.label or "a post",
            )
            outgoing.collided = True
            return None
        return found

    def _is_ours(self, account: Account, found: Published, text: str) -> bool:
        response = request(
            "GET",
            _url(account, f"/api/v1/statuses/{found.external_id}"),
            platform="Mastodon",
            headers=bearer(account),
        )
        raise_for_answer(response, "Mastodon")
        status = json_answer(response, "Mastodon", "content")
        return comparable(str(status["content"])) == comparable(text)

    def refresh(self, account: Account) -> Tokens:
        raise no_refresh("Mastodon")

    def mentions(self, account: Account, since: str) -> MentionPage:
        """Mentions (replies included) newer than notification id `since`.

        GET /api/v1/notifications?types[]=mention, 40 a page. After a sync, forward from the
        cursor (min_id: the page right after it); the first time, back from the newest
        (max_id), as far as MENTION_PAGES pages go. A notification that is not a readable
        mention is skipped, never the sync."""
        found: list[Mention] = []
        newest, forward, edge = since, bool(since), since
        for _ in range(MENTION_PAGES):
            params: dict[str, Any] = {"types[]": "mention", "limit": MENTION_PAGE}
            if edge:
                params["min_id" if forward else "max_id"] = edge
            response = request(
                "GET",
                _url(account, "/api/v1/notifications"),
                platform="Mastodon",
                params=params,
                headers=bearer(account),
            )
            raise_for_answer(response, "Mastodon")
            page = json_list(response, "Mastodon")
            ids = [int(n["id"]) for n in page if isinstance(n, dict) and str(n.get("id")).isdigit()]
            if not ids:
                break
            newest = str(max(ids + ([int(newest)] if newest.isdigit() else [])))
            edge = str(max(ids) if forward else min(ids))
            for notification in page:
                try:
                    if notification.get("type") == "mention":
                        found.append(_mention(account, notification))
                except (KeyError, TypeError, ValueError, AttributeError):
                    logger.warning("Skipped a Mastodon notification we could not read")
            if len(page) < MENTION_PAGE:
                break
        # Every page comes newest first: kept oldest first (by id within a second).
        found.sort(
            key=lambda m: (m.created_at, int(m.platform_id) if m.platform_id.isdigit() else 0)
        )
        return MentionPage(found, newest or "0")

    def fetch_metrics(self, account: Account, target: Target) -> dict[str, int]:
        response = request(
            "GET",
            _url(account, f"/api/v1/statuses/{target.external_id}"),
            platform="Mastodon",
            headers=bearer(account),
        )
        raise_for_answer(response, "Mastodon")
        status = json_answer(response, "Mastodon")
        return {
            "likes": int(status.get("favourites_count") or 0),
            "reposts": int(status.get("reblogs_count") or 0),
            "replies": int(status.get("replies_count") or 0),
        }
