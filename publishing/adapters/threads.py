"""Threads: a container, then its publication, OAuth 2.0.

A container (POST /{user}/threads) whose id is committed, then POST /{user}/threads_publish; an
unknown outcome is settled by the container's status."""

from __future__ import annotations

import httpx
from django.conf import settings

from publishing.adapters.base import (
    Mention,
    MentionPage,
    Outgoing,
    Published,
    PublishError,
    Remember,
    Tokens,
    json_answer,
    json_list,
    json_or_empty,
    json_value,
    parsed_time,
    raise_for_answer,
    request,
)
from publishing.adapters.oauth import recent_posts, refreshed_tokens
from publishing.media import signed_url
from publishing.models import Account, Target


class ThreadsPublisher:
    threads = comments = True  # reply_to_id

    def _api(self, path: str) -> str:
        return f"{settings.THREADS_API_URL.rstrip('/')}/v1.0{path}"

    def _raise(self, response: httpx.Response, *, creates: bool = False) -> None:
        # The Graph API says an expired token with 400 and error code 190.
        if response.status_code == 400:
            body = json_or_empty(response)
            error = body.get("error") if isinstance(body, dict) else None
            if isinstance(error, dict) and error.get("code") == 190:
                raise PublishError("Threads: the access token expired.", kind="expired")
        raise_for_answer(response, "Threads", creates=creates)

    def identity(self, base_url: str, tokens: Tokens) -> tuple[str, str]:
        response = request(
            "GET",
            self._api("/me"),
            platform="Threads",
            params={"fields": "id,username", "access_token": tokens.access_token},
        )
        self._raise(response)
        me = json_answer(response, "Threads", "id", "username")
        return str(me["id"]), f"@{me['username']}"

    def _published(self, account: Account, media_id: str) -> Published:
        return Published(
            external_id=media_id, url=f"https://www.threads.net/{account.name}/post/{media_id}"
        )

    def mentions(self, account: Account, since: str) -> MentionPage:
        """Replies under the account's posts of the last REPLY_DAYS days (any depth).

        GET /{media-id}/conversation for each post we published there; the creator's own
        answers are left out. `since` is the newest reply time read before."""
        ours = recent_posts(account)
        own_name = account.name.lstrip("@")
        found: list[Mention] = []
        newest = since
        for media_id in ours:
            response = request(
                "GET",
                self._api(f"/{media_id}/conversation"),
                platform="Threads",
                params={
                    "fields": "id,text,username,permalink,timestamp,replied_to,root_post",
                    "access_token": account.access_token,
                },
            )
            self._raise(response)
            for reply in json_list(response, "Threads", "data"):
                try:
                    if str(reply.get("username")) == own_name:
                        continue
                    created = parsed_time(str(reply["timestamp"]).replace("+0000", "+00:00"))
                    if since and created <= parsed_time(since):
                        continue
                    if not newest or created > parsed_time(newest):
                        newest = created.isoformat()
                    found.append(
                        Mention(
                            platform_id=str(reply["id"]),
                            kind="reply",
                            author_handle=f"@{reply['username']}",
                            author_name=str(reply["username"]),
                            text=str(reply.get("text") or ""),
                            url=str(reply.get("permalink") or ""),
                            created_at=created,
                            parent_id=str((reply.get("replied_to") or {}).get("id") or media_id),
                        )
                    )
                except (KeyError, TypeError, ValueError, AttributeError):
                    continue  # one unreadable reply, never the sync
        found.sort(key=lambda m: m.created_at)
        return MentionPage(found, newest)

    def publish(self, account: Account, outgoing: Outgoing, remember: Remember) -> Published:
        token = {"access_token": account.access_token}
        container = outgoing.ref
        if not container:
            container = self._container(account, outgoing)
            outgoing.ref = container
            remember(container)  # committed before it is published
        response = request(
            "POST",
            self._api(f"/{account.external_user_id}/threads_publish"),
            platform="Threads",
            params={**token, "creation_id": container},
        )
        self._raise(response, creates=True)
        return self._published(account, str(json_value(response, "Threads", "id", kind="unknown")))

    def _create(self, account: Account, params: dict[str, str]) -> str:
        response = request(
            "POST",
            self._api(f"/{account.external_user_id}/threads"),
            platform="Threads",
            params={"access_token": account.access_token, **params},
        )
        self._raise(response)
        return str(json_value(response, "Threads", "id"))

    def _container(self, account: Account, outgoing: Outgoing) -> str:
        """A text post, an image post, or a carousel of item containers.

        A reply when it answers the part before: `reply_to_id`. Threads fetches each image from its
        URL: a signed link to this server (SITE_URL must be reachable)."""
        images, text = outgoing.images, outgoing.text
        reply = {"reply_to_id": outgoing.reply_to.external_id} if outgoing.reply_to else {}
        if not images:
            return self._create(account, {"media_type": "TEXT", "text": text, **reply})
        if len(images) == 1:
            image = images[0]
            return self._create(
                account,
                {
                    "media_type": "IMAGE",
                    "image_url": signed_url(image),
                    "text": text,
                    "alt_text": image.alt_text,
                    **reply,
                },
            )
        children = [
            self._create(
                account,
                {
                    "media_type": "IMAGE",
                    "image_url": signed_url(image),
                    "is_carousel_item": "true",
                    "alt_text": image.alt_text,
                },
            )
            for image in images
        ]
        return self._create(
            account,
            {"media_type": "CAROUSEL", "children": ",".join(children), "text": text, **reply},
        )

    def reconcile(self, account: Account, outgoing: Outgoing) -> Published | None:
        """The container's status.

        Its id was issued to this account for this very part, so a PUBLISHED container is this
        post (nothing else can hold the key)."""
        if not outgoing.ref:
            return None  # no container was made: nothing can be out
        response = request(
            "GET",
            self._api(f"/{outgoing.ref}"),
            platform="Threads",
            params={"fields": "id,status,error_message", "access_token": account.access_token},
        )
        self._raise(response)
        status = json_answer(response, "Threads").get("status")
        if status == "PUBLISHED":
            return self._published(account, outgoing.ref)
        if status in ("EXPIRED", "ERROR"):
            outgoing.ref = ""  # a new container next time (committed before it is published)
        return None  # FINISHED / IN_PROGRESS: publishing the same container is safe

    def refresh(self, account: Account) -> Tokens:
        response = request(
            "GET",
            f"{settings.THREADS_API_URL.rstrip('/')}/refresh_access_token",
            platform="Threads",
            params={"grant_type": "th_refresh_token", "access_token": account.refresh_token},
        )
        tokens = refreshed_tokens(response, "Threads")
        # A long-lived Threads token refreshes itself: it is its own refresh material.
        return Tokens(tokens.access_token, tokens.access_token, tokens.expires_at)

    def fetch_metrics(self, account: Account, target: Target) -> dict[str, int]:
        response = request(
            "GET",
            self._api(f"/{target.external_id}/insights"),
            platform="Threads",
            params={"metric": "likes,replies,reposts,views", "access_token": account.access_token},
        )
        self._raise(response)
        values = {
            item["name"]: int((item.get("values") or [{}])[0].get("value") or 0)
            for item in json_answer(response, "Threads").get("data") or []
            if isinstance(item, dict) and "name" in item
        }
        return {
            "likes": values.get("likes", 0),
            "replies": values.get("replies", 0),
            "reposts": values.get("reposts", 0),
            "impressions": values.get("views", 0),
        }
