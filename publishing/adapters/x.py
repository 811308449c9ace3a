"""X: POST /2/tweets, OAuth 2.0 with PKCE.

No idempotency key: an unknown outcome is settled by listing the account's own recent posts
since the first attempt and matching the text; X's 403 "duplicate content" on a re-send means
the first one is out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from django.conf import settings
from django.utils import timezone

from language.platforms import comparable_x_text
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
    error_text,
    json_or_empty,
    json_value,
    parsed_time,
    raise_for_answer,
    request,
)
from publishing.adapters.oauth import refreshed_tokens
from publishing.models import Account, PublicationImage, Target


def _same_text(shown: str, sent: str) -> bool:
    """Whether X's copy of a post is the text we sent.

    X shows every link as a t.co link, so links are compared as links, the rest word for word."""
    return comparable_x_text(shown) == comparable_x_text(sent)


class XPublisher:
    threads = comments = True  # reply.in_reply_to_tweet_id
    refuses_duplicates = True  # 403 "duplicate content": a re-share needs changed text

    def _api(self, path: str) -> str:
        return f"{settings.X_API_URL.rstrip('/')}{path}"

    def identity(self, base_url: str, tokens: Tokens) -> tuple[str, str]:
        response = request(
            "GET", self._api("/2/users/me"), platform="X", headers=bearer(tokens.access_token)
        )
        raise_for_answer(response, "X")
        me = json_value(response, "X", "data")
        if not isinstance(me, dict) or not me.get("id") or not me.get("username"):
            raise PublishError("X answered without the account's id and name.", kind="permanent")
        return str(me["id"]), f"@{me['username']}"

    def _published(self, account: Account, post_id: str) -> Published:
        handle = account.name.lstrip("@") or "i/web"
        return Published(external_id=post_id, url=f"https://x.com/{handle}/status/{post_id}")

    def _upload(self, account: Account, image: PublicationImage) -> str:
        """POST /2/media/upload (multipart), then the alt text as the image's metadata."""
        response = request(
            "POST",
            self._api("/2/media/upload"),
            platform="X",
            files={"media": (image.file.name.rsplit("/", 1)[-1], image.read(), image.content_type)},
            data={"media_category": "tweet_image", "media_type": image.content_type},
            headers=bearer(account),
        )
        raise_for_answer(response, "X")
        media_id = str(json_value(response, "X", "data", "id"))
        if image.alt_text:
            described = request(
                "POST",
                self._api("/2/media/metadata"),
                platform="X",
                json={"id": media_id, "metadata": {"alt_text": {"text": image.alt_text[:1000]}}},
                headers=bearer(account),
            )
            raise_for_answer(described, "X")
        return media_id

    def publish(self, account: Account, outgoing: Outgoing, remember: Remember) -> Published:
        body: dict[str, Any] = {"text": outgoing.text}
        if media_ids := [self._upload(account, i) for i in outgoing.images]:
            body["media"] = {"media_ids": media_ids}
        if outgoing.reply_to is not None:  # a thread's next part, or the first comment
            body["reply"] = {"in_reply_to_tweet_id": outgoing.reply_to.external_id}
        response = request(
            "POST", self._api("/2/tweets"), platform="X", json=body, headers=bearer(account)
        )
        if response.status_code == 403 and "duplicate" in error_text(response).lower():
            found = self.reconcile(account, outgoing)
            if found:  # the earlier attempt went out after all
                return found
            raise PublishError(
                "X refuses a post identical to one already on the account. Change the text.",
                kind="permanent",
            )
        if response.status_code == 403:
            # X answers a post it will not take (too long by its count, its rules) with 403:
            # a refusal of this post, not of the account's token.
            words = error_text(response).lower()
            if "deleted or not visible" in words:
                raise PublishError(
                    "X refused the reply: the post it answers was deleted, or its author "
                    "blocked or hid it from this account.",
                    kind="permanent",
                )
            raise PublishError(
                "X refused the post: it is too long by X's count."
                if "too long" in words
                else "X refused the post (403: its rules or the app's access level).",
                kind="permanent",
            )
        raise_for_answer(response, "X", creates=True)
        return self._published(
            account, str(json_value(response, "X", "data", "id", kind="unknown"))
        )

    def reconcile(self, account: Account, outgoing: Outgoing) -> Published | None:
        since = (outgoing.first_sent_at or timezone.now()) - timedelta(minutes=2)
        response = request(
            "GET",
            self._api(f"/2/users/{account.external_user_id}/tweets"),
            platform="X",
            params={
                "max_results": 20,
                "start_time": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "tweet.fields": "created_at,referenced_tweets",
            },
            headers=bearer(account),
        )
        raise_for_answer(response, "X")
        posts = json_or_empty(response)
        parent = outgoing.reply_to.external_id if outgoing.reply_to else None
        for post in (posts.get("data") if isinstance(posts, dict) else None) or []:
            if not isinstance(post, dict) or not _same_text(
                str(post.get("text", "")), outgoing.text
            ):
                continue
            replied_to = [
                str(ref.get("id"))
                for ref in post.get("referenced_tweets") or []
                if isinstance(ref, dict) and ref.get("type") == "replied_to"
            ]
            if parent is None or parent in replied_to:  # the same text, in the same place
                return self._published(account, str(post["id"]))
        return None

    def mentions(self, account: Account, since: str) -> MentionPage:
        """Posts that mention the account (replies included), newer than post id `since`.

        GET /2/users/:id/mentions, 100 a page, newest first, next_token back to since_id (the
        first time, as far as MENTION_PAGES pages go). X's Free tier does not include this
        endpoint: its 403 client-not-enrolled is said in words and the sync waits an hour,
        without taking it for a revoked connection."""
        found: list[Mention] = []
        newest, token = since, ""
        for _ in range(MENTION_PAGES):
            params: dict[str, Any] = {
                "max_results": 100,
                "expansions": "author_id",
                "user.fields": "username,name",
                "tweet.fields": "created_at,conversation_id,in_reply_to_user_id,referenced_tweets",
            }
            if since:
                params["since_id"] = since
            if token:
                params["pagination_token"] = token
            response = request(
                "GET",
                self._api(f"/2/users/{account.external_user_id}/mentions"),
                platform="X",
                params=params,
                headers=bearer(account),
            )
            if response.status_code == 403 and _x_reason(response) == "client-not-enrolled":
                raise PublishError(
                    "X does not let this app read mentions at its API access level (X says "
                    "client-not-enrolled: the Free tier cannot; Basic or higher can). The "
                    "inbox tries again in an hour.",
                    kind="tier",
                    retry_after=3600,
                )
            raise_for_answer(response, "X")
            body = json_or_empty(response)
            body = body if isinstance(body, dict) else {}
            users = {
                str(u.get("id")): u
                for u in (body.get("includes") or {}).get("users") or []
                if isinstance(u, dict)
            }
            meta = body.get("meta") or {}
            if meta.get("newest_id") and not token:
                newest = max(newest, str(meta["newest_id"]), key=lambda i: int(i or 0))
            for post in body.get("data") or []:
                try:
                    found.append(_x_mention(account, post, users))
                except (KeyError, TypeError, ValueError, AttributeError):
                    continue  # one unreadable post, never the sync
            token = str(meta.get("next_token") or "")
            if not token:
                break
        found.sort(key=lambda m: (m.created_at, int(m.platform_id)))
        return MentionPage(found, newest)

    def refresh(self, account: Account) -> Tokens:
        response = request(
            "POST",
            self._api("/2/oauth2/token"),
            platform="X",
            data={
                "grant_type": "refresh_token",
                "refresh_token": account.refresh_token,
                "client_id": settings.X_CLIENT_ID,
            },
            auth=(settings.X_CLIENT_ID, settings.X_CLIENT_SECRET),
        )
        return refreshed_tokens(response, "X")

    def fetch_metrics(self, account: Account, target: Target) -> dict[str, int]:
        response = request(
            "GET",
            self._api(f"/2/tweets/{target.external_id}"),
            platform="X",
            params={"tweet.fields": "public_metrics"},
            headers=bearer(account),
        )
        raise_for_answer(response, "X")
        metrics = json_value(response, "X", "data").get("public_metrics") or {}
        return {
            "likes": int(metrics.get("like_count") or 0),
            "reposts": int(metrics.get("retweet_count") or 0),
            "replies": int(metrics.get("reply_count") or 0),
            "impressions": int(metrics.get("impression_count") or 0),
        }


def _x_reason(response: httpx.Response) -> str:
    """The `reason` of X's problem answer (client-not-enrolled …), else ""."""
    body = json_or_empty(response)
    return str(body.get("reason") or "") if isinstance(body, dict) else ""


def _x_mention(account: Account, post: dict[str, Any], users: dict[str, Any]) -> Mention:
    author = users[str(post["author_id"])]
    replied = [
        str(ref["id"]) for ref in post.get("referenced_tweets") or [] if ref["type"] == "replied_to"
    ]
    to_us = str(post.get("in_reply_to_user_id") or "") == account.external_user_id
    return Mention(
        platform_id=str(int(post["id"])),
        kind="reply" if replied and to_us else "mention",
        author_handle=f"@{author['username']}",
        author_name=str(author.get("name") or author["username"]),
        text=str(post["text"]),
        url=f"https://x.com/{author['username']}/status/{post['id']}",
        created_at=parsed_time(post["created_at"]),
        parent_id=replied[0] if replied else "",
    )
